// Runs one function over N units (files, log objects, ...) on several
// threads and hands each unit's result to a consumer strictly in unit order,
// so that a parallel run prints exactly what a single-threaded run prints.
//
//   RunOrdered<Result>(n, {.jobs = 4},
//       [&](size_t i) { return ReadAndMatch(units[i]); },      // any of the jobs threads
//       [&](size_t i, Result&& r) { Print(r); return true; }); // calling thread, i = 0, 1, ...
//
// Decisions:
// - Units are started in index order. Unit i starts only once unit
//   i - window has been consumed, so at most `window` units are running or
//   finished-but-not-consumed at any time: memory stays flat however many
//   units there are (the default window is 4 × jobs).
// - The consumer runs on the calling thread, one unit at a time, in order
//   0, 1, …, n-1; it never runs concurrently with itself. When it returns
//   false no further unit is started; units already running finish (their
//   results are dropped) and RunOrdered returns the count consumed.
// - An exception thrown by the producer for unit i is rethrown by RunOrdered
//   when unit i's turn to be consumed comes, after every unit before it was
//   consumed and every worker has stopped (no unit after i is consumed).
//   Errors that are data (a bad file) belong in the Result, so the consumer
//   reports them in order and the run goes on.
// - The calling thread is one of the `jobs` threads (jobs - 1 more are
//   started): between consuming it runs units itself, so produce must be
//   safe on any thread, the caller's included. Threads sleep only when they
//   must and are woken only when one sleeps: on many small units, a wake-up
//   per unit would cost more than the units.
// - jobs == 1 runs everything on the calling thread, alternating produce(i)
//   and consume(i): exactly a plain sequential loop. jobs == 0 means
//   AvailableCores(). No more threads than units are used.
#ifndef IAM_AUDIT_ORDERED_POOL_H_
#define IAM_AUDIT_ORDERED_POOL_H_

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace iam_audit {

// The CPUs this process may run on (sched_getaffinity), else
// std::thread::hardware_concurrency(); at least 1.
unsigned AvailableCores();

struct OrderedPoolOptions {
  unsigned jobs = 1;  // threads, the caller's included; 0 = AvailableCores()
  size_t window = 0;  // most units started and not yet consumed; 0 = 4 × jobs
};

// The jobs and window RunOrdered* uses for `options` (both at least 1).
unsigned EffectiveJobs(const OrderedPoolOptions& options);
size_t EffectiveWindow(const OrderedPoolOptions& options);

// The untyped core: run(i) once for each started unit i (any of the threads),
// consume(i) in order on the calling thread after run(i) returned. Returns
// the number of units consumed.
size_t RunOrderedIndexed(size_t n, const OrderedPoolOptions& options,
                         const std::function<void(size_t)>& run,
                         const std::function<bool(size_t)>& consume);

// Typed form: produce(i) returns a Result (movable); consume(i, Result&&)
// returns bool (false stops the run). Results wait in a ring of `window`
// slots until their turn.
template <typename Result, typename Produce, typename Consume>
size_t RunOrdered(size_t n, const OrderedPoolOptions& options, Produce&& produce,
                  Consume&& consume) {
  OrderedPoolOptions core = options;
  core.window = std::min(EffectiveWindow(options), std::max<size_t>(n, 1));
  const size_t window = core.window;
  std::vector<std::optional<Result>> slots(window);
  return RunOrderedIndexed(
      n, core, [&](size_t i) { slots[i % window].emplace(produce(i)); },
      [&](size_t i) {
        std::optional<Result>& slot = slots[i % window];
        Result result = std::move(*slot);
        slot.reset();
        return static_cast<bool>(consume(i, std::move(result)));
      });
}

}  // namespace iam_audit

#endif  // IAM_AUDIT_ORDERED_POOL_H_
