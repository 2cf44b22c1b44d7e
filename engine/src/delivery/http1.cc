// HTTP/1.1 over POSIX sockets, TLS from OpenSSL (see http1.h): a
// Connection, connecting (name resolution, TCP, the TLS context and
// handshake with certificate and host checks) and sending a request, and
// the helpers the response reader shares (http1_connection.h). Reading the
// response is http1_response.cc.
#include "delivery/http1.h"

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
#include <chrono>
#include <cstring>
#include <mutex>

#include "delivery/http1_connection.h"

namespace iam_audit::http1 {
namespace {

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

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
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

// A non-blocking TCP connection to `a` with TCP_NODELAY, within the
// deadline; -1 with *error set (0 when it timed out).
int ConnectOne(const addrinfo& a, int64_t deadline, int* error) {
  int fd = ::socket(a.ai_family, a.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a.ai_protocol);
  if (fd < 0) {
    *error = errno;
    return -1;
  }
  int r = ::connect(fd, a.ai_addr, a.ai_addrlen);
  if (r != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    do {
      r = ::poll(&p, 1, RemainingMs(deadline));
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
      *error = 0;
      ::close(fd);
      return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    r = err == 0 ? 0 : -1;
    errno = err;
  }
  if (r != 0) {
    *error = errno;
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// "host" or "[v6]".
std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

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

Connection::Connection(ConnectionOptions options)
    : options_(std::move(options)),
      origin_(std::string(options_.tls ? "https" : "http") + "://" + HostForUrl(options_.host) +
              ":" + std::to_string(options_.port)),
      impl_(std::make_unique<Impl>(options_, origin_)) {}

Connection::~Connection() = default;

void Connection::Close() { impl_->CloseSocket(); }

StatusOr<Response> Connection::Request(
    std::string_view method, std::string_view target,
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
    std::string_view content_type, int64_t timeout_ms) {
  Impl& c = *impl_;
  const int64_t start = NowMs();
  const int64_t deadline = timeout_ms < 0 ? -1 : start + std::max<int64_t>(timeout_ms, 1);
  if (c.fd >= 0 && !StillOpen(c.fd, c.ssl)) c.CloseSocket();
  Status sent = c.fd < 0 ? c.Connect(start, deadline) : Status::Ok();
  if (sent.ok()) sent = c.Send(method, target, headers, body, content_type, deadline);
  if (!sent.ok()) {
    c.CloseSocket();
    return sent;
  }
  StatusOr<Response> response = c.ReadResponse(method, deadline);
  if (!response.ok()) c.CloseSocket();
  return response;
}

// ---------------------------------------------------------------- connect

Status Connection::Impl::Connect(int64_t start, int64_t deadline) {
  int64_t connect_deadline = start + std::max<int64_t>(options.connect_timeout_ms, 1);
  if (deadline >= 0) connect_deadline = std::min(connect_deadline, deadline);
  if (options.tls && ctx == nullptr) {
    if (Status s = CreateTlsContext(); !s.ok()) return s;
  }
  if (Status s = OpenSocket(connect_deadline); !s.ok()) return s;
  return options.tls ? Handshake(connect_deadline) : Status::Ok();
}

Status Connection::Impl::CreateTlsContext() {
  IgnoreSigpipeOnce();
  SSL_CTX* created = SSL_CTX_new(TLS_client_method());
  if (created == nullptr)
    return UnavailableError("https: cannot create a TLS context (" + TlsErrorText() + ")");
  SSL_CTX_set_min_proto_version(created, TLS1_2_VERSION);
  SSL_CTX_set_verify(created, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_options(created, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (options.ca_bundle_path.empty() ||
      SSL_CTX_load_verify_locations(created, options.ca_bundle_path.c_str(), nullptr) != 1) {
    ERR_clear_error();
    SSL_CTX_free(created);
    return InvalidArgumentError("https: cannot load the CA bundle " + options.ca_bundle_path);
  }
  ctx = created;
  return Status::Ok();
}

Status Connection::Impl::OpenSocket(int64_t deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addrs = nullptr;
  const std::string port = std::to_string(options.port);
  if (int r = ::getaddrinfo(options.host.c_str(), port.c_str(), &hints, &addrs); r != 0) {
    return UnavailableError("http: " + origin + ": cannot resolve the host (" + gai_strerror(r) +
                            ")");
  }
  int last_error = 0;
  bool timed_out = false;
  for (addrinfo* a = addrs; a != nullptr && fd < 0; a = a->ai_next) {
    int error = 0;
    fd = ConnectOne(*a, deadline, &error);
    if (fd >= 0) break;
    if (error == 0) {
      timed_out = true;
    } else {
      last_error = error;
    }
  }
  ::freeaddrinfo(addrs);
  if (fd >= 0) return Status::Ok();
  if (timed_out && last_error == 0)
    return DeadlineExceededError("http: connect to " + origin + " timed out");
  return UnavailableError("http: " + origin + ": could not connect (" +
                          std::strerror(last_error != 0 ? last_error : ETIMEDOUT) + ")");
}

Status Connection::Impl::Handshake(int64_t deadline) {
  ssl = SSL_new(ctx);
  if (ssl == nullptr)
    return UnavailableError("https: cannot create a TLS session (" + TlsErrorText() + ")");
  SSL_set_fd(ssl, fd);
  if (IsIpLiteral(options.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), options.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, options.host.c_str());
    SSL_set1_host(ssl, options.host.c_str());
  }
  for (;;) {
    int r = SSL_connect(ssl);
    if (r == 1) return Status::Ok();
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      Status w = Wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, origin,
                      "in the TLS handshake");
      if (!w.ok()) return w;
      continue;
    }
    long verify = SSL_get_verify_result(ssl);
    std::string detail = TlsErrorText();
    if (verify != X509_V_OK) {
      return InvalidArgumentError("https: certificate verification failed for " + origin + " (" +
                                  X509_verify_cert_error_string(verify) + ")");
    }
    return UnavailableError("http: " + origin + ": TLS handshake failed (" + detail + ")");
  }
}

// ---------------------------------------------------------------- send

Status Connection::Impl::Send(std::string_view method, std::string_view target,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string_view body, std::string_view content_type,
                              int64_t deadline) {
  std::string head;
  head.reserve(256 + body.size());
  head.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  head.append(HostForUrl(options.host));
  if (options.port != (options.tls ? 443 : 80))
    head.append(":").append(std::to_string(options.port));
  head.append("\r\nUser-Agent: ").append(options.user_agent).append("\r\nAccept: */*\r\n");
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (!content_type.empty()) head.append("Content-Type: ").append(content_type).append("\r\n");
    head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  for (const auto& [k, v] : headers) head.append(k).append(": ").append(v).append("\r\n");
  head.append("\r\n").append(body);
  return WriteAll(head, deadline);
}

Status Connection::Impl::WriteAll(std::string_view bytes, int64_t deadline) {
  for (size_t off = 0; off < bytes.size();) {
    if (ssl != nullptr) {
      size_t n = 0;
      if (SSL_write_ex(ssl, bytes.data() + off, bytes.size() - off, &n) == 1) {
        off += n;
        continue;
      }
      int e = SSL_get_error(ssl, 0);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        Status w = Wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, origin,
                        "sending the request");
        if (!w.ok()) return w;
        continue;
      }
      return UnavailableError("http: " + origin + ": connection lost while sending (" +
                              TlsErrorText() + ")");
    }
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n >= 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      Status w = Wait(fd, POLLOUT, deadline, origin, "sending the request");
      if (!w.ok()) return w;
      continue;
    }
    return UnavailableError("http: " + origin + ": connection lost while sending (" +
                            std::strerror(errno) + ")");
  }
  return Status::Ok();
}

}  // namespace iam_audit::http1
