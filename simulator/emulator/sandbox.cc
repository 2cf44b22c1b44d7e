// The emulator's sandbox (sandbox.h): unpacking the function, Lambda's
// environment, starting `bootstrap` in its own process group (chrooted into
// an empty root when asked, in a user + mount namespace when not root),
// noticing its exit, killing its process group, and the function's log.
#include "sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

extern char** environ;

namespace iam_audit::emulator {
namespace {

namespace fs = std::filesystem;

// Runs a command and waits for it; returns its exit status (or -1).
int RunCommand(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
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

// Whether `pid` has exited, without reaping it.
bool Exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Lambda's environment for a provided.* runtime, then the user's --env, as
// KEY=VALUE strings.
std::vector<std::string> RuntimeEnvironment(const EmulatorOptions& options,
                                            const std::string& task_dir, int port) {
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
  env_strings.reserve(env.size());
  for (const auto& [k, v] : env) {
    std::string entry = k;
    entry += '=';
    entry += v;
    env_strings.push_back(std::move(entry));
  }
  return env_strings;
}

// What the forked child does before it execs the bootstrap. Only
// async-signal-safe calls: everything it uses was made before the fork.
struct ChildSetup {
  int log_fd;
  const std::string& root;  // empty: no chroot
  bool need_userns;
  const std::string& uid_map;
  const std::string& gid_map;
  const std::string& task_dir;
  const std::string& program;
  char** argv;
  char** envp;
};

[[noreturn]] void RunChild(const ChildSetup& c) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the emulator blocks SIGTERM/SIGINT
  // Its own process group, so that a timeout or a crash kills whatever the
  // bootstrap started too.
  ::setpgid(0, 0);
  // The function's output is its log: ours to copy to stderr and to tail.
  ::dup2(c.log_fd, STDOUT_FILENO);
  ::dup2(c.log_fd, STDERR_FILENO);
  if (!c.root.empty()) {
    if (c.need_userns) {
      if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) ::_exit(126);
      int fd = ::open("/proc/self/setgroups", O_WRONLY);
      if (fd >= 0) {
        (void)!::write(fd, "deny", 4);
        ::close(fd);
      }
      fd = ::open("/proc/self/uid_map", O_WRONLY);
      if (fd < 0 || ::write(fd, c.uid_map.data(), c.uid_map.size()) < 0) ::_exit(126);
      ::close(fd);
      fd = ::open("/proc/self/gid_map", O_WRONLY);
      if (fd < 0 || ::write(fd, c.gid_map.data(), c.gid_map.size()) < 0) ::_exit(126);
      ::close(fd);
    } else if (::unshare(CLONE_NEWNS) != 0) {
      ::_exit(126);
    }
    if (::chroot(c.root.c_str()) != 0 || ::chdir("/var/task") != 0) ::_exit(126);
  } else {
    if (::chdir(c.task_dir.c_str()) != 0) ::_exit(126);
  }
  ::execve(c.program.c_str(), c.argv, c.envp);
  ::_exit(127);
}

}  // namespace

Status Sandbox::Prepare() {
  fs::path function(options_.function);
  std::error_code ec;
  if (!fs::exists(function, ec))
    return NotFoundError("emulate: " + options_.function + " does not exist");
  const bool is_zip = function.extension() == ".zip";
  fs::path target;
  if (!options_.root.empty()) {
    fs::create_directories(fs::path(options_.root) / "var/task", ec);
    fs::create_directories(fs::path(options_.root) / "tmp", ec);
    if (ec) return InternalError("emulate: cannot create " + options_.root + ": " + ec.message());
    target = fs::absolute(fs::path(options_.root) / "var/task");
    task_dir_ = "/var/task";
  } else if (is_zip) {
    char tmpl[] = "/tmp/iam-audit-emulate-XXXXXX";
    if (mkdtemp(tmpl) == nullptr)
      return InternalError("emulate: cannot make a temporary directory");
    temp_dir_ = tmpl;
    target = temp_dir_;
    task_dir_ = temp_dir_;
  }
  if (is_zip) {
    if (RunCommand({"unzip", "-q", "-o", fs::absolute(function).string(), "-d", target.string()}) !=
        0) {
      return InvalidArgumentError("emulate: cannot unzip " + options_.function +
                                  " (is `unzip` installed?)");
    }
  } else if (!options_.root.empty()) {
    fs::copy_file(function, target / "bootstrap", fs::copy_options::overwrite_existing, ec);
    if (ec) return InternalError("emulate: cannot copy " + options_.function + ": " + ec.message());
  } else {
    // A bootstrap on disk runs where it is; its directory is the task root.
    target = fs::absolute(function).parent_path();
    task_dir_ = target.string();
  }
  fs::path bootstrap =
      is_zip || !options_.root.empty() ? target / "bootstrap" : fs::absolute(function);
  if (::access(bootstrap.c_str(), X_OK) != 0) {
    return InvalidArgumentError("emulate: " + bootstrap.string() + " is missing or not executable");
  }
  if (::pipe2(log_pipe_, O_CLOEXEC) != 0 || ::pipe2(wake_pipe_, O_CLOEXEC) != 0 ||
      ::fcntl(log_pipe_[0], F_SETFL, O_NONBLOCK) != 0) {
    return InternalError(std::string("emulate: cannot make a pipe for the function's log: ") +
                         std::strerror(errno));
  }
  return Status::Ok();
}

void Sandbox::StartLogReader() {
  log_reader_ = std::thread([this] { ReadLogs(); });
}

void Sandbox::Shutdown() {
  Kill();
  if (log_reader_.joinable()) {
    (void)!::write(wake_pipe_[1], "x", 1);
    log_reader_.join();  // it copies what is left in the pipe first
  }
  for (int* fd : {&log_pipe_[0], &log_pipe_[1], &wake_pipe_[0], &wake_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  if (!temp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
    temp_dir_.clear();
  }
}

bool Sandbox::Spawn(int port, std::string& error) {
  std::vector<std::string> env_strings = RuntimeEnvironment(options_, task_dir_, port);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  const std::string program = options_.function.size() > 4 && options_.function.ends_with(".zip")
                                  ? task_dir_ + "/bootstrap"
                              : options_.root.empty() ? fs::absolute(options_.function).string()
                                                      : std::string("/var/task/bootstrap");
  const std::string root = options_.root.empty() ? "" : fs::absolute(options_.root).string();
  const std::string uid_map = "0 " + std::to_string(::geteuid()) + " 1\n";
  const std::string gid_map = "0 " + std::to_string(::getegid()) + " 1\n";
  char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
  const ChildSetup setup{log_pipe_[1], root,    !root.empty() && ::geteuid() != 0,
                         uid_map,      gid_map, task_dir_,
                         program,      argv,    envp.data()};

  // Held until pid_ is set: a runtime's /next (MarkInitialised) waits for it.
  std::lock_guard<std::mutex> lock(mu_);
  pid_t child = ::fork();
  if (child < 0) {
    error = "fork failed";
    return false;
  }
  if (child == 0) RunChild(setup);
  ::setpgid(child, child);  // also here, so that no kill can come before the child's own setpgid
  pid_ = child;
  spawned_at_ = std::chrono::steady_clock::now();
  initialised_ = false;
  init_error_ = false;
  Note("emulate: started runtime pid " + std::to_string(pid_) + " (" + program +
       (root.empty() ? "" : ", chroot " + root) + ")\n");
  return true;
}

bool Sandbox::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pid_ != 0;
}

// Kills the runtime's whole process group (the bootstrap and anything it
// started) and reaps the bootstrap. Until it is reaped its pid, and so its
// process group id, cannot be reused.
void Sandbox::KillLocked() {
  if (pid_ <= 0) return;
  if (::kill(-pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = 0;
}

void Sandbox::Kill() {
  std::lock_guard<std::mutex> lock(mu_);
  KillLocked();
}

std::optional<std::string> Sandbox::ReapIfExited() {
  std::lock_guard<std::mutex> lock(mu_);
  if (pid_ <= 0 || !Exited(pid_)) return std::nullopt;
  ::kill(-pid_, SIGKILL);  // what it started goes with it
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = 0;
  return WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                           : "signal " + std::to_string(WTERMSIG(status));
}

void Sandbox::AwaitExitThenKill() {
  // The runtime exits after reporting; make sure of it.
  for (int i = 0; i < 50; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (pid_ <= 0 || Exited(pid_)) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
}

void Sandbox::MarkInitialised() {
  std::lock_guard<std::mutex> lock(mu_);
  if (initialised_ || pid_ == 0) return;
  initialised_ = true;
  init_ms_ =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - spawned_at_)
          .count();
  char note[128];
  std::snprintf(note, sizeof note, "emulate: runtime made its first /next %.2f ms after exec\n",
                init_ms_);
  Note(note);
}

bool Sandbox::ReportInitError(const std::string& type, const std::string& body) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (initialised_ || pid_ == 0) return false;
    init_error_ = true;
    init_error_type_ = type;
    init_error_body_ = body;
  }
  Note("emulate: init error " + type + "\n");
  return true;
}

std::optional<Sandbox::InitError> Sandbox::PendingInitError() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!init_error_) return std::nullopt;
  return InitError{init_error_type_, init_error_body_};
}

std::optional<double> Sandbox::InitMs() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!initialised_) return std::nullopt;
  return init_ms_;
}

int64_t Sandbox::MaxMemoryKb() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pid_ > 0 ? VmHwmKb(pid_) : 0;
}

// Copies what the function wrote so far to our stderr (and to `log_` during
// an attempt). The pipe's read end is non-blocking: this returns when it is
// empty.
void Sandbox::ReadLogLocked() {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(log_pipe_[0], buf, sizeof buf);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    std::fwrite(buf, 1, static_cast<size_t>(n), stderr);
    if (log_capture_) {
      log_.append(buf, static_cast<size_t>(n));
      if (log_.size() > 16 * kLogTailBytes) log_.erase(0, log_.size() - kLogTailBytes);
    }
  }
}

void Sandbox::LogLocked(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  if (log_capture_) log_ += text;
}

void Sandbox::ReadLogs() {
  for (;;) {
    pollfd fds[2] = {{log_pipe_[0], POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    std::lock_guard<std::mutex> lock(log_mu_);
    ReadLogLocked();
    if (fds[1].revents != 0) return;
  }
}

void Sandbox::BeginLog() {
  std::lock_guard<std::mutex> lock(log_mu_);
  ReadLogLocked();
  log_.clear();
  log_capture_ = true;
}

void Sandbox::Log(const std::string& text) {
  std::lock_guard<std::mutex> lock(log_mu_);
  LogLocked(text);
}

std::string Sandbox::EndLog(const std::string& closing) {
  // Everything the function wrote before it answered (or was killed) is in
  // the pipe by now: read it before `closing`.
  std::lock_guard<std::mutex> lock(log_mu_);
  ReadLogLocked();
  LogLocked(closing);
  std::string tail = log_.size() > kLogTailBytes ? log_.substr(log_.size() - kLogTailBytes) : log_;
  log_.clear();
  log_capture_ = false;
  return tail;
}

void Sandbox::Note(const std::string& text) {
  std::lock_guard<std::mutex> lock(log_mu_);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace iam_audit::emulator
