// Internal: the one retry policy of the delivery transports, used by
// SlackWebhook::Post (slack_webhook.cc) and TelegramBot::Send (telegram.cc).
// Attempts up to RetryPolicy::max_attempts, waits a doubling backoff capped at
// max_backoff_ms between them (or exactly what the far end asked for), never
// starts an attempt or a wait that would pass the invocation deadline, and
// retries connection errors (kUnavailable, kDeadlineExceeded). Each transport
// sends its request and says what an HTTP answer means (AnswerVerdict); the
// error texts are worded here and in the transport's classifier.
#ifndef IAM_AUDIT_SRC_DELIVERY_RETRY_H_
#define IAM_AUDIT_SRC_DELIVERY_RETRY_H_

#include <cstdint>
#include <functional>
#include <string>

#include "iam_audit/clock.h"
#include "iam_audit/delivery.h"
#include "iam_audit/http_client.h"

namespace iam_audit::internal {

// What one HTTP answer means to the transport that got it.
struct AnswerVerdict {
  enum class Kind {
    kDelivered,  // done: OK status
    kRetry,      // try again after retry_after_ms, or after the backoff when it is < 0
    kGiveUp,     // the same request fails again: InvalidArgument "<message> (not retried)"
  };
  Kind kind = Kind::kDelivered;
  int64_t retry_after_ms = -1;
  std::string message;  // kRetry: the error the final status quotes; kGiveUp: the error

  static AnswerVerdict Delivered() { return {}; }
  static AnswerVerdict RetryAfter(int64_t ms, std::string message) {
    return {Kind::kRetry, ms, std::move(message)};
  }
  static AnswerVerdict RetryWithBackoff(std::string message) {
    return {Kind::kRetry, -1, std::move(message)};
  }
  static AnswerVerdict GiveUp(std::string message) {
    return {Kind::kGiveUp, -1, std::move(message)};
  }
};

struct RetryTransport {
  std::string name;  // "slack": prefixes the errors of the HTTP client
  std::string who;   // "slack: hooks.slack.com": names the far end when no attempt could be made
  // One attempt, given at most `timeout_ms` for the exchange.
  std::function<StatusOr<HttpResponse>(int64_t timeout_ms)> send;
  // What an answer (any status code, 2xx included) means.
  std::function<AnswerVerdict(const HttpResponse&)> classify;
};

// Runs `transport` until delivered, given up, out of attempts or out of time
// (deadline_ms - policy.reserve_ms), sleeping on `clock` between attempts.
DeliveryOutcome DeliverWithRetries(const RetryPolicy& policy, Clock& clock, int64_t deadline_ms,
                                   const RetryTransport& transport);

}  // namespace iam_audit::internal

#endif  // IAM_AUDIT_SRC_DELIVERY_RETRY_H_
