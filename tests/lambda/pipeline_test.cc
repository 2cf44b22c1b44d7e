// The whole path, as users run it: fixtures → `iam-audit simulate` with the
// original's subscription pattern → `iam-audit emulate` running function.zip
// → mock-slack over HTTPS with a CA made by the test. And function.zip alone
// in an otherwise empty root directory.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "harness.h"
#include "iam_audit/filter.h"
#include "iam_audit/handler.h"
#include "payloads.h"

using iam_audit::testing::Process;
using iam_audit::testing::ReadFile;
using iam_audit::testing::RunCommand;
using iam_audit::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSecret = "pIpElInE0sEcReT";
// The subscription filter pattern of the original project's README.
constexpr const char* kOriginalPattern =
    R"({ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") })";

json GetJson(const std::string& base, const std::string& path) {
  httplib::Client client(base);
  client.enable_server_certificate_verification(
      false);  // mock-slack's control API; the CA is checked by the Lambda
  client.set_read_timeout(60, 0);
  auto res = client.Get(path.c_str());
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

struct Fixture {
  std::string name;
  std::string compact;  // the record as CloudTrail writes it to CloudWatch Logs
  json golden;
};

std::vector<Fixture> Fixtures() {
  std::vector<Fixture> out;
  for (const auto& entry :
       fs::directory_iterator(std::string(IAM_AUDIT_FIXTURES_DIR) + "/records")) {
    std::string path = entry.path().string();
    if (!path.ends_with(".json") || path.ends_with(".expected.json")) continue;
    std::string golden = path.substr(0, path.size() - 5) + ".expected.json";
    if (!fs::exists(golden)) continue;
    out.push_back({entry.path().stem().string(), json::parse(ReadFile(path)).dump(),
                   json::parse(ReadFile(golden))});
  }
  std::sort(out.begin(), out.end(),
            [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> OriginalIgnoreEnv() {
  std::vector<std::string> env;
  for (const auto& rule : iam_audit::OriginalIgnoreRules({"ci-bot"}))
    env.push_back(rule.source + "=" + rule.pattern);
  return env;
}

struct MockSlack {
  TempDir dir;
  std::unique_ptr<Process> process;
  std::string url;
  // `limits`: mock-slack's rate-limit flags (none: its default, 1/s, burst 5).
  explicit MockSlack(const TempDir& certs,
                     const std::vector<std::string>& limits = {"--no-rate-limit"}) {
    std::vector<std::string> argv{IAM_AUDIT_MOCK_SLACK,
                                  "--port",
                                  "0",
                                  "--tls",
                                  "--cert",
                                  certs / "server.pem",
                                  "--key",
                                  certs / "server.key",
                                  "--webhook",
                                  std::string("T0001/B0001/") + kSecret,
                                  "--quiet"};
    argv.insert(argv.end(), limits.begin(), limits.end());
    process = std::make_unique<Process>(argv, dir / "mock-slack.err");
    url = process->FirstLine();
    REQUIRE_THAT(url, Catch::StartsWith("https://127.0.0.1:"));
  }
  std::string Webhook() const { return url + "/services/T0001/B0001/" + kSecret; }
  std::vector<json> Messages() {
    std::vector<json> out;
    const json reply = GetJson(url, "/api/messages");  // kept alive for the loop
    for (const json& m : reply["messages"]) out.push_back(m["payload"]);
    return out;
  }
};

}  // namespace

TEST_CASE("pipeline: fixtures → simulate → emulate(function.zip) → mock-slack over HTTPS",
          "[pipeline]") {
  TempDir certs;
  REQUIRE(iam_audit::testing::MakeTestCa(certs.path()));
  MockSlack slack(certs);

  TempDir work;
  std::vector<std::string> argv = {IAM_AUDIT_CLI,
                                   "emulate",
                                   "--function",
                                   IAM_AUDIT_FUNCTION_ZIP,
                                   "--port",
                                   "0",
                                   "--retry-delay-ms",
                                   "100",
                                   "--env",
                                   "SLACK_WEBHOOK_URL=" + slack.Webhook(),
                                   "--env",
                                   "IAM_AUDIT_CA_BUNDLE=" + (certs / "ca.pem"),
                                   "--env",
                                   "IAM_AUDIT_TIME_ZONE=Asia/Seoul"};
  for (const std::string& e : OriginalIgnoreEnv()) {
    argv.push_back("--env");
    argv.push_back(e);
  }
  Process emulate(argv, work / "emulate.err");
  const std::string emu_url = emulate.FirstLine();
  REQUIRE_THAT(emu_url, Catch::StartsWith("http://127.0.0.1:"));

  std::vector<Fixture> fixtures = Fixtures();
  REQUIRE(fixtures.size() >= 5);
  std::vector<std::string> simulate = {IAM_AUDIT_CLI,    "simulate",          "--filter-pattern",
                                       kOriginalPattern, "--control-message", "--invoke",
                                       emu_url};
  for (const Fixture& f : fixtures)
    simulate.push_back(std::string(IAM_AUDIT_FIXTURES_DIR) + "/records/" + f.name + ".json");
  int rc = RunCommand(simulate, work / "simulate.log", 120);
  INFO("simulate output:\n" << ReadFile(work / "simulate.log"));
  CHECK(rc == 0);
  REQUIRE(GetJson(emu_url, "/api/idle?timeout_ms=60000")["idle"] == true);

  // What should have arrived, worked out from the fixtures (see
  // fixtures/records/README.md): the pattern passes userIdentity.type
  // "IAMUser" unless eventName starts with Get or Describe. Seven fixtures
  // are IAMUser records; read_only_call (DescribeInstances) is filtered out.
  // None of the other six is from ci-bot, health.amazonaws.com or "AWS
  // Internal", nor a GetBucketLocation: no ignore rule stops any of them.
  const std::vector<std::string> expected_names = {"access_denied",
                                                   "console_login_failure_hidden_user",
                                                   "console_login_failure_password",
                                                   "console_login_success_mfa",
                                                   "console_login_success_no_mfa",
                                                   "iam_user_api_call"};
  const size_t passed_pattern = 6;
  std::vector<const Fixture*> expected;
  for (const Fixture& f : fixtures) {
    if (std::count(expected_names.begin(), expected_names.end(), f.name) == 1)
      expected.push_back(&f);
  }
  REQUIRE(expected.size() == 6);

  std::vector<json> messages = slack.Messages();
  CHECK(messages.size() == 6);
  for (const Fixture* f : expected) {
    CAPTURE(f->name);
    CHECK(std::count(messages.begin(), messages.end(), f->golden) == 1);
  }
  // The event names that arrived: the "Name:" line of each alert.
  std::multiset<std::string> names;
  for (const json& m : messages) {
    const std::string text = m["blocks"][0]["text"]["text"].get<std::string>();
    const size_t at = text.find("\nName: ");
    REQUIRE(at != std::string::npos);
    names.insert(text.substr(at + 7, text.find('\n', at + 7) - (at + 7)));
  }
  CHECK(names == std::multiset<std::string>{"ConsoleLogin", "ConsoleLogin", "ConsoleLogin",
                                            "ConsoleLogin", "CreateUser",
                                            "UpdateFunctionCode20150331v2"});
  // Two of them written out by hand from the layout in README's "The alert"
  // and slack_message.h (Asia/Seoul is UTC+9: 13:25:23Z → 22:25:23,
  // 04:56:13Z → 13:56:13; the notification text of a sign-in names only a
  // failure, so a successful one ends at "ConsoleLogin").
  const json api_call = json::parse(
      R"({"text":"alice (203.0.113.5): UpdateFunctionCode20150331v2","blocks":[)"
      R"({"type":"section","text":{"type":"mrkdwn","text":"*alice (203.0.113.5)*\nTime: 2022.06.21 22:25:23)"
      R"(\nType: AwsApiCall\nSource: lambda.amazonaws.com\nName: UpdateFunctionCode20150331v2)"
      R"(\nRegion: ap-northeast-2","verbatim":true}},)"
      R"({"type":"section","text":{"type":"mrkdwn","text":"_<https://ap-northeast-2.console.aws.amazon.com/)"
      R"(cloudtrailv2/home?region=ap-northeast-2#/events/0b3e5658-28a4-4b89-afa7-29428a4d62d5)"
      R"(|0b3e5658-28a4-4b89-afa7-29428a4d62d5>_","verbatim":true}}]})");
  const json login = json::parse(
      R"({"text":"alice (203.0.113.5): ConsoleLogin","blocks":[)"
      R"({"type":"section","text":{"type":"mrkdwn","text":"*alice (203.0.113.5)*\nTime: 2022.06.21 13:56:13)"
      R"(\nType: AwsConsoleSignIn\nSource: signin.amazonaws.com\nName: ConsoleLogin\nRegion: ap-northeast-2)"
      R"(\nLogin: Success\nMFA: Yes","verbatim":true}},)"
      R"({"type":"section","text":{"type":"mrkdwn","text":"_<https://ap-northeast-2.console.aws.amazon.com/)"
      R"(cloudtrailv2/home?region=ap-northeast-2#/events/5ba7158e-6332-4560-900d-c5004baef109)"
      R"(|5ba7158e-6332-4560-900d-c5004baef109>_","verbatim":true}}]})");
  CHECK(std::count(messages.begin(), messages.end(), api_call) == 1);
  CHECK(std::count(messages.begin(), messages.end(), login) == 1);

  // The summaries add up.
  size_t received = 0, matched = 0, ignored = 0, delivered = 0, failed = 0, control = 0,
         duplicates = 0;
  const json invocations = GetJson(emu_url, "/api/invocations");
  for (const json& inv : invocations) {
    CAPTURE(inv.dump());
    REQUIRE(inv["state"] == "succeeded");
    const json& s = inv["result"];
    received += s["received"].get<size_t>();
    matched += s["matched"].get<size_t>();
    for (const auto& [rule, n] : s["ignored"].items()) ignored += n.get<size_t>();
    delivered += s["delivered"].get<size_t>();
    failed += s["failed"].get<size_t>();
    control += s["control"].get<size_t>();
    duplicates += s["duplicates"].get<size_t>();
  }
  CHECK(received == passed_pattern);
  CHECK(ignored == 0);
  CHECK(matched == 6);
  CHECK(delivered == 6);
  CHECK(matched == delivered + duplicates + failed);
  CHECK(failed == 0);
  CHECK(control == 1);

  std::string logs = ReadFile(work / "emulate.err") + ReadFile(work / "simulate.log");
  CHECK_THAT(logs, !Catch::Contains(kSecret));
}

TEST_CASE("pipeline: function.zip runs in an otherwise empty root and delivers over HTTPS",
          "[pipeline][zip]") {
  TempDir certs;
  REQUIRE(iam_audit::testing::MakeTestCa(certs.path()));
  MockSlack slack(certs);

  TempDir work;
  const std::string root = work / "root";
  // The only file besides the function: the test CA, where Amazon Linux keeps
  // its bundle (found without IAM_AUDIT_CA_BUNDLE).
  fs::create_directories(root + "/etc/pki/tls/certs");
  fs::copy_file(certs / "ca.pem", root + "/etc/pki/tls/certs/ca-bundle.crt");
  Process emulate(
      {IAM_AUDIT_CLI, "emulate", "--function", IAM_AUDIT_FUNCTION_ZIP, "--root", root, "--port",
       "0", "--env", "SLACK_WEBHOOK_URL=" + slack.Webhook(), "--env", "IAM_AUDIT_TIME_ZONE=+09:00"},
      work / "emulate.err");
  const std::string emu_url = emulate.FirstLine();
  REQUIRE_THAT(emu_url, Catch::StartsWith("http://127.0.0.1:"));

  // Nothing of this machine is in the root: no /usr, no /lib, no shell.
  std::vector<std::string> top;
  for (const auto& e : fs::directory_iterator(root)) top.push_back(e.path().filename().string());
  std::sort(top.begin(), top.end());
  CHECK(top == std::vector<std::string>{"etc", "tmp", "var"});
  CHECK(fs::exists(root + "/var/task/bootstrap"));
  CHECK(fs::exists(root + "/var/task/bin/bootstrap"));
  CHECK_FALSE(fs::exists(root + "/bin/sh"));

  std::vector<Fixture> fixtures = Fixtures();
  std::vector<std::string> messages;
  std::vector<json> goldens;
  for (const Fixture& f : fixtures) {
    if (f.name != "iam_user_api_call" && f.name != "console_login_success_mfa" &&
        f.name != "injection_attempt") {
      continue;
    }
    messages.push_back(f.compact);
    goldens.push_back(f.golden);
  }
  REQUIRE(messages.size() >= 2);
  httplib::Client client(emu_url);
  client.set_read_timeout(60, 0);
  auto res = client.Post("/2015-03-31/functions/function/invocations",
                         iam_audit::testing::SubscriptionEvent(messages), "application/json");
  REQUIRE(res);
  INFO(res->body << "\n" << ReadFile(work / "emulate.err"));
  CHECK(res->get_header_value("X-Amz-Function-Error").empty());
  json summary = json::parse(res->body);
  CHECK(summary["delivered"] == messages.size());
  // Asia/Seoul is +09:00 all year: the goldens hold with the fixed offset.
  std::vector<json> received = slack.Messages();
  CHECK(received == goldens);
  emulate.Stop();
  CHECK_THAT(ReadFile(work / "emulate.err"),
             Catch::Contains("chroot " + root) && !Catch::Contains(kSecret));
}

// The environment-only set-up (no IAM_AUDIT_CONFIG) against mock-slack's
// rate limiter: posts are paced at IAM_AUDIT_POST_INTERVAL_MS, so the alerts
// of one payload meet no 429. `alerts` alerts (alternately bob's and alice's)
// and three that the original's ignore rules drop go in one payload.
static void RunPacedPipeline(const std::vector<std::string>& slack_args,
                             const std::vector<std::string>& extra_env, int alerts) {
  TempDir certs;
  REQUIRE(iam_audit::testing::MakeTestCa(certs.path()));
  MockSlack slack(certs, slack_args);

  TempDir work;
  std::vector<std::string> argv = {
      IAM_AUDIT_CLI, "emulate",
      "--function",  IAM_AUDIT_FUNCTION_ZIP,
      "--port",      "0",
      "--timeout",   "120",
      "--env",       "SLACK_WEBHOOK_URL=" + slack.Webhook(),
      "--env",       "IAM_AUDIT_CA_BUNDLE=" + (certs / "ca.pem"),
      "--env",       "IAM_AUDIT_MAX_ATTEMPTS=1"};  // a 429 would fail its alert
  for (const std::string& e : extra_env) {
    argv.push_back("--env");
    argv.push_back(e);
  }
  for (const std::string& e : OriginalIgnoreEnv()) {
    argv.push_back("--env");
    argv.push_back(e);
  }
  Process emulate(argv, work / "emulate.err");
  const std::string emu_url = emulate.FirstLine();
  REQUIRE_THAT(emu_url, Catch::StartsWith("http://127.0.0.1:"));

  std::vector<std::string> records;
  for (int i = 0; i < alerts; ++i) {
    records.push_back(
        iam_audit::testing::Record("pace-" + std::to_string(i), i % 2 ? "alice" : "bob"));
  }
  records.push_back(iam_audit::testing::Record("ign-1", "ci-bot"));
  records.push_back(
      iam_audit::testing::Record("ign-2", "alice", "DescribeEvents", "health.amazonaws.com"));
  records.push_back(
      iam_audit::testing::Record("ign-3", "alice", "GetBucketLocation", "s3.amazonaws.com"));
  httplib::Client client(emu_url);
  client.set_read_timeout(120, 0);
  auto res = client.Post("/2015-03-31/functions/function/invocations",
                         iam_audit::testing::SubscriptionEvent(records), "application/json");
  REQUIRE(res);
  INFO(res->body << "\n" << ReadFile(work / "emulate.err"));
  const json stats = GetJson(slack.url, "/api/stats");
  CHECK(stats["rate_limited"] == 0);
  CHECK(stats["accepted"] == alerts);
  CHECK(res->get_header_value("X-Amz-Function-Error").empty());
  json summary = json::parse(res->body);
  if (summary.contains("errorMessage")) {
    // A failed invocation carries its summary after "; summary ".
    const std::string message = summary["errorMessage"];
    const size_t at = message.find("; summary ");
    if (at != std::string::npos) summary = json::parse(message.substr(at + 10), nullptr, false);
  }
  CHECK(summary["received"] == alerts + 3);
  CHECK(summary["matched"] == alerts);
  CHECK(summary["delivered"] == alerts);
  CHECK(summary["digested"] == 0);
  CHECK(summary["duplicates"] == 0);
  CHECK(summary["failed"] == 0);
  CHECK(summary["ignored"] == json{{"aws-health", 1},
                                   {"aws-internal", 0},
                                   {"get-bucket-location", 1},
                                   {"ignored-users", 1}});

  std::vector<json> messages = slack.Messages();
  REQUIRE(messages.size() == static_cast<size_t>(alerts));
  for (int i = 0; i < alerts; ++i) {
    const std::string link = "#/events/pace-" + std::to_string(i) + "|";
    CAPTURE(link);
    CHECK(messages[i].dump().find(link) != std::string::npos);  // each once, in event order
  }
}

// Real time at a faster scale: the interval is 50 ms and mock-slack's rate
// 20/s (its default burst of 5), the same limit as 1000 ms against 1/s.
TEST_CASE("pipeline: 43 alerts without a configuration file are paced to the webhook's rate limit",
          "[pipeline][pace]") {
  RunPacedPipeline({"--rate", "20"}, {"IAM_AUDIT_POST_INTERVAL_MS=50"}, 43);
}

// Everything at its default: mock-slack's rate limit (1 message/s, burst 5)
// and the engine's interval (1000 ms, IAM_AUDIT_POST_INTERVAL_MS unset), the
// original's set-up. Eight alerts take about 7 s.
TEST_CASE("pipeline: with every default, alerts meet no 429 from mock-slack's default rate limit",
          "[pipeline][pace]") {
  RunPacedPipeline({}, {}, 8);
}

TEST_CASE("deploy: the CloudFormation template carries the tested pattern and valid ignore rules",
          "[deploy]") {
  const std::string tmpl = ReadFile(IAM_AUDIT_DEPLOY_TEMPLATE);
  REQUIRE_FALSE(tmpl.empty());
  // Single-quoted YAML scalars on one line: FilterPattern and IAM_AUDIT_IGNORE_*.
  auto value_of = [&](const std::string& key) {
    size_t at = tmpl.find("\n      " + key + ": '");
    if (at == std::string::npos) at = tmpl.find(" " + key + ": '");
    REQUIRE(at != std::string::npos);
    size_t start = tmpl.find('\'', at) + 1;
    size_t end = tmpl.find("'\n", start);
    return tmpl.substr(start, end - start);
  };
  const std::string pattern = value_of("FilterPattern");
  CHECK(pattern == kOriginalPattern);
  CHECK(iam_audit::Filter::Compile(pattern).ok());
  iam_audit::EnvMap env{{"SLACK_WEBHOOK_URL", "https://hooks.example.test/services/T/B/x"}};
  for (const char* key : {"IAM_AUDIT_IGNORE_AWS_HEALTH", "IAM_AUDIT_IGNORE_AWS_INTERNAL",
                          "IAM_AUDIT_IGNORE_GET_BUCKET_LOCATION"}) {
    env[key] = value_of(key);
  }
  auto config = iam_audit::LoadHandlerConfig(env);
  REQUIRE(config.ok());
  // The same rules as the ones the pipeline test ran with.
  for (const auto& spec : iam_audit::OriginalIgnoreRules({}))
    CHECK(env.at(spec.source) == spec.pattern);
  CHECK_THAT(tmpl, Catch::Contains("NoEcho: true") && Catch::Contains("Runtime: provided.al2023") &&
                       Catch::Contains("AWS::Logs::SubscriptionFilter") &&
                       Catch::Contains("Principal: logs.amazonaws.com"));
}
