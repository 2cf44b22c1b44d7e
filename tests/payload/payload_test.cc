// Subscription payload decoding: base64, gzip, the batch document, envelopes.
#include "iam_audit/payload.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <tuple>

namespace iam_audit {
namespace {

TEST_CASE("Base64 round-trips and matches RFC 4648 test vectors", "[payload][base64]") {
  // RFC 4648 section 10.
  auto [plain, encoded] = GENERATE(table<std::string, std::string>({
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  }));
  CAPTURE(plain, encoded);
  CHECK(Base64Encode(plain) == encoded);
  auto decoded = Base64Decode(encoded);
  REQUIRE(decoded.ok());
  CHECK(*decoded == plain);
}

TEST_CASE("Base64 binary round trip over all byte values", "[payload][base64]") {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    auto decoded = Base64Decode(Base64Encode(bytes.substr(0, n)));
    REQUIRE(decoded.ok());
    CHECK(*decoded == bytes.substr(0, n));
  }
}

TEST_CASE("Base64 rejects bad input and names the offset", "[payload][base64]") {
  auto [input, message] = GENERATE(table<std::string, std::string>({
      {"Zm9v%mFy", "base64: invalid character '%' at offset 4"},
      {"Zm9vYmF", "base64: length 7 is not a multiple of 4 (truncated or unpadded)"},
      {"Zm 9", "base64: invalid character ' ' at offset 2"},
      {"Zm9v\nYmFy", "base64: length 9 is not a multiple of 4 (truncated or unpadded)"},
      {"Zm=v", "base64: invalid character '=' at offset 2"},
      {"Zm-_", "base64: invalid character '-' at offset 2"},
      {"Zh==", "base64: non-zero padding bits at offset 1"},
      {std::string("Zm\x01v", 4), "base64: invalid character byte 0x01 at offset 2"},
  }));
  CAPTURE(input);
  auto decoded = Base64Decode(input);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == StatusCode::kInvalidArgument);
  CHECK(decoded.status().message() == message);
}

TEST_CASE("gzip round trip, deterministic output", "[payload][gzip]") {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "{\"eventName\":\"GetObject\",\"n\":" + std::to_string(i) + "}\n";
  std::string gz = GzipDeflate(text);
  CHECK(gz.size() < text.size() / 4);
  CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
  CHECK(GzipDeflate(text) == gz);  // no timestamp in the header
  auto back = GzipInflate(gz, 1 << 20);
  REQUIRE(back.ok());
  CHECK(*back == text);
}

TEST_CASE("gzip rejects bad magic, truncation, corruption, trailing garbage", "[payload][gzip]") {
  const std::string text(50000, 'x');
  const std::string gz = GzipDeflate(text + "tail of the payload with some entropy 0123456789");

  SECTION("bad magic") {
    auto r = GzipInflate("PK\x03\x04 zip, not gzip", 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "gzip: not gzip (bad magic) at byte 0");
  }
  SECTION("zlib-wrapped data is not gzip") {
    auto r = GzipInflate("\x78\x9c\x03\x00\x00\x00\x00\x01", 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "gzip: not gzip (bad magic) at byte 0");
  }
  SECTION("truncated") {
    const size_t cut = gz.size() / 2;
    auto r = GzipInflate(std::string_view(gz).substr(0, cut), 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK(r.status().message() == "gzip: truncated stream after " + std::to_string(cut) + " bytes");
  }
  SECTION("truncated inside the trailer") {
    auto r = GzipInflate(std::string_view(gz).substr(0, gz.size() - 3), 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::StartsWith("gzip: truncated stream after"));
  }
  SECTION("corrupt CRC") {
    std::string bad = gz;
    bad[bad.size() - 6] ^= 0x55;  // inside the CRC32 of the trailer
    auto r = GzipInflate(bad, 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::Contains("incorrect data check"));
  }
  SECTION("corrupt deflate data") {
    std::string bad = gz;
    for (size_t i = 10; i < 20; ++i) bad[i] = static_cast<char>(0xff);
    auto r = GzipInflate(bad, 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::StartsWith("gzip: corrupt stream ("));
  }
  SECTION("trailing garbage") {
    auto r = GzipInflate(gz + "junk", 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() ==
          "gzip: 4 bytes of trailing garbage after the gzip stream at byte " +
              std::to_string(gz.size()));
  }
}

TEST_CASE("gzip bomb is refused at the cap, not inflated", "[payload][gzip][limits]") {
  // 64 MiB of zeros compresses to ~64 KiB; a 1 MiB cap must stop it early.
  const std::string bomb = GzipDeflate(std::string(size_t{64} << 20, '\0'), 9);
  CHECK(bomb.size() < 100 * 1024);
  auto r = GzipInflate(bomb, size_t{1} << 20);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kResourceExhausted);
  CHECK(r.status().message() ==
        "gzip: inflated size exceeds the limit of 1048576 bytes (gzip bomb?)");
  // Exactly at the cap is fine.
  const std::string exact = GzipDeflate(std::string(1000, 'a'));
  CHECK(GzipInflate(exact, 1000).ok());
  CHECK_FALSE(GzipInflate(exact, 999).ok());
}

constexpr const char* kBatchJson = R"({
  "messageType": "DATA_MESSAGE",
  "owner": "123456789012",
  "logGroup": "aws-cloudtrail-logs-123456789012-1a2b3c4d",
  "logStream": "123456789012_CloudTrail_us-east-1",
  "subscriptionFilters": ["iam-audit"],
  "futureKey": {"ignored": true},
  "logEvents": [
    {"id": "31953106606966983378809025079804211143289615424298221568",
     "timestamp": 1432826855000, "message": "{\"eventVersion\":\"1.08\"}"},
    {"id": "31953106606966983378809025079804211143289615424298221569",
     "timestamp": 1432826855001, "message": "not json at all"}
  ]
})";

TEST_CASE("Batch parsing keeps ids as strings and ignores unknown keys", "[payload][batch]") {
  auto batch = ParseLogBatch(kBatchJson);
  REQUIRE(batch.ok());
  CHECK(batch->message_type == "DATA_MESSAGE");
  CHECK_FALSE(batch->IsControl());
  CHECK(batch->owner == "123456789012");
  CHECK(batch->log_stream == "123456789012_CloudTrail_us-east-1");
  REQUIRE(batch->subscription_filters.size() == 1);
  CHECK(batch->subscription_filters[0] == "iam-audit");
  REQUIRE(batch->log_events.size() == 2);
  CHECK(batch->log_events[0].id == "31953106606966983378809025079804211143289615424298221568");
  CHECK(batch->log_events[0].timestamp == 1432826855000);
  CHECK(batch->log_events[0].message == "{\"eventVersion\":\"1.08\"}");
  CHECK(batch->log_events[1].message == "not json at all");
}

TEST_CASE("A message given as a JSON object is taken as its compact JSON", "[payload][batch]") {
  auto batch = ParseLogBatch(
      R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":{"a": [1, 2]}}]})");
  REQUIRE(batch.ok());
  CHECK(batch->log_events[0].message == R"({"a":[1,2]})");
  auto bad = ParseLogBatch(
      R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":12}]})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "payload: batch: logEvents[0].message: expected a string, got number");
}

TEST_CASE("CONTROL_MESSAGE is recognised", "[payload][batch]") {
  auto batch = ParseLogBatch(
      R"({"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"",)"
      R"("subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1600110003794,)"
      R"("message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]})");
  REQUIRE(batch.ok());
  CHECK(batch->IsControl());
  CHECK(batch->owner == "CloudwatchLogs");
  CHECK(batch->log_events.size() == 1);
}

TEST_CASE("Batch errors name the field", "[payload][batch]") {
  auto [json, message] = GENERATE(table<std::string, std::string>({
      {R"({"owner":"1"})", "payload: batch: missing \"messageType\""},
      {R"({"messageType":"NOPE","logEvents":[]})",
       "payload: batch: messageType: unknown value \"NOPE\" (expected DATA_MESSAGE or "
       "CONTROL_MESSAGE)"},
      {R"({"messageType":"DATA_MESSAGE"})", "payload: batch: missing \"logEvents\""},
      {R"({"messageType":"DATA_MESSAGE","logEvents":{}})",
       "payload: batch: logEvents: expected an array, got object"},
      {R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1}]})",
       "payload: batch: logEvents[0]: missing \"message\""},
      {R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":"x","message":""}]})",
       "payload: batch: logEvents[0].timestamp: expected an integer (ms), got string"},
      {R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":""},7]})",
       "payload: batch: logEvents[1]: expected an object, got number"},
      {R"({"messageType":"DATA_MESSAGE","owner":5,"logEvents":[]})",
       "payload: batch: owner: expected a string, got number"},
      {R"([1,2])", "payload: batch: expected a JSON object, got array"},
      {R"({"messageType":)",
       "payload: batch JSON: parse error at line 1, column 16: syntax error while parsing value - "
       "unexpected end of input; expected '[', '{', or a literal"},
  }));
  CAPTURE(json);
  auto batch = ParseLogBatch(json);
  REQUIRE_FALSE(batch.ok());
  CHECK(batch.status().message() == message);
}

std::string MakeEvent(std::string_view batch_json) {
  return R"({"awslogs":{"data":")" + Base64Encode(GzipDeflate(batch_json)) + "\"}}";
}

TEST_CASE("DecodeSubscriptionEvent accepts the envelope, bare base64 and decoded JSON",
          "[payload]") {
  const std::string data = Base64Encode(GzipDeflate(kBatchJson));
  const std::string input = GENERATE_COPY(values<std::string>({
      MakeEvent(kBatchJson),
      "  \n" + MakeEvent(kBatchJson) + "\n",
      data,
      "\"" + data + "\"",
      std::string(kBatchJson),
  }));
  auto batch = DecodeSubscriptionEvent(input);
  REQUIRE(batch.ok());
  CHECK(batch->log_events.size() == 2);
  // Decoding the re-encoded JSON gives the same batch.
  auto again = DecodeSubscriptionEvent(LogBatchToJson(*batch));
  REQUIRE(again.ok());
  CHECK(LogBatchToJson(*again) == LogBatchToJson(*batch));
}

TEST_CASE("DecodeSubscriptionEvent names the failing stage", "[payload]") {
  std::string bad_b64 = MakeEvent(kBatchJson);
  const size_t at = bad_b64.find("\"data\":\"") + 8 + 12;
  bad_b64[at] = '%';
  const std::string truncated_gz = Base64Encode(GzipDeflate(kBatchJson).substr(0, 40));
  auto [input, message] = GENERATE_COPY(table<std::string, std::string>({
      {bad_b64, "payload: base64: invalid character '%' at offset 12"},
      {R"({"awslogs":{"data":")" + Base64Encode("plain text") + "\"}}",
       "payload: gzip: not gzip (bad magic) at byte 0"},
      {truncated_gz, "payload: gzip: truncated stream after 40 bytes"},
      {R"({"awslogs":{"data":7}})", "payload: awslogs.data: expected a string, got number"},
      {R"({"awslogs":{}})", "payload: awslogs: missing \"data\""},
      {R"({"records":[]})",
       "payload: not a subscription event: expected {\"awslogs\":{\"data\":…}}, a base64 string or "
       "a decoded batch with \"messageType\""},
      {"", "payload: empty input"},
  }));
  CAPTURE(input);
  auto batch = DecodeSubscriptionEvent(input);
  REQUIRE_FALSE(batch.ok());
  CHECK(batch.status().message() == message);
}

// The usual {"awslogs":{"data":"…"}} is read without a JSON parser, every
// other spelling with one: both roads must give the batch inside, and the
// error of the stage that fails for a bad one.
TEST_CASE("DecodeSubscriptionEvent: every spelling of the awslogs envelope decodes alike",
          "[payload]") {
  const std::string data = Base64Encode(GzipDeflate(kBatchJson));
  // The same value with its first character as a JSON escape, "H" as "\u0048".
  char first[8];
  std::snprintf(first, sizeof first, "\\u%04X", static_cast<unsigned>(data[0]));
  const std::string escaped = first + data.substr(1);
  const auto ok = GENERATE_COPY(
      as<std::string>{}, R"({"awslogs":{"data":")" + data + R"("}})",
      " \r\n\t{ \"awslogs\" :\n{\t\"data\": \"" + data + "\" } }\n",
      R"({"awslogs":{"data":")" + escaped + R"("}})",
      R"({"awslogs":{"data":")" + data + R"(","extra":1}})",
      R"({"awslogs":{"data":")" + data + R"("},"awslogs":{"data":")" + data + R"("}})");
  CAPTURE(ok);
  auto batch = DecodeSubscriptionEvent(ok);
  REQUIRE(batch.ok());
  REQUIRE(batch->log_events.size() == 2);
  CHECK(batch->log_events[0].id == "31953106606966983378809025079804211143289615424298221568");
  CHECK(batch->log_events[1].message == "not json at all");
  CHECK(batch->log_group == "aws-cloudtrail-logs-123456789012-1a2b3c4d");
}

TEST_CASE("DecodeSubscriptionEvent: a bad awslogs envelope names the failing stage", "[payload]") {
  const std::string data = Base64Encode(GzipDeflate(kBatchJson));
  auto [input, prefix] = GENERATE_COPY(table<std::string, std::string>({
      {R"({"awslogs":{"data":")" + data + R"("}} x)", "payload: event JSON: "},
      {R"({"awslogs":{"data":")" + data + R"("})", "payload: event JSON: "},
      {R"({"awslogs":{"data":")" + data.substr(0, 100) + "\x01" + data.substr(100) + R"("}})",
       "payload: event JSON: "},
      {R"({"awslogs":{"data":" )" + data + R"("}})", "payload: base64: "},
      {R"({"awslogs":{"data":")" + data.substr(0, data.size() - 4) + R"("}})", "payload: gzip: "},
      {R"({"awslogs":{"data":""}})", "payload: gzip: not gzip (bad magic) at byte 0"},
  }));
  CAPTURE(input);
  auto batch = DecodeSubscriptionEvent(input);
  REQUIRE_FALSE(batch.ok());
  CHECK_THAT(batch.status().message(), Catch::StartsWith(prefix));
}

TEST_CASE("DecodeSubscriptionEvent enforces the inflated-size cap", "[payload][limits]") {
  std::string big =
      R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":")" +
      std::string(200000, 'a') + "\"}]}";
  DecodeOptions small;
  small.max_inflated_bytes = 100000;
  auto batch = DecodeSubscriptionEvent(MakeEvent(big), small);
  REQUIRE_FALSE(batch.ok());
  CHECK(batch.status().code() == StatusCode::kResourceExhausted);
  CHECK(DecodeSubscriptionEvent(MakeEvent(big)).ok());
}

}  // namespace
}  // namespace iam_audit

namespace iam_audit {
namespace {

TEST_CASE("One message with invalid UTF-8 or a lone surrogate does not sink the batch",
          "[payload][batch]") {
  const std::string head =
      R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":")";
  const std::string tail = R"("},{"id":"2","timestamp":2,"message":"good"}]})";
  auto [bad, repaired] = GENERATE(table<std::string, std::string>({
      {"a\xff"
       "b",
       "a\xEF\xBF\xBD"
       "b"},                                                     // stray byte
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},                  // overlong '/'
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // encoded surrogate
      {"x\\uD800y", "x\xEF\xBF\xBDy"},                           // lone high surrogate escape
      {"\\uDC00", "\xEF\xBF\xBD"},                               // lone low surrogate escape
      {"\\\\uD800", "\\uD800"},                // an escaped backslash, not an escape
      {"\\uD83D\\uDE00", "\xF0\x9F\x98\x80"},  // a valid pair stays
  }));
  CAPTURE(bad);
  auto batch = ParseLogBatch(head + bad + tail);
  REQUIRE(batch.ok());
  REQUIRE(batch->log_events.size() == 2);
  CHECK(batch->log_events[0].message == repaired);
  CHECK(batch->log_events[1].message == "good");
}

}  // namespace
}  // namespace iam_audit
