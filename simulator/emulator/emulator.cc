#include "emulator.h"

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <thread>

#include "iam_audit/json_error_text.h"
#include "iam_audit/payload.h"

extern char** environ;

namespace iam_audit::emulator {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// RIE's payload cap for the function's responses (6 MiB + 100 bytes).
constexpr size_t kMaxPayload = 6 * 1024 * 1024 + 100;
// Lambda's Invoke limits: a synchronous payload of at most 6 MB, an
// asynchronous (Event) one of at most 1 MB (the simulator's default
// --max-payload-bytes).
constexpr size_t kMaxSyncPayload = 6291456;
constexpr size_t kMaxAsyncPayload = 1048576;
// X-Amz-Log-Result: the last 4 KB of the invocation's log.
constexpr size_t kLogTailBytes = 4096;

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
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string ErrorJson(const std::string& type, const std::string& message) {
  nlohmann::ordered_json j;
  j["errorMessage"] = message;
  j["errorType"] = type;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// An Invoke API error as Lambda answers it: the code in X-Amzn-ErrorType (what
// the SDKs report as the error code), the message in the body; `type` is the
// body's "Type" field, which Lambda sends on some errors ("User").
void InvokeError(httplib::Response& res, int status, const std::string& code,
                 const std::string& type, const std::string& message) {
  nlohmann::ordered_json j;
  if (!type.empty()) j["Type"] = type;
  j["message"] = message;
  res.status = status;
  res.set_header("X-Amzn-ErrorType", code);
  res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

enum class BodyRead { kOk, kTooLarge, kUnreadable };

// Reads a request body as the raw bytes sent, whatever its Content-Type
// (cpp-httplib parses form and multipart bodies itself when it reads them,
// and refuses form bodies over 8 KB), keeping at most `limit` bytes: a longer
// body is still consumed, so that the connection stays usable, and reported
// too large. A request with neither Content-Length nor chunked
// Transfer-Encoding has an empty body (RFC 9112 section 6.3), not one that
// lasts until the client closes the connection.
// `size` is the body's whole length.
BodyRead ReadBody(const httplib::Request& req, const httplib::ContentReader& reader, size_t limit,
                  std::string& body, uint64_t& size) {
  body.clear();
  size = 0;
  std::string encoding = req.get_header_value("Transfer-Encoding");
  std::transform(encoding.begin(), encoding.end(), encoding.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const bool chunked = encoding.find("chunked") != std::string::npos;
  if (!chunked && !req.has_header("Content-Length")) return BodyRead::kOk;
  if (req.is_multipart_form_data()) {
    // The reader would hand a multipart body to httplib's form parser; without
    // the Content-Type it hands over the bytes. The server owns a non-const
    // Request and passes it to handlers as const, so this edit is well-defined.
    const_cast<httplib::Request&>(req).headers.erase("Content-Type");
  }
  uint64_t total = 0;
  const bool read = reader([&](const char* data, size_t n) {
    total += n;
    if (body.size() <= limit) body.append(data, std::min(n, limit + 1 - body.size()));
    return true;
  });
  // A Content-Length over the server's payload cap is skipped unread by httplib.
  const uint64_t length =
      std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
  size = chunked ? total : std::max(total, length);
  if (size > limit) {
    body.clear();
    return BodyRead::kTooLarge;
  }
  return read ? BodyRead::kOk : BodyRead::kUnreadable;
}

// "1 validation error detected: Value 'x' at 'invocationType' failed to ..."
// for each header value outside its enum, as AWS's request validation says it;
// empty when all are valid.
std::string ValidationErrors(const std::vector<std::pair<std::string, std::string>>& bad) {
  std::string out;
  for (const auto& [value, text] : bad)
    out += (out.empty() ? "" : "; ") + ("Value '" + value + "' at " + text);
  if (bad.empty()) return out;
  return std::to_string(bad.size()) +
         (bad.size() == 1 ? " validation error detected: " : " validation errors detected: ") + out;
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
  // The request id: X-Amzn-RequestId, Lambda-Runtime-Aws-Request-Id, the
  // START/END/REPORT lines and error messages, on every attempt of an event.
  std::string id;
  std::string payload;
  std::string client_context;  // decoded X-Amz-Client-Context (sync only); empty: none
  bool async = false;
  int attempt = 0;  // attempts started
  Clock::time_point not_before = Clock::now();
  // Outcome of the latest attempt.
  bool done = false;  // final: no more attempts
  bool ok = false;
  std::string result;      // response body or error JSON
  std::string error_type;  // empty on success
  std::vector<nlohmann::json> attempts;
  std::string log_tail;  // the latest attempt's log, its last kLogTailBytes
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
  // The function's stdout and stderr: a pipe that log_reader copies to our
  // stderr and, during an attempt, into `log` for X-Amz-Log-Result.
  // Lock order: mu, then log_mu.
  std::mutex log_mu;
  int log_pipe[2] = {-1, -1};
  int wake_pipe[2] = {-1, -1};  // written once to end log_reader
  bool log_capture = false;
  std::string log;
  std::thread log_reader;

  explicit Impl(EmulatorOptions o) : options(std::move(o)) {}

  Status Prepare();
  void Routes();
  void Dispatch();
  bool SpawnRuntime(std::string& error);
  void KillRuntime();
  void RunAttempt(std::unique_lock<std::mutex>& lock, const std::shared_ptr<Job>& job);
  std::shared_ptr<Job> Enqueue(std::string id, std::string payload, std::string client_context,
                               bool async);
  nlohmann::json Describe(const Job& job) const;
  void ReadLogLocked();
  void LogLocked(const std::string& text);
  void ReadLogs();
  // One of the emulator's own lines: on stderr, not in the function's log.
  void Note(const std::string& text) {
    std::lock_guard<std::mutex> log_lock(log_mu);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
};

// Copies what the function wrote so far to our stderr (and to `log` during an
// attempt). The pipe's read end is non-blocking: this returns when it is empty.
void Emulator::Impl::ReadLogLocked() {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(log_pipe[0], buf, sizeof buf);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    std::fwrite(buf, 1, static_cast<size_t>(n), stderr);
    if (log_capture) {
      log.append(buf, static_cast<size_t>(n));
      if (log.size() > 16 * kLogTailBytes) log.erase(0, log.size() - kLogTailBytes);
    }
  }
}

// One of our lines for the function's log (START, END, REPORT).
void Emulator::Impl::LogLocked(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  if (log_capture) log += text;
}

void Emulator::Impl::ReadLogs() {
  for (;;) {
    pollfd fds[2] = {{log_pipe[0], POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    std::lock_guard<std::mutex> lock(log_mu);
    ReadLogLocked();
    if (fds[1].revents != 0) return;
  }
}

Status Emulator::Impl::Prepare() {
  fs::path function(options.function);
  std::error_code ec;
  if (!fs::exists(function, ec))
    return NotFoundError("emulate: " + options.function + " does not exist");
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
    if (mkdtemp(tmpl) == nullptr)
      return InternalError("emulate: cannot make a temporary directory");
    temp_dir = tmpl;
    target = temp_dir;
    task_dir = temp_dir;
  }
  if (is_zip) {
    if (RunCommand({"unzip", "-q", "-o", fs::absolute(function).string(), "-d", target.string()}) !=
        0) {
      return InvalidArgumentError("emulate: cannot unzip " + options.function +
                                  " (is `unzip` installed?)");
    }
  } else if (!options.root.empty()) {
    fs::copy_file(function, target / "bootstrap", fs::copy_options::overwrite_existing, ec);
    if (ec) return InternalError("emulate: cannot copy " + options.function + ": " + ec.message());
  } else {
    // A bootstrap on disk runs where it is; its directory is the task root.
    target = fs::absolute(function).parent_path();
    task_dir = target.string();
  }
  fs::path bootstrap =
      is_zip || !options.root.empty() ? target / "bootstrap" : fs::absolute(function);
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
      {"LD_LIBRARY_PATH", "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:" + task_dir + ":" +
                              task_dir + "/lib:/opt/lib"},
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
    // Its own process group, so that a timeout or a crash kills whatever the
    // bootstrap started too.
    ::setpgid(0, 0);
    // The function's output is its log: ours to copy to stderr and to tail.
    ::dup2(log_pipe[1], STDOUT_FILENO);
    ::dup2(log_pipe[1], STDERR_FILENO);
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
  ::setpgid(child, child);  // also here, so that no kill can come before the child's own setpgid
  pid = child;
  spawned_at = Clock::now();
  initialised = false;
  init_error = false;
  Note("emulate: started runtime pid " + std::to_string(pid) + " (" + program +
       (root.empty() ? "" : ", chroot " + root) + ")\n");
  return true;
}

// Kills the runtime's whole process group (the bootstrap and anything it
// started) and reaps the bootstrap. Until it is reaped its pid, and so its
// process group id, cannot be reused.
void Emulator::Impl::KillRuntime() {
  if (pid <= 0) return;
  if (::kill(-pid, SIGKILL) != 0) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  pid = 0;
}

namespace {
// Whether `pid` has exited, without reaping it.
bool Exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}
}  // namespace

std::shared_ptr<Job> Emulator::Impl::Enqueue(std::string id, std::string payload,
                                             std::string client_context, bool async) {
  auto job = std::make_shared<Job>();
  job->id = std::move(id);
  job->payload = std::move(payload);
  job->client_context = std::move(client_context);
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
  j["state"] =
      job.done ? (job.ok ? "succeeded" : "failed") : (job.attempt > 0 ? "running" : "queued");
  j["attempts"] = job.attempts;
  if (job.done) {
    j["error_type"] = job.error_type;
    auto parsed = nlohmann::json::parse(job.result, nullptr, false);
    j["result"] = parsed.is_discarded() ? nlohmann::json(job.result) : parsed;
  }
  return j;
}

// One attempt of `job`, with the lock held except while waiting.
void Emulator::Impl::RunAttempt(std::unique_lock<std::mutex>& lock,
                                const std::shared_ptr<Job>& job) {
  ++job->attempt;
  const std::string& request_id = job->id;
  std::string error;
  bool ok = false;
  std::string body, type;
  const auto started = Clock::now();
  bool cold = false;
  {
    // The attempt's log starts here: a cold start's init output is part of it.
    std::lock_guard<std::mutex> log_lock(log_mu);
    ReadLogLocked();
    log.clear();
    log_capture = true;
  }
  if (pid == 0) {
    cold = true;
    if (!SpawnRuntime(error)) {
      body = ErrorJson("Runtime.Unknown", error);
      type = "Runtime.Unknown";
    }
  }
  {
    std::lock_guard<std::mutex> log_lock(log_mu);
    LogLocked("START RequestId: " + request_id + " Version: $LATEST\n");
  }
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
        for (int i = 0; i < 50 && !Exited(pid); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        lock.lock();
        KillRuntime();
        break;
      }
      if (Exited(pid)) {
        ::kill(-pid, SIGKILL);  // what it started goes with it
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = 0;
        std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : "signal " + std::to_string(WTERMSIG(status));
        type = initialised ? "Runtime.ExitError" : "Runtime.ExitError";
        body = ErrorJson(type,
                         "RequestId: " + request_id + " Error: Runtime exited with error: " + why);
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
  std::string init =
      cold && initialised ? "Init Duration: " + std::to_string(init_ms) + " ms\t" : "";
  char report[512];
  std::snprintf(report, sizeof report,
                "Duration: %.2f ms\tBilled Duration: %lld ms\tMemory Size: %d MB\tMax Memory Used: "
                "%lld MB\t\n",
                ms, static_cast<long long>(ms + 0.999), options.memory_mb,
                static_cast<long long>(hwm));
  {
    // Everything the function wrote before it answered (or was killed) is in
    // the pipe by now: read it before END.
    std::lock_guard<std::mutex> log_lock(log_mu);
    ReadLogLocked();
    LogLocked("END RequestId: " + request_id + "\n");
    LogLocked("REPORT RequestId: " + request_id + "\t" + init + report);
    job->log_tail = log.size() > kLogTailBytes ? log.substr(log.size() - kLogTailBytes) : log;
    log.clear();
    log_capture = false;
  }
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
      Note("emulate: async event " + job->id + " failed after " + std::to_string(job->attempt) +
           " attempts: " + type + "\n");
    }
  } else {
    // Lambda's async retry: ~1 min before the 2nd attempt, ~2 min before the 3rd.
    job->not_before =
        Clock::now() + std::chrono::milliseconds(options.retry_delay_ms * job->attempt);
    queue.push_back(job);
  }
  cv.notify_all();
}

void Emulator::Impl::Dispatch() {
  std::unique_lock<std::mutex> lock(mu);
  while (!stopping) {
    // The first queued job whose retry time has come (FIFO otherwise).
    auto now = Clock::now();
    auto it = std::find_if(queue.begin(), queue.end(),
                           [&](const auto& j) { return j->not_before <= now; });
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
  using httplib::ContentReader;
  using httplib::Request;
  using httplib::Response;
  const std::string runtime = "/2018-06-01/runtime";
  server.Get(runtime + "/invocation/next", [this](const Request&, Response& res) {
    std::unique_lock<std::mutex> lock(mu);
    if (!initialised && pid != 0) {
      initialised = true;
      init_ms = std::chrono::duration<double, std::milli>(Clock::now() - spawned_at).count();
      char note[128];
      std::snprintf(note, sizeof note, "emulate: runtime made its first /next %.2f ms after exec\n",
                    init_ms);
      Note(note);
    }
    // Long poll: wait until an attempt is waiting for the runtime.
    cv.wait(lock, [&] { return stopping || (current && !handed_out); });
    if (stopping) {
      res.status = 500;
      res.set_content(ErrorJson("InternalServerError", "Internal Server Error"),
                      "application/json");
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
    res.set_header("Lambda-Runtime-Trace-Id", "Root=1-" + std::string(epoch_hex) + "-" +
                                                  Hex(rng, 24) + ";Parent=" + Hex(rng, 16) +
                                                  ";Sampled=0");
    if (!current->client_context.empty())
      res.set_header("Lambda-Runtime-Client-Context", current->client_context);
    res.set_content(current->payload, "application/json");
  });

  // The Runtime API's POSTs, like the Invoke API, read their bodies raw
  // (ReadBody) whatever the Content-Type: `curl -d` sends form-urlencoded.
  auto answer = [this](const Request& req, Response& res, const ContentReader& reader, bool ok) {
    std::string body;
    uint64_t size = 0;
    const BodyRead read = ReadBody(req, reader, kMaxPayload, body, size);
    std::lock_guard<std::mutex> lock(mu);
    const std::string id = req.matches[1];
    if (!current || id != current_request_id || !handed_out || answered) {
      res.status = 400;
      res.set_content(ErrorJson("InvalidRequestID", "Invalid request ID"), "application/json");
      return;
    }
    if (read == BodyRead::kUnreadable) {
      res.status = 400;
      res.set_content(ErrorJson("TruncatedHTTPRequest", "HTTP request detected as truncated"),
                      "application/json");
      return;
    }
    if (read == BodyRead::kTooLarge) {
      res.status = 413;
      res.set_content(ErrorJson("RequestEntityTooLarge",
                                "Exceeded maximum allowed payload size (6291556 bytes)."),
                      "application/json");
      answered = true;
      answer_ok = false;
      answer_type = "Function.ResponseSizeTooLarge";
      answer_body =
          ErrorJson(answer_type,
                    "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
      cv.notify_all();
      return;
    }
    answered = true;
    answer_ok = ok;
    answer_body = std::move(body);
    answer_type =
        ok ? "" : NormaliseErrorType(req.get_header_value("Lambda-Runtime-Function-Error-Type"));
    if (!ok && answer_body.empty()) answer_body = ErrorJson(answer_type, "");
    res.status = 202;
    res.set_content(R"({"status":"OK"})", "application/json");
    cv.notify_all();
  };
  server.Post(runtime + R"(/invocation/([^/]+)/response)",
              [answer](const Request& req, Response& res, const ContentReader& reader) {
                answer(req, res, reader, true);
              });
  server.Post(runtime + R"(/invocation/([^/]+)/error)",
              [answer](const Request& req, Response& res, const ContentReader& reader) {
                answer(req, res, reader, false);
              });
  server.Post(runtime + "/init/error", [this](const Request& req, Response& res,
                                              const ContentReader& reader) {
    std::string body;
    uint64_t size = 0;
    const BodyRead read = ReadBody(req, reader, kMaxPayload, body, size);
    std::lock_guard<std::mutex> lock(mu);
    if (initialised || pid == 0) {
      res.status = 403;
      res.set_content(
          ErrorJson("InvalidStateTransition", "State transition from Ready to InitError failed"),
          "application/json");
      return;
    }
    init_error = true;
    init_error_type =
        NormaliseErrorType(req.get_header_value("Lambda-Runtime-Function-Error-Type"));
    init_error_body = read != BodyRead::kOk || body.empty() ? ErrorJson(init_error_type, "") : body;
    Note("emulate: init error " + init_error_type + "\n");
    res.status = 202;
    res.set_content(R"({"status":"OK"})", "application/json");
    cv.notify_all();
  });

  // The Invoke API (and RIE's front door, where the name is "function"), with
  // Lambda's validation and limits; its errors are Lambda's (InvokeError).
  server.Post(R"(/2015-03-31/functions/([^/]+)/invocations)", [this](const Request& req,
                                                                     Response& res,
                                                                     const ContentReader& reader) {
    std::string payload;
    uint64_t size = 0;
    const BodyRead read = ReadBody(req, reader, kMaxSyncPayload, payload, size);
    std::string request_id;
    {
      std::lock_guard<std::mutex> lock(mu);
      request_id = Uuid(rng);
    }
    res.set_header("X-Amzn-RequestId", request_id);
    // An absent (or empty) header is the default.
    const std::string type = req.get_header_value("X-Amz-Invocation-Type");
    const std::string log_type = req.get_header_value("X-Amz-Log-Type");
    std::vector<std::pair<std::string, std::string>> invalid;
    if (!type.empty() && type != "RequestResponse" && type != "Event" && type != "DryRun") {
      invalid.emplace_back(
          type,
          "'invocationType' failed to satisfy constraint: Member must satisfy enum value set: "
          "[DryRun, RequestResponse, Event]");
    }
    if (!log_type.empty() && log_type != "None" && log_type != "Tail") {
      invalid.emplace_back(
          log_type,
          "'logType' failed to satisfy constraint: Member must satisfy enum value set: "
          "[None, Tail]");
    }
    if (!invalid.empty()) {
      InvokeError(res, 400, "ValidationException", "", ValidationErrors(invalid));
      return;
    }
    const bool async = type == "Event";
    // Lambda's service answers RequestEntityTooLargeException here (its API
    // model also names a RequestTooLargeException; the SDKs report the former).
    if (async && read != BodyRead::kUnreadable && size > kMaxAsyncPayload) {
      InvokeError(res, 413, "RequestEntityTooLargeException", "User",
                  std::to_string(size) +
                      " byte payload is too large for the Event invocation type (limit " +
                      std::to_string(kMaxAsyncPayload) + " bytes)");
      return;
    }
    if (read == BodyRead::kTooLarge) {
      InvokeError(res, 413, "RequestEntityTooLargeException", "User",
                  "Request must be smaller than " + std::to_string(kMaxSyncPayload) +
                      " bytes for the InvokeFunction operation");
      return;
    }
    if (read == BodyRead::kUnreadable) {
      InvokeError(res, 400, "InvalidRequestContentException", "User",
                  "Could not read the request body");
      return;
    }
    std::string client_context;
    if (req.has_header("X-Amz-Client-Context")) {
      auto decoded = Base64Decode(req.get_header_value("X-Amz-Client-Context"));
      const nlohmann::ordered_json context =
          decoded.ok() ? nlohmann::ordered_json::parse(*decoded, nullptr, false)
                       : nlohmann::ordered_json();
      if (!context.is_object()) {
        InvokeError(res, 400, "InvalidRequestContentException", "User",
                    "Client context must be a valid Base64-encoded JSON object.");
        return;
      }
      // On one line: it travels in a header (Lambda-Runtime-Client-Context).
      client_context = context.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    if (!payload.empty() && !nlohmann::json::accept(payload)) {
      std::string why;
      try {
        const nlohmann::json parsed = nlohmann::json::parse(payload);
        why = "not JSON (" + std::to_string(parsed.size()) + ")";  // not reached: accept() said no
      } catch (const nlohmann::json::parse_error& e) {
        // "[json.exception.parse_error.101] parse error at line 1, ..." without its tag.
        why = JsonErrorWithoutTag(e.what());
      }
      InvokeError(res, 400, "InvalidRequestContentException", "User",
                  "Could not parse request body into json: " + why);
      return;
    }
    if (type == "DryRun") {
      res.status = 204;
      return;
    }
    std::unique_lock<std::mutex> lock(mu);
    if (async) {
      // Lambda gives the client context to synchronous invocations only.
      Enqueue(request_id, std::move(payload), "", true);
      res.status = 202;
      return;
    }
    auto job = Enqueue(request_id, std::move(payload), std::move(client_context), false);
    cv.wait(lock, [&] { return job->done || stopping; });
    if (!job->done) {
      res.status = 502;
      return;
    }
    res.status = 200;
    res.set_header("X-Amz-Executed-Version", "$LATEST");
    if (!job->ok) res.set_header("X-Amz-Function-Error", "Unhandled");
    if (log_type == "Tail") res.set_header("X-Amz-Log-Result", Base64Encode(job->log_tail));
    res.set_content(job->result, "application/json");
  });

  // Any other path: its body is read (or known to be empty) before the 404,
  // so that a POST without Content-Length is answered at once.
  auto not_found = [](const Request& req, Response& res, const ContentReader& reader) {
    std::string body;
    uint64_t size = 0;
    ReadBody(req, reader, 0, body, size);
    res.status = 404;
  };
  server.Post(".*", not_found);
  server.Put(".*", not_found);
  server.Patch(".*", not_found);
  server.Delete(".*", not_found);

  server.Get("/api/invocations", [this](const Request&, Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& job : all) list.push_back(Describe(*job));
    res.set_content(list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
  });
  server.Get("/api/idle", [this](const Request& req, Response& res) {
    int64_t timeout_ms = 10000;
    if (req.has_param("timeout_ms")) timeout_ms = std::stoll(req.get_param_value("timeout_ms"));
    std::unique_lock<std::mutex> lock(mu);
    bool idle = cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                            [&] { return stopping || (queue.empty() && !current); });
    res.set_content(std::string(R"({"idle":)") + (idle ? "true" : "false") + "}",
                    "application/json");
  });
  server.Get("/healthz",
             [](const Request&, Response& res) { res.set_content("ok", "text/plain"); });
}

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Emulator::~Emulator() {
  Stop();
  if (impl_->dispatcher.joinable()) impl_->dispatcher.join();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->KillRuntime();
  }
  if (impl_->log_reader.joinable()) {
    (void)!::write(impl_->wake_pipe[1], "x", 1);
    impl_->log_reader.join();  // it copies what is left in the pipe first
  }
  for (int fd :
       {impl_->log_pipe[0], impl_->log_pipe[1], impl_->wake_pipe[0], impl_->wake_pipe[1]}) {
    if (fd >= 0) ::close(fd);
  }
  if (!impl_->temp_dir.empty()) {
    std::error_code ec;
    fs::remove_all(impl_->temp_dir, ec);
  }
}

Status Emulator::Start() {
  Impl& s = *impl_;
  if (Status st = s.Prepare(); !st.ok()) return st;
  if (::pipe2(s.log_pipe, O_CLOEXEC) != 0 || ::pipe2(s.wake_pipe, O_CLOEXEC) != 0 ||
      ::fcntl(s.log_pipe[0], F_SETFL, O_NONBLOCK) != 0) {
    return InternalError(std::string("emulate: cannot make a pipe for the function's log: ") +
                         std::strerror(errno));
  }
  // Each waiting sync invoke and the runtime's long poll hold a thread.
  s.server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  s.server.set_read_timeout(900, 0);
  s.server.set_write_timeout(900, 0);
  // The largest body kept; ReadBody applies each route's own limit, and a
  // longer Content-Length is skipped by httplib unread and reported too large.
  s.server.set_payload_max_length(kMaxPayload);
  s.Routes();
  if (s.options.port == 0) {
    s.port = s.server.bind_to_any_port(s.options.bind);
  } else {
    s.port = s.server.bind_to_port(s.options.bind, s.options.port) ? s.options.port : -1;
  }
  if (s.port <= 0) {
    return UnavailableError("emulate: cannot listen on " + s.options.bind + ":" +
                            std::to_string(s.options.port));
  }
  s.log_reader = std::thread([&s] { s.ReadLogs(); });
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
