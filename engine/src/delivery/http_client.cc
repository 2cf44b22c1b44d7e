// The HTTPS client behind delivery: http1::Connection (sockets + OpenSSL).
#include "iam_audit/http_client.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>

#include "common/ascii.h"
#include "delivery/http1.h"
#include "delivery/url.h"

namespace iam_audit {

std::string HttpUrl::Origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

StatusOr<HttpUrl> ParseHttpUrl(std::string_view url) {
  HttpUrl out;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return InvalidArgumentError("url: missing scheme");
  std::string scheme = internal::AsciiLower(url.substr(0, sep));
  if (scheme != "https" && scheme != "http") {
    // The scheme alone is never a secret, but keep it short and printable.
    std::string shown;
    for (char c : scheme.substr(0, 10))
      shown += std::isalnum(static_cast<unsigned char>(c)) ? c : '?';
    return InvalidArgumentError("url: unsupported scheme '" + shown + "'");
  }
  out.scheme = scheme;
  std::string_view rest = url.substr(sep + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  out.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (!out.target.empty() && out.target[0] != '/') out.target = "/" + out.target;
  if (size_t hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError("url: credentials in the authority are not supported");
  }
  internal::UrlAuthority split = internal::SplitUrlAuthority(authority);
  if (split.error == internal::UrlAuthority::Error::kUnclosedBracket)
    return InvalidArgumentError("url: unbalanced '[' in host");
  if (split.error == internal::UrlAuthority::Error::kTextAfterBracket)
    return InvalidArgumentError("url: bad port");
  std::string_view host = split.host;
  if (host.empty()) return InvalidArgumentError("url: missing host");
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
          c == '_')) {
      return InvalidArgumentError("url: invalid character in host");
    }
  }
  out.host = std::string(host);
  out.port = out.scheme == "https" ? 443 : 80;
  if (!split.port.empty()) {
    std::optional<int> p = internal::ParseUrlPort(split.port);
    if (!p) return InvalidArgumentError("url: bad port");
    out.port = *p;
  }
  return out;
}

StatusOr<std::string> FindCaBundle(const std::string& override_path) {
  struct stat st {};
  if (!override_path.empty()) {
    if (::stat(override_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return NotFoundError("ca bundle: " + override_path + " does not exist");
    }
    return override_path;
  }
  static constexpr const char* kCandidates[] = {
      "/etc/pki/tls/certs/ca-bundle.crt",    // Amazon Linux 2 / 2023 (Lambda provided.*)
      "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu
  };
  for (const char* path : kCandidates) {
    if (::stat(path, &st) == 0 && S_ISREG(st.st_mode)) return std::string(path);
  }
  return NotFoundError(
      "ca bundle: none found (looked in /etc/pki/tls/certs/ca-bundle.crt and "
      "/etc/ssl/certs/ca-certificates.crt); set IAM_AUDIT_CA_BUNDLE");
}

namespace {

class Http1Client : public HttpClient {
 public:
  explicit Http1Client(HttpClientOptions options) : options_(std::move(options)) {}

  StatusOr<HttpResponse> Post(const HttpUrl& url, std::string_view body,
                              std::string_view content_type, int64_t timeout_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string origin = url.Origin();
    if (url.scheme == "https" && options_.ca_bundle_path.empty()) {
      return InvalidArgumentError("https: no CA bundle configured for " + origin);
    }
    auto it = connections_.find(origin);
    if (it == connections_.end()) {
      http1::ConnectionOptions o;
      o.host = url.host;
      o.port = url.port;
      o.tls = url.scheme == "https";
      o.ca_bundle_path = options_.ca_bundle_path;
      o.connect_timeout_ms = options_.connect_timeout_ms;
      o.max_response_bytes = 1u << 20;  // Slack and Telegram answer a few bytes
      o.user_agent = options_.user_agent;
      // One connection per origin, kept alive across calls (and invocations).
      it = connections_.emplace(origin, std::make_unique<http1::Connection>(std::move(o))).first;
    }
    auto result = it->second->Request("POST", url.target, {}, body, content_type,
                                      std::max<int64_t>(timeout_ms, 1));
    if (!result.ok()) return result.status();
    HttpResponse response;
    response.status = result->status;
    response.retry_after = result->Header("retry-after");
    response.body = std::move(result->body);
    return response;
  }

 private:
  HttpClientOptions options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<http1::Connection>> connections_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeHttpClient(const HttpClientOptions& options) {
  return std::make_unique<Http1Client>(options);
}

}  // namespace iam_audit
