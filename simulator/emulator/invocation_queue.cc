// The emulator's invocation queue (invocation_queue.h): pending invocations,
// the hand-off of one attempt at a time to the runtime (next, then response
// or error), the function timeout, and an event's retries. It owns the
// queue's state and its one mutex; the clients, the dispatcher and the
// runtime only meet through its member functions.
#include "invocation_queue.h"

#include <algorithm>
#include <cstdio>

namespace iam_audit::emulator {

int64_t EpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ErrorJson(const std::string& type, const std::string& message) {
  nlohmann::ordered_json j;
  j["errorMessage"] = message;
  j["errorType"] = type;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::shared_ptr<const Invocation> InvocationQueue::Add(std::string id, std::string payload,
                                                       std::string client_context, bool async) {
  auto invocation = std::make_shared<Invocation>();
  invocation->id = std::move(id);
  invocation->payload = std::move(payload);
  invocation->client_context = std::move(client_context);
  invocation->async = async;
  std::lock_guard<std::mutex> lock(mu_);
  all_.push_back(invocation);
  queue_.push_back(invocation);
  cv_.notify_all();
  return invocation;
}

std::optional<Outcome> InvocationQueue::WaitDone(
    const std::shared_ptr<const Invocation>& invocation) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return invocation->done || stopping_; });
  if (!invocation->done) return std::nullopt;
  return Outcome{invocation->ok, invocation->result, invocation->error_type, invocation->log_tail};
}

bool InvocationQueue::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return stopping_ || (queue_.empty() && !running_); });
}

nlohmann::json InvocationQueue::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& invocation : all_) {
    const Invocation& job = *invocation;
    nlohmann::ordered_json j;
    j["id"] = job.id;
    j["async"] = job.async;
    j["state"] =
        job.done ? (job.ok ? "succeeded" : "failed") : (job.attempt > 0 ? "running" : "queued");
    j["attempts"] = job.attempts;
    if (job.done) {
      j["error_type"] = job.error_type;
      auto parsed = nlohmann::json::parse(job.result, nullptr, false);
      j["result"] = parsed.is_discarded() ? nlohmann::json(job.result) : parsed;
    }
    list.push_back(nlohmann::json(j));
  }
  return list;
}

std::shared_ptr<Invocation> InvocationQueue::Take() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const auto now = Clock::now();
    auto it = std::find_if(queue_.begin(), queue_.end(),
                           [&](const auto& j) { return j->not_before <= now; });
    if (it == queue_.end()) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      continue;
    }
    std::shared_ptr<Invocation> invocation = *it;
    queue_.erase(it);
    ++invocation->attempt;
    invocation->attempt_started = now;
    running_ = invocation;
    return invocation;
  }
  return nullptr;
}

InvocationQueue::AttemptEnd InvocationQueue::Offer(
    const std::shared_ptr<Invocation>& invocation,
    const std::function<std::optional<Answer>()>& watch) {
  std::unique_lock<std::mutex> lock(mu_);
  offered_ = invocation;
  handed_out_ = false;
  answered_ = false;
  answer_ = Answer{};
  deadline_ms_ = EpochMs() + options_.timeout.count();
  const auto deadline = invocation->attempt_started + options_.timeout;
  const std::string& id = invocation->id;
  cv_.notify_all();
  AttemptEnd end;
  for (;;) {
    if (answered_) {
      end = {End::kAnswered, std::move(answer_)};
      break;
    }
    if (std::optional<Answer> watched = watch ? watch() : std::nullopt) {
      end = {End::kWatched, std::move(*watched)};
      break;
    }
    if (Clock::now() >= deadline) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.2f",
                    static_cast<double>(options_.timeout.count()) / 1000.0);
      const std::string type = "Sandbox.Timedout";
      end = {End::kTimedOut,
             {false,
              ErrorJson(type, "RequestId: " + id + " Error: Task timed out after " + seconds +
                                  " seconds"),
              type}};
      break;
    }
    if (stopping_) {
      end = {End::kStopping,
             {false, ErrorJson("Runtime.Unknown", "emulator stopping"), "Runtime.Unknown"}};
      break;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
  offered_.reset();
  return end;
}

bool InvocationQueue::Finish(const std::shared_ptr<Invocation>& invocation, const Answer& answer,
                             nlohmann::json record, std::string log_tail) {
  std::lock_guard<std::mutex> lock(mu_);
  Invocation& job = *invocation;
  job.log_tail = std::move(log_tail);
  job.attempts.push_back(std::move(record));
  job.ok = answer.ok;
  job.result = answer.body;
  job.error_type = answer.ok ? "" : answer.error_type;
  if (answer.ok || !job.async || job.attempt > options_.async_retries) {
    job.done = true;
  } else {
    // Lambda's async retry: ~1 min before the 2nd attempt, ~2 min before the 3rd.
    job.not_before = Clock::now() + options_.retry_delay * job.attempt;
    queue_.push_back(invocation);
  }
  if (running_ == invocation) running_.reset();
  cv_.notify_all();
  return job.done;
}

std::optional<Handout> InvocationQueue::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  // Long poll: wait until an attempt is waiting for the runtime.
  cv_.wait(lock, [&] { return stopping_ || (offered_ && !handed_out_); });
  if (stopping_) return std::nullopt;
  handed_out_ = true;
  return Handout{offered_->id, deadline_ms_, offered_->payload, offered_->client_context};
}

bool InvocationQueue::AwaitsLocked(const std::string& request_id) const {
  return offered_ && request_id == offered_->id && handed_out_ && !answered_;
}

bool InvocationQueue::Awaits(const std::string& request_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return AwaitsLocked(request_id);
}

bool InvocationQueue::Respond(const std::string& request_id, Answer answer) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!AwaitsLocked(request_id)) return false;
  answered_ = true;
  answer_ = std::move(answer);
  cv_.notify_all();
  return true;
}

void InvocationQueue::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

void InvocationQueue::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

}  // namespace iam_audit::emulator
