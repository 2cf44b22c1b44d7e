// Builds CloudWatch Logs subscription events for the handler tests.
#ifndef IAM_AUDIT_TESTS_LAMBDA_PAYLOADS_H_
#define IAM_AUDIT_TESTS_LAMBDA_PAYLOADS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "iam_audit/payload.h"

namespace iam_audit::testing {

inline std::string Record(const std::string& event_id, const std::string& user = "alice",
                          const std::string& event_name = "CreateUser",
                          const std::string& event_source = "iam.amazonaws.com",
                          const std::string& ip = "203.0.113.5") {
  nlohmann::ordered_json r;
  r["eventVersion"] = "1.08";
  r["userIdentity"] = {{"type", "IAMUser"},
                       {"principalId", "AIDAEXAMPLE"},
                       {"arn", "arn:aws:iam::111122223333:user/" + user},
                       {"accountId", "111122223333"},
                       {"userName", user}};
  r["eventTime"] = "2022-06-21T13:56:13Z";
  r["eventSource"] = event_source;
  r["eventName"] = event_name;
  r["awsRegion"] = "us-east-1";
  r["sourceIPAddress"] = ip;
  r["userAgent"] = "aws-cli/2";
  r["eventID"] = event_id;
  r["eventType"] = "AwsApiCall";
  r["recipientAccountId"] = "111122223333";
  return r.dump();
}

// {"awslogs":{"data":base64(gzip(batch))}} with one log event per message.
inline std::string SubscriptionEvent(const std::vector<std::string>& messages,
                                     const std::string& message_type = "DATA_MESSAGE") {
  nlohmann::ordered_json batch;
  batch["messageType"] = message_type;
  batch["owner"] = "111122223333";
  batch["logGroup"] = "aws-cloudtrail-logs-111122223333";
  batch["logStream"] = "111122223333_CloudTrail_us-east-1";
  batch["subscriptionFilters"] = {"iam-audit"};
  batch["logEvents"] = nlohmann::ordered_json::array();
  long long id = 1000;
  for (const std::string& m : messages) {
    batch["logEvents"].push_back(
        {{"id", "3695398011563217823463461378471230498576" + std::to_string(id++)},
         {"timestamp", 1655819773000},
         {"message", m}});
  }
  nlohmann::json event;
  event["awslogs"]["data"] = Base64Encode(GzipDeflate(batch.dump()));
  return event.dump();
}

}  // namespace iam_audit::testing

#endif  // IAM_AUDIT_TESTS_LAMBDA_PAYLOADS_H_
