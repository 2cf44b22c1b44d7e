// mock-slack: the HTTP(S) front end of mock_slack::Service.
//
// Turns cpp-httplib requests into Service calls and Replies into responses,
// and owns everything about the transport: TLS, body size cap, timeouts,
// connection resets for the drop/hang faults, signals and the start-up line.
// Request logs go to stderr with the webhook secret redacted.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "connection.h"
#include "mock_slack/render.h"
#include "mock_slack/service.h"
#include "redacted_parse_error.h"  // engine/cli
#include "request_body.h"
#include "self_signed.h"

namespace mock_slack {
namespace {

// Wakes delayed and hanging handlers when the server shuts down.
class ShutdownLatch {
 public:
  void Trigger() {
    std::lock_guard<std::mutex> lock(mu_);
    triggered_ = true;
    cv_.notify_all();
  }
  // Sleeps up to `ms`; returns false if shutdown cut it short.
  bool SleepFor(int ms) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return triggered_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool triggered_ = false;
};

struct Options {
  int port = 0;
  std::string bind = "127.0.0.1";
  bool tls = false;
  std::string cert, key;
  bool tls_self_signed = false;
  std::string cert_out;
  std::vector<std::string> webhooks;
  std::vector<std::string> telegram_bots;
  std::vector<std::string> faults;
  std::vector<std::string> statuses;
  double rate = 1.0;
  double burst = 5.0;
  bool no_rate_limit = false;
  bool legacy_rate_limit_body = false;
  std::size_t max_body = 1 << 20;
  int read_timeout = 5;
  int write_timeout = 5;
  int keep_alive_timeout = 5;
  std::size_t max_messages = 10000;
  int threads = 32;
  bool quiet = false;
};

// The why of the current request, handed from the handler to the logger
// (both run on the connection's thread).
thread_local std::string g_note;

Reply Plain(int status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The request's first Content-Type header ("" if none), as
// req.get_header_value("Content-Type") gives it, without its case-insensitive
// map look-up (a tolower call per character compared; per request under wrk it
// cost more than the service's own bookkeeping). Equal names are adjacent in
// the map, in arrival order, so the first one met is the same header.
std::string_view ContentType(const httplib::Request& req) {
  constexpr std::string_view kName = "content-type";
  for (const auto& [name, value] : req.headers) {
    if (name.size() != kName.size()) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < kName.size(); ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      same = c == kName[i];
    }
    if (same) {
      // get_header_value hands the value over as a C string: it ends at a NUL.
      std::string_view v = value;
      return v.substr(0, v.find('\0'));
    }
  }
  return {};
}

void Send(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  res.set_content(reply.body, reply.content_type.c_str());
}

// Carries out a Reply's transport action, then answers if there is one.
void Deliver(const Reply& reply, const httplib::Request& req, httplib::Response& res,
             ShutdownLatch* latch) {
  g_note = reply.log_note;
  if (reply.action == Reply::Action::kHang) latch->SleepFor(reply.hang_ms);
  if (reply.action != Reply::Action::kRespond) {
    if (ResetConnection(req)) {
      res.status = 499;  // for the log only: nothing reaches the client
      return;
    }
    g_note += " (socket not found: answered instead)";
    Send(Plain(500, "rollup_error"), res);
    return;
  }
  if (reply.delay_ms > 0) latch->SleepFor(reply.delay_ms);
  Send(reply, res);
}

// Why a request body could not be read, for the transport-reject count and
// the log note.
struct Unreadable {
  const char* reason;
  const char* note;
};
constexpr Unreadable kMultipartUnreadable{
    "multipart_unreadable",
    "multipart body unreadable (no or wrong boundary, broken part, timeout)"};
constexpr Unreadable kBodyReadFailed{"body_read_failed",
                                     "body read failed (timeout or disconnect)"};

// Turns away a body the transport did not read whole: over --max-body
// (`too_large`, or cpp-httplib's own 413) is 413 request_too_large, otherwise
// unreadable (`!read_ok`) is 400 `unreadable_error`, counted and noted as
// `why` says. Either way the connection closes, as the rest of the body was
// not read. False (nothing sent) when the body was read whole.
bool RejectUnreadBody(Service& service, bool too_large, bool read_ok, Unreadable why,
                      const char* unreadable_error, httplib::Response& res) {
  const bool large = too_large || res.status == 413;
  if (!large && read_ok) return false;
  service.CountTransportReject(large ? "request_too_large" : why.reason);
  g_note = large ? "body over --max-body" : why.note;
  Send(large ? Plain(413, "request_too_large") : Plain(400, unreadable_error), res);
  res.set_header("Connection", "close");
  return true;
}

// A webhook post with a multipart/form-data body (`curl -F 'payload=...'`):
// its parts go to the service, which reads the payload field. A body that
// cannot be parsed is invalid_payload, as any unreadable body is.
void WebhookMultipart(Service& service, ShutdownLatch& latch, std::size_t max_body,
                      const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader) {
  std::vector<FormPart> parts;
  bool too_large = false;
  bool read_ok = ReadMultipart(reader, max_body, &parts, &too_large);
  if (RejectUnreadBody(service, too_large, read_ok, kMultipartUnreadable, "invalid_payload", res))
    return;
  Deliver(service.HandleWebhookForm(req.path, ContentType(req), parts), req, res, &latch);
}

// The flags' webhooks, statuses, Telegram bots and faults; false (after
// saying why on stderr) when one does not parse.
template <typename T, typename Parse>
bool ParseEach(const std::vector<std::string>& flags, Parse parse, std::vector<T>* out) {
  for (const std::string& flag : flags) {
    auto parsed = parse(flag);
    if (!parsed.ok()) {
      std::cerr << "mock-slack: " << parsed.error() << "\n";
      return false;
    }
    out->push_back(*parsed);
  }
  return true;
}

// The plain or TLS server the flags ask for; null (after saying why on
// stderr) when its certificate cannot be made, written or loaded.
std::unique_ptr<httplib::Server> MakeServer(const Options& opt) {
  std::unique_ptr<httplib::Server> server;
  if (opt.tls_self_signed) {
    SelfSigned identity;
    std::string error;
    if (!MakeSelfSigned(&identity, &error)) {
      std::cerr << "mock-slack: " << error << "\n";
      return nullptr;
    }
    if (!opt.cert_out.empty()) {
      std::ofstream out(opt.cert_out, std::ios::binary | std::ios::trunc);
      out << identity.cert_pem;
      if (!out.flush()) {
        std::cerr << "mock-slack: --cert-out " << opt.cert_out << ": cannot write\n";
        return nullptr;
      }
    }
    // SSLServer takes its own references to the certificate and key.
    server = std::make_unique<httplib::SSLServer>(identity.cert.get(), identity.key.get());
  } else if (opt.tls) {
    server = std::make_unique<httplib::SSLServer>(opt.cert.c_str(), opt.key.c_str());
  } else {
    server = std::make_unique<httplib::Server>();
  }
  if (!server->is_valid()) {
    std::cerr << "mock-slack: tls: cannot load --cert " << opt.cert << " / --key " << opt.key
              << "\n";
    return nullptr;
  }
  return server;
}

// Threads, timeouts, keep-alive and the body cap.
void ConfigureTransport(httplib::Server& svr, const Options& opt) {
  // One thread per keep-alive connection (cpp-httplib 0.11), so --threads
  // should exceed the client's connections or requests queue. Under wrk the
  // transport, not the service, now sets the pace: per request cpp-httplib
  // makes about 11 system calls (a poll before each recv and send,
  // getpeername, getsockname, headers and body in two sends) and ~75 K of the
  // ~89 K instructions (callgrind), so halving the service's share moved the
  // 2-core benchmark little.
  const int threads = opt.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_read_timeout(opt.read_timeout, 0);
  svr.set_write_timeout(opt.write_timeout, 0);
  svr.set_keep_alive_timeout(opt.keep_alive_timeout);
  // cpp-httplib closes a keep-alive connection after 5 requests by default;
  // Slack (and nginx in the benchmark) keep it far longer.
  svr.set_keep_alive_max_count(1000);
  svr.set_payload_max_length(opt.max_body);
  svr.set_tcp_nodelay(true);
}

// The webhook, Telegram, wrong-method, control API and page routes.
void AddRoutes(httplib::Server& svr, Service& service, ShutdownLatch& latch, std::size_t max_body) {
  auto webhook = [&service, &latch, max_body](const httplib::Request& req, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
    if (req.is_multipart_form_data()) {
      WebhookMultipart(service, latch, max_body, req, res, reader);
      return;
    }
    std::string body;
    bool too_large = false;
    bool read_ok = ReadBody(reader, max_body, &body, &too_large);
    if (RejectUnreadBody(service, too_large, read_ok, kBodyReadFailed, "invalid_payload", res))
      return;
    Deliver(service.HandleWebhook(req.path, ContentType(req), body), req, res, &latch);
  };
  // Telegram Bot API: POST /bot<token>/<method>; the same body cap.
  auto telegram = [&service, &latch, max_body](const httplib::Request& req, httplib::Response& res,
                                               const httplib::ContentReader& reader) {
    std::string body;
    std::string content_type = req.get_header_value("Content-Type");
    bool too_large = false;
    bool read_ok;
    const bool multipart = req.is_multipart_form_data();
    if (multipart) {
      // The Bot API takes multipart/form-data parameters too: its fields are
      // handed on as the form body they are equivalent to.
      std::vector<FormPart> parts;
      read_ok = ReadMultipart(reader, max_body, &parts, &too_large);
      body = FormEncode(parts);
      content_type = "application/x-www-form-urlencoded";
    } else {
      read_ok = ReadBody(reader, max_body, &body, &too_large);
    }
    if (RejectUnreadBody(service, too_large, read_ok,
                         multipart ? kMultipartUnreadable : kBodyReadFailed, "bad_request", res))
      return;
    Deliver(service.HandleTelegram(req.path, content_type, body), req, res, &latch);
  };
  auto wrong_method = [&service](const httplib::Request& req, httplib::Response& res) {
    Reply r = service.HandleWrongMethod(req.path);
    g_note = r.log_note;
    Send(r, res);
  };
  // cpp-httplib tries a method's routes in order, each a std::regex match:
  // the webhook first, as it is what a load test (or Slack's traffic) hits.
  const std::string kServices = R"(/services/.*)";
  svr.Post(kServices, webhook);
  svr.Post(R"(/bot[^/]+/[A-Za-z]+)", telegram);
  svr.Get(kServices, wrong_method);
  svr.Put(kServices, wrong_method);
  svr.Patch(kServices, wrong_method);
  svr.Delete(kServices, wrong_method);

  auto api = [&service](const httplib::Request& req, httplib::Response& res) {
    std::multimap<std::string, std::string> query(req.params.begin(), req.params.end());
    Send(service.HandleApi(req.method, req.path, query, req.body), res);
  };
  for (const char* path : {"/healthz", "/api/.*"}) {
    svr.Get(path, api);
    svr.Post(path, api);
    svr.Delete(path, api);
  }
  svr.Get("/", [&service](const httplib::Request& req, httplib::Response& res) {
    uint64_t upto = UINT64_MAX;
    if (req.has_param("upto")) {
      try {
        upto = std::stoull(req.get_param_value("upto"));
      } catch (const std::exception&) {
        upto = UINT64_MAX;
      }
    }
    Send(service.ChannelPage(upto), res);
    // Defence in depth: even if escaping failed, no inline script would run.
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; connect-src 'self'; "
                   "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
    res.set_header("Cache-Control", "no-store");
  });
  svr.Get("/page.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(ChannelPageScript()), "text/javascript; charset=utf-8");
  });
}

// Short plain bodies for cpp-httplib's own rejections and exceptions, and the
// request log (unless --quiet).
void AddErrorHandling(httplib::Server& svr, Service& service, bool quiet) {
  // cpp-httplib's own rejections (413 on Content-Length, 400 on a broken
  // request line, 404 on other paths) get a short plain body too.
  svr.set_error_handler(httplib::Server::HandlerWithResponse(
      [&service](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const char* body = res.status == 413   ? "request_too_large"
                           : res.status == 404 ? "not_found"
                           : res.status == 400 ? "bad_request"
                                               : "error";
        if (res.status == 413) service.CountTransportReject("request_too_large");
        res.set_content(body, "text/plain; charset=utf-8");
        return httplib::Server::HandlerResponse::Handled;
      }));
  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        g_note = "internal exception";
        res.status = 500;
        res.set_content("rollup_error", "text/plain; charset=utf-8");
      });
  if (!quiet) {
    svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      if (req.method.empty()) return;  // leftovers of a refused body, not a request
      std::string line = "mock-slack: " + req.method + " " + RedactPath(req.path) + " " +
                         std::to_string(res.status);
      if (!g_note.empty()) line += " (" + g_note + ")";
      g_note.clear();
      std::fprintf(stderr, "%s\n", line.c_str());
    });
  }
}

// The signals one thread takes with sigwait: SIGINT and SIGTERM stop the
// server, SIGUSR1 wakes that thread when the server stopped by itself.
sigset_t TakenSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
}

// Binds, prints the URL, serves until SIGINT or SIGTERM; the exit code.
int Serve(httplib::Server& svr, const Options& opt, ShutdownLatch& latch) {
  int port = opt.port;
  if (port == 0) {
    port = svr.bind_to_any_port(opt.bind);
    if (port < 0) port = 0;
  } else if (!svr.bind_to_port(opt.bind, port)) {
    port = 0;
  }
  if (port == 0) {
    std::cerr << "mock-slack: cannot listen on " << opt.bind << ":" << opt.port << "\n";
    return 1;
  }
  std::string host = opt.bind.find(':') != std::string::npos ? "[" + opt.bind + "]" : opt.bind;
  std::printf("%s://%s:%d\n", (opt.tls || opt.tls_self_signed) ? "https" : "http", host.c_str(),
              port);
  std::fflush(stdout);

  // SIGINT/SIGTERM are blocked in every thread (set in main) and taken here.
  std::thread signals([&svr, &latch] {
    sigset_t set = TakenSignals();
    int sig = 0;
    sigwait(&set, &sig);
    latch.Trigger();
    svr.stop();
  });
  bool listened = svr.listen_after_bind();
  latch.Trigger();
  pthread_kill(signals.native_handle(), SIGUSR1);  // wakes it if no signal came
  signals.join();
  if (!listened) {
    std::cerr << "mock-slack: server stopped with an error\n";
    return 1;
  }
  std::cerr << "mock-slack: stopped\n";
  return 0;
}

int Run(const Options& opt) {
  std::vector<WebhookConfig> webhooks;
  if (!ParseEach(opt.webhooks, ParseWebhookFlag, &webhooks)) return 2;
  ErrorStatusTable statuses;
  for (const std::string& flag : opt.statuses) {
    if (auto r = statuses.ParseOverride(flag); !r.ok()) {
      std::cerr << "mock-slack: " << r.error() << "\n";
      return 2;
    }
  }
  ServiceOptions service_options;
  service_options.rate = {!opt.no_rate_limit, opt.rate, opt.burst};
  service_options.max_messages = opt.max_messages;
  service_options.legacy_rate_limit_body = opt.legacy_rate_limit_body;
  if (!ParseEach(opt.telegram_bots, ParseTelegramBotFlag, &service_options.telegram_bots)) {
    return 2;
  }
  SystemClock clock;
  Service service(std::move(webhooks), service_options, statuses, &clock);
  std::vector<FaultSpec> faults;
  if (!ParseEach(opt.faults, ParseFaultFlag, &faults)) return 2;
  for (const FaultSpec& f : faults) service.faults().Add(f);

  std::unique_ptr<httplib::Server> server = MakeServer(opt);
  if (server == nullptr) return 1;
  ShutdownLatch latch;
  httplib::Server& svr = *server;
  ConfigureTransport(svr, opt);
  AddRoutes(svr, service, latch, opt.max_body);
  AddErrorHandling(svr, service, opt.quiet);
  return Serve(svr, opt, latch);
}

}  // namespace
}  // namespace mock_slack

namespace {

int Main(int argc, char** argv) {
  mock_slack::Options opt;
  CLI::App app{"mock-slack: a Slack incoming-webhook server for tests (see docs/mock_slack.md)"};
  app.failure_message(iam_audit::cli::RedactedParseError);
  app.add_option("--port", opt.port, "Port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  app.add_option("--bind", opt.bind, "Address to bind (default loopback)");
  auto* tls = app.add_flag("--tls", opt.tls, "Serve HTTPS with --cert and --key");
  auto* cert =
      app.add_option("--cert", opt.cert, "PEM certificate (with --tls)")->check(CLI::ExistingFile);
  auto* key =
      app.add_option("--key", opt.key, "PEM private key (with --tls)")->check(CLI::ExistingFile);
  auto* self_signed = app.add_flag("--tls-self-signed", opt.tls_self_signed,
                                   "Serve HTTPS with a fresh self-signed certificate");
  app.add_option("--cert-out", opt.cert_out,
                 "Write the self-signed certificate (PEM) here, for clients to trust")
      ->needs(self_signed);
  tls->needs(cert)->needs(key)->excludes(self_signed);
  cert->needs(tls);
  key->needs(tls);
  app.add_option("--webhook", opt.webhooks,
                 "Accepted webhook TEAM/BOT/SECRET[,channel=NAME][,archived][,error=CODE]; "
                 "repeatable");
  app.add_option("--telegram-bot", opt.telegram_bots,
                 "Accepted Telegram bot TOKEN[,chat=ID[:NAME]]... for POST "
                 "/bot<token>/sendMessage; repeatable");
  app.add_option("--fault", opt.faults,
                 "Armed fault WEBHOOK:KIND[,key=value]... (KIND: error, rate_limit, delay, "
                 "drop, hang); repeatable");
  app.add_option("--status", opt.statuses,
                 "Override the HTTP status of a Slack error code, CODE=STATUS; repeatable");
  app.add_option("--rate", opt.rate, "Messages per second per webhook")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--burst", opt.burst, "Burst allowance (bucket size)")
      ->check(CLI::Range(1.0, 1e9));
  app.add_flag("--no-rate-limit", opt.no_rate_limit, "Turn rate limiting off");
  app.add_flag("--legacy-rate-limit-body", opt.legacy_rate_limit_body,
               "Answer 429 with the old {\"ok\":false,\"count_…\"} body");
  app.add_option("--max-body", opt.max_body, "Largest request body in bytes (413 beyond)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  app.add_option("--read-timeout", opt.read_timeout, "Seconds to wait for a slow client")
      ->check(CLI::Range(1, 3600));
  app.add_option("--write-timeout", opt.write_timeout, "Seconds to wait when writing")
      ->check(CLI::Range(1, 3600));
  app.add_option("--keep-alive-timeout", opt.keep_alive_timeout,
                 "Seconds an idle keep-alive connection is kept")
      ->check(CLI::Range(1, 3600));
  app.add_option("--max-messages", opt.max_messages, "Messages kept (oldest dropped)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000000}));
  app.add_option("--threads", opt.threads, "Connection threads")->check(CLI::Range(2, 1024));
  app.add_flag("--quiet", opt.quiet, "No request log on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; every bad flag exits 2, as the other errors do.
    return app.exit(e) == 0 ? 0 : 2;
  }

  // Before any thread starts: signals are taken by one thread with sigwait,
  // and writes to a reset connection must not kill the process.
  sigset_t set = mock_slack::TakenSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return mock_slack::Run(opt);
}

}  // namespace

int main(int argc, char** argv) {
  // No exception is expected past Main; should one escape, exit with a
  // line instead of std::terminate (its text is not printed: it may quote
  // a webhook secret from the flags).
  try {
    return Main(argc, argv);
  } catch (...) {
    std::fputs("mock-slack: internal error: an exception escaped\n", stderr);
    return 1;
  }
}
