// Bad input, with nothing lost: every hostile payload or record gives a clear
// error or the raw-message fallback alert, memory stays bounded, the other
// records of a batch are processed, and the summary accounts for every event:
//   received = matched + ignored + (control)   matched = delivered + duplicates + failed
#include <sys/resource.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "iam_audit/handler.h"
#include "lambda/payloads.h"
#include "slack_limits.h"
#include "test_data.h"
#include "testing/fake_http_client.h"

namespace iam_audit {
namespace {

using testing::FakeHttpClient;
using testing::Record;
using testing::SubscriptionEvent;

struct Rig {
  FakeClock clock;
  FakeHttpClient client{&clock};
  std::unique_ptr<Handler> handler;
  Rig() {
    auto config = LoadHandlerConfig(
        {{"SLACK_WEBHOOK_URL", "https://hooks.example.test/services/T1/B1/secret"}});
    REQUIRE(config.ok());
    auto made = Handler::Create(*config, &client, &clock);
    REQUIRE(made.ok());
    handler = std::move(made).value();
  }
  InvocationResult Handle(const std::string& event) {
    return handler->Handle(event, clock.NowMs() + 60'000);
  }
};

void CheckAccounted(const InvocationSummary& s) {
  CHECK(s.received == s.matched + s.IgnoredTotal() + s.control);
  CHECK(s.matched == s.delivered + s.duplicates + s.failed);
}

long PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

std::string Wrap(std::string_view batch_json) {
  return R"({"awslogs":{"data":")" + Base64Encode(GzipDeflate(batch_json)) + "\"}}";
}

// gzip of `zeros` zero bytes, streamed so that the input is never in memory.
std::string GzipOfZeros(size_t zeros) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  const std::string chunk(size_t{1} << 20, '\0');
  std::string out;
  char buffer[1 << 16];
  for (size_t done = 0; done < zeros;) {
    const size_t n = std::min(chunk.size(), zeros - done);
    done += n;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
    zs.avail_in = static_cast<uInt>(n);
    const int flush = done == zeros ? Z_FINISH : Z_NO_FLUSH;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buffer);
      zs.avail_out = sizeof buffer;
      deflate(&zs, flush);
      out.append(buffer, sizeof buffer - zs.avail_out);
    } while (zs.avail_out == 0);
  }
  deflateEnd(&zs);
  return out;
}

TEST_CASE("Undecodable payloads fail the invocation with a named error", "[robustness]") {
  const std::string good = SubscriptionEvent({Record("e1")});
  std::string bad_b64 = good;
  bad_b64[40] = '%';
  const std::string gz = GzipDeflate(R"({"messageType":"DATA_MESSAGE","logEvents":[]})");
  std::string corrupt = gz;
  for (size_t i = 10; i < 16 && i < corrupt.size(); ++i) corrupt[i] = static_cast<char>(0xff);
  const std::string deep_batch = std::string(100000, '[') + std::string(100000, ']');
  auto [name, event, expected] = GENERATE_COPY(table<std::string, std::string, std::string>({
      {"bad base64", bad_b64, "payload: base64: invalid character '%'"},
      {"truncated gzip",
       R"({"awslogs":{"data":")" + Base64Encode(gz.substr(0, gz.size() / 2)) + "\"}}",
       "payload: gzip: truncated stream"},
      {"corrupted gzip", R"({"awslogs":{"data":")" + Base64Encode(corrupt) + "\"}}",
       "payload: gzip: corrupt stream"},
      {"not gzip", R"({"awslogs":{"data":")" + Base64Encode("plain") + "\"}}",
       "payload: gzip: not gzip"},
      {"batch nested 100000 deep", Wrap(deep_batch),
       "payload: batch: expected a JSON object, got array"},
      {"timestamp out of range",
       Wrap(
           R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1e999,"message":"x"}]})"),
       "payload: batch JSON: "},
      {"envelope not JSON", "{\"awslogs\":", "payload: event JSON: "},
  }));
  CAPTURE(name);
  Rig rig;
  InvocationResult r = rig.Handle(event);
  REQUIRE_FALSE(r.status.ok());
  CHECK_THAT(r.status.message(), Catch::Contains(expected));
  CHECK(r.error_type == "Function.InvalidPayload");
  CHECK(rig.client.calls().empty());
}

TEST_CASE("A gzip bomb of 1 GiB is refused with bounded memory", "[robustness][limits]") {
  const long before = PeakRssMb();
  const std::string bomb = GzipOfZeros(size_t{1} << 30);
  CHECK(bomb.size() < 2 * 1024 * 1024);
  Rig rig;
  InvocationResult r = rig.Handle(R"({"awslogs":{"data":")" + Base64Encode(bomb) + "\"}}");
  REQUIRE_FALSE(r.status.ok());
  CHECK_THAT(r.status.message(), Catch::Contains("inflated size exceeds the limit"));
  // Refused at the 64 MiB cap: nowhere near the 1 GiB it would inflate to.
  CHECK(PeakRssMb() - before < 300);
}

TEST_CASE("Hostile records in a batch: fallback alerts, the rest processed, all accounted",
          "[robustness]") {
  const std::string huge_field = Record("big", std::string(10 * 1024 * 1024, 'A'));
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string deep_object =
      "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  std::string nul = Record("nul");
  nul.insert(nul.find("alice"), std::string("\0\0", 2));
  const std::vector<std::string> messages = {
      Record("ok-1"),
      "not json at all",
      deep,
      deep_object,
      huge_field,
      nul,
      R"({"eventID":"n","eventTime":"2022-06-21T13:56:13Z","readOnly":1e999,"userIdentity":{"type":"IAMUser"}})",
      R"({"eventID":"t","eventTime":99999999999999999999999999,"userIdentity":7,"eventName":["x"]})",
      "",
      Record("ok-2"),
  };
  Rig rig;
  InvocationResult r = rig.Handle(SubscriptionEvent(messages));
  INFO(r.status.message());
  CHECK(r.status.ok());
  CHECK(r.summary.received == messages.size());
  CHECK(r.summary.delivered == messages.size());  // none ignored: no ignore rules here
  CheckAccounted(r.summary);
  REQUIRE(rig.client.calls().size() == messages.size());
  for (const auto& call : rig.client.calls()) {
    CHECK(iam_audit::testing::SlackLimitViolation(call.body).empty());
  }
  // The two good records are real alerts, in their place.
  CHECK_THAT(rig.client.calls().front().body, Catch::Contains("alice"));
  CHECK_THAT(rig.client.calls().back().body, Catch::Contains("ok-2"));
  // A record that is not JSON becomes the raw-message fallback.
  CHECK_THAT(rig.client.calls()[1].body, Catch::Contains("not json at all"));
}

TEST_CASE("Invalid UTF-8 in one message: that one alerts with U+FFFD, the others as usual",
          "[robustness]") {
  // Built by hand: a JSON library would refuse to write these bytes.
  const std::string batch =
      R"({"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],)"
      R"("logEvents":[{"id":"1","timestamp":1,"message":"{\"eventID\":\"x\",\"eventName\":\"A)"
      "\xff\xfe"
      R"(\"}"},)"
      R"({"id":"2","timestamp":2,"message":"{\"eventID\":\"y\",\"eventName\":\"Lone\uD800\"}"},)"
      R"({"id":"3","timestamp":3,"message":)" +
      nlohmann::json(Record("ok")).dump() + "}]}";
  Rig rig;
  InvocationResult r = rig.Handle(Wrap(batch));
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  CHECK(r.summary.received == 3);
  CHECK(r.summary.delivered == 3);
  CheckAccounted(r.summary);
  REQUIRE(rig.client.calls().size() == 3);
  CHECK_THAT(rig.client.calls()[0].body, Catch::Contains("A\xEF\xBF\xBD\xEF\xBF\xBD"));
  CHECK_THAT(rig.client.calls()[2].body, Catch::Contains("alice"));
}

TEST_CASE("Every malformed real line is alerted raw and accounted for", "[robustness][real-data]") {
  const auto file = iam_audit::testing::TestDataDir() / "real-cloudtrail" / "odd.jsonl";
  REQUIRE(std::filesystem::exists(file));
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 53);
  Rig rig;
  InvocationResult r = rig.Handle(SubscriptionEvent(lines));
  CHECK(r.status.ok());
  CHECK(r.summary.received == 53);
  CHECK(r.summary.delivered == 53);
  CheckAccounted(r.summary);
  for (const auto& call : rig.client.calls()) {
    CHECK(iam_audit::testing::SlackLimitViolation(call.body).empty());
  }
}

}  // namespace
}  // namespace iam_audit
