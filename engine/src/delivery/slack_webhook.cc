// Posting one alert to a Slack incoming webhook, retrying what can succeed.
#include <cctype>
#include <charconv>

#include "delivery/retry.h"
#include "iam_audit/delivery.h"

namespace iam_audit {

int64_t ParseRetryAfterMs(std::string_view value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
    value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.remove_suffix(1);
  if (value.empty()) return -1;
  int64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || ptr != value.data() + value.size() || seconds < 0) return -1;
  if (seconds > 86400) seconds = 86400;
  return seconds * 1000;
}

namespace {

// Slack's error bodies are short codes ("channel_not_found"); keep what we
// quote short and printable whatever the server sent.
std::string ShortBody(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 60)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (body.size() > 60) out += "…";
  return out;
}

}  // namespace

SlackWebhook::SlackWebhook(HttpUrl url, HttpClient& client, Clock& clock, RetryPolicy policy)
    : url_(std::move(url)), client_(client), clock_(clock), policy_(policy) {}

DeliveryOutcome SlackWebhook::Post(std::string_view message_json, int64_t deadline_ms) {
  internal::RetryTransport transport;
  transport.name = "slack";
  transport.who = "slack: " + url_.host;
  transport.send = [&](int64_t timeout_ms) {
    return client_.Post(url_, message_json, "application/json", timeout_ms);
  };
  transport.classify = [&who = transport.who](const HttpResponse& response) {
    const int code = response.status;
    if (code >= 200 && code < 300) return internal::AnswerVerdict::Delivered();
    std::string answer = who + " answered " + std::to_string(code);
    if (!response.body.empty()) answer += " " + ShortBody(response.body);
    if (code == 429) {
      const int64_t asked = ParseRetryAfterMs(response.retry_after);
      if (asked < 0) return internal::AnswerVerdict::RetryWithBackoff(std::move(answer));
      answer += " (Retry-After " + std::to_string(asked / 1000) + " s)";
      return internal::AnswerVerdict::RetryAfter(asked, std::move(answer));
    }
    // 4xx other than 429 (invalid_blocks, channel_not_found, invalid_token,
    // no_service, …) and anything odd below 500: the same request fails again.
    if (code < 500) return internal::AnswerVerdict::GiveUp(std::move(answer));
    return internal::AnswerVerdict::RetryWithBackoff(std::move(answer));
  };
  return internal::DeliverWithRetries(policy_, clock_, deadline_ms, transport);
}

}  // namespace iam_audit
