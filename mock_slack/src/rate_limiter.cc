// The per-webhook token buckets of rate_limiter.h: refilling a key's bucket
// by the time passed, taking a token, or telling how long to wait.
#include "mock_slack/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace mock_slack {

RateLimiter::RateLimiter(RateLimit limit, const Clock* clock) : limit_(limit), clock_(clock) {}

RateDecision RateLimiter::Acquire(std::string_view key) {
  if (!limit_.enabled) return {};
  const double burst = std::max(1.0, limit_.burst);
  auto now = clock_->Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) it = buckets_.emplace(std::string(key), Bucket{burst, now}).first;
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.tokens = std::min(burst, b.tokens + elapsed * limit_.rate_per_second);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  // Whole seconds until one token is back; a rate of 0 never refills.
  double wait = limit_.rate_per_second > 0 ? (1.0 - b.tokens) / limit_.rate_per_second : 3600.0;
  int seconds = static_cast<int>(std::ceil(wait - 1e-9));
  return {false, std::clamp(seconds, 1, 3600)};
}

void RateLimiter::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  buckets_.clear();
}

}  // namespace mock_slack
