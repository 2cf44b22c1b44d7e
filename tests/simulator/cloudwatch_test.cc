// The CloudWatch Logs model: ids, names, record → log event, payload encoding.
#include "iam_audit/simulator/cloudwatch.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "iam_audit/payload.h"

namespace iam_audit::simulator {
namespace {

TEST_CASE("Uint192ToDecimal against Python's big integers", "[cloudwatch]") {
  // Expected values computed with Python int arithmetic, not by this code.
  const auto [hi, mid, lo, want] = GENERATE(table<uint64_t, uint64_t, uint64_t, std::string>({
      {0, 0, 0, "0"},
      {0, 0, 18446744073709551615ULL, "18446744073709551615"},
      {0, 1, 0, "18446744073709551616"},
      {1, 0, 0, "340282366920938463463374607431768211456"},
      {0, 0, 10000000000000000000ULL, "10000000000000000000"},
      // AWS's sample id 31953106606966983378809025079804211143289615424298221568 (x >> 128, ...).
      {93901740769280000ULL, 93901774216521307ULL, 11551569037146259456ULL,
       "31953106606966983378809025079804211143289615424298221568"},
  }));
  CAPTURE(hi, mid, lo);
  CHECK(Uint192ToDecimal(hi, mid, lo) == want);
}

TEST_CASE("event ids embed the timestamp and increase within a stream", "[cloudwatch]") {
  EventIdSequence ids(7, "123456789012_CloudTrail_us-east-1");
  const std::string a = ids.Next(1432826855000);
  const std::string b = ids.Next(1432826855000);
  const std::string c = ids.Next(1432826854000);  // earlier: must still increase
  const std::string d = ids.Next(1700000000000);
  for (const std::string& id : {a, b, c, d}) {
    CAPTURE(id);
    CHECK(id.size() == 56);
    CHECK(id.find_first_not_of("0123456789") == std::string::npos);
  }
  // Same length decimals compare like numbers.
  CHECK(a < b);
  CHECK(b < c);
  CHECK(c < d);
  // id >> 144 == timestamp: ts·2^144 <= id < (ts+1)·2^144 (c was clamped to b's ms).
  const auto floor_of = [](uint64_t ts) { return Uint192ToDecimal(ts << 16, 0, 0); };
  CHECK(floor_of(1432826855000) <= a);
  CHECK(a < floor_of(1432826855001));
  CHECK(c < floor_of(1432826855001));
  CHECK(floor_of(1700000000000) <= d);
  EventIdSequence again(7, "123456789012_CloudTrail_us-east-1");
  CHECK(again.Next(1432826855000) == a);
  EventIdSequence other(8, "123456789012_CloudTrail_us-east-1");
  CHECK(other.Next(1432826855000) != a);
}

TEST_CASE("names follow CloudTrail and the console", "[cloudwatch]") {
  CHECK(LogStreamName("123456789012", "eu-west-1") == "123456789012_CloudTrail_eu-west-1");
  const std::string group = DefaultLogGroupName("123456789012", 1);
  CHECK(group.rfind("aws-cloudtrail-logs-123456789012-", 0) == 0);
  CHECK(group.size() == std::string("aws-cloudtrail-logs-123456789012-").size() + 8);
  CHECK(group.substr(group.size() - 8).find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(DefaultLogGroupName("123456789012", 1) == group);
  CHECK(DefaultLogGroupName("123456789012", 2) != group);
}

TEST_CASE("a record becomes a log event: compact, byte-faithful, timestamped", "[cloudwatch]") {
  const std::string record =
      "{\n  \"eventVersion\": \"1.08\",\n  \"zeta\": \"a b\\u003c\\\"q\\\"\",\n  \"eventTime\": "
      "\"2022-06-21T13:25:23Z\",\n"
      "  \"awsRegion\": \"ap-northeast-2\",\n  \"userIdentity\": {\"accountId\": "
      "\"111122223333\"},\n  \"n\": 1.50\n}\n";
  auto event = ToTrailEvent(record, "999999999999", "us-east-1");
  REQUIRE(event.ok());
  CHECK(
      event->message ==
      R"({"eventVersion":"1.08","zeta":"a b\u003c\"q\"","eventTime":"2022-06-21T13:25:23Z","awsRegion":"ap-northeast-2","userIdentity":{"accountId":"111122223333"},"n":1.50})");
  CHECK(event->timestamp == 1655817923000);  // date -d 2022-06-21T13:25:23Z +%s
  CHECK(event->account == "111122223333");
  CHECK(event->region == "ap-northeast-2");

  auto recipient =
      ToTrailEvent(R"({"eventTime":"2024-01-01T00:00:00Z","recipientAccountId":"444455556666",
      "userIdentity":{"accountId":"111122223333"}})",
                   "999999999999", "us-east-1");
  REQUIRE(recipient.ok());
  CHECK(recipient->account == "444455556666");
  CHECK(recipient->region == "us-east-1");
  auto bare = ToTrailEvent(R"({"eventTime":"2024-01-01T00:00:00Z","userIdentity":null})",
                           "999999999999", "eu-north-1");
  REQUIRE(bare.ok());
  CHECK(bare->account == "999999999999");
  CHECK(bare->region == "eu-north-1");
}

TEST_CASE("records that cannot become log events say why", "[cloudwatch]") {
  const auto [input, want] = GENERATE(table<std::string, std::string>({
      {"{\"eventTime\": \"2024-01-01T00:00:00Z\",\n \"x\": tru}", "at line 2, column"},
      {"[1,2]", "expected a CloudTrail record (JSON object), got array"},
      {R"({"eventName":"X"})", "no eventTime"},
      {R"({"eventTime":"yesterday"})", "bad eventTime 'yesterday'"},
      {R"({"eventTime":12})", "no eventTime"},
  }));
  CAPTURE(input);
  auto event = ToTrailEvent(input, "1", "r");
  REQUIRE_FALSE(event.ok());
  CHECK_THAT(event.status().message(), Catch::Contains(want));
}

TEST_CASE("payload JSON and Lambda event decode back with the engine's decoder", "[cloudwatch]") {
  LogBatch batch;
  batch.message_type = "DATA_MESSAGE";
  batch.owner = "123456789012";
  batch.log_group = "g";
  batch.log_stream = "123456789012_CloudTrail_us-east-1";
  batch.subscription_filters = {"f"};
  batch.log_events.push_back(LogEvent{"1", 5, "{\"a\":\"tab\\there\"}\n\x01 \"quoted\" \\ é"});
  const std::string json = LogBatchJson(batch);
  // An independent parser reads the same strings back.
  const auto parsed = nlohmann::json::parse(json);
  CHECK(parsed["logEvents"][0]["message"] == batch.log_events[0].message);
  CHECK(parsed.contains("policyLevel") == false);
  CHECK(json.rfind(R"({"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g",)", 0) ==
        0);

  const std::string event = LambdaEventJson(json);
  CHECK(event.rfind(R"({"awslogs":{"data":"H4sI)", 0) == 0);
  auto decoded = DecodeSubscriptionEvent(event);
  REQUIRE(decoded.ok());
  CHECK(decoded->log_stream == batch.log_stream);
  REQUIRE(decoded->log_events.size() == 1);
  CHECK(decoded->log_events[0].message == batch.log_events[0].message);
  CHECK(decoded->log_events[0].id == "1");

  batch.policy_level = "ACCOUNT_LEVEL_POLICY";
  CHECK(nlohmann::json::parse(LogBatchJson(batch))["policyLevel"] == "ACCOUNT_LEVEL_POLICY");
}

TEST_CASE("every gzip level gives a payload the engine's zlib decoder reads", "[cloudwatch]") {
  const int level = GENERATE(0, 1, 5, 6, 9);
  LogBatch batch;
  batch.message_type = "DATA_MESSAGE";
  batch.owner = "123456789012";
  batch.log_group = "g";
  batch.log_stream = "s";
  batch.subscription_filters = {"f"};
  for (int i = 0; i < 300; ++i) {
    batch.log_events.push_back(
        LogEvent{std::to_string(i), i,
                 "{\"eventName\":\"GetObject\",\"n\":" + std::to_string(i * 7919) + "}"});
  }
  const std::string event = LambdaEventJson(LogBatchJson(batch), level);
  CAPTURE(level, event.size());
  auto decoded = DecodeSubscriptionEvent(event);
  REQUIRE(decoded.ok());
  REQUIRE(decoded->log_events.size() == batch.log_events.size());
  CHECK(decoded->log_events[299].message == batch.log_events[299].message);
  // Level 0 stores; the others must compress these repetitive events.
  if (level > 0) CHECK(event.size() < LogBatchJson(batch).size() / 3);
}

// The escaping rule, one byte at a time, written independently of the
// 16-bytes-at-a-time code under test.
std::string EscapeOneByOne(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    char u[7];
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          std::snprintf(u, sizeof u, "\\u%04x", c);
          out += u;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

TEST_CASE("JSON string escaping: every byte at every offset of a 16-byte block", "[cloudwatch]") {
  // Each byte value at offsets 0..40 of a 41..48-byte text (three blocks
  // and a tail), with quotes and a backslash elsewhere in the same text.
  for (int c = 0; c < 256; ++c) {
    for (size_t at = 0; at <= 40; ++at) {
      for (size_t length : {at + 1, size_t{41}, size_t{48}}) {
        std::string text(length, 'a');
        if (length > 5) text[(at + 5) % length] = '"';
        if (length > 9) text[(at + 9) % length] = '\\';
        text[at] = static_cast<char>(c);
        std::string out = "prefix";
        AppendJsonString(out, text);
        CAPTURE(c, at, length);
        REQUIRE(out == "prefix" + EscapeOneByOne(text));
      }
    }
  }
  // A real-shaped message: quotes every few bytes, an escaped quote inside.
  const std::string message = R"({"eventVersion":"1.08","userAgent":"aws-cli/2 \"x\"","n":[1,2]})";
  std::string out;
  AppendJsonString(out, message);
  CHECK(out == EscapeOneByOne(message));
  CHECK(nlohmann::json::parse(out).get<std::string>() == message);
  out.clear();
  AppendJsonString(out, "");
  CHECK(out == "\"\"");
}

TEST_CASE("the CONTROL_MESSAGE has AWS's observed shape", "[cloudwatch]") {
  const auto j = nlohmann::json::parse(LogBatchJson(ControlMessageBatch(1600110003794)));
  CHECK(j["messageType"] == "CONTROL_MESSAGE");
  CHECK(j["owner"] == "CloudwatchLogs");
  CHECK(j["logGroup"] == "");
  CHECK(j["logStream"] == "");
  CHECK(j["subscriptionFilters"] == nlohmann::json::array());
  CHECK(j["logEvents"][0]["id"] == "");
  CHECK(j["logEvents"][0]["timestamp"] == 1600110003794);
  CHECK(j["logEvents"][0]["message"].get<std::string>().rfind(
            "CWL CONTROL MESSAGE: Checking health of destination", 0) == 0);
}

}  // namespace
}  // namespace iam_audit::simulator
