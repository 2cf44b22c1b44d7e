// The handler's inputs other than a CloudWatch Logs subscription: S3
// notifications of CloudTrail log files (read and streamed in chunks of
// records) and EventBridge's CloudTrail events, units decoded by
// lambda_event.h. Private to the engine.
#ifndef IAM_AUDIT_HANDLER_LAMBDA_INPUT_H_
#define IAM_AUDIT_HANDLER_LAMBDA_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <functional>

#include "iam_audit/clock.h"
#include "iam_audit/filter.h"
#include "iam_audit/handler.h"
#include "iam_audit/lambda_event.h"
#include "iam_audit/log_object_source.h"
#include "iam_audit/payload.h"

namespace iam_audit::internal {

// The rule name under which records that IAM_AUDIT_FILTER_PATTERN does not
// match are counted as ignored.
inline constexpr const char* kFilterPatternRule = "filter-pattern";
// The alert for a CloudTrail log file removed from its bucket.
inline constexpr const char* kLogFileDeletedRule = "log-file-deleted";

struct InputRun {
  const Filter* pattern = nullptr;  // null: every record goes on to the rules
  LogObjectSource* source = nullptr;
  Clock* clock = nullptr;
  int64_t deadline_ms = 0;
  int64_t reserve_ms = 0;      // kept free before the deadline
  size_t chunk_records = 500;  // records per call of `deliver`
  size_t max_record_bytes = size_t{16} << 20;
  // The delivery plan: adds to result.summary, may set result.status.
  // `object`: the log file the records were read from; null for
  // EventBridge's records.
  std::function<void(const LogBatch&, const S3ObjectRef* object, InvocationResult&)> deliver;
  // One log-file-deleted alert for `object` (the event's message describes
  // the removal).
  std::function<void(const S3ObjectRef& object, const LogEvent&, InvocationResult&)>
      deliver_deleted;
};

// Runs every unit of `event` (not kAwsLogs). Fills the summary's received,
// ignored["filter-pattern"], objects, skipped, object_failures and input.
// SQS: the units whose records were not all delivered become
// result.batch_item_failures and the invocation succeeds; otherwise a
// failure is result.status.
void RunLambdaInput(const LambdaEvent& event, const InputRun& run, InvocationResult& result);

// The S3 console's page of one object:
// https://s3.console.aws.amazon.com/s3/object/BUCKET?region=REGION&prefix=KEY
// with BUCKET, REGION and KEY percent-encoded (all but A-Z a-z 0-9 - _ . ~,
// so '/' is %2F); "&region=" is left out when the region is unknown.
std::string S3ConsoleObjectUrl(std::string_view bucket, std::string_view region,
                               std::string_view key);

// The JSON message standing for a removed log file: CloudTrail's record
// fields (eventSource s3.amazonaws.com, eventName the notification's,
// requestParameters bucketName/key, userIdentity.principalId,
// sourceIPAddress, awsRegion, recipientAccountId from the key) so that the
// renderers show who and what.
std::string LogFileDeletedMessage(const S3ObjectRef& object, std::string_view account);

}  // namespace iam_audit::internal

#endif  // IAM_AUDIT_HANDLER_LAMBDA_INPUT_H_
