// Fuzz target: the subscription payload decoder (envelope JSON, base64,
// gzip inflate with its cap, batch JSON). Any input must give a value or a
// Status, never a crash, a leak or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "iam_audit/payload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  iam_audit::DecodeOptions options;
  options.max_inflated_bytes = size_t{4} << 20;  // keep each run small
  auto batch = iam_audit::DecodeSubscriptionEvent(input, options);
  if (batch.ok()) {
    // Re-encoding what we decoded must decode to the same document.
    auto again = iam_audit::DecodeSubscriptionEvent(iam_audit::LogBatchToJson(*batch), options);
    if (!again.ok()) __builtin_trap();
  }
  // The raw layers on their own, too.
  (void)iam_audit::Base64Decode(input);
  (void)iam_audit::GzipInflate(input, size_t{1} << 20);
  return 0;
}
