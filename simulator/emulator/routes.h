// The emulator's HTTP routes: the Runtime API (2018-06-01) that the function's
// runtime calls, the Invoke API (2015-03-31) that clients call, and the
// emulator's own inspection endpoints. They read and validate requests, and
// answer with Lambda's headers and errors; the state behind them lives in the
// invocation queue (invocation_queue.h) and the sandbox (sandbox.h).
#ifndef IAM_AUDIT_SIMULATOR_EMULATOR_ROUTES_H_
#define IAM_AUDIT_SIMULATOR_EMULATOR_ROUTES_H_

#include <httplib.h>

#include <cstddef>
#include <mutex>
#include <random>
#include <string>

#include "emulator.h"
#include "invocation_queue.h"
#include "sandbox.h"

namespace iam_audit::emulator {

// RIE's payload cap for the function's responses (6 MiB + 100 bytes); also
// the largest body the server keeps.
inline constexpr size_t kMaxPayload = 6 * 1024 * 1024 + 100;

class Routes {
 public:
  Routes(const EmulatorOptions& options, InvocationQueue& queue, Sandbox& sandbox)
      : options_(options), queue_(queue), sandbox_(sandbox) {}

  // Registers every route on `server`. Handlers run on the server's threads.
  void Install(httplib::Server& server);

 private:
  // The Runtime API.
  void Next(httplib::Response& res);
  // /invocation/<id>/response (ok) and /invocation/<id>/error.
  void Respond(const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& reader, bool ok);
  void InitError(const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& reader);
  // The Invoke API.
  void Invoke(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader& reader);

  std::string RandomHex(int digits);
  std::string RandomUuid();

  const EmulatorOptions& options_;
  InvocationQueue& queue_;
  Sandbox& sandbox_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace iam_audit::emulator

#endif  // IAM_AUDIT_SIMULATOR_EMULATOR_ROUTES_H_
