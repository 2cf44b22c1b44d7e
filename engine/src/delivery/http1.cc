// HTTP/1.1 over POSIX sockets, TLS from OpenSSL (see iam_audit/http1.h).
#include "iam_audit/http1.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>

#include "common/ascii.h"

namespace iam_audit::http1 {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kReadChunk = 64 * 1024;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// -1: no deadline.
int RemainingMs(int64_t deadline) {
  if (deadline < 0) return -1;
  return static_cast<int>(std::clamp<int64_t>(deadline - NowMs(), 0, INT32_MAX));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// The last OpenSSL error as text, and the queue cleared.
std::string TlsErrorText() {
  unsigned long e = ERR_peek_last_error();
  std::string out;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    out = reason != nullptr ? reason : "error " + std::to_string(e);
  }
  ERR_clear_error();
  return out.empty() ? "no detail" : out;
}

// SIGPIPE would kill the process when a peer closes while OpenSSL writes
// (its socket BIO uses write(2)); keep a handler the embedding program set.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
      signal(SIGPIPE, SIG_IGN);
  });
}

}  // namespace

std::string Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

struct Connection::Impl {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  std::string in;  // received, not yet consumed
  size_t in_pos = 0;

  ~Impl() {
    CloseSocket();
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
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
};

Connection::Connection(ConnectionOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  std::string h =
      options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
  origin_ = std::string(options_.tls ? "https" : "http") + "://" + h + ":" +
            std::to_string(options_.port);
}

Connection::~Connection() = default;

void Connection::Close() { impl_->CloseSocket(); }

namespace {

// Waits until `fd` is ready for `events` or the deadline passes.
Status Wait(int fd, short events, int64_t deadline, const std::string& origin, const char* what) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, RemainingMs(deadline));
    if (r > 0) return Status::Ok();
    if (r == 0) return DeadlineExceededError("http: " + origin + ": timed out " + what);
    if (errno != EINTR)
      return UnavailableError("http: " + origin + ": poll: " + std::strerror(errno));
  }
}

// The open connection is still usable: the peer has not closed it and sent
// nothing unasked (a TLS 1.3 session ticket is fine and is consumed here).
bool StillOpen(int fd, SSL* ssl) {
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, 0);
  if (r == 0) return true;
  if (r < 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return false;
  char c;
  if (ssl == nullptr) return false;  // readable plain socket: EOF or unasked bytes
  size_t got = 0;
  if (SSL_peek_ex(ssl, &c, 1, &got) == 1) return false;
  int e = SSL_get_error(ssl, 0);
  ERR_clear_error();
  return e == SSL_ERROR_WANT_READ;
}

}  // namespace

StatusOr<Response> Connection::Request(
    std::string_view method, std::string_view target,
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
    std::string_view content_type, int64_t timeout_ms) {
  Impl& c = *impl_;
  const int64_t start = NowMs();
  const int64_t deadline = timeout_ms < 0 ? -1 : start + std::max<int64_t>(timeout_ms, 1);
  auto fail = [&](Status s) -> StatusOr<Response> {
    c.CloseSocket();
    return s;
  };

  if (c.fd >= 0 && !StillOpen(c.fd, c.ssl)) c.CloseSocket();

  // ---- connect (TCP, then TLS)
  if (c.fd < 0) {
    int64_t connect_deadline = start + std::max<int64_t>(options_.connect_timeout_ms, 1);
    if (deadline >= 0) connect_deadline = std::min(connect_deadline, deadline);
    if (options_.tls && c.ctx == nullptr) {
      IgnoreSigpipeOnce();
      SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
      if (ctx == nullptr)
        return fail(
            UnavailableError("https: cannot create a TLS context (" + TlsErrorText() + ")"));
      SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
      if (options_.ca_bundle_path.empty() ||
          SSL_CTX_load_verify_locations(ctx, options_.ca_bundle_path.c_str(), nullptr) != 1) {
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return fail(
            InvalidArgumentError("https: cannot load the CA bundle " + options_.ca_bundle_path));
      }
      c.ctx = ctx;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* addrs = nullptr;
    const std::string port = std::to_string(options_.port);
    if (int r = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &addrs); r != 0) {
      return fail(UnavailableError("http: " + origin_ + ": cannot resolve the host (" +
                                   gai_strerror(r) + ")"));
    }
    int last_error = 0;
    bool timed_out = false;
    for (addrinfo* a = addrs; a != nullptr && c.fd < 0; a = a->ai_next) {
      int fd =
          ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        last_error = errno;
        continue;
      }
      int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
      if (r != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        do {
          r = ::poll(&p, 1, RemainingMs(connect_deadline));
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
          timed_out = true;
          ::close(fd);
          continue;
        }
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        r = err == 0 ? 0 : -1;
        errno = err;
      }
      if (r != 0) {
        last_error = errno;
        ::close(fd);
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c.fd = fd;
    }
    ::freeaddrinfo(addrs);
    if (c.fd < 0) {
      if (timed_out && last_error == 0)
        return fail(DeadlineExceededError("http: connect to " + origin_ + " timed out"));
      return fail(UnavailableError("http: " + origin_ + ": could not connect (" +
                                   std::strerror(last_error != 0 ? last_error : ETIMEDOUT) + ")"));
    }
    if (options_.tls) {
      c.ssl = SSL_new(c.ctx);
      if (c.ssl == nullptr)
        return fail(
            UnavailableError("https: cannot create a TLS session (" + TlsErrorText() + ")"));
      SSL_set_fd(c.ssl, c.fd);
      if (IsIpLiteral(options_.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c.ssl), options_.host.c_str());
      } else {
        SSL_set_tlsext_host_name(c.ssl, options_.host.c_str());
        SSL_set1_host(c.ssl, options_.host.c_str());
      }
      for (;;) {
        int r = SSL_connect(c.ssl);
        if (r == 1) break;
        int e = SSL_get_error(c.ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          Status w = Wait(c.fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, connect_deadline,
                          origin_, "in the TLS handshake");
          if (!w.ok()) return fail(w);
          continue;
        }
        long verify = SSL_get_verify_result(c.ssl);
        std::string detail = TlsErrorText();
        if (verify != X509_V_OK) {
          return fail(InvalidArgumentError("https: certificate verification failed for " + origin_ +
                                           " (" + X509_verify_cert_error_string(verify) + ")"));
        }
        return fail(
            UnavailableError("http: " + origin_ + ": TLS handshake failed (" + detail + ")"));
      }
    }
  }

  // ---- send
  std::string head;
  head.reserve(256 + body.size());
  head.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  head.append(options_.host.find(':') != std::string::npos ? "[" + options_.host + "]"
                                                           : options_.host);
  if (options_.port != (options_.tls ? 443 : 80))
    head.append(":").append(std::to_string(options_.port));
  head.append("\r\nUser-Agent: ").append(options_.user_agent).append("\r\nAccept: */*\r\n");
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (!content_type.empty()) head.append("Content-Type: ").append(content_type).append("\r\n");
    head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  for (const auto& [k, v] : headers) head.append(k).append(": ").append(v).append("\r\n");
  head.append("\r\n").append(body);
  for (size_t off = 0; off < head.size();) {
    if (c.ssl != nullptr) {
      size_t n = 0;
      if (SSL_write_ex(c.ssl, head.data() + off, head.size() - off, &n) == 1) {
        off += n;
        continue;
      }
      int e = SSL_get_error(c.ssl, 0);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        Status w = Wait(c.fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, origin_,
                        "sending the request");
        if (!w.ok()) return fail(w);
        continue;
      }
      return fail(UnavailableError("http: " + origin_ + ": connection lost while sending (" +
                                   TlsErrorText() + ")"));
    }
    ssize_t n = ::send(c.fd, head.data() + off, head.size() - off, MSG_NOSIGNAL);
    if (n >= 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      Status w = Wait(c.fd, POLLOUT, deadline, origin_, "sending the request");
      if (!w.ok()) return fail(w);
      continue;
    }
    return fail(UnavailableError("http: " + origin_ + ": connection lost while sending (" +
                                 std::strerror(errno) + ")"));
  }

  // ---- receive
  // Appends what arrives to c.in; 0 at end of stream.
  auto read_more = [&](size_t* got) -> Status {
    size_t old = c.in.size();
    c.in.resize(old + kReadChunk);
    for (;;) {
      if (c.ssl != nullptr) {
        size_t n = 0;
        if (SSL_read_ex(c.ssl, c.in.data() + old, kReadChunk, &n) == 1) {
          c.in.resize(old + n);
          *got = n;
          return Status::Ok();
        }
        int e = SSL_get_error(c.ssl, 0);
        if (e == SSL_ERROR_ZERO_RETURN) {
          ERR_clear_error();
          c.in.resize(old);
          *got = 0;
          return Status::Ok();
        }
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          Status w = Wait(c.fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, origin_,
                          "waiting for the response");
          if (!w.ok()) return w;
          continue;
        }
        if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {  // EOF without close_notify
          c.in.resize(old);
          *got = 0;
          return Status::Ok();
        }
        c.in.resize(old);
        return UnavailableError("http: " + origin_ + ": connection lost while reading (" +
                                TlsErrorText() + ")");
      }
      ssize_t n = ::recv(c.fd, c.in.data() + old, kReadChunk, 0);
      if (n >= 0) {
        c.in.resize(old + static_cast<size_t>(n));
        *got = static_cast<size_t>(n);
        return Status::Ok();
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        Status w = Wait(c.fd, POLLIN, deadline, origin_, "waiting for the response");
        if (!w.ok()) {
          c.in.resize(old);
          return w;
        }
        continue;
      }
      int err = errno;
      c.in.resize(old);
      return UnavailableError("http: " + origin_ + ": connection lost while reading (" +
                              std::strerror(err) + ")");
    }
  };
  auto incomplete = [&] {
    return fail(
        UnavailableError("http: no complete response from " + origin_ + " (connection closed)"));
  };
  auto malformed = [&](const std::string& what) {
    return fail(InvalidArgumentError("http: " + origin_ + ": malformed response: " + what));
  };

  c.in.erase(0, c.in_pos);
  c.in_pos = 0;
  Response response;
  bool keep_alive = true;
  size_t body_start = 0;
  for (;;) {  // until a final (non-1xx) status
    size_t end;
    while ((end = c.in.find("\r\n\r\n", c.in_pos)) == std::string::npos) {
      if (c.in.size() - c.in_pos > kMaxHeaderBytes) return malformed("headers larger than 64 KiB");
      size_t got = 0;
      if (Status s = read_more(&got); !s.ok()) return fail(s);
      if (got == 0) return incomplete();
    }
    std::string_view head_text(c.in.data() + c.in_pos, end - c.in_pos);
    body_start = end + 4;
    size_t eol = head_text.find("\r\n");
    std::string_view status_line = head_text.substr(0, eol);
    if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ') {
      return malformed("bad status line");
    }
    int code = 0;
    auto [p, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, code);
    if (ec != std::errc() || p != status_line.data() + 12 || code < 100)
      return malformed("bad status code");
    const bool http10 = status_line[7] == '0';
    response = Response{};
    response.status = code;
    keep_alive = !http10;
    std::string_view rest =
        eol == std::string_view::npos ? std::string_view() : head_text.substr(eol + 2);
    while (!rest.empty()) {
      size_t line_end = rest.find("\r\n");
      std::string_view line = rest.substr(0, line_end);
      rest = line_end == std::string_view::npos ? std::string_view() : rest.substr(line_end + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return malformed("bad header line");
      response.headers.emplace_back(internal::AsciiLower(Trim(line.substr(0, colon))),
                                    std::string(Trim(line.substr(colon + 1))));
    }
    c.in_pos = body_start;
    if (code >= 200) break;
  }
  std::string connection = internal::AsciiLower(response.Header("connection"));
  if (connection.find("keep-alive") != std::string::npos)
    keep_alive = true;  // an HTTP/1.0 server's opt-in
  if (connection.find("close") != std::string::npos) keep_alive = false;

  auto need = [&](size_t bytes) -> Status {  // at least `bytes` unconsumed in c.in
    while (c.in.size() - c.in_pos < bytes) {
      size_t got = 0;
      if (Status s = read_more(&got); !s.ok()) return s;
      if (got == 0)
        return UnavailableError("http: no complete response from " + origin_ +
                                " (connection closed)");
    }
    return Status::Ok();
  };
  const bool no_body = method == "HEAD" || response.status == 204 || response.status == 304;
  std::string te = internal::AsciiLower(response.Header("transfer-encoding"));
  std::string length_text = response.Header("content-length");
  if (no_body) {
    // nothing
  } else if (te.find("chunked") != std::string::npos) {
    for (;;) {
      size_t line_end;
      while ((line_end = c.in.find("\r\n", c.in_pos)) == std::string::npos) {
        if (c.in.size() - c.in_pos > 1024) return malformed("bad chunk size line");
        if (Status s = need(c.in.size() - c.in_pos + 1); !s.ok()) return fail(s);
      }
      std::string_view size_text(c.in.data() + c.in_pos, line_end - c.in_pos);
      size_text = size_text.substr(0, size_text.find(';'));
      size_text = Trim(size_text);
      size_t chunk = 0;
      auto [p, ec] =
          std::from_chars(size_text.data(), size_text.data() + size_text.size(), chunk, 16);
      if (ec != std::errc() || p != size_text.data() + size_text.size())
        return malformed("bad chunk size");
      c.in_pos = line_end + 2;
      if (chunk == 0) {
        // Trailers (ignored) up to the empty line.
        for (;;) {
          while ((line_end = c.in.find("\r\n", c.in_pos)) == std::string::npos) {
            if (Status s = need(c.in.size() - c.in_pos + 1); !s.ok()) return fail(s);
          }
          bool empty = line_end == c.in_pos;
          c.in_pos = line_end + 2;
          if (empty) break;
        }
        break;
      }
      if (response.body.size() + chunk > options_.max_response_bytes)
        return malformed("body too large");
      if (Status s = need(chunk + 2); !s.ok()) return fail(s);
      response.body.append(c.in, c.in_pos, chunk);
      c.in_pos += chunk + 2;
    }
  } else if (!length_text.empty()) {
    size_t length = 0;
    auto [p, ec] =
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (ec != std::errc() || p != length_text.data() + length_text.size())
      return malformed("bad Content-Length");
    if (length > options_.max_response_bytes) return malformed("body too large");
    if (Status s = need(length); !s.ok()) return fail(s);
    response.body.assign(c.in, c.in_pos, length);
    c.in_pos += length;
  } else {  // delimited by the end of the connection
    keep_alive = false;
    for (;;) {
      size_t got = 0;
      if (Status s = read_more(&got); !s.ok()) return fail(s);
      if (got == 0) break;
      if (c.in.size() - c.in_pos > options_.max_response_bytes) return malformed("body too large");
    }
    response.body.assign(c.in, c.in_pos);
    c.in_pos = c.in.size();
  }
  if (!keep_alive) {
    c.CloseSocket();
  } else {
    c.in.erase(0, c.in_pos);
    c.in_pos = 0;
  }
  return response;
}

}  // namespace iam_audit::http1
