// The emulator's invocation queue: which invocations wait, which one the
// runtime is working on, and what came of each.
//
// Three parties meet here, each on its own threads:
//   - clients (the Invoke API) Add() invocations and, when synchronous,
//     WaitDone() for their outcome;
//   - the dispatcher Take()s the next invocation that is due, Offer()s its
//     attempt to the runtime and waits for the attempt to end (answered, an
//     outcome reported by its `watch`, timed out, or the queue stopping), then
//     Finish()es it: done, or (an event with retries left) queued again after
//     a delay;
//   - the runtime (the Runtime API) takes the offered attempt with Next() and
//     answers it with Respond(), by its request id.
// One attempt runs at a time; invocations are taken first in, first out,
// except that an event waiting for its retry delay lets later ones pass.
// Nothing here speaks HTTP or knows about processes: the emulator's routes
// and sandbox do (routes.h, sandbox.h).
//
// Thread-safety: every member function may be called from any thread; the
// state is under one mutex. `watch` is called with that mutex held and must
// not block or call back into the queue.
#ifndef IAM_AUDIT_SIMULATOR_EMULATOR_INVOCATION_QUEUE_H_
#define IAM_AUDIT_SIMULATOR_EMULATOR_INVOCATION_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace iam_audit::emulator {

using Clock = std::chrono::steady_clock;

// Milliseconds since the Unix epoch (Lambda-Runtime-Deadline-Ms, trace ids).
int64_t EpochMs();

// Lambda's error object: {"errorMessage":...,"errorType":...}.
std::string ErrorJson(const std::string& type, const std::string& message);

// How an attempt ended, as the function (or the emulator for it) answered.
struct Answer {
  bool ok = false;
  std::string body;        // the response, or the error object
  std::string error_type;  // empty on success
};

// One invocation: what the client sent and what came of its attempts.
struct Invocation {
  // The request id: X-Amzn-RequestId, Lambda-Runtime-Aws-Request-Id, the
  // START/END/REPORT lines and error messages, on every attempt of an event.
  std::string id;
  std::string payload;
  std::string client_context;  // decoded X-Amz-Client-Context (sync only); empty: none
  bool async = false;
  int attempt = 0;  // attempts started
  Clock::time_point not_before = Clock::now();
  Clock::time_point attempt_started;  // when the latest attempt was taken
  // Outcome of the latest attempt.
  bool done = false;  // final: no more attempts
  bool ok = false;
  std::string result;      // response body or error JSON
  std::string error_type;  // empty on success
  std::vector<nlohmann::json> attempts;
  std::string log_tail;  // the latest attempt's log tail (X-Amz-Log-Result)
};

// What a synchronous client gets back.
struct Outcome {
  bool ok = false;
  std::string result;
  std::string error_type;
  std::string log_tail;
};

// What the runtime gets from /runtime/invocation/next.
struct Handout {
  std::string request_id;
  int64_t deadline_ms = 0;  // epoch milliseconds
  std::string payload;
  std::string client_context;
};

class InvocationQueue {
 public:
  struct Options {
    std::chrono::milliseconds timeout{300000};     // the function timeout
    std::chrono::milliseconds retry_delay{60000};  // event: 1st retry after this, 2nd after twice
    int async_retries = 2;
  };

  // Why Offer() returned.
  enum class End {
    kAnswered,  // the runtime called Respond()
    kWatched,   // `watch` reported an outcome (the runtime exited, ...)
    kTimedOut,  // the function timeout passed: Sandbox.Timedout
    kStopping,  // Stop() was called: Runtime.Unknown
  };
  struct AttemptEnd {
    End end = End::kAnswered;
    Answer answer;
  };

  explicit InvocationQueue(Options options) : options_(options) {}

  // Clients.
  std::shared_ptr<const Invocation> Add(std::string id, std::string payload,
                                        std::string client_context, bool async);
  // Waits until `invocation` is done; nullopt when the queue stops first.
  std::optional<Outcome> WaitDone(const std::shared_ptr<const Invocation>& invocation);
  // Waits until nothing is queued or running (or the queue stops): true, or
  // false after `timeout`.
  bool WaitIdle(std::chrono::milliseconds timeout);
  // Every invocation so far, oldest first: id, async, state, attempts, and
  // once done error_type and result (GET /api/invocations).
  nlohmann::json Describe() const;

  // The dispatcher.
  // Waits for the first queued invocation whose time has come, removes it
  // from the queue and starts its next attempt; nullptr once stopping.
  std::shared_ptr<Invocation> Take();
  // Offers the attempt Take() started to the runtime and waits until it ends.
  // `watch`, asked every few milliseconds after the answer, may end it.
  AttemptEnd Offer(const std::shared_ptr<Invocation>& invocation,
                   const std::function<std::optional<Answer>()>& watch);
  // Ends the attempt: records `answer`, the attempt's `record` (for
  // Describe) and its log tail. Returns whether the invocation is done; if
  // not (an event that failed with retries left) it is queued again, due
  // after retry_delay × attempts so far.
  bool Finish(const std::shared_ptr<Invocation>& invocation, const Answer& answer,
              nlohmann::json record, std::string log_tail);

  // The runtime.
  // Waits until an attempt is offered and hands it out; nullopt once stopping.
  std::optional<Handout> Next();
  // Whether `request_id` is the attempt handed out and not yet answered.
  bool Awaits(const std::string& request_id) const;
  // Answers the attempt handed out as `request_id`; false (nothing changes)
  // when that is not the attempt handed out, or it was answered already.
  bool Respond(const std::string& request_id, Answer answer);

  // Wakes the waiters (Offer's `watch` is asked again).
  void Wake();
  // Ends every wait; Take() and Next() return nothing from now on.
  void Stop();

 private:
  bool AwaitsLocked(const std::string& request_id) const;

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<std::shared_ptr<Invocation>> queue_;
  std::vector<std::shared_ptr<Invocation>> all_;
  // From Take() to Finish(): the invocation whose attempt is in progress.
  std::shared_ptr<Invocation> running_;
  // During Offer(): the attempt offered to the runtime.
  std::shared_ptr<Invocation> offered_;
  bool handed_out_ = false;
  bool answered_ = false;
  Answer answer_;
  int64_t deadline_ms_ = 0;
};

}  // namespace iam_audit::emulator

#endif  // IAM_AUDIT_SIMULATOR_EMULATOR_INVOCATION_QUEUE_H_
