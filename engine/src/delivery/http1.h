// Internal: a small HTTP/1.1 client connection over POSIX sockets, with TLS
// from OpenSSL used directly. It backs MakeHttpClient() (alert delivery), the
// S3 client (aws/s3_client.cc), the bootstrap's Lambda Runtime API client
// (engine/lambda/runtime_api.cc); those targets include engine/src privately.
//
// Why not cpp-httplib: Debian ships cpp-httplib as a shared library whose
// static initialiser sets OpenSSL up and which pulls libssl, libcrypto and
// brotli in at load time. For the Lambda bootstrap that was most of its cold
// start (bench/PROFILING.md). This client does what those two callers need —
// one request at a time on a kept-alive connection, Content-Length or
// chunked bodies, a deadline for the whole exchange — and OpenSSL is only
// initialised at the first https connection, so the bootstrap can link it
// statically.
//
// Secrets: a request target can be a credential (a webhook path), so no error
// here names it; errors name the origin (scheme://host:port) only.
//
// Thread-safety: a Connection is used by one thread at a time.
#ifndef IAM_AUDIT_SRC_DELIVERY_HTTP1_H_
#define IAM_AUDIT_SRC_DELIVERY_HTTP1_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iam_audit/status.h"

namespace iam_audit::http1 {

struct Response {
  int status = 0;
  // Header names lower-cased, values trimmed, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The value of the first header named `name` (lower case), or "".
  std::string Header(std::string_view name) const;
};

struct ConnectionOptions {
  std::string host;  // name or IP literal (no brackets)
  int port = 0;
  bool tls = false;
  std::string ca_bundle_path;  // required when tls
  int64_t connect_timeout_ms = 3000;
  size_t max_response_bytes = 64u << 20;
  std::string user_agent = "iam-audit/0.1";
};

class Connection {
 public:
  explicit Connection(ConnectionOptions options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one request and reads its response within `timeout_ms` (< 0: no
  // limit once connected). Reuses the open connection when the peer has not
  // closed it; opens a new one otherwise. Errors (the connection is closed):
  //   kUnavailable       "http: <origin>: could not connect (…)", "… connection
  //                      closed before a complete response", "… TLS handshake failed (…)"
  //   kDeadlineExceeded  "http: connect to <origin> timed out", "http: <origin>: timed out …"
  //   kInvalidArgument   "https: certificate verification failed for <origin> (…)",
  //                      "https: cannot load the CA bundle <path>", a malformed response
  StatusOr<Response> Request(std::string_view method, std::string_view target,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string_view body, std::string_view content_type,
                             int64_t timeout_ms);

  void Close();
  // "http://host:port" / "https://host:port".
  const std::string& origin() const { return origin_; }

 private:
  struct Impl;
  ConnectionOptions options_;
  std::string origin_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iam_audit::http1

#endif  // IAM_AUDIT_SRC_DELIVERY_HTTP1_H_
