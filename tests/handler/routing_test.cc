// The handler with a rules configuration: routing by rule, severity and
// account to two Slack webhooks and a Telegram chat, digests, pacing and
// folding before the deadline, accounting of every event, secrets.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "iam_audit/handler.h"
#include "lambda/payloads.h"
#include "testing/fake_http_client.h"

namespace iam_audit {
namespace {

using testing::FakeHttpClient;
using testing::Record;
using testing::SubscriptionEvent;

constexpr const char* kConfig = R"({
  "ignore": [{"name": "ci", "pattern": "{ $.userIdentity.userName = \"ci\" }"}],
  "rules": [
    {"name": "iam-changes", "severity": "warning",
     "pattern": "{ ($.eventName = \"CreateUser\") || ($.eventName = \"DeleteUser\") }"},
    {"name": "root-ish", "severity": "critical", "destinations": ["tg"],
     "pattern": "{ $.userIdentity.userName = \"root-ish\" }"}
  ],
  "destinations": {
    "audit": {"type": "slack", "webhook_url_env": "AUDIT_URL"},
    "sec": {"type": "slack", "webhook_url_env": "SEC_URL"},
    "tg": {"type": "telegram", "bot_token_env": "TG_TOKEN", "chat_id": "-100"}
  },
  "routes": [
    {"min_severity": "critical", "destinations": ["sec"]},
    {"accounts": ["999999999999"], "destinations": ["sec"]}
  ],
  "default_destinations": ["audit"],
  "digest": {"threshold": 3, "max_links": 2}
})";

constexpr const char* kAuditSecret = "AuditSecret111";
constexpr const char* kSecSecret = "SecSecret222";
constexpr const char* kTgSecret = "TgSecret333";

EnvMap Env() {
  return EnvMap{
      {"IAM_AUDIT_CONFIG", kConfig},
      {"AUDIT_URL", std::string("https://hooks.example.test/services/T1/B1/") + kAuditSecret},
      {"SEC_URL", std::string("https://hooks.example.test/services/T1/B2/") + kSecSecret},
      {"TG_TOKEN", std::string("55:") + kTgSecret}};
}

std::string InAccount(std::string record, const std::string& account) {
  auto j = nlohmann::ordered_json::parse(record);
  j["recipientAccountId"] = account;
  return j.dump();
}

// "audit", "sec" or "tg" for a call, from its URL.
std::string Where(const FakeHttpClient::Call& call) {
  if (call.url.host == "api.telegram.org") return "tg";
  if (call.url.target.find(kAuditSecret) != std::string::npos) return "audit";
  if (call.url.target.find(kSecSecret) != std::string::npos) return "sec";
  return "?";
}

struct Rig {
  FakeClock clock{1'700'000'000'000};
  FakeHttpClient client{&clock};
  std::unique_ptr<Handler> handler;
  explicit Rig(EnvMap env = Env()) {
    auto config = LoadHandlerConfig(env);
    REQUIRE(config.ok());
    auto made = Handler::Create(*config, &client, &clock);
    REQUIRE(made.ok());
    handler = std::move(made).value();
  }
  std::multiset<std::string> Sent(const std::string& needle) const {
    std::multiset<std::string> where;
    for (const auto& c : client.calls()) {
      if (c.body.find(needle) != std::string::npos) where.insert(Where(c));
    }
    return where;
  }
};

TEST_CASE("routing: by rule, severity and account, ignored and unmatched counted", "[routing]") {
  Rig rig;
  InvocationResult r = rig.handler->Handle(
      SubscriptionEvent({Record("e1", "alice", "CreateUser"), Record("e2", "root-ish", "ListUsers"),
                         Record("e3", "ci", "CreateUser"), Record("e4", "bob", "GetUser"),
                         InAccount(Record("e5", "carol", "DeleteUser"), "999999999999")}),
      rig.clock.NowMs() + 60'000);
  CHECK(r.status.ok());
  CHECK(r.summary.received == 5);
  CHECK(r.summary.matched == 3);
  CHECK(r.summary.delivered == 3);
  CHECK(r.summary.digested == 0);
  CHECK(r.summary.no_alert_rule == 1);
  CHECK(r.summary.ignored.at("ci") == 1);
  CHECK(r.summary.messages == 4);
  CHECK(rig.Sent("e1") == std::multiset<std::string>{"audit"});
  CHECK(rig.Sent("e2") == std::multiset<std::string>{"sec", "tg"});
  // A route names a destination, so the default ("audit") is not added.
  CHECK(rig.Sent("e5") == std::multiset<std::string>{"sec"});
  CHECK(rig.Sent("e3").empty());
  CHECK(rig.Sent("e4").empty());
  // Every received event is in exactly one bucket.
  const auto& s = r.summary;
  CHECK(s.delivered + s.digested + s.duplicates + s.failed + s.IgnoredTotal() + s.no_alert_rule ==
        s.received);
  // Rules and severity are shown; Telegram gets HTML.
  for (const auto& c : rig.client.calls()) {
    if (Where(c) == "tg") {
      auto body = nlohmann::json::parse(c.body);
      CHECK(body["parse_mode"] == "HTML");
      CHECK(body["chat_id"] == "-100");
      CHECK(body["text"].get<std::string>().find("<b>CRITICAL: root-ish</b>") == 0);
    } else if (c.body.find("e1") != std::string::npos) {
      CHECK(c.body.find("Rules: iam-changes · severity warning") != std::string::npos);
    }
  }
  nlohmann::json j = nlohmann::json::parse(s.ToJson());
  CHECK(j["no_alert_rule"] == 1);
  CHECK(j["digested"] == 0);
}

TEST_CASE("routing: more than the threshold for one identity and rule is one digest",
          "[routing][digest]") {
  Rig rig;
  std::vector<std::string> records;
  for (int i = 0; i < 5; ++i)
    records.push_back(
        Record("d" + std::to_string(i), "alice", i % 2 ? "DeleteUser" : "CreateUser"));
  records.push_back(Record("b1", "bob", "CreateUser"));
  InvocationResult r = rig.handler->Handle(SubscriptionEvent(records), rig.clock.NowMs() + 60'000);
  CHECK(r.status.ok());
  CHECK(r.summary.digested == 5);
  CHECK(r.summary.digests == 1);
  CHECK(r.summary.delivered == 1);
  REQUIRE(rig.client.calls().size() == 2);
  const std::string& digest = rig.client.calls()[0].body;
  CHECK(digest.find("5 alerts for alice") != std::string::npos);
  CHECK(digest.find("CreateUser × 3") != std::string::npos);
  CHECK(digest.find("DeleteUser × 2") != std::string::npos);
  CHECK(digest.find("events/d0|") != std::string::npos);
  CHECK(digest.find("events/d1|") != std::string::npos);
  CHECK(digest.find("events/d2|") == std::string::npos);  // max_links 2
  // Redelivery of the same payload posts nothing again.
  InvocationResult again =
      rig.handler->Handle(SubscriptionEvent(records), rig.clock.NowMs() + 60'000);
  CHECK(again.summary.duplicates == 6);
  CHECK(rig.client.calls().size() == 2);
}

TEST_CASE("routing: posts to one destination are paced, folded into a digest before the deadline",
          "[routing][pace]") {
  SECTION("paced at the configured interval (fake time)") {
    Rig rig;
    InvocationResult r = rig.handler->Handle(
        SubscriptionEvent({Record("p1", "a", "CreateUser"), Record("p2", "b", "CreateUser"),
                           Record("p3", "c", "CreateUser")}),
        rig.clock.NowMs() + 60'000);
    CHECK(r.summary.delivered == 3);
    const auto& calls = rig.client.calls();
    REQUIRE(calls.size() == 3);
    CHECK(calls[1].at_ms - calls[0].at_ms >= 1000);
    CHECK(calls[2].at_ms - calls[1].at_ms >= 1000);
  }
  SECTION("too many for the time left at that pace: merged, not dropped") {
    Rig rig;
    InvocationResult r = rig.handler->Handle(
        SubscriptionEvent({Record("f1", "alice", "CreateUser"), Record("f2", "alice", "DeleteUser"),
                           Record("f3", "alice", "CreateUser")}),
        rig.clock.NowMs() + 2'500);
    CHECK(r.status.ok());
    CHECK(r.summary.digested == 3);
    CHECK(r.summary.delivered == 0);
    REQUIRE(rig.client.calls().size() == 1);
    CHECK(rig.client.calls()[0].body.find("3 alerts for alice") != std::string::npos);
  }
}

TEST_CASE("routing: a failing destination fails its events, the others are delivered",
          "[routing]") {
  Rig rig;
  // sec answers first (e2 goes to sec then tg in event order: map order audit, sec, tg).
  rig.client.Respond(200, "ok");
  rig.client.Respond(
      400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})");
  InvocationResult r = rig.handler->Handle(SubscriptionEvent({Record("x1", "root-ish", "ListUsers"),
                                                              Record("x2", "alice", "CreateUser")}),
                                           rig.clock.NowMs() + 60'000);
  CHECK_FALSE(r.status.ok());
  CHECK(r.error_type == "Function.DeliveryFailed");
  CHECK(r.summary.failed == 1);
  CHECK(r.summary.delivered == 1);
  CHECK(r.status.message().find("chat not found") != std::string::npos);
  CHECK(r.status.message().find(kTgSecret) == std::string::npos);
}

TEST_CASE("routing: configuration errors and secrets", "[routing][config]") {
  EnvMap env = Env();
  auto config = LoadHandlerConfig(env);
  REQUIRE(config.ok());
  std::string described = DescribeConfig(*config);
  CHECK(described.find("destinations=[audit:slack,sec:slack,tg:telegram]") != std::string::npos);
  for (const char* secret : {kAuditSecret, kSecSecret, kTgSecret})
    CHECK(described.find(secret) == std::string::npos);

  env.erase("TG_TOKEN");
  auto missing = LoadHandlerConfig(env);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "IAM_AUDIT_CONFIG: destination 'tg': TG_TOKEN is not set");

  env = Env();
  env["SEC_URL"] = std::string("http://hooks.example.test/services/T1/B2/") + kSecSecret;
  auto plain = LoadHandlerConfig(env);
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.status().message().find(kSecSecret) == std::string::npos);

  env = Env();
  env["IAM_AUDIT_CONFIG"] = R"({"rules":[{"name":"x","pattern":"{ $.a = "}]})";
  auto bad = LoadHandlerConfig(env);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().rfind("IAM_AUDIT_CONFIG: ", 0) == 0);
  CHECK(bad.status().message().find("rules[0]") != std::string::npos);

  env = Env();
  env["IAM_AUDIT_CONFIG"] = "/nonexistent/iam-audit.json";
  CHECK_FALSE(LoadHandlerConfig(env).ok());

  // Without IAM_AUDIT_CONFIG the webhook variable stays required.
  CHECK(LoadHandlerConfig(EnvMap{}).status().message() == "SLACK_WEBHOOK_URL: required, not set");
}

TEST_CASE("routing: the shipped example configuration loads as a file", "[routing][config]") {
  EnvMap env{{"IAM_AUDIT_CONFIG", std::string(IAM_AUDIT_FIXTURES_DIR) + "/config/example.json"},
             {"SLACK_WEBHOOK_URL", "https://hooks.example.test/services/T/B/a"},
             {"SLACK_SECURITY_WEBHOOK_URL", "https://hooks.example.test/services/T/B/b"},
             {"TELEGRAM_BOT_TOKEN", "1:x"}};
  auto config = LoadHandlerConfig(env);
  REQUIRE(config.ok());
  FakeClock clock(0);
  FakeHttpClient client(&clock);
  CHECK(Handler::Create(*config, &client, &clock).ok());
  CHECK(config->render.time_zone.name() == "Asia/Seoul");
}

}  // namespace
}  // namespace iam_audit
