// Subscription payload decoding: what CloudWatch Logs hands a Lambda.
//
// A subscription filter invokes its Lambda with {"awslogs":{"data":"<b64>"}}
// where data = base64(gzip(JSON LogBatch)). These functions undo each layer
// and report the first failure as a Status naming the stage and the position
// ("payload: base64: invalid character '%' at offset 112"). All functions are
// pure and thread-safe.
#ifndef IAM_AUDIT_PAYLOAD_H_
#define IAM_AUDIT_PAYLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/status.h"

namespace iam_audit {

// One log event. `id` is kept as a string: AWS sends ~56-digit decimals.
struct LogEvent {
  std::string id;
  int64_t timestamp = 0;  // ms since the Unix epoch
  std::string message;    // for CloudTrail: one whole record as JSON text
};

// The decoded DATA_MESSAGE or CONTROL_MESSAGE document.
struct LogBatch {
  std::string message_type;  // "DATA_MESSAGE" or "CONTROL_MESSAGE"
  std::string owner;
  std::string log_group;
  std::string log_stream;
  std::vector<std::string> subscription_filters;
  std::string policy_level;  // empty when absent
  std::vector<LogEvent> log_events;

  bool IsControl() const { return message_type == "CONTROL_MESSAGE"; }
};

struct DecodeOptions {
  // Refuse to inflate beyond this many bytes (a gzip bomb is refused, not obeyed).
  size_t max_inflated_bytes = size_t{64} << 20;
};

// Strict RFC 4648 base64 (standard alphabet, '=' padding required when the
// length is not a multiple of 4; no whitespace). Errors name the offset.
StatusOr<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view bytes);

// Inflates one gzip member (RFC 1952). Errors: bad magic, corrupt data,
// truncated stream, inflated size over `max_bytes`, trailing garbage.
StatusOr<std::string> GzipInflate(std::string_view gz, size_t max_bytes);
// gzip-compresses `bytes` (for the simulator and for tests). `level` 0..9.
std::string GzipDeflate(std::string_view bytes, int level = 6);

// Parses the decoded JSON document into a LogBatch. Unknown keys are ignored.
StatusOr<LogBatch> ParseLogBatch(std::string_view json);

// Decodes the value of the Lambda event's awslogs.data: base64 of gzip of the
// batch JSON. The same result and errors as DecodeSubscriptionEvent gives for
// the event around it, with fewer copies: the compressed bytes are freed
// before the parse, and the batch is parsed inside the inflated buffer.
StatusOr<LogBatch> DecodeAwsLogsData(std::string_view base64, const DecodeOptions& options = {});

// Decodes any of: the Lambda event {"awslogs":{"data":"..."}}, the bare base64
// string (optionally as a JSON string), or an already-decoded LogBatch JSON.
// Leading/trailing whitespace is ignored. The usual event, exactly
// {"awslogs":{"data":"<base64 characters>"}} with any JSON whitespace, is read
// without a JSON parser; every spelling gives the same batch or error.
StatusOr<LogBatch> DecodeSubscriptionEvent(std::string_view input,
                                           const DecodeOptions& options = {});

// The batch as pretty JSON, with AWS's field names (for `iam-audit decode`).
std::string LogBatchToJson(const LogBatch& batch, int indent = 2);

}  // namespace iam_audit

#endif  // IAM_AUDIT_PAYLOAD_H_
