// The Lambda Runtime API emulator behind `iam-audit emulate`.
//
// It plays the Lambda service for one function: it starts the function's
// `bootstrap` (a path, or a function.zip it unpacks) with the environment
// Lambda gives, serves the Runtime API (2018-06-01) to it, and accepts
// invocations through the Invoke API path that the Runtime Interface
// Emulator also serves:
//   POST /2015-03-31/functions/<name>/invocations
//     X-Amz-Invocation-Type: RequestResponse (default) → 200 + the function's
//       response; a function error adds X-Amz-Function-Error: Unhandled and
//       the error object as body (RIE drops that header; real Lambda sends it).
//     Event → 202 at once; the event is queued, run, and on a function error
//       (error, timeout, crash) retried twice after a delay, then reported failed.
//     DryRun → 204 (after the same validation).
//     X-Amz-Log-Type: Tail (sync) → X-Amz-Log-Result: base64 of the last 4 KB
//       of the invocation's log (the function's output, START, END, REPORT).
//     X-Amz-Client-Context: base64 of a JSON object, given to a synchronous
//       invocation as Lambda-Runtime-Client-Context on /next.
//   Every answer has X-Amzn-RequestId: the invocation's one request id, also
//   its Lambda-Runtime-Aws-Request-Id, its START/END/REPORT lines and error
//   messages, and kept by the retries of an Event.
//   Lambda's errors (X-Amzn-ErrorType + {"Type":"User","message":...}): a
//   payload over 6291456 bytes (sync) or 1048576 (Event) → 413
//   RequestEntityTooLargeException; an unknown invocation or log type → 400
//   ValidationException; a body that is not JSON, or a client context that
//   is not base64 JSON → 400 InvalidRequestContentException.
// Request bodies are read raw, whatever their Content-Type (`curl -d` sends
// form-urlencoded), on both APIs; a POST with neither Content-Length nor
// chunked encoding has an empty body.
// One runtime process handles one invocation at a time; concurrent
// invocations queue. An invocation that passes its timeout has its process
// group killed (the bootstrap runs in its own, so whatever it started goes
// too; a fresh one starts for the next); a runtime that calls
// /runtime/init/error or exits fails the invocation that started it, and its
// process group is killed as well. The function's stdout and stderr are
// copied to the emulator's stderr.
//
// Inspection: GET /api/invocations (every invocation with attempts and
// outcome), GET /api/idle?timeout_ms=N (waits until nothing is queued or
// running). All listening is on 127.0.0.1.
//
// The work is split in rooms: the sandbox (sandbox.h: the function's files,
// process and log), the invocation queue (invocation_queue.h: pending
// invocations, the hand-off to the runtime, timeouts, retries) and the routes
// (routes.h: both APIs over HTTP); emulator.cc puts them together.
//
// Thread-safety: the HTTP handlers run on the server's thread pool and share
// the queue's and the sandbox's state, each under its own mutex; Run() blocks
// until Stop() is called from any thread.
#ifndef IAM_AUDIT_SIMULATOR_EMULATOR_H_
#define IAM_AUDIT_SIMULATOR_EMULATOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "iam_audit/status.h"

namespace iam_audit::emulator {

struct EmulatorOptions {
  std::string function;  // bootstrap executable, or a .zip holding one at its root
  std::map<std::string, std::string> env;  // --env KEY=VALUE, on top of Lambda's
  std::string bind = "127.0.0.1";
  int port = 0;               // 0: a free port
  int timeout_seconds = 300;  // the function timeout (RIE's default)
  int memory_mb = 3008;       // AWS_LAMBDA_FUNCTION_MEMORY_SIZE (RIE's default)
  std::string function_name = "test_function";
  int64_t retry_delay_ms = 60000;  // async: 1st retry after this, 2nd after twice this
  int async_retries = 2;
  // Non-empty: run the bootstrap chrooted into this directory (the function
  // is unpacked into <root>/var/task), in a user + mount namespace when not
  // root, so that nothing of this machine's file system is visible to it.
  std::string root;
};

class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();
  // Unpacks the function and binds the port. Errors name the file or port.
  Status Start();
  // "http://127.0.0.1:<port>", valid after Start().
  std::string BaseUrl() const;
  // Serves until Stop(); then kills the runtime and removes temporary files.
  void Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iam_audit::emulator

#endif  // IAM_AUDIT_SIMULATOR_EMULATOR_H_
