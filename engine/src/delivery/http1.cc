// HTTP/1.1 over POSIX sockets, TLS from OpenSSL (see http1.h).
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
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>

#include "common/ascii.h"

namespace iam_audit::http1 {
namespace {

constexpr size_t kMaxHeaderBytes = size_t{64} * 1024;
constexpr size_t kReadChunk = size_t{64} * 1024;

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

// The parsed status line and headers of one response.
struct Head {
  Response response;  // status and headers, no body yet
  bool http10 = false;
};

// Parses a response head (status line and header lines, without the final
// empty line). Errors are the "malformed response" detail.
StatusOr<Head> ParseHead(std::string_view text) {
  size_t eol = text.find("\r\n");
  std::string_view status_line = text.substr(0, eol);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ')
    return InvalidArgumentError("bad status line");
  int code = 0;
  auto [p, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, code);
  if (ec != std::errc() || p != status_line.data() + 12 || code < 100)
    return InvalidArgumentError("bad status code");
  Head head;
  head.http10 = status_line[7] == '0';
  head.response.status = code;
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 2);
  while (!rest.empty()) {
    size_t line_end = rest.find("\r\n");
    std::string_view line = rest.substr(0, line_end);
    rest = line_end == std::string_view::npos ? std::string_view() : rest.substr(line_end + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return InvalidArgumentError("bad header line");
    head.response.headers.emplace_back(internal::AsciiLower(Trim(line.substr(0, colon))),
                                       std::string(Trim(line.substr(colon + 1))));
  }
  return head;
}

}  // namespace

std::string Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

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

// ---------------------------------------------------------------- receive

Status Connection::Impl::ReadMore(size_t* got, int64_t deadline) {
  const size_t old = in.size();
  in.resize(old + kReadChunk);
  if (ssl != nullptr) return ReadTlsMore(old, got, deadline);
  for (;;) {
    ssize_t n = ::recv(fd, in.data() + old, kReadChunk, 0);
    if (n >= 0) {
      in.resize(old + static_cast<size_t>(n));
      *got = static_cast<size_t>(n);
      return Status::Ok();
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      Status w = Wait(fd, POLLIN, deadline, origin, "waiting for the response");
      if (!w.ok()) {
        in.resize(old);
        return w;
      }
      continue;
    }
    int err = errno;
    in.resize(old);
    return UnavailableError("http: " + origin + ": connection lost while reading (" +
                            std::strerror(err) + ")");
  }
}

// ReadMore on the TLS session; `in` has kReadChunk bytes of room after `old`.
Status Connection::Impl::ReadTlsMore(size_t old, size_t* got, int64_t deadline) {
  for (;;) {
    size_t n = 0;
    if (SSL_read_ex(ssl, in.data() + old, kReadChunk, &n) == 1) {
      in.resize(old + n);
      *got = n;
      return Status::Ok();
    }
    int e = SSL_get_error(ssl, 0);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      Status w = Wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, origin,
                      "waiting for the response");
      if (!w.ok()) {
        in.resize(old);
        return w;
      }
      continue;
    }
    in.resize(old);
    // The end of the stream: close_notify, or EOF without it.
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
      ERR_clear_error();
      *got = 0;
      return Status::Ok();
    }
    return UnavailableError("http: " + origin + ": connection lost while reading (" +
                            TlsErrorText() + ")");
  }
}

Status Connection::Impl::Need(size_t bytes, int64_t deadline) {
  while (in.size() - in_pos < bytes) {
    size_t got = 0;
    if (Status s = ReadMore(&got, deadline); !s.ok()) return s;
    if (got == 0) return Incomplete();
  }
  return Status::Ok();
}

StatusOr<size_t> Connection::Impl::NextLineEnd(size_t max_line, int64_t deadline) {
  size_t line_end;
  while ((line_end = in.find("\r\n", in_pos)) == std::string::npos) {
    if (in.size() - in_pos > max_line) return Malformed("bad chunk size line");
    if (Status s = Need(in.size() - in_pos + 1, deadline); !s.ok()) return s;
  }
  return line_end;
}

StatusOr<Response> Connection::Impl::ReadResponse(std::string_view method, int64_t deadline) {
  in.erase(0, in_pos);
  in_pos = 0;
  Response response;
  bool keep_alive = true;
  if (Status s = ReadFinalHead(&response, &keep_alive, deadline); !s.ok()) return s;
  const bool no_body = method == "HEAD" || response.status == 204 || response.status == 304;
  const std::string te = internal::AsciiLower(response.Header("transfer-encoding"));
  const std::string length_text = response.Header("content-length");
  Status read;
  if (no_body) {
    // nothing to read
  } else if (te.find("chunked") != std::string::npos) {
    read = ReadChunkedBody(&response.body, deadline);
  } else if (!length_text.empty()) {
    read = ReadLengthBody(length_text, &response.body, deadline);
  } else {  // delimited by the end of the connection
    keep_alive = false;
    read = ReadBodyToEnd(&response.body, deadline);
  }
  if (!read.ok()) return read;
  if (!keep_alive) {
    CloseSocket();
  } else {
    in.erase(0, in_pos);
    in_pos = 0;
  }
  return response;
}

// Reads heads until a final (non-1xx) status; leaves in_pos at its body.
Status Connection::Impl::ReadFinalHead(Response* response, bool* keep_alive, int64_t deadline) {
  for (;;) {
    size_t end;
    while ((end = in.find("\r\n\r\n", in_pos)) == std::string::npos) {
      if (in.size() - in_pos > kMaxHeaderBytes) return Malformed("headers larger than 64 KiB");
      size_t got = 0;
      if (Status s = ReadMore(&got, deadline); !s.ok()) return s;
      if (got == 0) return Incomplete();
    }
    StatusOr<Head> head = ParseHead(std::string_view(in.data() + in_pos, end - in_pos));
    if (!head.ok()) return Malformed(head.status().message());
    in_pos = end + 4;
    *response = std::move(head->response);
    *keep_alive = !head->http10;
    if (response->status >= 200) break;
  }
  std::string connection = internal::AsciiLower(response->Header("connection"));
  if (connection.find("keep-alive") != std::string::npos)
    *keep_alive = true;  // an HTTP/1.0 server's opt-in
  if (connection.find("close") != std::string::npos) *keep_alive = false;
  return Status::Ok();
}

Status Connection::Impl::ReadChunkedBody(std::string* body, int64_t deadline) {
  for (;;) {
    StatusOr<size_t> line_end = NextLineEnd(1024, deadline);
    if (!line_end.ok()) return line_end.status();
    std::string_view size_text(in.data() + in_pos, *line_end - in_pos);
    size_text = Trim(size_text.substr(0, size_text.find(';')));
    size_t chunk = 0;
    auto [p, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), chunk, 16);
    if (ec != std::errc() || p != size_text.data() + size_text.size())
      return Malformed("bad chunk size");
    in_pos = *line_end + 2;
    if (chunk == 0) return ReadChunkTrailers(deadline);
    if (body->size() + chunk > options.max_response_bytes) return Malformed("body too large");
    if (Status s = Need(chunk + 2, deadline); !s.ok()) return s;
    body->append(in, in_pos, chunk);
    in_pos += chunk + 2;
  }
}

// Trailers (ignored) up to the empty line.
Status Connection::Impl::ReadChunkTrailers(int64_t deadline) {
  for (;;) {
    StatusOr<size_t> line_end = NextLineEnd(SIZE_MAX, deadline);
    if (!line_end.ok()) return line_end.status();
    const bool empty = *line_end == in_pos;
    in_pos = *line_end + 2;
    if (empty) return Status::Ok();
  }
}

Status Connection::Impl::ReadLengthBody(const std::string& length_text, std::string* body,
                                        int64_t deadline) {
  size_t length = 0;
  auto [p, ec] =
      std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  if (ec != std::errc() || p != length_text.data() + length_text.size())
    return Malformed("bad Content-Length");
  if (length > options.max_response_bytes) return Malformed("body too large");
  if (Status s = Need(length, deadline); !s.ok()) return s;
  body->assign(in, in_pos, length);
  in_pos += length;
  return Status::Ok();
}

Status Connection::Impl::ReadBodyToEnd(std::string* body, int64_t deadline) {
  for (;;) {
    size_t got = 0;
    if (Status s = ReadMore(&got, deadline); !s.ok()) return s;
    if (got == 0) break;
    if (in.size() - in_pos > options.max_response_bytes) return Malformed("body too large");
  }
  body->assign(in, in_pos);
  in_pos = in.size();
  return Status::Ok();
}

}  // namespace iam_audit::http1
