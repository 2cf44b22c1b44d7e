// Posting one alert to a Slack incoming webhook, retrying what can succeed.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "iam_audit/delivery.h"

namespace iam_audit {

int64_t ParseRetryAfterMs(std::string_view value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
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
  DeliveryOutcome out;
  const std::string who = "slack: " + url_.host;
  const int64_t stop_at = deadline_ms - policy_.reserve_ms;  // keep time to report to Lambda
  int64_t backoff = policy_.initial_backoff_ms;
  std::string last_error = who + ": not attempted";
  for (int attempt = 1;; ++attempt) {
    const int64_t left = stop_at - clock_.NowMs();
    if (left < policy_.min_request_ms) {
      out.status = DeadlineExceededError(
          attempt == 1 ? who + ": no time left before the invocation deadline"
                       : last_error + "; no time left for attempt " + std::to_string(attempt));
      out.retryable = true;
      return out;
    }
    ++out.attempts;
    auto response = client_.Post(url_, message_json, "application/json",
                                 std::min(policy_.request_timeout_ms, left));
    int64_t wait = backoff;
    if (response.ok()) {
      const int code = response->status;
      out.last_http_status = code;
      if (code >= 200 && code < 300) {
        out.status = Status::Ok();
        return out;
      }
      std::string answer = who + " answered " + std::to_string(code);
      if (!response->body.empty()) answer += " " + ShortBody(response->body);
      if (code == 429) {
        int64_t asked = ParseRetryAfterMs(response->retry_after);
        if (asked >= 0) {
          wait = asked;  // Slack says when: honour it exactly
          answer += " (Retry-After " + std::to_string(asked / 1000) + " s)";
        }
      } else if (code < 500) {
        // 4xx other than 429 (invalid_blocks, channel_not_found, invalid_token,
        // no_service, …) and anything odd below 500: the same request fails again.
        out.status = InvalidArgumentError(answer + " (not retried)");
        out.retryable = false;
        return out;
      }
      last_error = answer;
      out.retryable = true;
    } else {
      out.last_http_status = 0;
      last_error = "slack: " + response.status().message();
      if (response.status().code() != StatusCode::kUnavailable &&
          response.status().code() != StatusCode::kDeadlineExceeded) {
        out.status = response.status().WithPrefix("slack");
        out.retryable = false;
        return out;
      }
      out.retryable = true;
    }
    if (attempt >= policy_.max_attempts) {
      out.status = UnavailableError(last_error + " after " + std::to_string(attempt) + " attempts");
      return out;
    }
    if (clock_.NowMs() + wait + policy_.min_request_ms > stop_at) {
      out.status = DeadlineExceededError(last_error + "; retry in " + std::to_string(wait) +
                                         " ms would pass the invocation deadline");
      return out;
    }
    clock_.SleepMs(wait);
    backoff = std::min(backoff * 2, policy_.max_backoff_ms);
  }
}

}  // namespace iam_audit
