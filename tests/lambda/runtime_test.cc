// The bootstrap under `iam-audit emulate`, posting to an in-process HTTPS
// "Slack" on loopback whose answers each test scripts: init errors, 429 with
// Retry-After, 5xx retries, permanent 4xx, the deadline, redelivery, and the
// webhook secret never appearing in any output.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "payloads.h"

using iam_audit::testing::Process;
using iam_audit::testing::ReadFile;
using iam_audit::testing::Record;
using iam_audit::testing::SubscriptionEvent;
using iam_audit::testing::TempDir;
using nlohmann::json;

namespace {

constexpr const char* kSecret = "sEcReT0webhook0TOKEN";

// Certificates are made once per test process.
const TempDir& Certs() {
  static TempDir dir;
  static bool made = iam_audit::testing::MakeTestCa(dir.path());
  REQUIRE(made);
  return dir;
}

// An HTTPS webhook whose next answers are scripted; after the script, 200 ok.
class FakeSlack {
 public:
  struct Answer {
    int status = 200;
    std::string body = "ok";
    std::string retry_after;
    bool hang = false;  // never answer (until the test ends)
  };

  FakeSlack() : server_((Certs() / "server.pem").c_str(), (Certs() / "server.key").c_str()) {
    server_.Post(R"(/services/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
      Answer a;
      {
        std::unique_lock<std::mutex> lock(mu_);
        paths_.push_back(req.path);
        bodies_.push_back(req.body);
        if (!script_.empty()) {
          a = script_.front();
          script_.pop_front();
        }
        if (a.hang) {
          cv_.wait_for(lock, std::chrono::seconds(30), [this] { return released_; });
          return;  // the client has long given up
        }
      }
      res.status = a.status;
      if (!a.retry_after.empty()) res.set_header("Retry-After", a.retry_after);
      res.set_content(a.body, "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeSlack() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
  }
  void Then(Answer a) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(a));
  }
  std::string Url() const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/services/T0001/B0001/" + kSecret;
  }
  std::vector<std::string> Bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::deque<Answer> script_;
  std::vector<std::string> paths_, bodies_;
};

FakeSlack::Answer A(int status, std::string body, std::string retry_after = "", bool hang = false) {
  FakeSlack::Answer a;
  a.status = status;
  a.body = std::move(body);
  a.retry_after = std::move(retry_after);
  a.hang = hang;
  return a;
}

struct Reply {
  int status = 0;
  std::string function_error;
  std::string body;
};

// `iam-audit emulate` running the bootstrap, stopped at the end of the test.
class Emulate {
 public:
  Emulate(const std::vector<std::string>& env, const std::vector<std::string>& extra = {},
          const std::string& function = IAM_AUDIT_BOOTSTRAP) {
    std::vector<std::string> argv = {IAM_AUDIT_CLI, "emulate", "--function",
                                     function,      "--port",  "0"};
    for (const std::string& e : env) {
      argv.push_back("--env");
      argv.push_back(e);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Process>(argv, dir_ / "emulate.err");
    url_ = process_->FirstLine();
    REQUIRE_THAT(url_, Catch::StartsWith("http://127.0.0.1:"));
  }
  Reply Invoke(const std::string& event, bool async = false) {
    httplib::Client client(url_);
    client.set_read_timeout(60, 0);
    httplib::Headers headers;
    if (async) headers.emplace("X-Amz-Invocation-Type", "Event");
    auto res = client.Post("/2015-03-31/functions/function/invocations", headers, event,
                           "application/json");
    REQUIRE(res);
    return Reply{res->status, res->get_header_value("X-Amz-Function-Error"), res->body};
  }
  json Get(const std::string& path) {
    httplib::Client client(url_);
    client.set_read_timeout(60, 0);
    auto res = client.Get(path.c_str());
    REQUIRE(res);
    return json::parse(res->body);
  }
  // Everything the emulator and the bootstrap wrote (the bootstrap's stdout
  // and stderr both land in the emulator's stderr). Stops the emulator first.
  std::string Logs() {
    process_->Stop();
    return ReadFile(dir_ / "emulate.err");
  }

 private:
  TempDir dir_;
  std::unique_ptr<Process> process_;
  std::string url_;
};

std::vector<std::string> BaseEnv(const FakeSlack& slack) {
  return {"SLACK_WEBHOOK_URL=" + slack.Url(), "IAM_AUDIT_CA_BUNDLE=" + (Certs() / "ca.pem")};
}

}  // namespace

TEST_CASE("runtime: a good batch is delivered and answered with the summary", "[runtime]") {
  FakeSlack slack;
  Emulate emu(BaseEnv(slack));
  Reply r = emu.Invoke(SubscriptionEvent({Record("e1"), Record("e2")}));
  CHECK(r.status == 200);
  CHECK(r.function_error.empty());
  json summary = json::parse(r.body);
  CHECK(summary["received"] == 2);
  CHECK(summary["delivered"] == 2);
  CHECK(summary["failed"] == 0);
  CHECK(slack.Bodies().size() == 2);
  std::string logs = emu.Logs();
  // One log line per invocation with the counts, and no payload in it.
  CHECK_THAT(logs, Catch::Contains("status=ok received=2 matched=2 ignored=0 delivered=2"));
  CHECK_THAT(logs, !Catch::Contains("CreateUser") && !Catch::Contains("awslogs") &&
                       !Catch::Contains(kSecret));
}

TEST_CASE("runtime: a configuration error is an init error, and the secret stays hidden",
          "[runtime][init]") {
  FakeSlack slack;
  auto [env, type, message] = GENERATE(table<std::string, std::string, std::string>({
      {"IAM_AUDIT_IGNORE_BROKEN={ $.eventName = ", "Runtime.ConfigInvalid",
       "IAM_AUDIT_IGNORE_BROKEN: pattern:"},
      {"SLACK_WEBHOOK_URL=http://127.0.0.1:9/services/T/B/" + std::string(kSecret),
       "Runtime.ConfigInvalid", "SLACK_WEBHOOK_URL: must be an https:// URL (host 127.0.0.1)"},
      {"IAM_AUDIT_CA_BUNDLE=/nonexistent/ca.pem", "Runtime.ConfigInvalid",
       "ca bundle: /nonexistent/ca.pem"},
  }));
  CAPTURE(env);
  std::vector<std::string> vars = BaseEnv(slack);
  vars.push_back(env);
  Emulate emu(vars);
  Reply r = emu.Invoke(SubscriptionEvent({Record("e1")}));
  CHECK(r.status == 200);
  CHECK(r.function_error == "Unhandled");
  json error = json::parse(r.body);
  CHECK(error["errorType"] == type);
  CHECK_THAT(error["errorMessage"].get<std::string>(), Catch::StartsWith(message));
  CHECK(slack.Bodies().empty());
  std::string logs = emu.Logs();
  CHECK_THAT(logs, Catch::Contains("emulate: init error " + type));
  CHECK_THAT(logs + r.body, !Catch::Contains(kSecret));
}

TEST_CASE("runtime: 429 is retried after Retry-After", "[runtime][429]") {
  FakeSlack slack;
  slack.Then(A(429, R"({"retry_after":1,"ok":false,"error":"rate_limited"})", "1"));
  Emulate emu(BaseEnv(slack));
  Reply r = emu.Invoke(SubscriptionEvent({Record("e1")}));
  CHECK(r.function_error.empty());
  CHECK(json::parse(r.body)["delivered"] == 1);
  auto bodies = slack.Bodies();
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[0] == bodies[1]);
}

TEST_CASE("runtime: 5xx answers are retried", "[runtime][5xx]") {
  FakeSlack slack;
  slack.Then(A(500, "rollup_error"));
  slack.Then(A(503, "service unavailable"));
  Emulate emu(BaseEnv(slack));
  Reply r = emu.Invoke(SubscriptionEvent({Record("e1")}));
  CHECK(r.function_error.empty());
  CHECK(json::parse(r.body)["delivered"] == 1);
  CHECK(slack.Bodies().size() == 3);
}

TEST_CASE("runtime: a permanent 4xx is not retried and fails the invocation", "[runtime][4xx]") {
  FakeSlack slack;
  slack.Then(A(404, "channel_not_found"));
  Emulate emu(BaseEnv(slack));
  Reply r = emu.Invoke(SubscriptionEvent({Record("e1")}));
  CHECK(r.function_error == "Unhandled");
  json error = json::parse(r.body);
  CHECK(error["errorType"] == "Function.DeliveryFailed");
  CHECK_THAT(error["errorMessage"].get<std::string>(),
             Catch::Contains("404 channel_not_found") && Catch::Contains("not retried") &&
                 Catch::Contains("127.0.0.1") && !Catch::Contains(kSecret));
  CHECK(slack.Bodies().size() == 1);
  std::string logs = emu.Logs();
  CHECK_THAT(logs, Catch::Contains("status=error") &&
                       Catch::Contains("error_type=Function.DeliveryFailed"));
  CHECK_THAT(logs, !Catch::Contains(kSecret));
}

TEST_CASE("runtime: a hanging Slack is given up on before the Lambda deadline",
          "[runtime][deadline]") {
  FakeSlack slack;
  slack.Then(A(200, "ok", "", true));
  std::vector<std::string> env = BaseEnv(slack);
  env.push_back("IAM_AUDIT_HTTP_TIMEOUT_MS=600000");  // only the deadline bounds the request
  Emulate emu(env, {"--timeout", "3"});
  Reply r = emu.Invoke(SubscriptionEvent({Record("e1"), Record("e2")}));
  CHECK(r.function_error == "Unhandled");
  json error = json::parse(r.body);
  // Reported by the bootstrap itself, not a timeout kill by the emulator.
  CHECK(error["errorType"] == "Function.DeliveryFailed");
  CHECK_THAT(error["errorMessage"].get<std::string>(),
             Catch::Contains("2 of 2 alerts not delivered"));
  CHECK(slack.Bodies().size() == 1);  // the second alert had no time left: no request
  CHECK_THAT(emu.Logs(), !Catch::Contains("Task timed out"));
}

TEST_CASE("runtime: an async retry redelivers only the alerts that failed",
          "[runtime][redelivery]") {
  FakeSlack slack;
  slack.Then(A(200, "ok"));
  slack.Then(A(404, "channel_not_found"));
  Emulate emu(BaseEnv(slack), {"--retry-delay-ms", "50"});
  Reply r = emu.Invoke(SubscriptionEvent({Record("id-a"), Record("id-b"), Record("id-c")}), true);
  CHECK(r.status == 202);
  CHECK(emu.Get("/api/idle?timeout_ms=30000")["idle"] == true);
  json invocations = emu.Get("/api/invocations");
  REQUIRE(invocations.size() == 1);
  CHECK(invocations[0]["state"] == "succeeded");
  REQUIRE(invocations[0]["attempts"].size() == 2);
  CHECK(invocations[0]["attempts"][0]["error_type"] == "Function.DeliveryFailed");
  CHECK(invocations[0]["result"]["delivered"] == 1);
  CHECK(invocations[0]["result"]["duplicates"] == 2);
  auto bodies = slack.Bodies();
  REQUIRE(bodies.size() == 4);
  // Accepted posts: a, c (1st attempt), b (2nd): each event exactly once.
  CHECK_THAT(bodies[0], Catch::Contains("id-a"));
  CHECK_THAT(bodies[2], Catch::Contains("id-c"));
  CHECK_THAT(bodies[3], Catch::Contains("id-b"));
}

TEST_CASE("runtime: a function error is retried twice for async events, then reported failed",
          "[runtime][redelivery]") {
  FakeSlack slack;
  for (int i = 0; i < 3; ++i) slack.Then(A(400, "invalid_blocks"));
  Emulate emu(BaseEnv(slack), {"--retry-delay-ms", "20"});
  CHECK(emu.Invoke(SubscriptionEvent({Record("e1")}), true).status == 202);
  CHECK(emu.Get("/api/idle?timeout_ms=30000")["idle"] == true);
  json invocations = emu.Get("/api/invocations");
  REQUIRE(invocations.size() == 1);
  CHECK(invocations[0]["state"] == "failed");
  CHECK(invocations[0]["attempts"].size() == 3);
  CHECK(slack.Bodies().size() == 3);
}

TEST_CASE("runtime: concurrent invocations queue instead of failing", "[runtime][emulator]") {
  FakeSlack slack;
  Emulate emu(BaseEnv(slack));
  std::vector<std::thread> threads;
  std::vector<Reply> replies(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back(
        [&, i] { replies[i] = emu.Invoke(SubscriptionEvent({Record("c" + std::to_string(i))})); });
  }
  for (auto& t : threads) t.join();
  for (const Reply& r : replies) {
    CHECK(r.status == 200);
    CHECK(r.function_error.empty());
  }
  CHECK(slack.Bodies().size() == 6);
}

TEST_CASE("runtime: the secret appears in no output, whatever happens", "[runtime][secret]") {
  FakeSlack slack;
  slack.Then(A(500, "rollup_error"));
  slack.Then(A(403, "invalid_token"));
  Emulate emu(BaseEnv(slack));
  std::string responses;
  responses += emu.Invoke(SubscriptionEvent({Record("s1"), Record("s2")})).body;
  responses += emu.Invoke("{\"awslogs\":{\"data\":\"not base64!\"}}").body;
  responses += emu.Invoke(SubscriptionEvent({R"({"not":"a record")"})).body;
  std::string logs = emu.Logs();
  CHECK_THAT(logs, Catch::Contains("webhook_host=127.0.0.1"));  // it did start and log its config
  CHECK_THAT(logs, Catch::Contains("Function.InvalidPayload"));
  CHECK_THAT(logs + responses, !Catch::Contains(kSecret) && !Catch::Contains("/services/T0001"));
}
