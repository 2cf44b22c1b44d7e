// The ordered worker pool of iam_audit/ordered_pool.h: hands out unit
// indexes in order to `jobs` threads, never more than `window` ahead of the
// consumer, and lets the calling thread consume finished units in index
// order. All shared state sits behind one mutex; a unit's own work runs
// outside it.
#include "iam_audit/ordered_pool.h"

#include <sched.h>

#include <condition_variable>
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
  std::condition_variable room;      // workers: a unit may start (or stop)
  std::condition_variable finished;  // consumer: a unit has finished
  size_t next = 0;                   // next unit to start
  size_t consumed = 0;               // units consumed so far
  bool stop = false;
  // Ring of `window` slots, unit i in slot i % window.
  std::vector<char> done;
  std::vector<std::exception_ptr> error;
};

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
  const size_t window = EffectiveWindow(options);
  Shared s;
  s.done.assign(window, 0);
  s.error.assign(window, nullptr);

  auto worker = [&] {
    for (;;) {
      size_t i;
      {
        std::unique_lock lock(s.mu);
        s.room.wait(lock, [&] { return s.stop || s.next >= n || s.next < s.consumed + window; });
        if (s.stop || s.next >= n) return;
        i = s.next++;
      }
      std::exception_ptr failure;
      try {
        run(i);
      } catch (...) {
        failure = std::current_exception();
      }
      {
        std::lock_guard lock(s.mu);
        s.done[i % window] = 1;
        s.error[i % window] = failure;
        // Units after a failed one are not consumed: start no more.
        if (failure) s.stop = true;
      }
      s.finished.notify_one();
      if (failure) s.room.notify_all();
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(jobs);
  // Stops and joins the workers on every way out, exceptions included.
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
  for (size_t t = 0; t < jobs; ++t) threads.emplace_back(worker);

  for (size_t i = 0; i < n; ++i) {
    std::exception_ptr failure;
    {
      std::unique_lock lock(s.mu);
      s.finished.wait(lock, [&] { return s.done[i % window] != 0; });
      s.done[i % window] = 0;
      failure = std::exchange(s.error[i % window], nullptr);
    }
    if (failure) std::rethrow_exception(failure);  // the Joiner stops the workers first
    const bool go = consume(i);
    {
      std::lock_guard lock(s.mu);
      s.consumed = i + 1;
      if (!go) s.stop = true;
    }
    s.room.notify_all();
    if (!go) return i + 1;
  }
  return n;
}

}  // namespace iam_audit
