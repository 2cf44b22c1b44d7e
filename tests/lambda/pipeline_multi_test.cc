// pipeline_test.cc's pipeline again, with a multi-destination configuration:
// fixtures → simulate → emulate(function.zip, IAM_AUDIT_CONFIG)
// → one mock-slack over HTTPS holding two Slack webhooks and a Telegram chat.
// Every alert must arrive exactly once at each destination its rules and
// routes name, and nowhere else; the summaries account for every event.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "iam_audit/alert_message.h"
#include "iam_audit/rules.h"

using iam_audit::testing::Process;
using iam_audit::testing::ReadFile;
using iam_audit::testing::RunCommand;
using iam_audit::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kAuditSecret = "mUlTiAuDiT0sEcReT";
constexpr const char* kSecSecret = "mUlTiSeC0sEcReT";
constexpr const char* kTgToken = "4242:mUlTiTeLeGrAm0sEcReT";
constexpr const char* kChat = "-100777";

// The built-in pack; critical alerts to the Telegram chat and the security
// webhook, everything else to the audit webhook. A high digest threshold: the
// fixtures are one alert each.
constexpr const char* kConfig = R"({
  "default_rules": true,
  "destinations": {
    "audit": {"type": "slack", "webhook_url_env": "AUDIT_WEBHOOK_URL"},
    "security": {"type": "slack", "webhook_url_env": "SECURITY_WEBHOOK_URL"},
    "oncall": {"type": "telegram", "bot_token_env": "ONCALL_BOT_TOKEN", "chat_id": "-100777"}
  },
  "routes": [{"min_severity": "critical", "destinations": ["oncall", "security"]}],
  "default_destinations": ["audit"],
  "digest": {"threshold": 100, "max_links": 5}
})";

json GetJson(const std::string& base, const std::string& path) {
  httplib::Client client(base);
  client.enable_server_certificate_verification(
      false);  // the control API; the Lambda checks the CA
  client.set_read_timeout(60, 0);
  auto res = client.Get(path.c_str());
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

}  // namespace

TEST_CASE(
    "pipeline: multi-destination configuration → two webhooks and a Telegram chat, each alert once "
    "where routed",
    "[pipeline][routing]") {
  TempDir certs;
  REQUIRE(iam_audit::testing::MakeTestCa(certs.path()));
  TempDir work;
  Process slack({IAM_AUDIT_MOCK_SLACK, "--port", "0", "--tls", "--cert", certs / "server.pem",
                 "--key", certs / "server.key", "--webhook",
                 std::string("T0001/B0001/") + kAuditSecret + ",channel=audit", "--webhook",
                 std::string("T0001/B0002/") + kSecSecret + ",channel=security", "--telegram-bot",
                 std::string(kTgToken) + ",chat=" + kChat + ":oncall", "--no-rate-limit"},
                work / "mock-slack.err");
  const std::string url = slack.FirstLine();
  REQUIRE_THAT(url, Catch::StartsWith("https://127.0.0.1:"));

  Process emulate({IAM_AUDIT_CLI,
                   "emulate",
                   "--function",
                   IAM_AUDIT_FUNCTION_ZIP,
                   "--port",
                   "0",
                   "--retry-delay-ms",
                   "100",
                   "--env",
                   std::string("IAM_AUDIT_CONFIG=") + kConfig,
                   "--env",
                   "AUDIT_WEBHOOK_URL=" + url + "/services/T0001/B0001/" + kAuditSecret,
                   "--env",
                   "SECURITY_WEBHOOK_URL=" + url + "/services/T0001/B0002/" + kSecSecret,
                   "--env",
                   std::string("ONCALL_BOT_TOKEN=") + kTgToken,
                   "--env",
                   "IAM_AUDIT_TELEGRAM_API_BASE=" + url,
                   "--env",
                   "IAM_AUDIT_POST_INTERVAL_MS=0",
                   "--env",
                   "IAM_AUDIT_CA_BUNDLE=" + (certs / "ca.pem")},
                  work / "emulate.err");
  const std::string emu_url = emulate.FirstLine();
  REQUIRE_THAT(emu_url, Catch::StartsWith("http://127.0.0.1:"));

  std::vector<std::string> records;
  std::vector<std::string> simulate = {IAM_AUDIT_CLI, "simulate", "--control-message", "--invoke",
                                       emu_url};
  for (const auto& entry :
       fs::directory_iterator(std::string(IAM_AUDIT_FIXTURES_DIR) + "/records")) {
    std::string path = entry.path().string();
    if (!path.ends_with(".json") || path.ends_with(".expected.json")) continue;
    simulate.push_back(path);
    records.push_back(json::parse(ReadFile(path)).dump());
  }
  REQUIRE(records.size() >= 5);
  int rc = RunCommand(simulate, work / "simulate.log", 120);
  INFO("simulate output:\n" << ReadFile(work / "simulate.log"));
  CHECK(rc == 0);
  REQUIRE(GetJson(emu_url, "/api/idle?timeout_ms=60000")["idle"] == true);

  // Where each record should go, decided in process by the same rules.
  auto config = iam_audit::ParseRuleConfig(kConfig);
  REQUIRE(config.ok());
  auto rules = iam_audit::RuleSet::Compile(*config);
  REQUIRE(rules.ok());
  const std::map<std::string, std::string> channel_of = {
      {"audit", "T0001/B0001"},
      {"security", "T0001/B0002"},
      {"oncall", std::string("telegram/4242/") + kChat}};
  std::map<std::string, std::vector<json>> expected_slack;        // channel → payloads
  std::map<std::string, size_t> expected_count;                   // channel → messages
  std::vector<std::pair<std::string, std::string>> expected_ids;  // (channel, eventID) for Telegram
  size_t alerts = 0, not_alerted = 0;
  for (const std::string& record : records) {
    iam_audit::Verdict v = rules->Evaluate(record);
    if (!v.alert()) {
      ++not_alerted;
      continue;
    }
    ++alerts;
    std::vector<std::string> dests =
        v.destinations.empty() ? config->default_destinations : v.destinations;
    for (const std::string& d : dests) {
      const std::string& channel = channel_of.at(d);
      ++expected_count[channel];
      if (d == "oncall") {
        expected_ids.emplace_back(channel, json::parse(record).value("eventID", std::string()));
      } else {
        expected_slack[channel].push_back(json::parse(iam_audit::RenderSlackAlert(
            record, iam_audit::RenderOptions{}, {v.rules, v.severity, v.title})));
      }
    }
  }
  REQUIRE(alerts >= 3);
  REQUIRE(expected_count[channel_of.at("oncall")] >= 1);
  REQUIRE(expected_count[channel_of.at("security")] >= 1);
  REQUIRE(expected_count[channel_of.at("audit")] >= 1);

  const json stored = GetJson(url, "/api/messages")["messages"];
  std::map<std::string, size_t> got_count;
  for (const json& m : stored) ++got_count[m["webhook"].get<std::string>()];
  CHECK(got_count == expected_count);
  for (const auto& [channel, payloads] : expected_slack) {
    for (const json& want : payloads) {
      size_t n = 0;
      for (const json& m : stored) n += m["webhook"] == channel && m["payload"] == want;
      CAPTURE(channel, want.dump());
      CHECK(n == 1);
    }
  }
  for (const auto& [channel, id] : expected_ids) {
    size_t n = 0;
    for (const json& m : stored) {
      n += m["webhook"] == channel && m["text"].get<std::string>().find(id) != std::string::npos;
    }
    CAPTURE(channel, id);
    CHECK(n == 1);
  }

  // The summaries account for every event.
  size_t received = 0, delivered = 0, digested = 0, failed = 0, ignored = 0, no_rule = 0,
         messages = 0, control = 0;
  for (const json& inv : GetJson(emu_url, "/api/invocations")) {
    CAPTURE(inv.dump());
    REQUIRE(inv["state"] == "succeeded");
    const json& s = inv["result"];
    received += s["received"].get<size_t>();
    delivered += s["delivered"].get<size_t>();
    digested += s["digested"].get<size_t>();
    failed += s["failed"].get<size_t>();
    no_rule += s["no_alert_rule"].get<size_t>();
    messages += s["messages"].get<size_t>();
    control += s["control"].get<size_t>();
    for (const auto& [rule, n] : s["ignored"].items()) ignored += n.get<size_t>();
  }
  CHECK(received == records.size());
  CHECK(delivered == alerts);
  CHECK(digested == 0);
  CHECK(failed == 0);
  CHECK(ignored + no_rule == not_alerted);
  CHECK(messages == stored.size());
  CHECK(control == 1);

  std::string logs = ReadFile(work / "emulate.err") + ReadFile(work / "simulate.log") +
                     ReadFile(work / "mock-slack.err");
  for (const char* secret : {kAuditSecret, kSecSecret, "mUlTiTeLeGrAm0sEcReT"})
    CHECK_THAT(logs, !Catch::Contains(secret));
}
