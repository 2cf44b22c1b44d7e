// The real Clock (iam_audit/clock.h): the system clock's milliseconds and a
// sleeping SleepMs, behind SystemClock().
#include "iam_audit/clock.h"

#include <chrono>
#include <thread>

namespace iam_audit {
namespace {

class RealClock : public Clock {
 public:
  int64_t NowMs() const override {
    // Wall time: Lambda-Runtime-Deadline-Ms is Unix epoch milliseconds.
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void SleepMs(int64_t ms) override {
    if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
};

}  // namespace

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

}  // namespace iam_audit
