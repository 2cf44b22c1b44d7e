// HTTP client interface used for delivery, and its HTTPS implementation.
//
// The engine posts alerts through the small HttpClient interface so that the
// retry policy, deadlines and the Lambda handler are unit-tested with a fake,
// and so that `iam-audit simulate --handle` can capture messages in process.
// MakeHttpClient() returns the real implementation (engine/src/delivery/http1.h:
// sockets and OpenSSL):
// certificate verification is always on, the CA bundle is an explicit file
// (FindCaBundle), and one keep-alive connection per origin is reused across
// calls (and so across Lambda invocations of one container).
//
// URLs may carry secrets (a Slack webhook's path is its credential), so no
// function here ever puts a URL's path or query into a Status message or a
// log: errors name the scheme, host and port only.
//
// Thread-safety: HttpUrl and ParseHttpUrl are plain values/pure functions.
// The client returned by MakeHttpClient() serialises its calls internally and
// may be shared; fakes in tests are single-threaded.
#ifndef IAM_AUDIT_HTTP_CLIENT_H_
#define IAM_AUDIT_HTTP_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "iam_audit/status.h"

namespace iam_audit {

struct HttpUrl {
  std::string scheme;  // "https" or "http"
  std::string host;    // as written, without brackets for IPv6
  int port = 0;        // explicit or the scheme's default
  std::string target;  // path + query, starts with '/' (may be a secret)

  // "https://host:port": safe to print.
  std::string Origin() const;
};

// Parses an absolute http(s) URL. Errors never quote the input (it may be a
// secret): "url: missing scheme", "url: unsupported scheme 'ftp'",
// "url: bad port", "url: missing host".
StatusOr<HttpUrl> ParseHttpUrl(std::string_view url);

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, empty when absent
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // POSTs `body` to `url` and waits at most `timeout_ms` for the whole
  // exchange. Returns the response, whatever its status code; a non-OK
  // Status means there was no response: kUnavailable (could not connect,
  // connection dropped, TLS handshake failed), kDeadlineExceeded (timed out)
  // or kInvalidArgument (certificate verification failed, bad URL): only the
  // first two are worth retrying.
  virtual StatusOr<HttpResponse> Post(const HttpUrl& url, std::string_view body,
                                      std::string_view content_type, int64_t timeout_ms) = 0;
};

struct HttpClientOptions {
  // PEM file of trusted CAs for https (see FindCaBundle). Required for https.
  std::string ca_bundle_path;
  // Upper bound of the TCP+TLS connect phase (further bounded per call).
  int64_t connect_timeout_ms = 3000;
  std::string user_agent = "iam-audit/0.1";
};

// The real client (http1::Connection), reusing one connection per origin.
std::unique_ptr<HttpClient> MakeHttpClient(const HttpClientOptions& options);

// The CA bundle to trust: `override_path` when non-empty (it must exist),
// else the first existing file of /etc/pki/tls/certs/ca-bundle.crt (Amazon
// Linux, Lambda) and /etc/ssl/certs/ca-certificates.crt (Debian, Ubuntu).
// Errors: "ca bundle: <path> does not exist", "ca bundle: none found (looked
// in …); set IAM_AUDIT_CA_BUNDLE".
StatusOr<std::string> FindCaBundle(const std::string& override_path);

}  // namespace iam_audit

#endif  // IAM_AUDIT_HTTP_CLIENT_H_
