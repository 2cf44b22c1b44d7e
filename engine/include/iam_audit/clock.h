// Clock: the time source behind every deadline in the engine.
//
// Lambda gives each invocation an absolute deadline in Unix epoch
// milliseconds; delivery compares it with NowMs() and waits between retries
// with SleepMs(). Production code uses SystemClock(); tests use FakeClock
// (tests/testing/fake_clock.h, library iam_audit_testing), whose time only
// moves when asked, so retry and deadline logic is tested without waiting.
//
// Thread-safety: SystemClock() is safe from any thread.
#ifndef IAM_AUDIT_CLOCK_H_
#define IAM_AUDIT_CLOCK_H_

#include <cstdint>

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

}  // namespace iam_audit

#endif  // IAM_AUDIT_CLOCK_H_
