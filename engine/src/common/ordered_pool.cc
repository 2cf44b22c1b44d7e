// The ordered worker pool of iam_audit/ordered_pool.h: hands out unit
// indexes in order to `jobs` threads, never more than `window` ahead of the
// consumer, and lets the calling thread consume finished units in index
// order, running units itself in between. All shared state sits behind one
// mutex; a unit's own work runs outside it.
#include "iam_audit/ordered_pool.h"

#include <sched.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

namespace iam_audit {

unsigned AvailableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<unsigned>(count);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? hw : 1;
}

unsigned EffectiveJobs(const OrderedPoolOptions& options) {
  return options.jobs == 0 ? AvailableCores() : options.jobs;
}

size_t EffectiveWindow(const OrderedPoolOptions& options) {
  return options.window == 0 ? size_t{4} * EffectiveJobs(options) : options.window;
}

namespace {

struct Shared {
  std::mutex mu;
  std::condition_variable room;      // helpers: a unit may start (or stop)
  std::condition_variable finished;  // caller: the unit it waits for has finished
  size_t next = 0;                   // next unit to start
  size_t consumed = 0;               // units consumed so far
  bool stop = false;
  size_t helpers_waiting = 0;          // helpers blocked on `room`
  size_t caller_waits_for = SIZE_MAX;  // the unit the caller is blocked on, if any
  // Ring of `window` slots, unit i in slot i % window.
  std::vector<char> done;
  std::vector<std::exception_ptr> error;

  // Under `mu`: whether unit `next` may start now.
  bool MayStart(size_t n, size_t window) const {
    return !stop && next < n && next < consumed + window;
  }
};

// Runs unit i (outside the lock) and records it as finished.
void RunOne(Shared& s, size_t i, size_t window, const std::function<void(size_t)>& run) {
  std::exception_ptr failure;
  try {
    run(i);
  } catch (...) {
    failure = std::current_exception();
  }
  bool wake_caller = false;
  {
    std::lock_guard lock(s.mu);
    s.done[i % window] = 1;
    s.error[i % window] = failure;
    // Units after a failed one are not consumed: start no more.
    if (failure) s.stop = true;
    wake_caller = s.caller_waits_for == i;
  }
  if (wake_caller) s.finished.notify_one();
  if (failure) s.room.notify_all();
}

}  // namespace

size_t RunOrderedIndexed(size_t n, const OrderedPoolOptions& options,
                         const std::function<void(size_t)>& run,
                         const std::function<bool(size_t)>& consume) {
  const size_t jobs = std::min<size_t>(EffectiveJobs(options), n);
  if (jobs <= 1) {
    for (size_t i = 0; i < n; ++i) {
      run(i);
      if (!consume(i)) return i + 1;
    }
    return n;
  }
  // The calling thread is one of the `jobs`: between consuming, it runs
  // units itself, and it blocks only when the unit it must consume next is
  // still running elsewhere and no other unit may start. Threads are woken
  // only when one waits: a unit that finishes wakes the caller only if the
  // caller waits for that very unit, and a consumed unit wakes helpers only
  // if one waits for room. (Waking the consumer for every unit cost, on
  // 100 000 small log files, as much system time again as the reading.)
  const size_t window = EffectiveWindow(options);
  Shared s;
  s.done.assign(window, 0);
  s.error.assign(window, nullptr);

  auto helper = [&] {
    for (;;) {
      size_t i;
      {
        std::unique_lock lock(s.mu);
        if (!s.MayStart(n, window) && !s.stop && s.next < n) {
          ++s.helpers_waiting;
          s.room.wait(lock, [&] { return s.stop || s.next >= n || s.MayStart(n, window); });
          --s.helpers_waiting;
        }
        if (s.stop || s.next >= n) return;
        i = s.next++;
      }
      RunOne(s, i, window, run);
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(jobs - 1);
  // Stops and joins the helpers on every way out, exceptions included.
  struct Joiner {
    Shared& s;
    std::vector<std::thread>& threads;
    ~Joiner() {
      {
        std::lock_guard lock(s.mu);
        s.stop = true;
      }
      s.room.notify_all();
      for (std::thread& t : threads) t.join();
    }
  } joiner{s, threads};
  for (size_t t = 0; t + 1 < jobs; ++t) threads.emplace_back(helper);

  size_t i = 0;  // the next unit to consume
  std::unique_lock lock(s.mu);
  while (i < n) {
    if (s.done[i % window] != 0) {
      s.done[i % window] = 0;
      std::exception_ptr failure = std::exchange(s.error[i % window], nullptr);
      lock.unlock();
      if (failure) std::rethrow_exception(failure);  // the Joiner stops the helpers first
      const bool go = consume(i);
      lock.lock();
      s.consumed = ++i;
      if (!go) s.stop = true;
      const bool wake = s.helpers_waiting > 0 || !go;
      if (wake) {
        lock.unlock();
        s.room.notify_all();
        lock.lock();
      }
      if (!go) return i;
      continue;
    }
    if (s.MayStart(n, window)) {
      const size_t mine = s.next++;
      lock.unlock();
      RunOne(s, mine, window, run);
      lock.lock();
      continue;
    }
    s.caller_waits_for = i;
    s.finished.wait(lock, [&] { return s.done[i % window] != 0; });
    s.caller_waits_for = SIZE_MAX;
  }
  return n;
}

}  // namespace iam_audit
