// SlackWebhook's retry policy against a scripted client and a fake clock.
#include "iam_audit/delivery.h"

#include <catch2/catch.hpp>

#include "testing/fake_http_client.h"

using iam_audit::DeliveryOutcome;
using iam_audit::FakeClock;
using iam_audit::ParseHttpUrl;
using iam_audit::RetryPolicy;
using iam_audit::SlackWebhook;
using iam_audit::StatusCode;
using iam_audit::testing::FakeHttpClient;

namespace {

constexpr const char* kWebhook = "https://hooks.example.test/services/T000/B000/s3cr3tTOKEN";

struct Rig {
  FakeClock clock;
  FakeHttpClient client{&clock};
  RetryPolicy policy;
  int64_t deadline;
  Rig() : deadline(clock.NowMs() + 60'000) {}
  DeliveryOutcome Post() {
    SlackWebhook hook(*ParseHttpUrl(kWebhook), client, clock, policy);
    return hook.Post(R"({"text":"x"})", deadline);
  }
};

}  // namespace

TEST_CASE("delivery: 200 ok is one attempt", "[delivery]") {
  Rig rig;
  DeliveryOutcome out = rig.Post();
  CHECK(out.status.ok());
  CHECK(out.attempts == 1);
  REQUIRE(rig.client.calls().size() == 1);
  CHECK(rig.client.calls()[0].content_type == "application/json");
  CHECK(rig.client.calls()[0].url.target == "/services/T000/B000/s3cr3tTOKEN");
}

TEST_CASE("delivery: 429 waits exactly Retry-After, then succeeds", "[delivery][429]") {
  Rig rig;
  rig.client.Respond(429, R"({"ok":false,"error":"rate_limited"})", "3");
  DeliveryOutcome out = rig.Post();
  CHECK(out.status.ok());
  CHECK(out.attempts == 2);
  CHECK(rig.clock.sleeps() == std::vector<int64_t>{3000});
}

TEST_CASE("delivery: 429 whose Retry-After passes the deadline gives up at once",
          "[delivery][429]") {
  Rig rig;
  rig.deadline = rig.clock.NowMs() + 10'000;
  rig.client.Respond(429, "rate_limited", "30");
  DeliveryOutcome out = rig.Post();
  CHECK_FALSE(out.status.ok());
  CHECK(out.status.code() == StatusCode::kDeadlineExceeded);
  CHECK(out.retryable);
  CHECK(out.attempts == 1);
  CHECK(rig.clock.sleeps().empty());
  CHECK_THAT(out.status.message(), Catch::Contains("429") && Catch::Contains("deadline"));
}

TEST_CASE("delivery: 5xx and connection errors are retried with capped doubling backoff",
          "[delivery][5xx]") {
  Rig rig;
  rig.policy.max_attempts = 6;
  rig.policy.initial_backoff_ms = 100;
  rig.policy.max_backoff_ms = 300;
  rig.client.Respond(500, "rollup_error");
  rig.client.Respond(503, "");
  rig.client.Fail(iam_audit::UnavailableError("http: connection refused"));
  rig.client.Respond(502, "bad gateway");
  rig.client.Fail(iam_audit::DeadlineExceededError("http: timed out"));
  DeliveryOutcome out = rig.Post();
  CHECK(out.status.ok());
  CHECK(out.attempts == 6);
  CHECK(rig.clock.sleeps() == std::vector<int64_t>{100, 200, 300, 300, 300});
}

TEST_CASE("delivery: gives up after max_attempts and says so", "[delivery][5xx]") {
  Rig rig;
  rig.policy.max_attempts = 3;
  for (int i = 0; i < 5; ++i) rig.client.Respond(503, "unavailable");
  DeliveryOutcome out = rig.Post();
  CHECK(out.status.code() == StatusCode::kUnavailable);
  CHECK(out.attempts == 3);
  CHECK(out.retryable);
  CHECK_THAT(out.status.message(), Catch::Contains("503") && Catch::Contains("3 attempts"));
}

TEST_CASE("delivery: permanent 4xx are not retried", "[delivery][4xx]") {
  auto [code, body] = GENERATE(table<int, std::string>({{400, "invalid_blocks"},
                                                        {403, "invalid_token"},
                                                        {404, "channel_not_found"},
                                                        {410, "channel_is_archived"},
                                                        {404, "no_service"},
                                                        {413, "too large"}}));
  CAPTURE(code, body);
  Rig rig;
  rig.client.Respond(code, body);
  DeliveryOutcome out = rig.Post();
  CHECK_FALSE(out.status.ok());
  CHECK_FALSE(out.retryable);
  CHECK(out.attempts == 1);
  CHECK(out.last_http_status == code);
  CHECK(rig.client.calls().size() == 1);
  CHECK_THAT(out.status.message(), Catch::Contains(body) && Catch::Contains("not retried"));
}

TEST_CASE("delivery: certificate failures are not retried", "[delivery]") {
  Rig rig;
  rig.client.Fail(iam_audit::InvalidArgumentError("https: certificate verification failed for x"));
  DeliveryOutcome out = rig.Post();
  CHECK(out.attempts == 1);
  CHECK_FALSE(out.retryable);
}

TEST_CASE("delivery: every request timeout fits before the deadline minus the reserve",
          "[delivery][deadline]") {
  Rig rig;
  rig.policy.request_timeout_ms = 5000;
  rig.policy.reserve_ms = 500;
  rig.policy.initial_backoff_ms = 100;
  rig.policy.max_attempts = 20;
  const int64_t start = rig.clock.NowMs();
  rig.deadline = start + 3000;
  // Every attempt hangs until its timeout.
  for (int i = 0; i < 20; ++i)
    rig.client.Fail(iam_audit::DeadlineExceededError("fake: timed out"), 60'000);
  DeliveryOutcome out = rig.Post();
  CHECK(out.status.code() == StatusCode::kDeadlineExceeded);
  for (const auto& call : rig.client.calls()) {
    CAPTURE(call.at_ms - start, call.timeout_ms);
    CHECK(call.at_ms + call.timeout_ms <= rig.deadline - rig.policy.reserve_ms);
  }
  CHECK(rig.clock.NowMs() <= rig.deadline - rig.policy.reserve_ms);
  CHECK_THAT(out.status.message(), !Catch::Contains("s3cr3t"));
}

TEST_CASE("delivery: no attempt when the deadline has already passed", "[delivery][deadline]") {
  Rig rig;
  rig.deadline = rig.clock.NowMs() + 100;  // less than the reserve
  DeliveryOutcome out = rig.Post();
  CHECK(out.attempts == 0);
  CHECK(rig.client.calls().empty());
  CHECK(out.status.code() == StatusCode::kDeadlineExceeded);
}

TEST_CASE("delivery: Retry-After parsing", "[delivery][429]") {
  auto [text, ms] = GENERATE(table<std::string, int64_t>({{"1", 1000},
                                                          {" 30 ", 30000},
                                                          {"0", 0},
                                                          {"", -1},
                                                          {"abc", -1},
                                                          {"-1", -1},
                                                          {"Wed, 21 Oct 2015 07:28:00 GMT", -1},
                                                          {"1.5", -1}}));
  CAPTURE(text);
  CHECK(iam_audit::ParseRetryAfterMs(text) == ms);
}

TEST_CASE("delivery: URL parsing never quotes the secret", "[delivery][secret]") {
  auto url = ParseHttpUrl(kWebhook);
  REQUIRE(url.ok());
  CHECK(url->host == "hooks.example.test");
  CHECK(url->port == 443);
  CHECK(url->Origin() == "https://hooks.example.test:443");
  auto [bad, reason] = GENERATE(
      table<std::string, std::string>({{"hooks.slack.com/services/T/B/s3cr3t", "missing scheme"},
                                       {"ftp://hooks/services/s3cr3t", "unsupported scheme"},
                                       {"https:///services/s3cr3t", "missing host"},
                                       {"https://h:99999/s3cr3t", "bad port"},
                                       {"https://user:s3cr3t@h/x", "credentials"}}));
  CAPTURE(bad);
  auto parsed = ParseHttpUrl(bad);
  REQUIRE_FALSE(parsed.ok());
  CHECK_THAT(parsed.status().message(), Catch::Contains(reason) && !Catch::Contains("s3cr3t"));
}

TEST_CASE("delivery: URL authority edge cases", "[delivery]") {
  auto v6 = ParseHttpUrl("http://[::1]:8080/x");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8080);
  CHECK(v6->Origin() == "http://[::1]:8080");
  // The scheme is case-insensitive (ASCII); the host is kept as written.
  auto upper = ParseHttpUrl("HTTPS://Hooks.Example/x");
  REQUIRE(upper.ok());
  CHECK(upper->scheme == "https");
  CHECK(upper->host == "Hooks.Example");
  CHECK(upper->port == 443);
  CHECK(upper->target == "/x");
  // An empty port after ':' means the scheme's default.
  auto empty_port = ParseHttpUrl("https://h:/x");
  REQUIRE(empty_port.ok());
  CHECK(empty_port->port == 443);
  auto [url, message] = GENERATE(table<std::string, std::string>({
      {"http://[::1/x", "url: unbalanced '[' in host"},
      {"http://[::1]x/y", "url: bad port"},
      {"http://h:0/x", "url: bad port"},
      {"http://h:-1/x", "url: bad port"},
      {"http://h:80x/x", "url: bad port"},
      {"http://:80/x", "url: missing host"},
      {"http://[]/x", "url: missing host"},
      {"http://h%41/x", "url: invalid character in host"},
  }));
  CAPTURE(url);
  auto parsed = ParseHttpUrl(url);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().message() == message);
}
