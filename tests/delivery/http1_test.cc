// http1::Connection (engine/src/delivery/http1.cc, http1_response.cc)
// against a scripted raw TCP server on loopback: what goes on the wire, how
// each response framing is read, when a connection is reused, and each
// failure's error. TLS is covered end to end against mock-slack
// (tests/security, tests/lambda pipeline tests).
#include "delivery/http1.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "iam_audit/http_client.h"

namespace {

struct Step {
  std::string response;  // written verbatim after a request is read
  bool close_after = false;
  bool no_answer = false;  // read the request, answer nothing, keep the socket
};

// Accepts connections one after the other; for each request read, plays the
// next step. Records the raw requests and the number of accepted connections.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<Step> steps) : steps_(steps.begin(), steps.end()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (int c : open_) ::close(c);
  }
  int port() const { return port_; }
  int accepts() const { return accepts_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  // Closes the current connection from the server side (idle keep-alive
  // expiry) and returns once the server thread has closed it.
  void DropIdle() {
    std::unique_lock<std::mutex> l(mu_);
    const int before = dropped_;
    drop_ = true;
    REQUIRE(dropped_cv_.wait_for(l, std::chrono::seconds(10), [&] { return dropped_ > before; }));
  }

 private:
  void Run() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++accepts_;
      std::string buf;
      bool open = true;
      while (open && !stop_) {
        // One request: head, then Content-Length bytes.
        size_t end;
        while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
          if (drop_) {
            drop_ = false;
            ::close(c);
            c = -1;
            {
              std::lock_guard<std::mutex> l(mu_);
              ++dropped_;
            }
            dropped_cv_.notify_all();
            open = false;
            break;
          }
          char tmp[4096];
          timeval tv{0, 20000};
          ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
          ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            open = false;
            break;
          }
          if (n > 0) buf.append(tmp, static_cast<size_t>(n));
          if (stop_) return;
        }
        if (!open) break;
        size_t length = 0;
        if (auto p = buf.find("Content-Length: "); p != std::string::npos && p < end) {
          length = std::stoul(buf.substr(p + 16));
        }
        while (buf.size() < end + 4 + length) {
          char tmp[4096];
          ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
          if (n <= 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
          if (n > 0) buf.append(tmp, static_cast<size_t>(n));
        }
        {
          std::lock_guard<std::mutex> l(mu_);
          requests_.push_back(buf.substr(0, end + 4 + length));
        }
        buf.erase(0, end + 4 + length);
        if (steps_.empty()) break;
        Step step = steps_.front();
        steps_.pop_front();
        if (step.no_answer) {
          open_.push_back(c);
          c = -1;
          break;
        }
        (void)!::send(c, step.response.data(), step.response.size(), MSG_NOSIGNAL);
        if (step.close_after) break;
      }
      if (c >= 0) ::close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::deque<Step> steps_;
  std::thread thread_;
  std::atomic<bool> stop_{false}, drop_{false};
  std::atomic<int> accepts_{0};
  std::mutex mu_;
  std::condition_variable dropped_cv_;
  int dropped_ = 0;  // connections closed by DropIdle(), under mu_
  std::vector<std::string> requests_;
  std::vector<int> open_;
};

iam_audit::http1::ConnectionOptions Plain(int port) {
  iam_audit::http1::ConnectionOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.connect_timeout_ms = 2000;
  return o;
}

// This process's TCP socket connected to 127.0.0.1:`port` (the client side
// of a connection to a ScriptedServer), found among our descriptors; -1 when
// there is none.
int ClientSocketTo(int port) {
  int found = -1;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::atoi(entry.path().filename().c_str());
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 ||
        peer.sin_family != AF_INET)
      continue;
    if (ntohs(peer.sin_port) == port && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
      REQUIRE(found == -1);  // exactly one connection to the server
      found = fd;
    }
  }
  return found;
}

// Blocks until the peer's FIN has reached `fd` (readable at end of stream),
// without reading from it: what the connection checks before reusing it.
void WaitForPeerClose(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  REQUIRE(::poll(&p, 1, 10000) == 1);
  CHECK((p.revents & POLLRDHUP) != 0);
}

const std::string kOk =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";

}  // namespace

TEST_CASE("http1: a request as it goes on the wire, keep-alive reuses one connection", "[http1]") {
  ScriptedServer server({{kOk}, {kOk}});
  iam_audit::http1::Connection conn(Plain(server.port()));
  auto r1 = conn.Request("POST", "/services/T/B/x", {{"X-Extra", "1"}}, R"({"text":"hi"})",
                         "application/json", 5000);
  REQUIRE(r1.ok());
  CHECK(r1->status == 200);
  CHECK(r1->body == "ok");
  CHECK(r1->Header("content-type") == "text/plain");
  auto r2 = conn.Request("GET", "/next", {}, "", "", 5000);
  REQUIRE(r2.ok());
  CHECK(r2->body == "ok");
  CHECK(server.accepts() == 1);
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  const std::string host = "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n";
  CHECK(requests[0] ==
        "POST /services/T/B/x HTTP/1.1\r\n" + host +
            "User-Agent: iam-audit/0.1\r\nAccept: */*\r\nContent-Type: application/json\r\n"
            "Content-Length: 13\r\nX-Extra: 1\r\n\r\n{\"text\":\"hi\"}");
  CHECK(requests[1] ==
        "GET /next HTTP/1.1\r\n" + host + "User-Agent: iam-audit/0.1\r\nAccept: */*\r\n\r\n");
}

TEST_CASE("http1: chunked bodies, 100 Continue, and bodies ended by the connection", "[http1]") {
  ScriptedServer server({
      {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n"},
      {"HTTP/1.1 201 Created\r\nConnection: close\r\n\r\nuntil the end", true},
      {"HTTP/1.0 204 No Content\r\n\r\n", true},
  });
  iam_audit::http1::Connection conn(Plain(server.port()));
  auto r1 = conn.Request("POST", "/a", {}, "x", "text/plain", 5000);
  REQUIRE(r1.ok());
  CHECK(r1->status == 200);
  CHECK(r1->body == "Wikipedia in\r\n\r\nchunks.");
  auto r2 = conn.Request("POST", "/b", {}, "x", "text/plain", 5000);
  REQUIRE(r2.ok());
  CHECK(r2->status == 201);
  CHECK(r2->body == "until the end");
  auto r3 = conn.Request("POST", "/c", {}, "x", "text/plain", 5000);  // a new connection
  REQUIRE(r3.ok());
  CHECK(r3->status == 204);
  CHECK(r3->body.empty());
  CHECK(server.accepts() == 2);
}

TEST_CASE("http1: a kept-alive connection the server closed is replaced, not reported", "[http1]") {
  ScriptedServer server({{kOk}, {kOk}});
  iam_audit::http1::Connection conn(Plain(server.port()));
  REQUIRE(conn.Request("POST", "/a", {}, "x", "text/plain", 5000).ok());
  const int client = ClientSocketTo(server.port());
  REQUIRE(client >= 0);
  server.DropIdle();
  // The close is visible to the client only once its FIN has arrived: wait
  // for exactly that on the connection's own socket.
  WaitForPeerClose(client);
  auto r = conn.Request("POST", "/b", {}, "x", "text/plain", 5000);
  REQUIRE(r.ok());
  CHECK(r->body == "ok");
  CHECK(server.accepts() == 2);
  CHECK(server.requests().size() == 2);  // sent once: nothing was retried
}

TEST_CASE("http1: each failure names what happened and the origin, never the target", "[http1]") {
  const std::string secret = "/services/T000/B000/SECRETSECRET";
  SECTION("malformed status line") {
    ScriptedServer server({{"HTCPCP/1.0 418 I'm a teapot\r\n\r\n", true}});
    iam_audit::http1::Connection conn(Plain(server.port()));
    auto r = conn.Request("POST", secret, {}, "x", "text/plain", 5000);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == iam_audit::StatusCode::kInvalidArgument);
    CHECK(r.status().message() == "http: http://127.0.0.1:" + std::to_string(server.port()) +
                                      ": malformed response: bad status line");
  }
  SECTION("a body cut short") {
    ScriptedServer server({{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true}});
    iam_audit::http1::Connection conn(Plain(server.port()));
    auto r = conn.Request("POST", secret, {}, "x", "text/plain", 5000);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == iam_audit::StatusCode::kUnavailable);
    CHECK(r.status().message() == "http: no complete response from http://127.0.0.1:" +
                                      std::to_string(server.port()) + " (connection closed)");
  }
  SECTION("no answer within the timeout") {
    ScriptedServer server({{"", false, true}});
    iam_audit::http1::Connection conn(Plain(server.port()));
    auto r = conn.Request("POST", secret, {}, "x", "text/plain", 200);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == iam_audit::StatusCode::kDeadlineExceeded);
    CHECK(r.status().message() == "http: http://127.0.0.1:" + std::to_string(server.port()) +
                                      ": timed out waiting for the response");
  }
  SECTION("nothing listening") {
    int port;
    {
      ScriptedServer gone({});
      port = gone.port();
    }
    iam_audit::http1::Connection conn(Plain(port));
    auto r = conn.Request("POST", secret, {}, "x", "text/plain", 5000);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == iam_audit::StatusCode::kUnavailable);
    CHECK_THAT(r.status().message(),
               Catch::StartsWith("http: http://127.0.0.1:" + std::to_string(port) +
                                 ": could not connect ("));
    CHECK_THAT(r.status().message(), !Catch::Contains("SECRET"));
  }
  SECTION("an https CA bundle that cannot be loaded") {
    ScriptedServer server({});
    auto o = Plain(server.port());
    o.tls = true;
    o.ca_bundle_path = "/nonexistent/ca.pem";
    iam_audit::http1::Connection conn(o);
    auto r = conn.Request("POST", secret, {}, "x", "text/plain", 5000);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "https: cannot load the CA bundle /nonexistent/ca.pem");
  }
}

TEST_CASE("http1: MakeHttpClient passes status, body and Retry-After through", "[http1]") {
  ScriptedServer server(
      {{"HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\nContent-Length: "
        "12\r\n\r\nrate_limited"}});
  auto client = iam_audit::MakeHttpClient({});
  auto url = iam_audit::ParseHttpUrl("http://127.0.0.1:" + std::to_string(server.port()) +
                                     "/services/T/B/x");
  REQUIRE(url.ok());
  auto r = client->Post(*url, "{}", "application/json", 5000);
  REQUIRE(r.ok());
  CHECK(r->status == 429);
  CHECK(r->body == "rate_limited");
  CHECK(r->retry_after == "7");
}
