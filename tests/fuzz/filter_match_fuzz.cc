// Fuzz target: the matcher. The input is "<pattern>\n<event>"; every event is
// matched against every compilable pattern, and Match/Matches must agree.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "iam_audit/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  if (nl == std::string_view::npos) return 0;
  auto filter = iam_audit::Filter::Compile(input.substr(0, nl));
  if (!filter.ok()) return 0;
  const std::string_view event = input.substr(nl + 1);
  const bool matched = filter->Match(event).matched;
  if (matched != filter->Matches(event)) __builtin_trap();
  return 0;
}
