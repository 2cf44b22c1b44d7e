// Private to engine/src/payload: the handler's decode path without copies.
// A LogBatch is parsed by simdjson, which reads up to SIMDJSON_PADDING bytes
// past the end of its input. Inflating straight into a buffer with that much
// slack lets the batch be parsed where it lies, instead of simdjson copying
// the whole inflated document (~6 MB for a 1 MB payload) into its own.
#ifndef IAM_AUDIT_PAYLOAD_PAYLOAD_INTERNAL_H_
#define IAM_AUDIT_PAYLOAD_PAYLOAD_INTERNAL_H_

#include <cstddef>
#include <memory>
#include <string_view>

#include "iam_audit/payload.h"
#include "iam_audit/status.h"

namespace iam_audit::internal {

// Bytes followed by `padding` zero bytes, then possibly more (an inflated
// size under the gzip trailer's). Not initialised beyond that on purpose:
// pages the inflater does not write are never touched, so a trailer that
// over-states the size costs address space, not memory.
struct PaddedBytes {
  std::unique_ptr<char[]> data;
  size_t size = 0;
  std::string_view view() const { return {data.get(), size}; }
};

// GzipInflate into a PaddedBytes with `padding` bytes of slack. Same
// results, errors and limit as GzipInflate.
Status GzipInflatePadded(std::string_view gz, size_t max_bytes, size_t padding, PaddedBytes* out);

// ParseLogBatch for a text followed by at least SIMDJSON_PADDING readable
// bytes: no copy of the text is made, and the text is freed as soon as the
// parse no longer needs it (before the messages are copied out).
StatusOr<LogBatch> ParseLogBatchPadded(PaddedBytes text);

}  // namespace iam_audit::internal

#endif  // IAM_AUDIT_PAYLOAD_PAYLOAD_INTERNAL_H_
