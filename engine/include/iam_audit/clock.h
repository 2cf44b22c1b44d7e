// Clock: the time source behind every deadline in the engine.
//
// Lambda gives each invocation an absolute deadline in Unix epoch
// milliseconds; delivery compares it with NowMs() and waits between retries
// with SleepMs(). Production code uses SystemClock(); tests use FakeClock,
// whose time only moves when SleepMs() or Advance() is called, so retry and
// deadline logic is tested without real waiting and without timed assertions.
//
// Thread-safety: SystemClock() is safe from any thread. A FakeClock is safe
// to share between threads (its time is atomic), but tests normally drive it
// from one thread.
#ifndef IAM_AUDIT_CLOCK_H_
#define IAM_AUDIT_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace iam_audit {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (wall clock: Lambda deadlines are wall time).
  virtual int64_t NowMs() const = 0;
  // Blocks for `ms` milliseconds (no-op when ms <= 0).
  virtual void SleepMs(int64_t ms) = 0;
};

// The process-wide real clock (system_clock + this_thread::sleep_for).
Clock& SystemClock();

// A manual clock for tests. SleepMs() advances the time instantly and records
// the requested duration, so tests can assert on the waits a retry policy chose.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_ms_(start_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void SleepMs(int64_t ms) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(ms);
    }
    if (ms > 0) now_ms_ += ms;
  }
  void Advance(int64_t ms) { now_ms_ += ms; }
  // Every SleepMs() argument so far, in call order.
  std::vector<int64_t> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  std::atomic<int64_t> now_ms_;
  mutable std::mutex mu_;
  std::vector<int64_t> sleeps_;
};

}  // namespace iam_audit

#endif  // IAM_AUDIT_CLOCK_H_
