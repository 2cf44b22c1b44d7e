// The emulator itself (emulator.h): it puts the rooms together and runs the
// dispatcher. Start() prepares the sandbox (sandbox.h), installs the routes
// (routes.h) and binds the port; the dispatcher thread takes one invocation
// at a time from the queue (invocation_queue.h), starts the runtime when none
// runs, offers it the attempt, kills the runtime when the attempt timed out
// or the runtime failed to initialise, and writes the attempt's START, END
// and REPORT lines to the function's log.
#include "emulator.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "invocation_queue.h"
#include "routes.h"
#include "sandbox.h"

namespace iam_audit::emulator {
namespace {

InvocationQueue::Options QueueOptions(const EmulatorOptions& options) {
  InvocationQueue::Options q;
  q.timeout = std::chrono::seconds(options.timeout_seconds);
  q.retry_delay = std::chrono::milliseconds(options.retry_delay_ms);
  q.async_retries = options.async_retries;
  return q;
}

}  // namespace

struct Emulator::Impl {
  EmulatorOptions options;
  Sandbox sandbox{options};
  InvocationQueue queue{QueueOptions(options)};
  Routes routes{options, queue, sandbox};
  httplib::Server server;
  int port = 0;
  std::thread dispatcher;

  explicit Impl(EmulatorOptions o) : options(std::move(o)) {}

  void Dispatch();
  void RunAttempt(const std::shared_ptr<Invocation>& job);
  // Offers the attempt to the running runtime and waits for its end; kills
  // the runtime when it timed out or reported an init error.
  Answer AwaitRuntime(const std::shared_ptr<Invocation>& job);
  // The attempt's REPORT line (after "REPORT RequestId: <id>\t") and its
  // record for GET /api/invocations.
  std::string Report(const Invocation& job, const Answer& answer, bool cold,
                     nlohmann::ordered_json& record) const;
};

void Emulator::Impl::Dispatch() {
  while (std::shared_ptr<Invocation> job = queue.Take()) RunAttempt(job);
}

Answer Emulator::Impl::AwaitRuntime(const std::shared_ptr<Invocation>& job) {
  bool init_failed = false;
  const InvocationQueue::AttemptEnd end =
      queue.Offer(job, [this, &job, &init_failed]() -> std::optional<Answer> {
        if (std::optional<Sandbox::InitError> error = sandbox.PendingInitError()) {
          init_failed = true;
          return Answer{false, error->body, error->type};
        }
        if (std::optional<std::string> why = sandbox.ReapIfExited()) {
          const std::string type = "Runtime.ExitError";
          return Answer{false,
                        ErrorJson(type, "RequestId: " + job->id +
                                            " Error: Runtime exited with error: " + *why),
                        type};
        }
        return std::nullopt;
      });
  if (init_failed) {
    sandbox.AwaitExitThenKill();
  } else if (end.end == InvocationQueue::End::kTimedOut) {
    sandbox.Kill();
  }
  return end.answer;
}

std::string Emulator::Impl::Report(const Invocation& job, const Answer& answer, bool cold,
                                   nlohmann::ordered_json& record) const {
  const double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - job.attempt_started).count();
  const int64_t hwm_kb = sandbox.MaxMemoryKb();
  const int64_t hwm = (hwm_kb + 1023) / 1024;
  // The init duration, when this attempt started the runtime and it initialised.
  const std::optional<double> initialised = cold ? sandbox.InitMs() : std::nullopt;
  const double init_ms = initialised.value_or(0);
  const std::string init =
      initialised ? "Init Duration: " + std::to_string(init_ms) + " ms\t" : std::string();
  char report[512];
  std::snprintf(report, sizeof report,
                "Duration: %.2f ms\tBilled Duration: %lld ms\tMemory Size: %d MB\tMax Memory Used: "
                "%lld MB\t\n",
                ms, static_cast<long long>(ms + 0.999), options.memory_mb,
                static_cast<long long>(hwm));
  record["request_id"] = job.id;
  record["ok"] = answer.ok;
  if (!answer.ok) record["error_type"] = answer.error_type;
  record["duration_ms"] = ms;
  if (initialised) record["init_ms"] = init_ms;
  record["max_memory_used_kb"] = hwm_kb;
  return init + report;
}

// One attempt of `job`, taken from the queue.
void Emulator::Impl::RunAttempt(const std::shared_ptr<Invocation>& job) {
  const std::string& request_id = job->id;
  // The attempt's log starts here: a cold start's init output is part of it.
  sandbox.BeginLog();
  Answer answer;
  bool cold = false;
  if (!sandbox.Running()) {
    cold = true;
    std::string error;
    if (!sandbox.Spawn(port, error))
      answer = {false, ErrorJson("Runtime.Unknown", error), "Runtime.Unknown"};
  }
  sandbox.Log("START RequestId: " + request_id + " Version: $LATEST\n");
  if (sandbox.Running()) answer = AwaitRuntime(job);
  nlohmann::ordered_json record;
  const std::string report = Report(*job, answer, cold, record);
  std::string log_tail = sandbox.EndLog("END RequestId: " + request_id + "\n" +
                                        "REPORT RequestId: " + request_id + "\t" + report);
  const bool done = queue.Finish(job, answer, nlohmann::json(record), std::move(log_tail));
  if (done && job->async && !answer.ok) {
    sandbox.Note("emulate: async event " + request_id + " failed after " +
                 std::to_string(job->attempt) + " attempts: " + answer.error_type + "\n");
  }
}

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Emulator::~Emulator() {
  Stop();
  if (impl_->dispatcher.joinable()) impl_->dispatcher.join();
  impl_->sandbox.Shutdown();
}

Status Emulator::Start() {
  Impl& s = *impl_;
  if (Status st = s.sandbox.Prepare(); !st.ok()) return st;
  // Each waiting sync invoke and the runtime's long poll hold a thread.
  s.server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  s.server.set_read_timeout(900, 0);
  s.server.set_write_timeout(900, 0);
  // The largest body kept; each route applies its own limit, and a longer
  // Content-Length is skipped by httplib unread and reported too large.
  s.server.set_payload_max_length(kMaxPayload);
  // Answers are written in more than one send (headers, then body): without
  // TCP_NODELAY, Nagle holds the body until the peer's delayed ACK, about
  // 40 ms per /next and per invoke answer on loopback.
  s.server.set_tcp_nodelay(true);
  s.routes.Install(s.server);
  if (s.options.port == 0) {
    s.port = s.server.bind_to_any_port(s.options.bind);
  } else {
    s.port = s.server.bind_to_port(s.options.bind, s.options.port) ? s.options.port : -1;
  }
  if (s.port <= 0) {
    return UnavailableError("emulate: cannot listen on " + s.options.bind + ":" +
                            std::to_string(s.options.port));
  }
  s.sandbox.StartLogReader();
  s.dispatcher = std::thread([&s] { s.Dispatch(); });
  return Status::Ok();
}

std::string Emulator::BaseUrl() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void Emulator::Run() { impl_->server.listen_after_bind(); }

void Emulator::Stop() {
  impl_->queue.Stop();
  impl_->server.stop();
}

}  // namespace iam_audit::emulator
