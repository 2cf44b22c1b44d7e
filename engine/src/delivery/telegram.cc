// Posting one message to a Telegram chat through the Bot API, retrying what
// can succeed with the policy SlackWebhook::Post uses too (delivery/retry.h);
// the differences are the request body, where 429 says how long to wait (the
// JSON answer's parameters.retry_after, else a Retry-After header), and that
// Telegram's error text is in "description".
#include "iam_audit/telegram.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "delivery/retry.h"

namespace iam_audit {
namespace {

// Telegram's "description", printable and short; the raw body when it is not JSON.
std::string Describe(std::string_view body, int64_t* retry_after_ms) {
  std::string text(body.substr(0, 200));
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    if (j.contains("description") && j["description"].is_string())
      text = j["description"].get<std::string>();
    if (j.contains("parameters") && j["parameters"].is_object() &&
        j["parameters"].contains("retry_after") &&
        j["parameters"]["retry_after"].is_number_integer()) {
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
    : url_(std::move(url)),
      chat_id_(std::move(chat_id)),
      client_(&client),
      clock_(&clock),
      policy_(policy) {}

DeliveryOutcome TelegramBot::Send(std::string_view html, int64_t deadline_ms) {
  nlohmann::json body = {{"chat_id", chat_id_},
                         {"text", std::string(html)},
                         {"parse_mode", "HTML"},
                         {"disable_web_page_preview", true}};
  const std::string payload = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  internal::RetryTransport transport;
  transport.name = "telegram";
  transport.who = "telegram: " + url_.host;
  transport.send = [&](int64_t timeout_ms) {
    return client_->Post(url_, payload, "application/json", timeout_ms);
  };
  transport.classify = [&who = transport.who](const HttpResponse& response) {
    const int code = response.status;
    if (code >= 200 && code < 300) return internal::AnswerVerdict::Delivered();
    int64_t asked = -1;
    std::string answer =
        who + " answered " + std::to_string(code) + " " + Describe(response.body, &asked);
    if (code == 429) {
      if (asked < 0) asked = ParseRetryAfterMs(response.retry_after);
      if (asked < 0) return internal::AnswerVerdict::RetryWithBackoff(std::move(answer));
      answer += " (retry_after " + std::to_string(asked / 1000) + " s)";
      return internal::AnswerVerdict::RetryAfter(asked, std::move(answer));
    }
    if (code < 500) return internal::AnswerVerdict::GiveUp(std::move(answer));
    return internal::AnswerVerdict::RetryWithBackoff(std::move(answer));
  };
  return internal::DeliverWithRetries(policy_, *clock_, deadline_ms, transport);
}

}  // namespace iam_audit
