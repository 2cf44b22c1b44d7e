// A client of the Lambda Runtime API (version 2018-06-01), private to the
// bootstrap. One keep-alive HTTP connection (engine/src/delivery/http1.h) to AWS_LAMBDA_RUNTIME_API
// (host:port, no scheme). /next has no read timeout: the process may be
// frozen between events. Not thread-safe: the bootstrap loop is serial.
#ifndef IAM_AUDIT_LAMBDA_RUNTIME_API_H_
#define IAM_AUDIT_LAMBDA_RUNTIME_API_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "iam_audit/status.h"

namespace iam_audit::http1 {
class Connection;
}

namespace iam_audit::lambda {

struct Invocation {
  std::string request_id;
  int64_t deadline_ms = 0;  // Unix epoch ms
  std::string function_arn;
  std::string trace_id;
  std::string payload;
};

class RuntimeApi {
 public:
  explicit RuntimeApi(std::string host_port);
  ~RuntimeApi();

  // GET /runtime/invocation/next. Errors: no connection, non-200, or a reply
  // without Lambda-Runtime-Aws-Request-Id / a valid Lambda-Runtime-Deadline-Ms.
  StatusOr<Invocation> Next();
  // POST /runtime/invocation/{id}/response; OK when the API answered 2xx.
  Status Respond(const std::string& request_id, std::string_view body);
  // POST /runtime/invocation/{id}/error with Lambda-Runtime-Function-Error-Type
  // and {"errorMessage","errorType","stackTrace":[]}.
  Status ReportError(const std::string& request_id, std::string_view error_type,
                     std::string_view message);
  // POST /runtime/init/error (then the caller exits).
  Status ReportInitError(std::string_view error_type, std::string_view message);

 private:
  Status Post(const std::string& path, std::string_view body, std::string_view content_type,
              std::string_view error_type);
  std::string host_port_;
  std::unique_ptr<http1::Connection> connection_;
};

// The documented error body, as compact JSON.
std::string ErrorBody(std::string_view error_type, std::string_view message);

}  // namespace iam_audit::lambda

#endif  // IAM_AUDIT_LAMBDA_RUNTIME_API_H_
