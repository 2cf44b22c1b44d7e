// The CloudWatch Logs side of the simulator: how CloudTrail turns a record
// into a log event, how log streams and event ids are named, and how a batch
// of log events becomes the Lambda event a subscription filter delivers
// (the CloudWatch Logs User Guide on subscription filters, Example 2: Lambda).
//
// A CloudTrail record becomes one log event whose message is the record's
// compact JSON (key order and string escapes kept as written), whose
// timestamp is the record's eventTime in milliseconds, and which lives in the
// stream "<account>_CloudTrail_<region>". A DATA_MESSAGE covers one stream;
// it is gzip-compressed (fixed header, mtime 0), base64-encoded (standard
// alphabet, padded) and wrapped as {"awslogs":{"data":"…"}}.
//
// Everything here is a pure function or a small value type; EventIdSequence
// is the only stateful piece and is not thread-safe (one per stream).
#ifndef IAM_AUDIT_SIMULATOR_CLOUDWATCH_H_
#define IAM_AUDIT_SIMULATOR_CLOUDWATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/json_string.h"
#include "iam_audit/payload.h"
#include "iam_audit/status.h"

namespace iam_audit::simulator {

// CloudTrail does not send events over 256 KB to CloudWatch Logs (CloudTrail User Guide, "Sending
// events to CloudWatch Logs"); the size is counted as PutLogEvents counts it: message bytes + 26.
inline constexpr size_t kCloudTrailMaxEventBytes = 262144;
inline constexpr size_t kPutLogEventsOverheadBytes = 26;
// PutLogEvents batch limits (CloudWatch Logs API Reference, PutLogEvents), used as the default
// batch bounds.
inline constexpr size_t kMaxBatchEvents = 10000;
inline constexpr size_t kMaxBatchBytes = 1048576;
// Lambda's asynchronous invocation payload limit (Lambda Developer Guide, "Lambda quotas").
inline constexpr size_t kMaxLambdaAsyncPayloadBytes = 1048576;

inline constexpr std::string_view kControlMessageText =
    "CWL CONTROL MESSAGE: Checking health of destination Lambda function.";

// What CloudTrail would write to CloudWatch Logs for one record.
struct TrailEvent {
  std::string message;    // compact JSON of the record
  int64_t timestamp = 0;  // eventTime in ms since the Unix epoch
  std::string account;    // recipientAccountId, else userIdentity.accountId, else the default
  std::string region;     // awsRegion, else the default
};

// Reads one CloudTrail record (JSON text, any whitespace). Errors name the
// problem and, for bad JSON, the 1-based line and column within `record`:
// "invalid JSON: … at line 3, column 7", "no eventTime", "bad eventTime '…'",
// "expected a JSON object, got array".
StatusOr<TrailEvent> ToTrailEvent(std::string_view record, std::string_view default_account,
                                  std::string_view default_region);

// The compact form of a JSON text: whitespace outside strings removed, all
// else byte for byte. Errors: invalid JSON, with line and column.
StatusOr<std::string> CompactJson(std::string_view json);

// "<account>_CloudTrail_<region>" (CloudTrail UG, log stream naming).
std::string LogStreamName(std::string_view account, std::string_view region);

// The console's default log group name: "aws-cloudtrail-logs-<account>-<suffix>"
// where the suffix is 8 lowercase hex digits derived from `seed`.
std::string DefaultLogGroupName(std::string_view account, uint64_t seed);

// Log event ids for one stream: 56-digit decimal strings whose top bits are
// the event timestamp (id >> 144 == timestamp in ms, as in AWS's samples) and
// that strictly increase within the stream, even when timestamps go back.
class EventIdSequence {
 public:
  // `seed` and `stream` pick the stream's random low bits deterministically.
  EventIdSequence(uint64_t seed, std::string_view stream);
  std::string Next(int64_t timestamp_ms);

 private:
  int64_t last_timestamp_ = -1;
  uint64_t middle_ = 0;  // bits 64..127
  uint64_t low_ = 0;     // bits 0..63
};

// The decimal representation of the 192-bit number hi·2^128 + mid·2^64 + lo.
std::string Uint192ToDecimal(uint64_t hi, uint64_t mid, uint64_t lo);

// JSON text of a DATA_MESSAGE or CONTROL_MESSAGE batch, fields in the order
// AWS shows them; policyLevel only when non-empty.
std::string LogBatchJson(const LogBatch& batch);
// The CONTROL_MESSAGE a destination receives (CloudWatch Logs User Guide, "Subscription filters"
// (CONTROL_MESSAGE)).
LogBatch ControlMessageBatch(int64_t timestamp_ms);
// {"awslogs":{"data":base64(gzip(batch_json))}}. gzip_level 0..9 as zlib's
// (a level outside is taken as the nearest); compressed with libdeflate, a
// standard gzip member that zlib, Python and the engine inflate.
std::string LambdaEventJson(std::string_view batch_json, int gzip_level = 6);

// JSON string literal for `text` (quotes included): the engine's (iam_audit/json_string.h).
using iam_audit::AppendJsonString;

}  // namespace iam_audit::simulator

#endif  // IAM_AUDIT_SIMULATOR_CLOUDWATCH_H_
