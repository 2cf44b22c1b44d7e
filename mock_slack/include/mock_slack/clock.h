// The clock mock_slack reads, behind a small interface so tests can drive
// time by hand (FakeClock) instead of sleeping.
//
// Monotonic time (Now) drives rate limits and fault delays; wall time
// (WallMillis) only stamps received messages. SystemClock is stateless and
// thread-safe; FakeClock is thread-safe too (atomics).
#ifndef MOCK_SLACK_CLOCK_H_
#define MOCK_SLACK_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace mock_slack {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point Now() const = 0;
  // Milliseconds since the Unix epoch.
  virtual int64_t WallMillis() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::now();
  }
  int64_t WallMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// Starts at an arbitrary fixed point; Advance() moves both clocks.
class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(millis_.load()));
  }
  int64_t WallMillis() const override { return 1700000000000 + millis_.load(); }
  void Advance(std::chrono::milliseconds d) { millis_ += d.count(); }

 private:
  std::atomic<int64_t> millis_{1000000};
};

}  // namespace mock_slack

#endif  // MOCK_SLACK_CLOCK_H_
