// Fault injection, per webhook: make the next N answers (or a seeded random
// share of them) misbehave the way a real Slack or network sometimes does.
//
// Kinds: "error" (an HTTP status and body, by default 500 rollup_error),
// "rate_limit" (429 with a given Retry-After), "delay" (the message is
// accepted but the answer waits), "drop" (the connection is reset without an
// answer), "hang" (the connection is held silent past the client's timeout,
// then reset). A fault fires for the next `count` requests, or, when
// `probability` is set, for that share of requests drawn from a generator
// seeded with `seed` (so a run is reproducible) until cleared. With `match`,
// a fault concerns only requests whose body contains that text (a message
// Slack keeps failing, e.g. one alert by its eventID); other requests pass it
// by without using its count or drawing from its generator.
//
// FaultTable is thread-safe.
#ifndef MOCK_SLACK_FAULTS_H_
#define MOCK_SLACK_FAULTS_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "mock_slack/expected.h"

namespace mock_slack {

enum class FaultKind { kError, kRateLimit, kDelay, kDrop, kHang };

std::string_view FaultKindName(FaultKind kind);

struct FaultSpec {
  std::string webhook;  // "T…/B…" (never the secret), or "*" for every webhook
  FaultKind kind = FaultKind::kError;
  int status = 500;                   // kError
  std::string body = "rollup_error";  // kError
  int retry_after_seconds = 1;        // kRateLimit
  int millis = 0;                     // kDelay: the wait; kHang: how long to hold (default 30000)
  int count = 1;                      // fires for the next `count` requests (when no probability)
  std::optional<double> probability;  // 0 < p <= 1: fires at random, until cleared
  uint64_t seed = 0;
  std::string match;  // non-empty: only bodies containing this text
};

// Parses the --fault flag: "<webhook>:<kind>[,key=value]...", e.g.
// "T1/B1:error,status=503,body=service_unavailable,count=2" or
// "*:drop,probability=0.25,seed=7". Keys: status, body, retry_after, ms,
// count, probability, seed, match.
Expected<FaultSpec> ParseFaultFlag(std::string_view flag);

// Parses a JSON object (or an array of them) as posted to /api/faults:
// {"webhook":"T1/B1","kind":"hang","ms":10000,"count":1}.
Expected<std::vector<FaultSpec>> ParseFaultJson(std::string_view json);

// A fault that fired for one request.
struct FiredFault {
  FaultSpec spec;
};

class FaultTable {
 public:
  void Add(const FaultSpec& spec);
  // Removes the faults of `webhook` ("*" entries are only removed by "*" or
  // ClearAll). Returns how many were removed.
  int Clear(std::string_view webhook);
  void ClearAll();
  // The first armed fault for `webhook` that fires for this request (whose
  // body is `body`), if any; a counted fault is used up by firing.
  std::optional<FiredFault> Next(std::string_view webhook, std::string_view body = {});
  // The faults still armed, as a JSON array (for GET /api/faults).
  std::string ToJson() const;

 private:
  struct Armed {
    FaultSpec spec;
    std::mt19937_64 rng;
    int remaining;
    int fired = 0;
  };
  mutable std::mutex mu_;
  std::vector<Armed> armed_;
};

}  // namespace mock_slack

#endif  // MOCK_SLACK_FAULTS_H_
