// Fuzz target: mock_slack's webhook payload validator (JSON and form bodies,
// Block Kit limits) and its mrkdwn → HTML rendering of what it accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mock_slack/payload.h"
#include "mock_slack/render.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const bool form = size > 0 && (data[0] & 1);
  auto verdict = mock_slack::ValidatePayload(
      body, form ? "application/x-www-form-urlencoded" : "application/json");
  if (verdict.accepted) (void)mock_slack::RenderMessageHtml(verdict.payload_json);
  (void)mock_slack::RenderMrkdwn(body);
  return 0;
}
