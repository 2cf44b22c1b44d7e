// Slack incoming-webhook delivery with a deadline-bounded retry policy.
//
// One SlackWebhook posts one rendered message at a time. Slack answers 200
// "ok" on success and a plain-text error code otherwise. Delivery retries
// what can succeed later — no response (connection refused or dropped,
// timeout), 5xx, and 429 after waiting its Retry-After seconds — with capped
// exponential backoff, and never retries other 4xx (invalid_blocks,
// channel_not_found, invalid_token, … will fail again). Every attempt and
// every wait fits before `deadline_ms` minus a reserve kept for reporting the
// outcome to Lambda; when the next wait would not fit it gives up at once, so
// Lambda's own asynchronous retry can take over.
//
// Statuses name the host only, never the webhook path (its secret).
//
// Thread-safety: a SlackWebhook is immutable apart from the client and clock
// it uses; call Post() from one thread at a time unless both are thread-safe.
#ifndef IAM_AUDIT_DELIVERY_H_
#define IAM_AUDIT_DELIVERY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "iam_audit/clock.h"
#include "iam_audit/http_client.h"
#include "iam_audit/status.h"

namespace iam_audit {

struct RetryPolicy {
  int max_attempts = 5;               // attempts per message, first included
  int64_t initial_backoff_ms = 200;   // wait after the first retryable failure
  int64_t max_backoff_ms = 5000;      // cap of the doubling backoff
  int64_t request_timeout_ms = 5000;  // cap of one HTTP exchange
  int64_t min_request_ms = 100;       // an attempt with less time left is not started
  int64_t reserve_ms = 500;           // kept before the deadline for /response or /error
};

struct DeliveryOutcome {
  Status status;             // OK when Slack answered 2xx
  int attempts = 0;          // HTTP attempts made
  int last_http_status = 0;  // 0 when the last attempt got no response
  bool retryable = false;    // when failed: would a later invocation possibly succeed?
};

class SlackWebhook {
 public:
  // `url` must outlive nothing: it is copied. `client` and `clock` must
  // outlive this object.
  SlackWebhook(HttpUrl url, HttpClient& client, Clock& clock, RetryPolicy policy = {});

  // Posts `message_json` (a Slack message object) as application/json.
  // Success: OK status. Failure: a Status such as
  //   "slack: hooks.slack.com answered 404 channel_not_found (not retried)",
  //   "slack: hooks.slack.com answered 503 after 5 attempts",
  //   "slack: hooks.slack.com asked to retry after 30000 ms, past the deadline".
  DeliveryOutcome Post(std::string_view message_json, int64_t deadline_ms);

  const std::string& host() const { return url_.host; }

 private:
  HttpUrl url_;
  HttpClient& client_;
  Clock& clock_;
  RetryPolicy policy_;
};

// Parses a Retry-After value given in seconds ("1", " 30 "); HTTP dates and
// garbage give -1. Returns milliseconds.
int64_t ParseRetryAfterMs(std::string_view value);

}  // namespace iam_audit

#endif  // IAM_AUDIT_DELIVERY_H_
