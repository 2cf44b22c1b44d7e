// The emulator's invocation queue (simulator/emulator/invocation_queue.h)
// without HTTP or processes: the test plays the runtime (Next, Respond) and a
// dispatcher thread plays the emulator (Take, Offer, Finish). Expected values
// follow Lambda's documented behaviour: the Runtime API's next/response/error
// hand-off by request id (docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html),
// the "Task timed out after N.00 seconds" error of type Sandbox.Timedout, and
// two retries of a failed asynchronous invocation
// (docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
#include "invocation_queue.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using iam_audit::emulator::Answer;
using iam_audit::emulator::EpochMs;
using iam_audit::emulator::Handout;
using iam_audit::emulator::Invocation;
using iam_audit::emulator::InvocationQueue;
using iam_audit::emulator::Outcome;
using namespace std::chrono_literals;

namespace {

InvocationQueue::Options QueueOptions(std::chrono::milliseconds timeout,
                                      std::chrono::milliseconds retry_delay = 0ms,
                                      int async_retries = 2) {
  InvocationQueue::Options o;
  o.timeout = timeout;
  o.retry_delay = retry_delay;
  o.async_retries = async_retries;
  return o;
}

// A queue with a dispatcher thread running `attempts` attempts the way the
// emulator does: Take, Offer, Finish (with the log tail "log of <id> #<n>").
// The destructor stops the queue, so that a failed check never hangs.
class Dispatched {
 public:
  struct Attempt {
    std::string id;
    int number = 0;
    InvocationQueue::End end = InvocationQueue::End::kAnswered;
    Answer answer;
    bool done = false;
  };

  explicit Dispatched(InvocationQueue::Options options) : queue(options) {}
  ~Dispatched() {
    queue.Stop();
    if (dispatcher_.joinable()) dispatcher_.join();
  }

  void Run(int attempts, std::function<std::optional<Answer>()> watch = nullptr) {
    dispatcher_ = std::thread([this, attempts, watch] {
      for (int i = 0; i < attempts; ++i) {
        std::shared_ptr<Invocation> job = queue.Take();
        if (!job) return;
        const InvocationQueue::AttemptEnd end = queue.Offer(job, watch);
        const std::string tail = "log of " + job->id + " #" + std::to_string(job->attempt);
        Attempt a{job->id, job->attempt, end.end, end.answer, false};
        a.done = queue.Finish(job, end.answer, nlohmann::json::object(), tail);
        std::lock_guard<std::mutex> lock(mu_);
        attempts_.push_back(a);
      }
    });
  }

  // Waits for the dispatcher to finish its attempts; what they were.
  std::vector<Attempt> Join() {
    dispatcher_.join();
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }

  InvocationQueue queue;

 private:
  std::thread dispatcher_;
  std::mutex mu_;
  std::vector<Attempt> attempts_;
};

}  // namespace

TEST_CASE("invocation queue: an invocation is handed to the runtime and its response returned",
          "[emulator][queue]") {
  Dispatched d(QueueOptions(10s));
  const int64_t before = EpochMs();
  auto invocation = d.queue.Add("req-1", R"({"n":1})", R"({"custom":{"k":"v"}})", false);
  d.Run(1);

  const std::optional<Handout> handout = d.queue.Next();
  const int64_t after = EpochMs();
  REQUIRE(handout);
  CHECK(handout->request_id == "req-1");
  CHECK(handout->payload == R"({"n":1})");
  CHECK(handout->client_context == R"({"custom":{"k":"v"}})");
  // Lambda-Runtime-Deadline-Ms: the function timeout (10 s) from now.
  CHECK(handout->deadline_ms >= before + 10000);
  CHECK(handout->deadline_ms <= after + 10000);
  CHECK(d.queue.Awaits("req-1"));

  CHECK(d.queue.Respond("req-1", {true, R"({"statusCode":200})", ""}));
  const std::optional<Outcome> outcome = d.queue.WaitDone(invocation);
  REQUIRE(outcome);
  CHECK(outcome->ok);
  CHECK(outcome->result == R"({"statusCode":200})");
  CHECK(outcome->error_type.empty());
  CHECK(outcome->log_tail == "log of req-1 #1");

  const auto attempts = d.Join();
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].end == InvocationQueue::End::kAnswered);
  CHECK(attempts[0].done);
  const nlohmann::json described = d.queue.Describe();
  REQUIRE(described.size() == 1);
  CHECK(described[0]["id"] == "req-1");
  CHECK(described[0]["state"] == "succeeded");
  CHECK(described[0]["async"] == false);
  CHECK(described[0]["result"] == nlohmann::json{{"statusCode", 200}});
  CHECK(described[0]["attempts"].size() == 1);
}

TEST_CASE("invocation queue: an invocation not answered within the timeout is Sandbox.Timedout",
          "[emulator][queue]") {
  Dispatched d(QueueOptions(1000ms));
  auto invocation = d.queue.Add("req-slow", "{}", "", false);
  d.Run(1);
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(d.queue.Next());  // the runtime takes it and never answers

  const std::optional<Outcome> outcome = d.queue.WaitDone(invocation);
  REQUIRE(outcome);
  CHECK(std::chrono::steady_clock::now() - started >= 900ms);
  CHECK_FALSE(outcome->ok);
  CHECK(outcome->error_type == "Sandbox.Timedout");
  CHECK(outcome->result ==
        R"({"errorMessage":"RequestId: req-slow Error: Task timed out after 1.00 seconds",)"
        R"("errorType":"Sandbox.Timedout"})");
  const auto attempts = d.Join();
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].end == InvocationQueue::End::kTimedOut);
  // A late answer is for an attempt that is over.
  CHECK_FALSE(d.queue.Awaits("req-slow"));
  CHECK_FALSE(d.queue.Respond("req-slow", {true, "{}", ""}));
}

TEST_CASE("invocation queue: an error answer fails a synchronous invocation at once",
          "[emulator][queue]") {
  Dispatched d(QueueOptions(10s));
  auto invocation = d.queue.Add("req-err", "{}", "", false);
  d.Run(1);
  REQUIRE(d.queue.Next());
  const std::string error = R"({"errorMessage":"boom","errorType":"Function.Unhandled"})";
  CHECK(d.queue.Respond("req-err", {false, error, "Function.Unhandled"}));

  const std::optional<Outcome> outcome = d.queue.WaitDone(invocation);
  REQUIRE(outcome);
  CHECK_FALSE(outcome->ok);
  CHECK(outcome->error_type == "Function.Unhandled");
  CHECK(outcome->result == error);
  const auto attempts = d.Join();
  REQUIRE(attempts.size() == 1);  // synchronous: no retry
  CHECK(attempts[0].done);
  const nlohmann::json described = d.queue.Describe();
  CHECK(described[0]["state"] == "failed");
  CHECK(described[0]["error_type"] == "Function.Unhandled");
  CHECK(described[0]["result"]["errorMessage"] == "boom");
}

TEST_CASE("invocation queue: two queued invocations are handed out in the order they came",
          "[emulator][queue]") {
  Dispatched d(QueueOptions(10s));
  auto first = d.queue.Add("req-a", R"("a")", "", false);
  auto second = d.queue.Add("req-b", R"("b")", "", false);
  CHECK(d.queue.Describe()[1]["state"] == "queued");
  d.Run(2);

  const std::optional<Handout> one = d.queue.Next();
  REQUIRE(one);
  CHECK(one->request_id == "req-a");
  CHECK(one->payload == R"("a")");
  // The second waits until the first is answered: req-b cannot be answered yet.
  CHECK_FALSE(d.queue.Respond("req-b", {true, "\"early\"", ""}));
  CHECK(d.queue.Respond("req-a", {true, "\"A\"", ""}));
  const std::optional<Handout> two = d.queue.Next();
  REQUIRE(two);
  CHECK(two->request_id == "req-b");
  CHECK(d.queue.Respond("req-b", {true, "\"B\"", ""}));

  CHECK(d.queue.WaitDone(first).value().result == "\"A\"");
  CHECK(d.queue.WaitDone(second).value().result == "\"B\"");
  const auto attempts = d.Join();
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].id == "req-a");
  CHECK(attempts[1].id == "req-b");
  CHECK(d.queue.WaitIdle(0ms));
}

TEST_CASE("invocation queue: a response for an unknown or unfinished request id is refused",
          "[emulator][queue]") {
  Dispatched d(QueueOptions(10s));
  auto invocation = d.queue.Add("req-known", "{}", "", false);
  // Nothing is handed out yet: not even the queued id can be answered.
  CHECK_FALSE(d.queue.Respond("req-known", {true, "{}", ""}));
  d.Run(1);
  REQUIRE(d.queue.Next());

  CHECK_FALSE(d.queue.Awaits("req-unknown"));
  CHECK_FALSE(d.queue.Respond("req-unknown", {true, R"("wrong")", ""}));
  CHECK(d.queue.Awaits("req-known"));
  CHECK(d.queue.Respond("req-known", {true, R"("right")", ""}));
  // One answer per attempt: the second is refused and changes nothing.
  CHECK_FALSE(d.queue.Respond("req-known", {false, R"("again")", "Function.Unhandled"}));

  const std::optional<Outcome> outcome = d.queue.WaitDone(invocation);
  REQUIRE(outcome);
  CHECK(outcome->ok);
  CHECK(outcome->result == R"("right")");
}

TEST_CASE("invocation queue: a failed event is retried twice after its delay, then reported failed",
          "[emulator][queue]") {
  // Retry delay 300 ms: the 2nd attempt is due 300 ms after the 1st, the 3rd
  // 600 ms after the 2nd; an invocation that comes meanwhile goes first.
  Dispatched d(QueueOptions(10s, 300ms, 2));
  d.queue.Add("req-event", R"({"event":1})", "ignored for events", true);
  d.Run(4);

  std::optional<Handout> h = d.queue.Next();
  REQUIRE(h);
  CHECK(h->request_id == "req-event");
  CHECK(d.queue.Respond("req-event",
                        {false, R"({"errorType":"Function.Unhandled"})", "Function.Unhandled"}));
  auto later = d.queue.Add("req-later", "{}", "", false);
  h = d.queue.Next();
  REQUIRE(h);
  CHECK(h->request_id == "req-later");  // the event waits for its retry delay
  CHECK(d.queue.Respond("req-later", {true, "{}", ""}));
  REQUIRE(d.queue.WaitDone(later));
  CHECK_FALSE(d.queue.WaitIdle(0ms));  // the event is queued for its retry

  for (int retry = 1; retry <= 2; ++retry) {
    h = d.queue.Next();
    REQUIRE(h);
    CHECK(h->request_id == "req-event");  // the same request id on every attempt
    CHECK(h->payload == R"({"event":1})");
    CHECK(d.queue.Respond("req-event",
                          {false, R"({"errorType":"Function.Unhandled"})", "Function.Unhandled"}));
  }
  const auto attempts = d.Join();
  REQUIRE(attempts.size() == 4);
  CHECK(attempts[0].id == "req-event");
  CHECK_FALSE(attempts[0].done);
  CHECK(attempts[1].id == "req-later");
  CHECK(attempts[2].number == 2);
  CHECK_FALSE(attempts[2].done);
  CHECK(attempts[3].number == 3);
  CHECK(attempts[3].done);
  CHECK(d.queue.WaitIdle(0ms));
  const nlohmann::json described = d.queue.Describe();
  CHECK(described[0]["state"] == "failed");
  CHECK(described[0]["async"] == true);
  CHECK(described[0]["attempts"].size() == 3);
}

TEST_CASE("invocation queue: the watch ends an attempt when the runtime is gone",
          "[emulator][queue]") {
  Dispatched d(QueueOptions(10s));
  auto invocation = d.queue.Add("req-crash", "{}", "", false);
  // The runtime exits without answering (the sandbox reports it to the watch).
  d.Run(1, [] {
    return std::optional<Answer>(
        Answer{false, R"({"errorType":"Runtime.ExitError"})", "Runtime.ExitError"});
  });
  const std::optional<Outcome> outcome = d.queue.WaitDone(invocation);
  REQUIRE(outcome);
  CHECK_FALSE(outcome->ok);
  CHECK(outcome->error_type == "Runtime.ExitError");
  const auto attempts = d.Join();
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].end == InvocationQueue::End::kWatched);
}

TEST_CASE("invocation queue: stopping ends every wait", "[emulator][queue]") {
  InvocationQueue queue(QueueOptions(10s));
  auto invocation = queue.Add("req-stop", "{}", "", false);
  std::optional<Handout> handout = Handout{"not called", 0, "", ""};
  std::thread runtime([&] { handout = queue.Next(); });
  std::this_thread::sleep_for(50ms);
  queue.Stop();
  runtime.join();
  CHECK_FALSE(handout);
  CHECK_FALSE(queue.WaitDone(invocation));
  CHECK(queue.Take() == nullptr);
}
