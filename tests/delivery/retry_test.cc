// The delivery retry policy alone (engine/src/delivery/retry.h): a scripted
// transport and a fake clock, no HTTP client.
#include "delivery/retry.h"

#include <catch2/catch.hpp>
#include <deque>
#include <vector>

#include "testing/fake_clock.h"

using iam_audit::DeliveryOutcome;
using iam_audit::FakeClock;
using iam_audit::HttpResponse;
using iam_audit::RetryPolicy;
using iam_audit::StatusCode;
using iam_audit::StatusOr;
using iam_audit::UnavailableError;
using iam_audit::internal::AnswerVerdict;
using iam_audit::internal::DeliverWithRetries;
using iam_audit::internal::RetryTransport;

namespace {

// Each attempt takes the next scripted step: a transport error, or an answer
// with the verdict the classifier gives it. Past the script: delivered.
struct Step {
  iam_audit::Status error;  // non-OK: no answer
  AnswerVerdict verdict;
};

struct Rig {
  FakeClock clock;
  RetryPolicy policy;
  std::deque<Step> script;
  std::vector<int64_t> timeouts;  // what each attempt was given

  void Answer(AnswerVerdict v) { script.push_back({iam_audit::Status::Ok(), std::move(v)}); }
  void Fail(iam_audit::Status e) { script.push_back({std::move(e), {}}); }

  DeliveryOutcome Run(int64_t deadline_ms) {
    std::deque<AnswerVerdict> verdicts;
    RetryTransport t;
    t.name = "far";
    t.who = "far: host.test";
    t.send = [&](int64_t timeout_ms) -> StatusOr<HttpResponse> {
      timeouts.push_back(timeout_ms);
      Step step = script.empty() ? Step{} : std::move(script.front());
      if (!script.empty()) script.pop_front();
      if (!step.error.ok()) return step.error;
      verdicts.push_back(std::move(step.verdict));
      HttpResponse r;
      r.status = verdicts.back().kind == AnswerVerdict::Kind::kDelivered ? 200 : 503;
      return r;
    };
    t.classify = [&](const HttpResponse&) {
      AnswerVerdict v = std::move(verdicts.front());
      verdicts.pop_front();
      return v;
    };
    return DeliverWithRetries(policy, clock, deadline_ms, t);
  }
};

}  // namespace

TEST_CASE("retry: a retry-after from the far end is waited exactly, not the backoff", "[retry]") {
  Rig rig;
  rig.Answer(AnswerVerdict::RetryAfter(7000, "far: host.test answered 429 (Retry-After 7 s)"));
  rig.Answer(AnswerVerdict::RetryWithBackoff("far: host.test answered 503"));
  DeliveryOutcome out = rig.Run(rig.clock.NowMs() + 60'000);
  CHECK(out.status.ok());
  CHECK(out.attempts == 3);
  // 7000 as asked; then the backoff, which doubled from 200 after the first retry.
  CHECK(rig.clock.sleeps() == std::vector<int64_t>{7000, 400});
}

TEST_CASE("retry: the backoff doubles and stops at max_backoff_ms", "[retry]") {
  Rig rig;
  rig.policy.initial_backoff_ms = 1000;
  rig.policy.max_backoff_ms = 3000;
  rig.policy.max_attempts = 6;
  for (int i = 0; i < 6; ++i)
    rig.Answer(AnswerVerdict::RetryWithBackoff("far: host.test answered 503"));
  DeliveryOutcome out = rig.Run(rig.clock.NowMs() + 600'000);
  CHECK(rig.clock.sleeps() == std::vector<int64_t>{1000, 2000, 3000, 3000, 3000});
  CHECK(out.attempts == 6);
  CHECK(out.retryable);
  CHECK(out.status.code() == StatusCode::kUnavailable);
  CHECK(out.status.message() == "far: host.test answered 503 after 6 attempts");
}

TEST_CASE("retry: no wait is started that would pass the deadline", "[retry]") {
  Rig rig;  // defaults: backoff 200 doubling, 100 ms minimum per request, 500 ms reserve
  for (int i = 0; i < 5; ++i)
    rig.Answer(AnswerVerdict::RetryWithBackoff("far: host.test answered 503"));
  // Stop at start+1500: after waits of 200, 400 and 800 the clock is at +1400,
  // and 1400 + 1600 + 100 passes 1500 (800 was allowed: 600 + 800 + 100 = 1500).
  DeliveryOutcome out = rig.Run(rig.clock.NowMs() + 2000);
  CHECK(rig.clock.sleeps() == std::vector<int64_t>{200, 400, 800});
  CHECK(out.attempts == 4);
  CHECK(out.retryable);
  CHECK(out.status.code() == StatusCode::kDeadlineExceeded);
  CHECK(out.status.message() ==
        "far: host.test answered 503; retry in 1600 ms would pass the invocation deadline");
}

TEST_CASE("retry: a retry-after past the deadline is not waited", "[retry]") {
  Rig rig;
  rig.Answer(AnswerVerdict::RetryAfter(30'000, "far: host.test answered 429 (Retry-After 30 s)"));
  DeliveryOutcome out = rig.Run(rig.clock.NowMs() + 10'000);
  CHECK(rig.clock.sleeps().empty());
  CHECK(out.attempts == 1);
  CHECK(out.status.code() == StatusCode::kDeadlineExceeded);
  CHECK(out.status.message() ==
        "far: host.test answered 429 (Retry-After 30 s); retry in 30000 ms would pass the "
        "invocation deadline");
}

TEST_CASE("retry: with no time left no attempt is made", "[retry]") {
  Rig rig;
  DeliveryOutcome out = rig.Run(rig.clock.NowMs() + 599);  // 99 ms after the reserve, 100 needed
  CHECK(out.attempts == 0);
  CHECK(out.retryable);
  CHECK(out.status.code() == StatusCode::kDeadlineExceeded);
  CHECK(out.status.message() == "far: host.test: no time left before the invocation deadline");
}

TEST_CASE("retry: an answer the transport gives up on (a 4xx) is not retried", "[retry]") {
  Rig rig;
  rig.Answer(AnswerVerdict::GiveUp("far: host.test answered 404 channel_not_found"));
  DeliveryOutcome out = rig.Run(rig.clock.NowMs() + 60'000);
  CHECK(out.attempts == 1);
  CHECK(rig.clock.sleeps().empty());
  CHECK_FALSE(out.retryable);
  CHECK(out.status.code() == StatusCode::kInvalidArgument);
  CHECK(out.status.message() == "far: host.test answered 404 channel_not_found (not retried)");
}

TEST_CASE("retry: connection errors are retried, other client errors are not", "[retry]") {
  Rig rig;
  rig.Fail(UnavailableError("connect to host.test:443: refused"));
  rig.Fail(iam_audit::InvalidArgumentError("bad URL"));
  DeliveryOutcome out = rig.Run(rig.clock.NowMs() + 60'000);
  CHECK(out.attempts == 2);
  CHECK(rig.clock.sleeps() == std::vector<int64_t>{200});
  CHECK(out.last_http_status == 0);
  CHECK_FALSE(out.retryable);
  CHECK(out.status.code() == StatusCode::kInvalidArgument);
  CHECK(out.status.message() == "far: bad URL");
}
