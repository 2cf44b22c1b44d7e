// Fuzz target: CloudTrail record → Slack message. Whatever the message, the
// result is JSON that keeps Slack's limits and carries no unescaped '<'.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "iam_audit/slack_message.h"
#include "slack_limits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  static const iam_audit::RenderOptions options;
  const std::string rendered = iam_audit::RenderMessage(message, options);
  if (!iam_audit::testing::SlackLimitViolation(rendered).empty()) __builtin_trap();
  return 0;
}
