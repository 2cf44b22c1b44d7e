// FakeClock: a manual Clock (iam_audit/clock.h) for tests. Its time only
// moves when SleepMs() or Advance() is called, so retry and deadline logic is
// tested without real waiting and without timed assertions; SleepMs()
// records each requested duration, so tests can assert on the waits a retry
// policy chose.
//
// Thread-safety: safe to share between threads (its time is atomic), but
// tests normally drive it from one thread.
#ifndef IAM_AUDIT_TESTS_TESTING_FAKE_CLOCK_H_
#define IAM_AUDIT_TESTS_TESTING_FAKE_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "iam_audit/clock.h"

namespace iam_audit {

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

#endif  // IAM_AUDIT_TESTS_TESTING_FAKE_CLOCK_H_
