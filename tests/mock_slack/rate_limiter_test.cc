#include "mock_slack/rate_limiter.h"

#include <catch2/catch.hpp>

namespace mock_slack {
namespace {

using std::chrono::milliseconds;

TEST_CASE("rate limiter: burst, then 429 with Retry-After, then refill", "[mock_slack][rate]") {
  FakeClock clock;
  RateLimiter limiter({true, 1.0, 3.0}, &clock);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(limiter.Acquire("T/B").allowed);
  }
  RateDecision d = limiter.Acquire("T/B");
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after_seconds == 1);

  clock.Advance(milliseconds(500));
  d = limiter.Acquire("T/B");
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after_seconds == 1);  // half a token back: ceil(0.5 s)

  clock.Advance(milliseconds(500));
  CHECK(limiter.Acquire("T/B").allowed);
  CHECK_FALSE(limiter.Acquire("T/B").allowed);

  // Refill stops at the burst size.
  clock.Advance(milliseconds(60000));
  for (int i = 0; i < 3; ++i) CHECK(limiter.Acquire("T/B").allowed);
  CHECK_FALSE(limiter.Acquire("T/B").allowed);
}

TEST_CASE("rate limiter: buckets are per webhook", "[mock_slack][rate]") {
  FakeClock clock;
  RateLimiter limiter({true, 1.0, 1.0}, &clock);
  CHECK(limiter.Acquire("T/B1").allowed);
  CHECK_FALSE(limiter.Acquire("T/B1").allowed);
  CHECK(limiter.Acquire("T/B2").allowed);
  limiter.Reset();
  CHECK(limiter.Acquire("T/B1").allowed);
}

TEST_CASE("rate limiter: Retry-After follows the rate", "[mock_slack][rate]") {
  FakeClock clock;
  auto [rate, expected] = GENERATE(table<double, int>({{1.0, 1}, {0.5, 2}, {0.2, 5}, {4.0, 1}}));
  CAPTURE(rate);
  RateLimiter limiter({true, rate, 1.0}, &clock);
  CHECK(limiter.Acquire("k").allowed);
  RateDecision d = limiter.Acquire("k");
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after_seconds == expected);
}

TEST_CASE("rate limiter: a zero rate never refills, disabled never refuses", "[mock_slack][rate]") {
  FakeClock clock;
  RateLimiter zero({true, 0.0, 1.0}, &clock);
  CHECK(zero.Acquire("k").allowed);
  clock.Advance(milliseconds(100000));
  RateDecision d = zero.Acquire("k");
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after_seconds == 3600);

  RateLimiter off({false, 1.0, 1.0}, &clock);
  for (int i = 0; i < 100; ++i) REQUIRE(off.Acquire("k").allowed);
}

}  // namespace
}  // namespace mock_slack
