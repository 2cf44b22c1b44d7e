// Posting one message to a Telegram chat through the Bot API, retrying what
// can succeed. The loop mirrors SlackWebhook::Post; the differences are the
// request body, where 429 says how long to wait (the JSON answer), and that
// Telegram's error text is in "description".
#include "iam_audit/telegram.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace iam_audit {
namespace {

// Telegram's "description", printable and short; the raw body when it is not JSON.
std::string Describe(std::string_view body, int64_t* retry_after_ms) {
  std::string text(body.substr(0, 200));
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    if (j.contains("description") && j["description"].is_string()) text = j["description"].get<std::string>();
    if (j.contains("parameters") && j["parameters"].is_object() &&
        j["parameters"].contains("retry_after") && j["parameters"]["retry_after"].is_number_integer()) {
      int64_t s = j["parameters"]["retry_after"].get<int64_t>();
      if (s >= 0) *retry_after_ms = std::min<int64_t>(s, 86400) * 1000;
    }
  }
  std::string out;
  for (char c : text.substr(0, 100)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > 100) out += "...";
  return out;
}

}  // namespace

StatusOr<TelegramBot> TelegramBot::Create(const std::string& token, std::string chat_id,
                                          HttpClient& client, Clock& clock, RetryPolicy policy,
                                          std::string_view api_base) {
  if (token.empty()) return InvalidArgumentError("telegram: bot token is empty");
  if (chat_id.empty()) return InvalidArgumentError("telegram: chat id is empty");
  if (token.find_first_of("/?#% \t\r\n") != std::string::npos)
    return InvalidArgumentError("telegram: bot token has characters a token never has");
  std::string base(api_base);
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto url = ParseHttpUrl(base + "/bot" + token + "/sendMessage");
  if (!url.ok()) return url.status().WithPrefix("telegram");
  return TelegramBot(std::move(*url), std::move(chat_id), client, clock, policy);
}

TelegramBot::TelegramBot(HttpUrl url, std::string chat_id, HttpClient& client, Clock& clock,
                         RetryPolicy policy)
    : url_(std::move(url)), chat_id_(std::move(chat_id)), client_(&client), clock_(&clock), policy_(policy) {}

DeliveryOutcome TelegramBot::Send(std::string_view html, int64_t deadline_ms) {
  nlohmann::json body = {{"chat_id", chat_id_},
                         {"text", std::string(html)},
                         {"parse_mode", "HTML"},
                         {"disable_web_page_preview", true}};
  const std::string payload = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  DeliveryOutcome out;
  const std::string who = "telegram: " + url_.host;
  const int64_t stop_at = deadline_ms - policy_.reserve_ms;
  int64_t backoff = policy_.initial_backoff_ms;
  std::string last_error = who + ": not attempted";
  for (int attempt = 1;; ++attempt) {
    const int64_t left = stop_at - clock_->NowMs();
    if (left < policy_.min_request_ms) {
      out.status = DeadlineExceededError(
          attempt == 1 ? who + ": no time left before the invocation deadline"
                       : last_error + "; no time left for attempt " + std::to_string(attempt));
      out.retryable = true;
      return out;
    }
    ++out.attempts;
    auto response = client_->Post(url_, payload, "application/json",
                                  std::min(policy_.request_timeout_ms, left));
    int64_t wait = backoff;
    if (response.ok()) {
      const int code = response->status;
      out.last_http_status = code;
      if (code >= 200 && code < 300) {
        out.status = Status::Ok();
        return out;
      }
      int64_t asked = -1;
      std::string answer = who + " answered " + std::to_string(code) + " " + Describe(response->body, &asked);
      if (code == 429) {
        if (asked < 0) asked = ParseRetryAfterMs(response->retry_after);
        if (asked >= 0) {
          wait = asked;  // Telegram says when: honour it exactly
          answer += " (retry_after " + std::to_string(asked / 1000) + " s)";
        }
      } else if (code < 500) {
        out.status = InvalidArgumentError(answer + " (not retried)");
        out.retryable = false;
        return out;
      }
      last_error = answer;
      out.retryable = true;
    } else {
      out.last_http_status = 0;
      last_error = "telegram: " + response.status().message();
      if (response.status().code() != StatusCode::kUnavailable &&
          response.status().code() != StatusCode::kDeadlineExceeded) {
        out.status = response.status().WithPrefix("telegram");
        out.retryable = false;
        return out;
      }
      out.retryable = true;
    }
    if (attempt >= policy_.max_attempts) {
      out.status = UnavailableError(last_error + " after " + std::to_string(attempt) + " attempts");
      return out;
    }
    if (clock_->NowMs() + wait + policy_.min_request_ms > stop_at) {
      out.status = DeadlineExceededError(last_error + "; retry in " + std::to_string(wait) +
                                         " ms would pass the invocation deadline");
      return out;
    }
    clock_->SleepMs(wait);
    backoff = std::min(backoff * 2, policy_.max_backoff_ms);
  }
}

}  // namespace iam_audit
