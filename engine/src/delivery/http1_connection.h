// Private to http1.cc and http1_response.cc: the state of one connection
// (Connection::Impl, declared in http1.h) and the two helpers both files
// use. http1.cc connects and sends; http1_response.cc reads the response.
#ifndef IAM_AUDIT_SRC_DELIVERY_HTTP1_CONNECTION_H_
#define IAM_AUDIT_SRC_DELIVERY_HTTP1_CONNECTION_H_

#include <openssl/ssl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "delivery/http1.h"
#include "iam_audit/status.h"

namespace iam_audit::http1 {

// The last OpenSSL error as text, and the queue cleared. (http1.cc)
std::string TlsErrorText();

// Waits until `fd` is ready for `events` or the deadline passes. (http1.cc)
Status Wait(int fd, short events, int64_t deadline, const std::string& origin, const char* what);

// The socket, its TLS session and the bytes received but not yet consumed;
// the three phases of an exchange (connect, send, read the response). Every
// error leaves the caller to close the connection (Connection::Request).
struct Connection::Impl {
  Impl(const ConnectionOptions& o, const std::string& origin_text)
      : options(o), origin(origin_text) {}
  ~Impl() {
    CloseSocket();
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void CloseSocket() {
    if (ssl != nullptr) {
      SSL_free(ssl);
      ssl = nullptr;
    }
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
    in.clear();
    in_pos = 0;
  }

  // Connect: TCP to the first address that answers, then TLS when asked.
  Status Connect(int64_t start, int64_t deadline);
  Status CreateTlsContext();
  Status OpenSocket(int64_t deadline);
  Status Handshake(int64_t deadline);

  // Send: the request head and body, whole.
  Status Send(std::string_view method, std::string_view target,
              const std::vector<std::pair<std::string, std::string>>& headers,
              std::string_view body, std::string_view content_type, int64_t deadline);
  Status WriteAll(std::string_view bytes, int64_t deadline);

  // Read the response: the head, then the body by its framing.
  StatusOr<Response> ReadResponse(std::string_view method, int64_t deadline);
  Status ReadFinalHead(Response* response, bool* keep_alive, int64_t deadline);
  Status ReadChunkedBody(std::string* body, int64_t deadline);
  Status ReadChunkTrailers(int64_t deadline);
  Status ReadLengthBody(const std::string& length_text, std::string* body, int64_t deadline);
  Status ReadBodyToEnd(std::string* body, int64_t deadline);
  // Appends what arrives to `in`; *got = 0 at the end of the stream.
  Status ReadMore(size_t* got, int64_t deadline);
  Status ReadTlsMore(size_t old, size_t* got, int64_t deadline);
  // At least `bytes` unconsumed in `in`, else the stream ended early.
  Status Need(size_t bytes, int64_t deadline);
  // The offset of the next "\r\n" at or after in_pos, reading as needed.
  StatusOr<size_t> NextLineEnd(size_t max_line, int64_t deadline);

  Status Incomplete() const {
    return UnavailableError("http: no complete response from " + origin + " (connection closed)");
  }
  Status Malformed(std::string_view what) const {
    return InvalidArgumentError("http: " + origin + ": malformed response: " + std::string(what));
  }

  const ConnectionOptions& options;
  const std::string& origin;
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  std::string in;  // received, not yet consumed
  size_t in_pos = 0;
};

}  // namespace iam_audit::http1

#endif  // IAM_AUDIT_SRC_DELIVERY_HTTP1_CONNECTION_H_
