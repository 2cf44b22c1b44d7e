// The S3 and EventBridge sides of the simulator: how CloudTrail delivers
// records to an S3 bucket as gzip log files, the notifications a consumer
// receives for those objects (S3 event notifications, directly or through
// SNS, SQS or EventBridge, and CloudTrail's own SNS message), and the
// EventBridge events CloudTrail sends for each record. See docs/simulate.md.
//
// Log files: one per account (recipientAccountId, else
// userIdentity.accountId, else the default), region (awsRegion, else the
// default) and window of eventTime (`window_ms`, 5 minutes by default),
// `{"Records":[…]}` with each record's text exactly as read, records in
// eventTime order (ties in input order), under
//   [PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
//   ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_UNIQUE.json.gz
// The time in the path and the name is the window's end: CloudTrail names a
// file by when it was delivered, after the records it holds. UNIQUE is 16
// characters [A-Za-z0-9] that depend only on the seed, the account, region
// and window.
//
// Determinism: the output depends only on the records, their order and the
// options (seed included). Not thread-safe: one S3Delivery per run.
#ifndef IAM_AUDIT_SIMULATOR_S3_DELIVERY_H_
#define IAM_AUDIT_SIMULATOR_S3_DELIVERY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/simulator/simulator.h"
#include "iam_audit/status.h"

namespace iam_audit::simulator {

inline constexpr int64_t kCloudTrailDeliveryWindowMs = int64_t{5} * 60 * 1000;

struct S3DeliveryOptions {
  std::string prefix;  // the trail's S3 key prefix, without slashes at either end; may be empty
  std::string org_id;  // "o-…" for an organization trail; empty otherwise
  std::string default_account = "123456789012";
  std::string default_region = "us-east-1";
  uint64_t seed = 0;
  int64_t window_ms = kCloudTrailDeliveryWindowMs;  // > 0
  int gzip_level = 6;
};

// One delivered log file.
struct LogFile {
  std::string key;           // the object key
  std::string account;       // of its records
  std::string region;        // of its records
  int64_t delivered_ms = 0;  // window end: the time in its name
  std::string body;          // uncompressed {"Records":[…]}
  std::string gzip;          // the object's bytes
  std::string etag;  // lowercase hex MD5 of `gzip` (S3's ETag of a single-part PUT, unquoted)
  std::vector<uint64_t> record_sequences;  // run-wide record numbers, in file order
};

// Checks the options: kInvalidArgument naming the option (--org-id must be
// "o-" and 10 to 32 lowercase letters or digits; --prefix must not start
// or end with '/'; the window must be positive).
Status ValidateS3DeliveryOptions(const S3DeliveryOptions& options);

// The key of a log file (see the layout above). `unique` must be the 16
// characters of the name's unique part.
std::string LogFileKey(const S3DeliveryOptions& options, std::string_view account,
                       std::string_view region, int64_t delivered_ms, std::string_view unique);

// Collects records, then cuts them into log files. Holds every record until
// Finish() (inputs need not be in time order), so memory grows with the input.
class S3Delivery {
 public:
  explicit S3Delivery(S3DeliveryOptions options);
  // Adds one record (its text as read). Errors: what ToTrailEvent rejects
  // (bad JSON, no or bad eventTime), with the same messages.
  Status AddRecord(std::string_view record_json, uint64_t sequence);
  // The log files, ordered by delivery time, then account, then region.
  std::vector<LogFile> Finish();

 private:
  struct Pending {
    std::string account;
    std::string region;
    int64_t window = 0;  // eventTime / window_ms, rounded down
    int64_t timestamp = 0;
    uint64_t sequence = 0;
    std::string text;
  };
  S3DeliveryOptions options_;
  std::vector<Pending> records_;
};

// ---- Notifications ------------------------------------------------------

// S3 event notification key encoding: as a form (space → '+'), every byte
// percent-encoded (%XX, upper case) except A-Z a-z 0-9 - _ . * and '/'.
std::string S3NotificationKey(std::string_view key);

enum class Envelope {
  kS3,                // S3 → Lambda: the S3 event notification
  kSns,               // S3 → SNS → Lambda
  kSqs,               // S3 → SQS → Lambda
  kSnsSqs,            // S3 → SNS → SQS → Lambda
  kEventBridge,       // S3 → EventBridge → Lambda ("Object Created")
  kEventBridgeSqs,    // S3 → EventBridge → SQS → Lambda
  kCloudTrailSns,     // CloudTrail's SNS notification → Lambda
  kCloudTrailSnsSqs,  // CloudTrail's SNS notification → SQS → Lambda
};
// "s3", "sns", "sqs", "sns-sqs", "eventbridge", "eventbridge-sqs",
// "cloudtrail-sns", "cloudtrail-sns-sqs". kInvalidArgument listing them.
StatusOr<Envelope> ParseEnvelope(std::string_view name);

struct NotificationOptions {
  std::string bucket;
  std::string bucket_region = "us-east-1";
  std::string bucket_account =
      "123456789012";                          // bucket owner: topic, queue and EventBridge account
  std::string configuration_id = "iam-audit";  // the bucket notification configuration's Id
  std::string
      topic_arn;  // empty: arn:aws:sns:<bucket_region>:<bucket_account>:iam-audit-cloudtrail
  std::string
      queue_arn;  // empty: arn:aws:sqs:<bucket_region>:<bucket_account>:iam-audit-cloudtrail
  uint64_t seed = 0;
};

// The Lambda event for log file `file` (number `n`, 1-based, in delivery
// order: it orders the S3 sequencers), in `envelope`. One line, no newline.
std::string NotificationJson(const LogFile& file, size_t n, Envelope envelope,
                             const NotificationOptions& options);

// The layers on their own (each a JSON text), for tests and composition.
std::string S3EventJson(const LogFile& file, size_t n, const NotificationOptions& options);
std::string S3EventBridgeEventJson(const LogFile& file, size_t n,
                                   const NotificationOptions& options);
std::string CloudTrailSnsMessageJson(const LogFile& file, const NotificationOptions& options);

// ---- EventBridge events from CloudTrail ---------------------------------

// The EventBridge event CloudTrail sends for one record: detail-type from
// eventType (AwsApiCall or none → "AWS API Call via CloudTrail",
// AwsConsoleSignIn → "AWS Console Sign In via CloudTrail", AwsServiceEvent
// → "AWS Service Event via CloudTrail", AwsConsoleAction → "AWS Console
// Action via CloudTrail", AwsCloudTrailInsight → "AWS Insight via
// CloudTrail"), source "aws.<service>" from eventSource
// ("iam.amazonaws.com" → "aws.iam"), account and region as the log stream's,
// time = eventTime, detail = the record's compact JSON. `sequence` picks the
// id. Errors: what ToTrailEvent rejects; no eventSource.
StatusOr<std::string> CloudTrailEventBridgeJson(std::string_view record_json, uint64_t sequence,
                                                std::string_view default_account,
                                                std::string_view default_region, uint64_t seed);

// `event_json` (an EventBridge event) as SQS delivers it to Lambda.
std::string WrapEventBridgeInSqs(std::string_view event_json, uint64_t sequence, int64_t sent_ms,
                                 const NotificationOptions& options);

// Lowercase hex MD5 (RFC 1321) of `bytes`.
std::string Md5Hex(std::string_view bytes);

}  // namespace iam_audit::simulator

#endif  // IAM_AUDIT_SIMULATOR_S3_DELIVERY_H_
