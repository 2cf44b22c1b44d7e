// Per-webhook token-bucket rate limiter (Slack's documented ~1 message per second per webhook, with
// short bursts allowed).
//
// Each key (a webhook id) owns a bucket of `burst` tokens refilled at `rate`
// tokens per second. A request takes one token; with none left it is refused
// and told how long to wait (the Retry-After value, in whole seconds, at
// least 1). Thread-safe: all methods may be called concurrently.
#ifndef MOCK_SLACK_RATE_LIMITER_H_
#define MOCK_SLACK_RATE_LIMITER_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "mock_slack/clock.h"

namespace mock_slack {

struct RateLimit {
  bool enabled = true;
  double rate_per_second = 1.0;  // Slack: "about one message per second"
  double burst = 5.0;            // undocumented by Slack; ours, configurable
};

struct RateDecision {
  bool allowed = true;
  int retry_after_seconds = 0;  // set when !allowed, >= 1
};

class RateLimiter {
 public:
  RateLimiter(RateLimit limit, const Clock* clock);

  // Takes a token from `key`'s bucket if one is available.
  RateDecision Acquire(std::string_view key);
  // Forgets every bucket (all full again).
  void Reset();
  const RateLimit& limit() const { return limit_; }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  const RateLimit limit_;
  const Clock* clock_;
  std::mutex mu_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace mock_slack

#endif  // MOCK_SLACK_RATE_LIMITER_H_
