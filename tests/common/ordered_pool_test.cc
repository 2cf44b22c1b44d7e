// iam_audit/ordered_pool.h: results reach the consumer in unit order whatever
// the threads' timing, at most `window` units are ahead of the consumer,
// errors come in order, and jobs = 1 is a plain sequential loop.
#include "iam_audit/ordered_pool.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace iam_audit {
namespace {

using std::chrono::microseconds;

// Per-unit delays fixed by a seed, so that every run has the same uneven shape.
std::vector<int> Delays(size_t n, unsigned seed, int max_us) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(0, max_us);
  std::vector<int> out(n);
  for (int& x : out) x = d(rng);
  return out;
}

TEST_CASE("ordered pool: results are consumed in unit order despite random delays",
          "[ordered_pool]") {
  const size_t n = 300;
  const std::vector<int> delays = Delays(n, 7, 2000);
  for (unsigned jobs : {2u, 3u, 8u}) {
    CAPTURE(jobs);
    std::vector<size_t> order;
    std::vector<std::string> results;
    const size_t consumed = RunOrdered<std::string>(
        n, {jobs, 0},
        [&](size_t i) {
          std::this_thread::sleep_for(microseconds(delays[i]));
          return "unit " + std::to_string(i);
        },
        [&](size_t i, std::string&& r) {
          order.push_back(i);
          results.push_back(std::move(r));
          return true;
        });
    REQUIRE(consumed == n);
    REQUIRE(order.size() == n);
    for (size_t i = 0; i < n; ++i) {
      REQUIRE(order[i] == i);
      REQUIRE(results[i] == "unit " + std::to_string(i));
    }
  }
}

TEST_CASE("ordered pool: units really run in parallel", "[ordered_pool]") {
  // Four units that each wait until all four have started: finishes only
  // when four threads run them at once.
  std::atomic<int> started{0};
  const size_t consumed = RunOrdered<int>(
      4, {4, 4},
      [&](size_t i) {
        ++started;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (started.load() < 4 && std::chrono::steady_clock::now() < deadline)
          std::this_thread::yield();
        return static_cast<int>(i);
      },
      [&](size_t, int&&) { return true; });
  REQUIRE(consumed == 4);
  REQUIRE(started.load() == 4);
}

TEST_CASE("ordered pool: the calling thread runs units too, and one thread fewer is started",
          "[ordered_pool]") {
  // Two jobs: the caller and one more thread. Each unit waits until units
  // have run on two different threads, the caller's among them.
  const std::thread::id me = std::this_thread::get_id();
  std::mutex mu;
  std::vector<std::thread::id> seen;
  std::atomic<size_t> on_caller{0};
  RunOrdered<int>(
      64, {2, 8},
      [&](size_t) {
        if (std::this_thread::get_id() == me) ++on_caller;
        const std::lock_guard lock(mu);
        if (std::find(seen.begin(), seen.end(), std::this_thread::get_id()) == seen.end())
          seen.push_back(std::this_thread::get_id());
        return 0;
      },
      [&](size_t, int&&) {
        std::this_thread::sleep_for(microseconds(200));  // a slow consumer: units pile up
        return true;
      });
  CHECK(seen.size() == 2);
  CHECK(on_caller.load() >= 1);
}

TEST_CASE("ordered pool: no unit starts more than `window` ahead of the consumer",
          "[ordered_pool]") {
  const size_t n = 200, window = 5;
  std::atomic<size_t> consumed{0};
  std::atomic<size_t> violations{0}, max_ahead{0};
  RunOrdered<size_t>(
      n, {4, window},
      [&](size_t i) {
        // Unit i may start only after unit i - window was consumed.
        const size_t c = consumed.load();
        if (i >= c + window) ++violations;
        size_t ahead = i + 1 - std::min(i + 1, c), seen = max_ahead.load();
        while (ahead > seen && !max_ahead.compare_exchange_weak(seen, ahead)) {
        }
        return i;
      },
      [&](size_t i, size_t&& r) {
        REQUIRE(r == i);
        // A slow consumer: fast producers would run far ahead without the bound.
        std::this_thread::sleep_for(microseconds(300));
        consumed.store(i + 1);
        return true;
      });
  REQUIRE(consumed.load() == n);
  REQUIRE(violations.load() == 0);
  REQUIRE(max_ahead.load() <= window);
  // The producers did run ahead of the slow consumer, up to the bound.
  REQUIRE(max_ahead.load() >= 2);
}

struct UnitResult {
  size_t unit = 0;
  std::string error;  // empty when the unit was read
};

TEST_CASE("ordered pool: errors of one unit are reported in order and the run goes on",
          "[ordered_pool]") {
  const size_t n = 60;
  const std::vector<int> delays = Delays(n, 11, 1000);
  std::vector<std::string> seen;
  RunOrdered<UnitResult>(
      n, {3, 0},
      [&](size_t i) {
        std::this_thread::sleep_for(microseconds(delays[i]));
        UnitResult r;
        r.unit = i;
        if (i % 7 == 3) r.error = "bad file " + std::to_string(i);
        return r;
      },
      [&](size_t i, UnitResult&& r) {
        REQUIRE(r.unit == i);
        seen.push_back(r.error.empty() ? "ok" : r.error);
        return true;
      });
  REQUIRE(seen.size() == n);
  for (size_t i = 0; i < n; ++i) {
    CAPTURE(i);
    REQUIRE(seen[i] == (i % 7 == 3 ? "bad file " + std::to_string(i) : std::string("ok")));
  }
}

TEST_CASE("ordered pool: a producer's exception surfaces at its unit's turn", "[ordered_pool]") {
  for (unsigned jobs : {1u, 4u}) {
    CAPTURE(jobs);
    std::vector<size_t> consumed;
    std::atomic<size_t> produced_after{0};
    bool thrown = false;
    try {
      RunOrdered<size_t>(
          100, {jobs, 8},
          [&](size_t i) -> size_t {
            if (i == 13) {
              // Let later units finish first: their results must still not be consumed.
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
              throw std::runtime_error("unit 13 failed");
            }
            if (i > 13) ++produced_after;
            return i;
          },
          [&](size_t i, size_t&&) {
            consumed.push_back(i);
            return true;
          });
    } catch (const std::runtime_error& e) {
      thrown = true;
      REQUIRE(std::string(e.what()) == "unit 13 failed");
    }
    REQUIRE(thrown);
    REQUIRE(consumed.size() == 13);
    for (size_t i = 0; i < consumed.size(); ++i) REQUIRE(consumed[i] == i);
    // Nothing past the window is started after unit 13 (8 slots: 13..20).
    REQUIRE(produced_after.load() <= 7);
  }
}

TEST_CASE("ordered pool: jobs = 1 is the sequential loop on the calling thread", "[ordered_pool]") {
  std::vector<std::string> calls;
  const auto me = std::this_thread::get_id();
  bool same_thread = true;
  RunOrdered<int>(
      4, {1, 0},
      [&](size_t i) {
        same_thread = same_thread && std::this_thread::get_id() == me;
        calls.push_back("p" + std::to_string(i));
        return static_cast<int>(i) * 10;
      },
      [&](size_t i, int&& r) {
        calls.push_back("c" + std::to_string(i) + "=" + std::to_string(r));
        return true;
      });
  REQUIRE(same_thread);
  REQUIRE(calls ==
          std::vector<std::string>{"p0", "c0=0", "p1", "c1=10", "p2", "c2=20", "p3", "c3=30"});
}

TEST_CASE("ordered pool: jobs = 1 and jobs = 4 consume the same sequence", "[ordered_pool]") {
  const size_t n = 120;
  const std::vector<int> delays = Delays(n, 3, 500);
  auto run = [&](unsigned jobs) {
    std::vector<std::string> out;
    RunOrdered<std::vector<std::string>>(
        n, {jobs, 0},
        [&](size_t i) {
          std::this_thread::sleep_for(microseconds(delays[i]));
          std::vector<std::string> lines;
          for (size_t k = 0; k < i % 4; ++k)
            lines.push_back(std::to_string(i) + "." + std::to_string(k));
          return lines;
        },
        [&](size_t, std::vector<std::string>&& lines) {
          out.insert(out.end(), lines.begin(), lines.end());
          return true;
        });
    return out;
  };
  const std::vector<std::string> sequential = run(1);
  REQUIRE(sequential.size() == 180);  // 30 units each of 0, 1, 2 and 3 lines
  REQUIRE(sequential.front() == "1.0");
  REQUIRE(run(4) == sequential);
}

TEST_CASE("ordered pool: a consumer returning false stops the run", "[ordered_pool]") {
  std::atomic<size_t> highest{0};
  std::vector<size_t> consumed;
  const size_t count = RunOrdered<size_t>(
      1000, {3, 6},
      [&](size_t i) {
        size_t h = highest.load();
        while (i > h && !highest.compare_exchange_weak(h, i)) {
        }
        return i;
      },
      [&](size_t i, size_t&&) {
        consumed.push_back(i);
        return i < 9;  // stop after unit 9
      });
  REQUIRE(count == 10);
  REQUIRE(consumed == std::vector<size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  REQUIRE(highest.load() < 10 + 6);  // never past the window of the last consumed unit
}

TEST_CASE("ordered pool: no units, and defaults", "[ordered_pool]") {
  bool called = false;
  REQUIRE(RunOrdered<int>(
              0, {4, 0},
              [&](size_t) {
                called = true;
                return 0;
              },
              [&](size_t, int&&) {
                called = true;
                return true;
              }) == 0);
  REQUIRE_FALSE(called);
  REQUIRE(AvailableCores() >= 1);
  REQUIRE(EffectiveJobs({0, 0}) == AvailableCores());
  REQUIRE(EffectiveWindow({3, 0}) == 12);
  REQUIRE(EffectiveWindow({3, 5}) == 5);
}

}  // namespace
}  // namespace iam_audit
