// The CloudTrail record model: the fields an alert needs, read from one log
// event's message, plus a display identity for every userIdentity.type.
//
// Parsing never throws and never crashes on hostile input: a message that is
// not a JSON object yields a non-OK Status (the caller then posts the raw
// message as a fallback alert); a JSON object with missing or oddly typed
// fields yields a record whose missing fields are empty. Thread-safe.
#ifndef IAM_AUDIT_CLOUDTRAIL_H_
#define IAM_AUDIT_CLOUDTRAIL_H_

#include <optional>
#include <string>
#include <string_view>

#include "iam_audit/status.h"

namespace iam_audit {

struct CloudTrailRecord {
  std::string event_version;
  std::string event_time;  // as in the record, e.g. "2022-06-21T13:56:13Z"
  std::string event_type;  // AwsApiCall, AwsConsoleSignIn, ...
  std::string event_source;
  std::string event_name;
  std::string aws_region;
  std::string source_ip_address;
  std::string user_agent;
  std::string event_id;
  std::string error_code;
  std::string error_message;
  std::string recipient_account_id;
  std::optional<bool> read_only;
  std::string mfa_used;       // additionalEventData.MFAUsed ("Yes", "No", "YES", or empty)
  std::string console_login;  // responseElements.ConsoleLogin ("Success", "Failure", or empty)

  // userIdentity
  std::string identity_type;  // empty when missing
  std::string user_name;
  std::string arn;
  std::string account_id;
  std::string principal_id;
  std::string invoked_by;
  // Who did it, as a person reads it. Never empty. Plain text (not escaped).
  //   IAMUser             userName, else the ARN's last segment, else principalId: "alice"
  //   Root                "root", or "root of <alias>" when userName holds an account alias
  //   AssumedRole         "<role>/<session>" from the ARN, else sessionIssuer.userName
  //                       (+ "/<session>" from principalId): "Admin/alice"
  //   Role                the role name from the ARN
  //   FederatedUser       "federated user <name>" (ARN, else principalId after ':')
  //   AWSService          "AWS service <invokedBy>"
  //   AWSAccount          "AWS account <accountId or principalId>"
  //   IdentityCenterUser  "Identity Center user <onBehalfOf.userId>" (no arn/userName)
  //   SAMLUser            "SAML user <userName>";  WebIdentityUser "web identity user <userName>"
  //   Unknown             userName, else principalId, else "unknown identity"
  //   other types         "<type> <name>" (Directory and future types)
  //   no type             invokedBy ("AWS Internal" as is, else "AWS service <x>"), else
  //                       userName/ARN/principalId, else "AWS account <accountId>"
  //   no/null userIdentity  "unknown identity"
  // A userName of HIDDEN_DUE_TO_SECURITY_REASONS (failed sign-in with a wrong
  // user name) reads "user name hidden by CloudTrail".
  std::string display_identity;
};

// Parses one CloudTrail record (the compact JSON CloudTrail writes to
// CloudWatch Logs). Errors: "record: not JSON: ... at line L, column C" or
// "record: not a JSON object".
StatusOr<CloudTrailRecord> ParseCloudTrailRecord(std::string_view message);

// The display identity for a userIdentity object given as JSON text (exposed
// for tests; ParseCloudTrailRecord fills CloudTrailRecord::display_identity).
std::string DisplayIdentityFromJson(std::string_view user_identity_json);

}  // namespace iam_audit

#endif  // IAM_AUDIT_CLOUDTRAIL_H_
