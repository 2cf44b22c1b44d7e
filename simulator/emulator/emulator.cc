#include "emulator.h"

#include <fcntl.h>
#include <httplib.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <thread>

extern char** environ;

namespace iam_audit::emulator {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// RIE's payload cap for events and responses (6 MiB + 100 bytes).
constexpr size_t kMaxPayload = 6 * 1024 * 1024 + 100;

int64_t EpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hex(std::mt19937_64& rng, int digits) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out += kDigits[rng() & 15];
  return out;
}

std::string Uuid(std::mt19937_64& rng) {
  std::string h = Hex(rng, 32);
  h[12] = '4';
  h[16] = "89ab"[rng() & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

std::string ErrorJson(const std::string& type, const std::string& message) {
  nlohmann::ordered_json j;
  j["errorMessage"] = message;
  j["errorType"] = type;
  return j.dump();
}

// RIE keeps an error type that looks like Category.Reason, else Runtime.Unknown.
std::string NormaliseErrorType(const std::string& header) {
  static const std::regex kValid("(Runtime|Function)\\.[A-Z][a-zA-Z]+");
  std::smatch m;
  if (std::regex_search(header, m, kValid)) return m.str(0);
  return header.rfind("Function.", 0) == 0 ? "Function.Unknown" : "Runtime.Unknown";
}

// Runs a command and waits for it; returns its exit status (or -1).
int RunCommand(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int64_t VmHwmKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

}  // namespace

struct Job {
  std::string id;         // the event's id; each attempt has its own request id
  std::string payload;
  bool async = false;
  int attempt = 0;        // attempts started
  Clock::time_point not_before = Clock::now();
  // Outcome of the latest attempt.
  bool done = false;      // final: no more attempts
  bool ok = false;
  std::string result;     // response body or error JSON
  std::string error_type; // empty on success
  std::vector<nlohmann::json> attempts;
};

struct Emulator::Impl {
  EmulatorOptions options;
  httplib::Server server;
  int port = 0;
  std::string task_dir;  // where the function lives, as the bootstrap sees it
  std::string temp_dir;  // to remove at the end
  std::mt19937_64 rng{std::random_device{}()};

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::deque<std::shared_ptr<Job>> queue;
  std::vector<std::shared_ptr<Job>> all;
  // The attempt in progress.
  std::shared_ptr<Job> current;
  std::string current_request_id;
  bool handed_out = false;
  bool answered = false;
  bool answer_ok = false;
  std::string answer_body;
  std::string answer_type;
  int64_t deadline_ms = 0;
  // The runtime process.
  pid_t pid = 0;
  bool initialised = false;  // made its first /next
  Clock::time_point spawned_at;
  double init_ms = 0;
  bool init_error = false;
  std::string init_error_body, init_error_type;
  std::thread dispatcher;

  explicit Impl(EmulatorOptions o) : options(std::move(o)) {}

  Status Prepare();
  void Routes();
  void Dispatch();
  bool SpawnRuntime(std::string& error);
  void KillRuntime();
  void RunAttempt(std::unique_lock<std::mutex>& lock, const std::shared_ptr<Job>& job);
  std::shared_ptr<Job> Enqueue(std::string payload, bool async);
  nlohmann::json Describe(const Job& job) const;
};

Status Emulator::Impl::Prepare() {
  fs::path function(options.function);
  std::error_code ec;
  if (!fs::exists(function, ec)) return NotFoundError("emulate: " + options.function + " does not exist");
  const bool is_zip = function.extension() == ".zip";
  fs::path target;
  if (!options.root.empty()) {
    fs::create_directories(fs::path(options.root) / "var/task", ec);
    fs::create_directories(fs::path(options.root) / "tmp", ec);
    if (ec) return InternalError("emulate: cannot create " + options.root + ": " + ec.message());
    target = fs::absolute(fs::path(options.root) / "var/task");
    task_dir = "/var/task";
  } else if (is_zip) {
    char tmpl[] = "/tmp/iam-audit-emulate-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return InternalError("emulate: cannot make a temporary directory");
    temp_dir = tmpl;
    target = temp_dir;
    task_dir = temp_dir;
  }
  if (is_zip) {
    if (RunCommand({"unzip", "-q", "-o", fs::absolute(function).string(), "-d", target.string()}) != 0) {
      return InvalidArgumentError("emulate: cannot unzip " + options.function + " (is `unzip` installed?)");
    }
  } else if (!options.root.empty()) {
    fs::copy_file(function, target / "bootstrap", fs::copy_options::overwrite_existing, ec);
    if (ec) return InternalError("emulate: cannot copy " + options.function + ": " + ec.message());
  } else {
    // A bootstrap on disk runs where it is; its directory is the task root.
    target = fs::absolute(function).parent_path();
    task_dir = target.string();
  }
  fs::path bootstrap = is_zip || !options.root.empty() ? target / "bootstrap" : fs::absolute(function);
  if (::access(bootstrap.c_str(), X_OK) != 0) {
    return InvalidArgumentError("emulate: " + bootstrap.string() + " is missing or not executable");
  }
  return Status::Ok();
}

bool Emulator::Impl::SpawnRuntime(std::string& error) {
  // Lambda's environment for a provided.* runtime, then the user's --env.
  std::map<std::string, std::string> env = {
      {"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + std::to_string(port)},
      {"LAMBDA_TASK_ROOT", task_dir},
      {"LAMBDA_RUNTIME_DIR", "/var/runtime"},
      {"_HANDLER", "iam-audit"},
      {"AWS_LAMBDA_FUNCTION_NAME", options.function_name},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(options.memory_mb)},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + options.function_name},
      {"AWS_LAMBDA_LOG_STREAM_NAME", "$LATEST"},
      {"AWS_REGION", "us-east-1"},
      {"AWS_DEFAULT_REGION", "us-east-1"},
      {"TZ", ":UTC"},
      {"LANG", "en_US.UTF-8"},
      {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
      {"LD_LIBRARY_PATH", "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:" + task_dir + ":" + task_dir +
                              "/lib:/opt/lib"},
  };
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  const std::string program = options.function.size() > 4 && options.function.ends_with(".zip")
                                  ? task_dir + "/bootstrap"
                              : options.root.empty() ? fs::absolute(options.function).string()
                                                     : std::string("/var/task/bootstrap");
  const std::string root = options.root.empty() ? "" : fs::absolute(options.root).string();
  const bool need_userns = !root.empty() && ::geteuid() != 0;
  const std::string uid_map = "0 " + std::to_string(::geteuid()) + " 1\n";
  const std::string gid_map = "0 " + std::to_string(::getegid()) + " 1\n";
  char* argv[] = {const_cast<char*>(program.c_str()), nullptr};

  pid_t child = ::fork();
  if (child < 0) {
    error = "fork failed";
    return false;
  }
  if (child == 0) {
    // Only async-signal-safe calls from here on.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the emulator blocks SIGTERM/SIGINT
    ::dup2(STDERR_FILENO, STDOUT_FILENO);  // the function's output is our log (stderr)
    if (!root.empty()) {
      if (need_userns) {
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) ::_exit(126);
        int fd = ::open("/proc/self/setgroups", O_WRONLY);
        if (fd >= 0) {
          (void)!::write(fd, "deny", 4);
          ::close(fd);
        }
        fd = ::open("/proc/self/uid_map", O_WRONLY);
        if (fd < 0 || ::write(fd, uid_map.data(), uid_map.size()) < 0) ::_exit(126);
        ::close(fd);
        fd = ::open("/proc/self/gid_map", O_WRONLY);
        if (fd < 0 || ::write(fd, gid_map.data(), gid_map.size()) < 0) ::_exit(126);
        ::close(fd);
      } else if (::unshare(CLONE_NEWNS) != 0) {
        ::_exit(126);
      }
      if (::chroot(root.c_str()) != 0 || ::chdir("/var/task") != 0) ::_exit(126);
    } else {
      if (::chdir(task_dir.c_str()) != 0) ::_exit(126);
    }
    ::execve(program.c_str(), argv, envp.data());
    ::_exit(127);
  }
  pid = child;
  spawned_at = Clock::now();
  initialised = false;
  init_error = false;
  std::fprintf(stderr, "emulate: started runtime pid %d (%s%s)\n", static_cast<int>(pid), program.c_str(),
               root.empty() ? "" : (", chroot " + root).c_str());
  return true;
}

void Emulator::Impl::KillRuntime() {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  pid = 0;
}

std::shared_ptr<Job> Emulator::Impl::Enqueue(std::string payload, bool async) {
  auto job = std::make_shared<Job>();
  job->id = Uuid(rng);
  job->payload = std::move(payload);
  job->async = async;
  all.push_back(job);
  queue.push_back(job);
  cv.notify_all();
  return job;
}

nlohmann::json Emulator::Impl::Describe(const Job& job) const {
  nlohmann::ordered_json j;
  j["id"] = job.id;
  j["async"] = job.async;
  j["state"] = job.done ? (job.ok ? "succeeded" : "failed") : (job.attempt > 0 ? "running" : "queued");
  j["attempts"] = job.attempts;
  if (job.done) {
    j["error_type"] = job.error_type;
    auto parsed = nlohmann::json::parse(job.result, nullptr, false);
    j["result"] = parsed.is_discarded() ? nlohmann::json(job.result) : parsed;
  }
  return j;
}

// One attempt of `job`, with the lock held except while waiting.
void Emulator::Impl::RunAttempt(std::unique_lock<std::mutex>& lock, const std::shared_ptr<Job>& job) {
  ++job->attempt;
  const std::string request_id = Uuid(rng);
  std::string error;
  bool ok = false;
  std::string body, type;
  const auto started = Clock::now();
  bool cold = false;
  if (pid == 0) {
    cold = true;
    if (!SpawnRuntime(error)) {
      body = ErrorJson("Runtime.Unknown", error);
      type = "Runtime.Unknown";
    }
  }
  std::fprintf(stderr, "START RequestId: %s Version: $LATEST\n", request_id.c_str());
  if (pid != 0) {
    current = job;
    current_request_id = request_id;
    handed_out = false;
    answered = false;
    deadline_ms = EpochMs() + int64_t{options.timeout_seconds} * 1000;
    const auto deadline = started + std::chrono::seconds(options.timeout_seconds);
    cv.notify_all();
    for (;;) {
      if (answered) {
        ok = answer_ok;
        body = answer_body;
        type = answer_type;
        break;
      }
      if (init_error) {
        body = init_error_body;
        type = init_error_type;
        // The runtime exits after reporting; make sure of it.
        lock.unlock();
        for (int i = 0; i < 50 && ::waitpid(pid, nullptr, WNOHANG) == 0; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        lock.lock();
        KillRuntime();
        break;
      }
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = 0;
        std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : "signal " + std::to_string(WTERMSIG(status));
        type = initialised ? "Runtime.ExitError" : "Runtime.ExitError";
        body = ErrorJson(type, "RequestId: " + request_id + " Error: Runtime exited with error: " + why);
        break;
      }
      if (Clock::now() >= deadline) {
        KillRuntime();
        type = "Sandbox.Timedout";
        body = ErrorJson(type, "RequestId: " + request_id + " Error: Task timed out after " +
                                   std::to_string(options.timeout_seconds) + ".00 seconds");
        break;
      }
      if (stopping) {
        type = "Runtime.Unknown";
        body = ErrorJson(type, "emulator stopping");
        break;
      }
      cv.wait_for(lock, std::chrono::milliseconds(20));
    }
    current.reset();
    current_request_id.clear();
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  const int64_t hwm_kb = pid > 0 ? VmHwmKb(pid) : 0;
  const int64_t hwm = (hwm_kb + 1023) / 1024;
  std::fprintf(stderr, "END RequestId: %s\n", request_id.c_str());
  std::string init = cold && initialised ? "Init Duration: " + std::to_string(init_ms) + " ms\t" : "";
  std::fprintf(stderr, "REPORT RequestId: %s\t%sDuration: %.2f ms\tBilled Duration: %lld ms\tMemory Size: %d MB\tMax Memory Used: %lld MB\t\n",
               request_id.c_str(), init.c_str(), ms, static_cast<long long>(ms + 0.999), options.memory_mb,
               static_cast<long long>(hwm));
  nlohmann::ordered_json a;
  a["request_id"] = request_id;
  a["ok"] = ok;
  if (!ok) a["error_type"] = type;
  a["duration_ms"] = ms;
  if (cold && initialised) a["init_ms"] = init_ms;
  a["max_memory_used_kb"] = hwm_kb;
  job->attempts.push_back(a);
  job->ok = ok;
  job->result = body;
  job->error_type = ok ? "" : type;
  if (ok || !job->async || job->attempt > options.async_retries) {
    job->done = true;
    if (job->async && !ok) {
      std::fprintf(stderr, "emulate: async event %s failed after %d attempts: %s\n", job->id.c_str(),
                   job->attempt, type.c_str());
    }
  } else {
    // Lambda's async retry: ~1 min before the 2nd attempt, ~2 min before the 3rd.
    job->not_before = Clock::now() + std::chrono::milliseconds(options.retry_delay_ms * job->attempt);
    queue.push_back(job);
  }
  cv.notify_all();
}

void Emulator::Impl::Dispatch() {
  std::unique_lock<std::mutex> lock(mu);
  while (!stopping) {
    // The first queued job whose retry time has come (FIFO otherwise).
    auto now = Clock::now();
    auto it = std::find_if(queue.begin(), queue.end(), [&](const auto& j) { return j->not_before <= now; });
    if (it == queue.end()) {
      cv.wait_for(lock, std::chrono::milliseconds(50));
      continue;
    }
    std::shared_ptr<Job> job = *it;
    queue.erase(it);
    RunAttempt(lock, job);
  }
}

void Emulator::Impl::Routes() {
  const std::string runtime = "/2018-06-01/runtime";
  server.Get(runtime + "/invocation/next", [this](const httplib::Request&, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu);
    if (!initialised && pid != 0) {
      initialised = true;
      init_ms = std::chrono::duration<double, std::milli>(Clock::now() - spawned_at).count();
      std::fprintf(stderr, "emulate: runtime made its first /next %.2f ms after exec\n", init_ms);
    }
    // Long poll: wait until an attempt is waiting for the runtime.
    cv.wait(lock, [&] { return stopping || (current && !handed_out); });
    if (stopping) {
      res.status = 500;
      res.set_content(ErrorJson("InternalServerError", "Internal Server Error"), "application/json");
      return;
    }
    handed_out = true;
    res.set_header("Lambda-Runtime-Aws-Request-Id", current_request_id);
    res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ms));
    res.set_header("Lambda-Runtime-Invoked-Function-Arn",
                   "arn:aws:lambda:us-east-1:012345678912:function:" + options.function_name);
    const int64_t now_s = EpochMs() / 1000;
    char epoch_hex[16];
    std::snprintf(epoch_hex, sizeof epoch_hex, "%08llx", static_cast<unsigned long long>(now_s));
    res.set_header("Lambda-Runtime-Trace-Id",
                   "Root=1-" + std::string(epoch_hex) + "-" + Hex(rng, 24) + ";Parent=" + Hex(rng, 16) +
                       ";Sampled=0");
    res.set_content(current->payload, "application/json");
  });

  auto answer = [this](const httplib::Request& req, httplib::Response& res, bool ok) {
    std::lock_guard<std::mutex> lock(mu);
    const std::string id = req.matches[1];
    if (!current || id != current_request_id || !handed_out || answered) {
      res.status = 400;
      res.set_content(ErrorJson("InvalidRequestID", "Invalid request ID"), "application/json");
      return;
    }
    if (req.body.size() > kMaxPayload) {
      res.status = 413;
      res.set_content(ErrorJson("RequestEntityTooLarge", "Exceeded maximum allowed payload size (6291556 bytes)."),
                      "application/json");
      answered = true;
      answer_ok = false;
      answer_type = "Function.ResponseSizeTooLarge";
      answer_body = ErrorJson(answer_type, "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
      cv.notify_all();
      return;
    }
    answered = true;
    answer_ok = ok;
    answer_body = req.body;
    answer_type = ok ? "" : NormaliseErrorType(req.get_header_value("Lambda-Runtime-Function-Error-Type"));
    if (!ok && answer_body.empty()) answer_body = ErrorJson(answer_type, "");
    res.status = 202;
    res.set_content(R"({"status":"OK"})", "application/json");
    cv.notify_all();
  };
  server.Post(runtime + R"(/invocation/([^/]+)/response)",
              [answer](const httplib::Request& req, httplib::Response& res) { answer(req, res, true); });
  server.Post(runtime + R"(/invocation/([^/]+)/error)",
              [answer](const httplib::Request& req, httplib::Response& res) { answer(req, res, false); });
  server.Post(runtime + "/init/error", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    if (initialised || pid == 0) {
      res.status = 403;
      res.set_content(ErrorJson("InvalidStateTransition", "State transition from Ready to InitError failed"),
                      "application/json");
      return;
    }
    init_error = true;
    init_error_type = NormaliseErrorType(req.get_header_value("Lambda-Runtime-Function-Error-Type"));
    init_error_body = req.body.empty() ? ErrorJson(init_error_type, "") : req.body;
    std::fprintf(stderr, "emulate: init error %s\n", init_error_type.c_str());
    res.status = 202;
    res.set_content(R"({"status":"OK"})", "application/json");
    cv.notify_all();
  });

  // The Invoke API (and RIE's front door, where the name is "function").
  server.Post(R"(/2015-03-31/functions/([^/]+)/invocations)",
              [this](const httplib::Request& req, httplib::Response& res) {
                if (req.body.size() > kMaxPayload) {
                  res.status = 413;
                  res.set_content(ErrorJson("RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation"),
                                  "application/json");
                  return;
                }
                const std::string type = req.get_header_value("X-Amz-Invocation-Type");
                if (type == "DryRun") {
                  res.status = 204;
                  return;
                }
                std::unique_lock<std::mutex> lock(mu);
                if (type == "Event") {
                  auto job = Enqueue(req.body, true);
                  res.status = 202;
                  res.set_header("X-Amzn-RequestId", job->id);
                  return;
                }
                auto job = Enqueue(req.body, false);
                cv.wait(lock, [&] { return job->done || stopping; });
                if (!job->done) {
                  res.status = 502;
                  return;
                }
                res.status = 200;
                res.set_header("X-Amzn-RequestId", job->id);
                res.set_header("X-Amz-Executed-Version", "$LATEST");
                if (!job->ok) res.set_header("X-Amz-Function-Error", "Unhandled");
                res.set_content(job->result, "application/json");
              });

  server.Get("/api/invocations", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& job : all) list.push_back(Describe(*job));
    res.set_content(list.dump(), "application/json");
  });
  server.Get("/api/idle", [this](const httplib::Request& req, httplib::Response& res) {
    int64_t timeout_ms = 10000;
    if (req.has_param("timeout_ms")) timeout_ms = std::stoll(req.get_param_value("timeout_ms"));
    std::unique_lock<std::mutex> lock(mu);
    bool idle = cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                            [&] { return stopping || (queue.empty() && !current); });
    res.set_content(std::string(R"({"idle":)") + (idle ? "true" : "false") + "}", "application/json");
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
}

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Emulator::~Emulator() {
  Stop();
  if (impl_->dispatcher.joinable()) impl_->dispatcher.join();
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->KillRuntime();
  if (!impl_->temp_dir.empty()) {
    std::error_code ec;
    fs::remove_all(impl_->temp_dir, ec);
  }
}

Status Emulator::Start() {
  Impl& s = *impl_;
  if (Status st = s.Prepare(); !st.ok()) return st;
  // Each waiting sync invoke and the runtime's long poll hold a thread.
  s.server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  s.server.set_read_timeout(900, 0);
  s.server.set_write_timeout(900, 0);
  s.server.set_payload_max_length(kMaxPayload + 1024);
  s.Routes();
  if (s.options.port == 0) {
    s.port = s.server.bind_to_any_port(s.options.bind);
  } else {
    s.port = s.server.bind_to_port(s.options.bind, s.options.port) ? s.options.port : -1;
  }
  if (s.port <= 0) {
    return UnavailableError("emulate: cannot listen on " + s.options.bind + ":" + std::to_string(s.options.port));
  }
  s.dispatcher = std::thread([&s] { s.Dispatch(); });
  return Status::Ok();
}

std::string Emulator::BaseUrl() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void Emulator::Run() { impl_->server.listen_after_bind(); }

void Emulator::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
    impl_->cv.notify_all();
  }
  impl_->server.stop();
}

}  // namespace iam_audit::emulator
