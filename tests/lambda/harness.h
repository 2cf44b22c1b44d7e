// End-to-end helpers: child processes that are always stopped, temporary
// directories, a test CA, and small HTTP calls. Every wait is bounded.
#ifndef IAM_AUDIT_TESTS_LAMBDA_HARNESS_H_
#define IAM_AUDIT_TESTS_LAMBDA_HARNESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace iam_audit::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/iam-audit-lambda-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A child process with stdout on a pipe (its first line is read) and stderr
// in a file. The destructor sends SIGTERM, waits up to 5 s, then SIGKILLs.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& stderr_path) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
    if (rc != 0) {
      ::close(out_);
      throw std::runtime_error("cannot start " + argv[0]);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { Stop(); }

  // The first line of stdout, waiting at most `timeout_ms`; "" on timeout/EOF.
  std::string FirstLine(int timeout_ms = 10000) {
    std::string line;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{out_, POLLIN, 0};
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      end - std::chrono::steady_clock::now())
                                      .count());
      if (::poll(&p, 1, std::max(left, 1)) <= 0) break;
      char c;
      if (::read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return "";
  }

  // Stops the process (SIGTERM, then SIGKILL after 5 s) and returns its exit status.
  int Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 250; ++i) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = 0;
          exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = 0;
        exit_ = 137;
      }
    }
    if (out_ >= 0) {
      ::close(out_);
      out_ = -1;
    }
    return exit_;
  }

 private:
  pid_t pid_ = 0;
  int out_ = -1;
  int exit_ = -1;
};

// Runs a command to completion with a timeout (via coreutils `timeout`);
// returns its exit status; stdout+stderr go to `log_path`.
inline int RunCommand(std::vector<std::string> argv, const std::string& log_path,
                      int timeout_s = 60) {
  argv.insert(argv.begin(), {"/usr/bin/timeout", "-k", "5", std::to_string(timeout_s)});
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A throw-away CA and a server certificate for 127.0.0.1 signed by it
// (openssl CLI). Files: ca.pem, server.pem, server.key in `dir`.
inline bool MakeTestCa(const std::string& dir) {
  const std::string log = dir + "/openssl.log";
  const std::string ext = dir + "/server.ext";
  WriteFile(ext,
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
            "extendedKeyUsage=serverAuth\n");
  return RunCommand({"openssl",
                     "req",
                     "-x509",
                     "-newkey",
                     "ec",
                     "-pkeyopt",
                     "ec_paramgen_curve:prime256v1",
                     "-nodes",
                     "-keyout",
                     dir + "/ca.key",
                     "-out",
                     dir + "/ca.pem",
                     "-days",
                     "2",
                     "-subj",
                     "/CN=iam-audit test CA",
                     "-addext",
                     "basicConstraints=critical,CA:TRUE",
                     "-addext",
                     "keyUsage=critical,keyCertSign,cRLSign"},
                    log) == 0 &&
         RunCommand({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                     "-nodes", "-keyout", dir + "/server.key", "-out", dir + "/server.csr", "-subj",
                     "/CN=127.0.0.1"},
                    log) == 0 &&
         RunCommand({"openssl", "x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.pem",
                     "-CAkey", dir + "/ca.key", "-CAcreateserial", "-out", dir + "/server.pem",
                     "-days", "2", "-extfile", ext},
                    log) == 0;
}

}  // namespace iam_audit::testing

#endif  // IAM_AUDIT_TESTS_LAMBDA_HARNESS_H_
