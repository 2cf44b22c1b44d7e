// Reading a response on a Connection (see http1.h): the status line and
// headers (interim 1xx heads skipped, at most 64 KiB), then the body by its
// framing: none (HEAD, 204, 304), chunked (trailers ignored),
// Content-Length, or up to the end of the connection; bytes come from the
// socket or the TLS session into Connection::Impl's buffer. Connecting and
// sending are in http1.cc.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "common/ascii.h"
#include "delivery/http1.h"
#include "delivery/http1_connection.h"

namespace iam_audit::http1 {
namespace {

constexpr size_t kMaxHeaderBytes = size_t{64} * 1024;
constexpr size_t kReadChunk = size_t{64} * 1024;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
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
