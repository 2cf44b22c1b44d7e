// The emulator's sandbox: where the function lives and the process that runs
// it.
//
// It unpacks the function (a function.zip, or a bootstrap on disk) into its
// task directory (optionally inside an empty root it chroots into), starts
// `bootstrap` with Lambda's environment in a process group of its own, knows
// whether that runtime has initialised (its first /next) or reported an init
// error, notices when it exits, and kills its whole process group. It also
// owns the function's log: the runtime's stdout and stderr go to a pipe that
// a thread copies to the emulator's stderr and, during an attempt, into the
// attempt's log (the tail of which is X-Amz-Log-Result).
//
// Thread-safety: every member function may be called from any thread. The
// runtime's state is under one mutex, the log under another (taken after
// the first when both are).
#ifndef IAM_AUDIT_SIMULATOR_EMULATOR_SANDBOX_H_
#define IAM_AUDIT_SIMULATOR_EMULATOR_SANDBOX_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "emulator.h"
#include "iam_audit/status.h"

namespace iam_audit::emulator {

// X-Amz-Log-Result: the last 4 KB of the invocation's log.
inline constexpr size_t kLogTailBytes = 4096;

class Sandbox {
 public:
  // Uses options.function, .root, .env, .function_name and .memory_mb.
  explicit Sandbox(const EmulatorOptions& options) : options_(options) {}
  ~Sandbox() { Shutdown(); }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Unpacks the function and makes the log pipe. Errors name the file.
  Status Prepare();
  // Starts the thread that copies the function's output to stderr.
  void StartLogReader();
  // Kills the runtime, copies what is left of its output, closes the pipes
  // and removes temporary files. Safe to call twice.
  void Shutdown();

  // The runtime process.
  // Starts `bootstrap` with AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>; false
  // with `error` set when it cannot.
  bool Spawn(int port, std::string& error);
  bool Running() const;
  // Kills the runtime's whole process group and reaps the bootstrap.
  void Kill();
  // When the runtime has exited: reaps it (killing what it started) and says
  // why, "exit status N" or "signal N". nullopt while it runs (or none does).
  std::optional<std::string> ReapIfExited();
  // After an init error: gives the runtime up to a second to exit, then kills it.
  void AwaitExitThenKill();
  // The runtime's first /next: it has initialised.
  void MarkInitialised();
  // /runtime/init/error: false when it is too late (initialised) or there is
  // no runtime; else the error is kept for the attempt waiting on it.
  bool ReportInitError(const std::string& type, const std::string& body);
  struct InitError {
    std::string type;
    std::string body;
  };
  std::optional<InitError> PendingInitError() const;
  // The init duration, once the runtime has initialised.
  std::optional<double> InitMs() const;
  // The runtime's peak resident memory (VmHWM) in KB; 0 without one.
  int64_t MaxMemoryKb() const;

  // The function's log.
  // Starts an attempt's log (a cold start's init output is part of it).
  void BeginLog();
  // One of the emulator's lines for the function's log (START, ...).
  void Log(const std::string& text);
  // Copies what the function has written, appends `closing` (END, REPORT),
  // stops capturing and returns the attempt log's last kLogTailBytes.
  std::string EndLog(const std::string& closing);
  // One of the emulator's own lines: on stderr, not in the function's log.
  void Note(const std::string& text);

 private:
  void ReadLogLocked();
  void LogLocked(const std::string& text);
  void ReadLogs();
  void KillLocked();

  const EmulatorOptions& options_;
  std::string task_dir_;  // where the function lives, as the bootstrap sees it
  std::string temp_dir_;  // to remove at the end

  mutable std::mutex mu_;
  pid_t pid_ = 0;
  bool initialised_ = false;  // made its first /next
  std::chrono::steady_clock::time_point spawned_at_;
  double init_ms_ = 0;
  bool init_error_ = false;
  std::string init_error_body_, init_error_type_;

  // The function's stdout and stderr: a pipe that log_reader_ copies to our
  // stderr and, during an attempt, into `log_` for X-Amz-Log-Result.
  std::mutex log_mu_;
  int log_pipe_[2] = {-1, -1};
  int wake_pipe_[2] = {-1, -1};  // written once to end log_reader_
  bool log_capture_ = false;
  std::string log_;
  std::thread log_reader_;
};

}  // namespace iam_audit::emulator

#endif  // IAM_AUDIT_SIMULATOR_EMULATOR_SANDBOX_H_
