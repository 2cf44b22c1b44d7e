// Telegram Bot API delivery: sendMessage with parse_mode HTML, retried like
// the Slack webhook (delivery.h): no response, 5xx and 429 are retried —
// 429 after the `parameters.retry_after` seconds Telegram puts in its JSON
// answer (or a Retry-After header) — other 4xx never ("Bad Request: chat not
// found", "Unauthorized", … fail again). Deadline-bounded the same way.
//
// The bot token is a credential and part of the URL path: statuses name
// "telegram: <host>" only (api.telegram.org in production), never the token.
//
// Thread-safety: as SlackWebhook.
#ifndef IAM_AUDIT_TELEGRAM_H_
#define IAM_AUDIT_TELEGRAM_H_

#include <string>
#include <string_view>

#include "iam_audit/clock.h"
#include "iam_audit/delivery.h"
#include "iam_audit/http_client.h"
#include "iam_audit/status.h"

namespace iam_audit {

inline constexpr std::string_view kTelegramApiBase = "https://api.telegram.org";

class TelegramBot {
 public:
  // `api_base` is "https://api.telegram.org" unless overridden (tests,
  // mock-slack). Errors: "telegram: url: …" (never quoting the token),
  // "telegram: bot token is empty", "telegram: chat id is empty".
  static StatusOr<TelegramBot> Create(const std::string& token, std::string chat_id,
                                      HttpClient& client, Clock& clock, RetryPolicy policy = {},
                                      std::string_view api_base = kTelegramApiBase);

  // Sends `html` (parse_mode HTML, link previews off). Success: OK. Failure:
  //   "telegram: api.telegram.org answered 400 Bad Request: chat not found (not retried)",
  //   "telegram: api.telegram.org answered 502 after 5 attempts", …
  DeliveryOutcome Send(std::string_view html, int64_t deadline_ms);

  const std::string& host() const { return url_.host; }
  const std::string& chat_id() const { return chat_id_; }

 private:
  TelegramBot(HttpUrl url, std::string chat_id, HttpClient& client, Clock& clock,
              RetryPolicy policy);
  HttpUrl url_;
  std::string chat_id_;
  HttpClient* client_;
  Clock* clock_;
  RetryPolicy policy_;
};

}  // namespace iam_audit

#endif  // IAM_AUDIT_TELEGRAM_H_
