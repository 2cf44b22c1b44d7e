// The handler: decode → ignore rules → render → deliver → summary.
#include "iam_audit/handler.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lambda/payloads.h"
#include "testing/fake_http_client.h"

using iam_audit::EnvMap;
using iam_audit::FakeClock;
using iam_audit::Handler;
using iam_audit::HandlerConfig;
using iam_audit::InvocationResult;
using iam_audit::LoadHandlerConfig;
using iam_audit::testing::FakeHttpClient;
using iam_audit::testing::Record;
using iam_audit::testing::SubscriptionEvent;

namespace {

constexpr const char* kSecret = "XyZsecretTOKEN42";
const std::string kWebhook = std::string("https://hooks.example.test/services/T1/B1/") + kSecret;

EnvMap OriginalEnv() {
  EnvMap env{{"SLACK_WEBHOOK_URL", kWebhook}};
  for (const auto& rule : iam_audit::OriginalIgnoreRules({"ci-bot"}))
    env[rule.source] = rule.pattern;
  return env;
}

struct Rig {
  FakeClock clock;
  FakeHttpClient client{&clock};
  std::unique_ptr<Handler> handler;
  explicit Rig(const EnvMap& env = OriginalEnv()) {
    auto config = LoadHandlerConfig(env);
    REQUIRE(config.ok());
    auto made = Handler::Create(*config, &client, &clock);
    REQUIRE(made.ok());
    handler = std::move(made).value();
  }
  InvocationResult Handle(const std::string& event) {
    return handler->Handle(event, clock.NowMs() + 30'000);
  }
};

}  // namespace

TEST_CASE("handler: the original's four exceptions are ignored and counted per rule", "[handler]") {
  Rig rig;
  std::string event = SubscriptionEvent({
      Record("e1"),                                                     // alert
      Record("e2", "ci-bot"),                                           // ignored user
      Record("e3", "alice", "DescribeEvents", "health.amazonaws.com"),  // health
      Record("e4", "alice", "CreateUser", "iam.amazonaws.com", "AWS Internal"),
      Record("e5", "alice", "GetBucketLocation", "s3.amazonaws.com"),
      Record("e6", "bob", "DeleteUser"),  // alert
  });
  InvocationResult r = rig.Handle(event);
  CHECK(r.status.ok());
  CHECK(r.summary.received == 6);
  CHECK(r.summary.matched == 2);
  CHECK(r.summary.delivered == 2);
  CHECK(r.summary.failed == 0);
  CHECK(r.summary.ignored.at("ignored-users") == 1);
  CHECK(r.summary.ignored.at("aws-health") == 1);
  CHECK(r.summary.ignored.at("aws-internal") == 1);
  CHECK(r.summary.ignored.at("get-bucket-location") == 1);
  REQUIRE(rig.client.calls().size() == 2);
  // The exact Slack bodies, written out from the layout in slack_message.h and
  // README's "The alert": UTC by default (13:56:13Z), the default console
  // link template, no Error/Login/MFA line for a successful API call.
  CHECK(
      rig.client.calls()[0].body ==
      R"({"text":"alice (203.0.113.5): CreateUser","blocks":[)"
      R"({"type":"section","text":{"type":"mrkdwn","text":"*alice (203.0.113.5)*\nTime: 2022.06.21 13:56:13)"
      R"(\nType: AwsApiCall\nSource: iam.amazonaws.com\nName: CreateUser\nRegion: us-east-1","verbatim":true}},)"
      R"({"type":"section","text":{"type":"mrkdwn","text":)"
      R"("_<https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/e1|e1>_",)"
      R"("verbatim":true}}]})");
  CHECK(
      rig.client.calls()[1].body ==
      R"({"text":"bob (203.0.113.5): DeleteUser","blocks":[)"
      R"({"type":"section","text":{"type":"mrkdwn","text":"*bob (203.0.113.5)*\nTime: 2022.06.21 13:56:13)"
      R"(\nType: AwsApiCall\nSource: iam.amazonaws.com\nName: DeleteUser\nRegion: us-east-1","verbatim":true}},)"
      R"({"type":"section","text":{"type":"mrkdwn","text":)"
      R"("_<https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/e6|e6>_",)"
      R"("verbatim":true}}]})");
  auto json = nlohmann::json::parse(r.summary.ToJson());
  CHECK(json["received"] == 6);
  CHECK(json["ignored"]["aws-health"] == 1);
  CHECK(json["control"] == 0);
}

TEST_CASE("handler: redelivery of a partly failed batch posts only what is missing",
          "[handler][redelivery]") {
  Rig rig;
  std::string event = SubscriptionEvent({Record("a"), Record("b"), Record("c")});
  rig.client.Respond(200, "ok");
  rig.client.Respond(404, "channel_not_found");
  rig.client.Respond(200, "ok");
  InvocationResult first = rig.Handle(event);
  CHECK_FALSE(first.status.ok());
  CHECK(first.error_type == "Function.DeliveryFailed");
  CHECK(first.summary.delivered == 2);
  CHECK(first.summary.failed == 1);
  CHECK_THAT(first.status.message(), Catch::Contains("1 of 3") && !Catch::Contains(kSecret));

  // Lambda's async retry: the same payload again.
  InvocationResult second = rig.Handle(event);
  CHECK(second.status.ok());
  CHECK(second.summary.delivered == 1);
  CHECK(second.summary.duplicates == 2);
  REQUIRE(rig.client.calls().size() == 4);
  CHECK_THAT(rig.client.calls()[3].body,
             Catch::Contains("/b"));  // the console link names eventID b

  // A spontaneous duplicate without any failure: nothing posted.
  InvocationResult third = rig.Handle(event);
  CHECK(third.summary.duplicates == 3);
  CHECK(third.summary.delivered == 0);
  CHECK(rig.client.calls().size() == 4);
}

TEST_CASE("handler: the delivered-id memory is bounded, oldest forgotten first",
          "[handler][redelivery]") {
  EnvMap env = OriginalEnv();
  env["IAM_AUDIT_REMEMBERED_IDS"] = "2";
  Rig rig(env);
  (void)rig.Handle(SubscriptionEvent({Record("a"), Record("b"), Record("c")}));
  InvocationResult again = rig.Handle(SubscriptionEvent({Record("a"), Record("c")}));
  CHECK(again.summary.delivered == 1);  // "a" was evicted
  CHECK(again.summary.duplicates == 1);
}

TEST_CASE("handler: a CONTROL_MESSAGE is acknowledged without alerts", "[handler]") {
  Rig rig;
  InvocationResult r = rig.Handle(SubscriptionEvent(
      {"CWL CONTROL MESSAGE: Checking health of destination Lambda."}, "CONTROL_MESSAGE"));
  CHECK(r.status.ok());
  CHECK(r.summary.control == 1);
  CHECK(r.summary.received == 0);
  CHECK(rig.client.calls().empty());
}

TEST_CASE("handler: a message that is not a record is posted raw, once", "[handler]") {
  Rig rig;
  std::string event =
      SubscriptionEvent({R"({"eventVersion":"1.03","userIdentity":{"type":"Root"})"});
  InvocationResult r = rig.Handle(event);
  CHECK(r.summary.delivered == 1);
  REQUIRE(rig.client.calls().size() == 1);
  CHECK_THAT(rig.client.calls()[0].body, Catch::Contains("```"));
  CHECK(rig.Handle(event).summary.duplicates == 1);  // keyed by the log event id
}

TEST_CASE("handler: an undecodable payload is an invocation error", "[handler]") {
  Rig rig;
  auto bad =
      GENERATE(as<std::string>{}, R"({"awslogs":{"data":"%%%"}})", "not json", R"({"awslogs":{}})");
  CAPTURE(bad);
  InvocationResult r = rig.Handle(bad);
  CHECK_FALSE(r.status.ok());
  CHECK(r.error_type == "Function.InvalidPayload");
  CHECK(rig.client.calls().empty());
}

TEST_CASE("handler: once the deadline is near, remaining alerts fail without a request",
          "[handler][deadline]") {
  EnvMap env = OriginalEnv();
  env["IAM_AUDIT_HTTP_TIMEOUT_MS"] = "60000";
  Rig rig(env);
  // The first post hangs for longer than the 30 s left: its timeout is cut to
  // the deadline minus the reserve, and nothing else can start after it.
  rig.client.Respond(200, "ok", "", 40'000);
  InvocationResult r = rig.Handle(SubscriptionEvent({Record("a"), Record("b"), Record("c")}));
  CHECK(r.summary.delivered == 0);  // the first timed out: its timeout was cut to the deadline
  CHECK(r.summary.failed == 3);
  CHECK(rig.client.calls().size() == 1);
  CHECK(r.error_type == "Function.DeliveryFailed");
  CHECK_THAT(r.status.message(), Catch::Contains("deadline") || Catch::Contains("timed out"));
}

namespace {

// A payload of 43 alerts (and 3 ignored events) in the environment-only
// set-up: README's IAM_AUDIT_POST_INTERVAL_MS holds here too, one post per
// webhook per interval (default 1000 ms), and every event is counted.
std::vector<std::string> FortyThreeAlertsAndThreeIgnored(const std::string& second_user) {
  std::vector<std::string> records;
  for (int i = 0; i < 43; ++i) {
    records.push_back(Record("p" + std::to_string(i), i < 40 ? "alice" : second_user,
                             i < 40 ? "CreateUser" : "DeleteUser"));
  }
  records.push_back(Record("i1", "ci-bot"));  // ignored-users
  records.push_back(Record("i2", "alice", "DescribeEvents", "health.amazonaws.com"));  // aws-health
  records.push_back(
      Record("i3", "alice", "CreateUser", "iam.amazonaws.com", "AWS Internal"));  // aws-internal
  return records;
}

}  // namespace

TEST_CASE("handler: without a configuration file, posts are paced one per interval",
          "[handler][pace]") {
  SECTION("the default interval, 1000 ms") {
    Rig rig;
    // 43 posts at 1 s each (+100 ms per request kept) fit in 60 s: no digest.
    InvocationResult r = rig.handler->Handle(
        SubscriptionEvent(FortyThreeAlertsAndThreeIgnored("bob")), rig.clock.NowMs() + 60'000);
    CHECK(r.status.ok());
    CHECK(r.summary.received == 46);
    CHECK(r.summary.matched == 43);
    CHECK(r.summary.delivered == 43);
    CHECK(r.summary.digested == 0);
    CHECK(r.summary.failed == 0);
    CHECK(r.summary.messages == 43);
    CHECK(r.summary.ignored.at("ignored-users") == 1);
    CHECK(r.summary.ignored.at("aws-health") == 1);
    CHECK(r.summary.ignored.at("aws-internal") == 1);
    CHECK(r.summary.ignored.at("get-bucket-location") == 0);
    const auto& calls = rig.client.calls();
    REQUIRE(calls.size() == 43);
    for (size_t i = 1; i < calls.size(); ++i) {
      CAPTURE(i);
      CHECK(calls[i].at_ms - calls[i - 1].at_ms >= 1000);
    }
    // In event order: p0 first, p42 last.
    CHECK_THAT(calls.front().body, Catch::Contains("#/events/p0|p0>"));
    CHECK_THAT(calls.back().body, Catch::Contains("#/events/p42|p42>"));
    // The pace holds across invocations: the next post waits out the interval.
    const int64_t last = calls.back().at_ms;
    (void)rig.Handle(SubscriptionEvent({Record("next")}));
    REQUIRE(rig.client.calls().size() == 44);
    CHECK(rig.client.calls().back().at_ms - last >= 1000);
  }
  SECTION("IAM_AUDIT_POST_INTERVAL_MS sets it") {
    EnvMap env = OriginalEnv();
    env["IAM_AUDIT_POST_INTERVAL_MS"] = "250";
    Rig rig(env);
    InvocationResult r = rig.Handle(SubscriptionEvent({Record("a"), Record("b"), Record("c")}));
    CHECK(r.summary.delivered == 3);
    const auto& calls = rig.client.calls();
    REQUIRE(calls.size() == 3);
    CHECK(calls[1].at_ms - calls[0].at_ms == 250);
    CHECK(calls[2].at_ms - calls[1].at_ms == 250);
  }
}

TEST_CASE("handler: without a configuration file, what cannot fit before the deadline is digested",
          "[handler][pace][digest]") {
  Rig rig;
  // 30 s left: 43 posts at 1.1 s each do not fit, so each identity's alerts
  // are merged into one digest (alice: 40 CreateUser, bob: 3 DeleteUser).
  InvocationResult r = rig.Handle(SubscriptionEvent(FortyThreeAlertsAndThreeIgnored("bob")));
  CHECK(r.status.ok());
  CHECK(r.summary.received == 46);
  CHECK(r.summary.matched == 43);
  CHECK(r.summary.delivered == 0);
  CHECK(r.summary.digested == 43);
  CHECK(r.summary.digests == 2);
  CHECK(r.summary.messages == 2);
  CHECK(r.summary.failed == 0);
  CHECK(r.summary.IgnoredTotal() == 3);
  const auto& calls = rig.client.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].at_ms - calls[0].at_ms >= 1000);
  CHECK_THAT(calls[0].body,
             Catch::Contains("40 alerts for alice") && Catch::Contains("CreateUser × 40"));
  CHECK_THAT(calls[1].body,
             Catch::Contains("3 alerts for bob") && Catch::Contains("DeleteUser × 3"));
  // Digested events are delivered: a redelivery posts nothing.
  InvocationResult again = rig.Handle(SubscriptionEvent(FortyThreeAlertsAndThreeIgnored("bob")));
  CHECK(again.summary.duplicates == 43);
  CHECK(rig.client.calls().size() == 2);
}

namespace {

// SubscriptionEvent numbers log events from …1000 in each payload, so a
// record put second arrives under log event id …1001: another log event id,
// the same CloudTrail eventID.
void CheckSameEventIdIsDuplicate(Rig& rig) {
  InvocationResult first = rig.Handle(SubscriptionEvent({Record("same-id")}));
  CHECK(first.summary.delivered == 1);
  REQUIRE(rig.client.calls().size() == 1);

  InvocationResult second =
      rig.Handle(SubscriptionEvent({Record("other-id", "bob"), Record("same-id")}));
  CHECK(second.status.ok());
  CHECK(second.summary.delivered == 1);
  CHECK(second.summary.duplicates == 1);
  REQUIRE(rig.client.calls().size() == 2);
  CHECK_THAT(rig.client.calls()[1].body,
             Catch::Contains("other-id") && !Catch::Contains("same-id"));

  // Twice in one payload, under two log event ids: posted once.
  InvocationResult third = rig.Handle(SubscriptionEvent({Record("twice"), Record("twice")}));
  CHECK(third.status.ok());
  CHECK(third.summary.delivered == 1);
  CHECK(third.summary.duplicates == 1);
  REQUIRE(rig.client.calls().size() == 3);

  // A message without an eventID is keyed by its log event id: the same text
  // under another log event id is another event, posted again.
  const std::string raw = R"({"eventVersion":"1.03","userIdentity":{"type":"Root"})";
  InvocationResult fourth = rig.Handle(SubscriptionEvent({raw}));
  CHECK(fourth.summary.delivered == 1);
  InvocationResult fifth = rig.Handle(SubscriptionEvent({Record("filler", "carol"), raw}));
  CHECK(fifth.summary.delivered == 2);
  CHECK(fifth.summary.duplicates == 0);
  CHECK(rig.client.calls().size() == 6);
}

}  // namespace

TEST_CASE("handler: the same eventID under a new log event id is a duplicate (environment set-up)",
          "[handler][redelivery]") {
  Rig rig;
  CheckSameEventIdIsDuplicate(rig);
}

TEST_CASE("handler: the same eventID under a new log event id is a duplicate (configuration file)",
          "[handler][redelivery]") {
  EnvMap env = OriginalEnv();
  env["IAM_AUDIT_CONFIG"] = R"({"rules": [{"name": "everything", "pattern": "eventVersion"}]})";
  Rig rig(env);
  CheckSameEventIdIsDuplicate(rig);
}

TEST_CASE("config: errors name the variable and never the webhook", "[config][secret]") {
  auto [key, value, expected] = GENERATE(table<std::string, std::string, std::string>({
      {"SLACK_WEBHOOK_URL", "", "SLACK_WEBHOOK_URL: required"},
      {"SLACK_WEBHOOK_URL", std::string("http://hooks.example.test/services/") + kSecret,
       "SLACK_WEBHOOK_URL: must be an https:// URL (host hooks.example.test)"},
      {"SLACK_WEBHOOK_URL", std::string("hooks.example.test/") + kSecret,
       "SLACK_WEBHOOK_URL: url: missing scheme"},
      {"IAM_AUDIT_IGNORE_BAD", "{ $.eventName = ", "IAM_AUDIT_IGNORE_BAD: pattern:"},
      {"IAM_AUDIT_TIME_ZONE", "Mars/Base", "IAM_AUDIT_TIME_ZONE: time zone:"},
      {"IAM_AUDIT_CONSOLE_URL", "ftp://x/{eventID}", "IAM_AUDIT_CONSOLE_URL:"},
      {"IAM_AUDIT_MAX_ATTEMPTS", "0", "IAM_AUDIT_MAX_ATTEMPTS: 0 is outside 1..20"},
      {"IAM_AUDIT_HTTP_TIMEOUT_MS", "soon", "IAM_AUDIT_HTTP_TIMEOUT_MS: not an integer"},
  }));
  CAPTURE(key, value);
  EnvMap env{{"SLACK_WEBHOOK_URL", kWebhook}};
  env[key] = value;
  auto config = LoadHandlerConfig(env);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::StartsWith(expected) && !Catch::Contains(kSecret));
}

TEST_CASE("config: a bad ignore pattern names the column", "[config]") {
  EnvMap env{{"SLACK_WEBHOOK_URL", kWebhook}, {"IAM_AUDIT_IGNORE_X", R"({ $.a = "b" && }")"}};
  auto config = LoadHandlerConfig(env);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(),
             Catch::StartsWith("IAM_AUDIT_IGNORE_X: pattern:") && Catch::Contains("column"));
}

TEST_CASE("config: defaults, rule names and a description without the secret", "[config][secret]") {
  EnvMap env = OriginalEnv();
  env["IAM_AUDIT_TIME_ZONE"] = "+09:00";
  env["IAM_AUDIT_IGNORE_EMPTY"] = "";  // switched off
  auto config = LoadHandlerConfig(env);
  REQUIRE(config.ok());
  CHECK(config->webhook_host == "hooks.example.test");
  std::vector<std::string> names;
  for (const auto& r : config->ignore_rules) names.push_back(r.name);
  CHECK(names == std::vector<std::string>{"aws-health", "aws-internal", "get-bucket-location",
                                          "ignored-users"});
  CHECK(config->retry.max_attempts == 5);
  CHECK(config->decode.max_inflated_bytes == (size_t{64} << 20));
  std::string described = iam_audit::DescribeConfig(*config);
  CHECK_THAT(described, Catch::Contains("webhook_host=hooks.example.test") &&
                            !Catch::Contains(kSecret) && Catch::Contains("time_zone=+09:00"));
}

TEST_CASE("config: the original's rules compile and match what the original skipped", "[config]") {
  auto rules =
      iam_audit::IgnoreRules::Compile(iam_audit::OriginalIgnoreRules({"a\"quote", "ci-bot"}));
  REQUIRE(rules.ok());
  CHECK(rules->IgnoredBy(Record("x", "ci-bot")) ==
        std::optional<std::string_view>("ignored-users"));
  CHECK(rules->IgnoredBy(Record("x", "a\"quote")) ==
        std::optional<std::string_view>("ignored-users"));
  CHECK_FALSE(rules->IgnoredBy(Record("x", "alice")).has_value());
  CHECK(rules->IgnoredBy(Record("x", "alice", "GetBucketLocation")) ==
        std::optional<std::string_view>("get-bucket-location"));
  CHECK_FALSE(rules->IgnoredBy(Record("x", "alice", "GetBucketLocations")).has_value());
}
