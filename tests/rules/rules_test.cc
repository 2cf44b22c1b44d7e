// Rules, routing and the built-in rule pack.
#include "iam_audit/rules.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace iam_audit {
namespace {

namespace fs = std::filesystem;

std::string Compact(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return nlohmann::json::parse(buffer.str()).dump();  // as CloudTrail writes it to CloudWatch Logs
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST_CASE("Every built-in rule compiles and has positive and negative fixtures", "[rules][pack]") {
  RuleConfig config;
  config.default_rules = true;
  auto set = RuleSet::Compile(config);
  REQUIRE(set.ok());
  const fs::path dir = fs::path(IAM_AUDIT_FIXTURES_DIR) / "rules";
  for (const RuleSpec& rule : DefaultRulePack()) {
    CAPTURE(rule.name);
    size_t positives = 0, negatives = 0;
    REQUIRE(fs::is_directory(dir / rule.name));
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir / rule.name)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string name = file.filename().string();
      CAPTURE(name);
      const Verdict verdict = set->Evaluate(Compact(file));
      if (name.rfind("positive-", 0) == 0) {
        ++positives;
        CHECK(Contains(verdict.rules, rule.name));
      } else {
        REQUIRE(name.rfind("negative-", 0) == 0);
        ++negatives;
        CHECK_FALSE(Contains(verdict.rules, rule.name));
      }
    }
    CHECK(positives >= 1);
    CHECK(negatives >= 1);
  }
}

TEST_CASE("Verdict: ignore first, then rules by severity, routes, default destinations",
          "[rules]") {
  auto config = ParseRuleConfig(R"({
    "version": 1,
    "default_rules": {"enabled": true, "disable": ["iam-user-activity"]},
    "ignore": [{"name": "health", "pattern": "{ $.eventSource = \"health.amazonaws.com\" }"}],
    "rules": [{"name": "any-iam", "pattern": "{ $.eventSource = \"iam.amazonaws.com\" }",
               "severity": "info", "destinations": ["ops"], "title": "IAM call"}],
    "destinations": {
      "ops": {"type": "slack", "webhook_url_env": "SLACK_OPS"},
      "security": {"type": "slack", "webhook_url_env": "SLACK_SECURITY"},
      "pager": {"type": "telegram", "bot_token_env": "TG_TOKEN", "chat_id": -1001234567890}
    },
    "routes": [
      {"min_severity": "critical", "destinations": ["pager"]},
      {"rules": ["access-denied"], "accounts": ["123456789012"], "destinations": ["security"]}
    ],
    "default_destinations": ["ops"]
  })");
  REQUIRE(config.ok());
  CHECK(config->destinations.size() == 3);
  auto set = RuleSet::Compile(*config);
  REQUIRE(set.ok());
  CHECK(set->IgnoreRuleNames() == std::vector<std::string>{"health"});
  CHECK_FALSE(Contains(set->AlertRuleNames(), "iam-user-activity"));

  SECTION("ignored") {
    auto v = set->Evaluate(R"({"eventSource":"health.amazonaws.com","eventName":"CreateUser"})");
    CHECK(v.ignored_by == "health");
    CHECK_FALSE(v.alert());
    CHECK(v.suppressed_by() == "health");
  }
  SECTION("no rule") {
    auto v = set->Evaluate(R"({"eventSource":"s3.amazonaws.com","eventName":"GetObject"})");
    CHECK_FALSE(v.alert());
    CHECK(v.suppressed_by() == kNoRuleName);
  }
  SECTION("several rules: critical first, destinations merged") {
    auto v = set->Evaluate(
        R"({"eventSource":"iam.amazonaws.com","eventName":"CreateUser","userIdentity":{"type":"Root"},"readOnly":false,"recipientAccountId":"123456789012"})");
    REQUIRE(v.alert());
    CHECK(v.rules == std::vector<std::string>{"root-activity", "iam-changes", "any-iam"});
    CHECK(v.severity == Severity::kCritical);
    CHECK(v.title == "Root account activity");
    CHECK(v.destinations == std::vector<std::string>{"ops", "pager"});
  }
  SECTION("route by rule and account") {
    const std::string denied =
        R"({"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","errorCode":"AccessDenied","recipientAccountId":")";
    auto mine = set->Evaluate(denied + R"(123456789012"})");
    CHECK(mine.destinations == std::vector<std::string>{"security"});
    auto other = set->Evaluate(denied + R"(210987654321"})");
    CHECK(other.destinations == std::vector<std::string>{"ops"});  // default
  }
}

TEST_CASE("Configuration errors name the path", "[rules][config]") {
  auto [json, message] = GENERATE(table<std::string, std::string>({
      {R"({"rules": [{"name": "a", "pattern": "{ $.x = 1 "}]})",
       "config: rules[0] (a).pattern: pattern: If a filter pattern starts with '{' it must end "
       "with '}'"},
      {R"({"rulez": []})", "config: rulez: unknown key"},
      {R"({"rules": [{"name": "a"}]})", "config: rules[0].pattern: required"},
      {R"({"rules": [{"name": "a", "pattern": "x", "severity": "loud"}]})",
       "config: rules[0].severity: \"loud\" is not one of info, warning, critical"},
      {R"({"rules": [{"name": "a", "pattern": "x", "destinations": ["nope"]}]})",
       "config: rules[0].destinations[0]: no destination named \"nope\""},
      {R"({"rules": [{"name": "a", "pattern": "x"}, {"name": "a", "pattern": "y"}]})",
       "config: rules[1].name: duplicate rule name \"a\""},
      {R"({"destinations": {"s": {"type": "slack", "webhook_url_env": "https://hooks.slack.com/services/T/B/x"}}})",
       "config: destinations.s: secrets never go in the file"},
      {R"({"destinations": {"s": {"type": "email"}}})",
       "config: destinations.s.type: \"email\" is not one of slack, telegram"},
      {R"({"routes": [{"accounts": ["12"], "destinations": []}]})",
       "config: routes[0].destinations: required"},
      {R"({"default_rules": {"disable": ["no-such-rule"]}})",
       "config: default_rules.disable[0]: no built-in rule named \"no-such-rule\""},
      {R"({"ignore": [{"name": "x", "pattern": "y", "severity": "info"}]})",
       "config: ignore[0].severity: unknown key"},
      {R"({"version": 2})", "config: version: only version 1 is known"},
      {R"({"rules": [)", "config: parse error at line 1, column 12"},
  }));
  CAPTURE(json);
  auto config = ParseRuleConfig(json);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::StartsWith(message));
}

}  // namespace
}  // namespace iam_audit

namespace iam_audit {
namespace {

TEST_CASE("The shipped example configuration loads and routes", "[rules][config]") {
  auto config = LoadRuleConfigFile(std::string(IAM_AUDIT_FIXTURES_DIR) + "/config/example.json");
  INFO(config.status().message());
  REQUIRE(config.ok());
  auto set = RuleSet::Compile(*config);
  REQUIRE(set.ok());
  // A root StopLogging: critical, so it also goes to the on-call Telegram chat.
  auto v = set->Evaluate(
      R"({"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","userIdentity":{"type":"Root"},"readOnly":false,"recipientAccountId":"123456789012","sourceIPAddress":"198.51.100.7"})");
  REQUIRE(v.alert());
  CHECK(v.rules.front() == "root-activity");
  CHECK(v.destinations == std::vector<std::string>{"oncall", "security"});
  // The original's exceptions are ignore rules.
  CHECK(set->Evaluate(R"({"eventName":"GetBucketLocation","userIdentity":{"type":"IAMUser"}})")
            .ignored_by == "get-bucket-location");
  CHECK(set->Evaluate(R"({"sourceIPAddress":"AWS Internal/3","eventName":"CreateUser"})")
            .ignored_by == "aws-internal");
}

}  // namespace
}  // namespace iam_audit
