// The delivery transports' retry loop (retry.h): attempts, backoff, the
// invocation deadline and the wording of the final error.
#include "delivery/retry.h"

#include <algorithm>

namespace iam_audit::internal {

DeliveryOutcome DeliverWithRetries(const RetryPolicy& policy, Clock& clock, int64_t deadline_ms,
                                   const RetryTransport& transport) {
  DeliveryOutcome out;
  const std::string& who = transport.who;
  const int64_t stop_at = deadline_ms - policy.reserve_ms;  // keep time to report to Lambda
  int64_t backoff = policy.initial_backoff_ms;
  std::string last_error = who + ": not attempted";
  for (int attempt = 1;; ++attempt) {
    const int64_t left = stop_at - clock.NowMs();
    if (left < policy.min_request_ms) {
      out.status = DeadlineExceededError(
          attempt == 1 ? who + ": no time left before the invocation deadline"
                       : last_error + "; no time left for attempt " + std::to_string(attempt));
      out.retryable = true;
      return out;
    }
    ++out.attempts;
    auto response = transport.send(std::min(policy.request_timeout_ms, left));
    int64_t wait = backoff;
    if (response.ok()) {
      out.last_http_status = response->status;
      AnswerVerdict verdict = transport.classify(*response);
      switch (verdict.kind) {
        case AnswerVerdict::Kind::kDelivered:
          out.status = Status::Ok();
          return out;
        case AnswerVerdict::Kind::kGiveUp:
          out.status = InvalidArgumentError(verdict.message + " (not retried)");
          out.retryable = false;
          return out;
        case AnswerVerdict::Kind::kRetry:
          // The far end says when: honour it exactly.
          if (verdict.retry_after_ms >= 0) wait = verdict.retry_after_ms;
          last_error = std::move(verdict.message);
          out.retryable = true;
          break;
      }
    } else {
      out.last_http_status = 0;
      last_error = transport.name + ": " + response.status().message();
      if (response.status().code() != StatusCode::kUnavailable &&
          response.status().code() != StatusCode::kDeadlineExceeded) {
        out.status = response.status().WithPrefix(transport.name);
        out.retryable = false;
        return out;
      }
      out.retryable = true;
    }
    if (attempt >= policy.max_attempts) {
      out.status = UnavailableError(last_error + " after " + std::to_string(attempt) + " attempts");
      return out;
    }
    if (clock.NowMs() + wait + policy.min_request_ms > stop_at) {
      out.status = DeadlineExceededError(last_error + "; retry in " + std::to_string(wait) +
                                         " ms would pass the invocation deadline");
      return out;
    }
    clock.SleepMs(wait);
    backoff = std::min(backoff * 2, policy.max_backoff_ms);
  }
}

}  // namespace iam_audit::internal
