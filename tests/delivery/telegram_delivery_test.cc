// Telegram delivery (telegram.h) with a scripted HTTP client: request shape,
// retries (429 retry_after from the JSON answer, 5xx, no response), no retry
// on other 4xx, and the token never in a status.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "iam_audit/telegram.h"
#include "testing/fake_http_client.h"

namespace iam_audit {
namespace {

using testing::FakeHttpClient;
constexpr const char* kToken = "777:TokSecretNeverPrinted";

TEST_CASE("telegram: request shape and success", "[telegram]") {
  FakeClock clock(1'000'000);
  FakeHttpClient client(&clock);
  auto bot = TelegramBot::Create(kToken, "-100123", client, clock);
  REQUIRE(bot.ok());
  CHECK(bot->host() == "api.telegram.org");
  client.Respond(200, R"({"ok":true,"result":{"message_id":1}})");
  DeliveryOutcome out = bot->Send("<b>x</b> &amp;", 1'000'000 + 10'000);
  CHECK(out.status.ok());
  REQUIRE(client.calls().size() == 1);
  const auto& call = client.calls()[0];
  CHECK(call.url.host == "api.telegram.org");
  CHECK(call.url.scheme == "https");
  CHECK(call.url.target == std::string("/bot") + kToken + "/sendMessage");
  CHECK(call.content_type == "application/json");
  auto body = nlohmann::json::parse(call.body);
  CHECK(body["chat_id"] == "-100123");
  CHECK(body["parse_mode"] == "HTML");
  CHECK(body["text"] == "<b>x</b> &amp;");
}

TEST_CASE("telegram: retries and what is not retried", "[telegram]") {
  FakeClock clock(1'000'000);
  FakeHttpClient client(&clock);
  RetryPolicy policy;
  auto bot = TelegramBot::Create(kToken, "42", client, clock, policy, "http://127.0.0.1:9/");
  REQUIRE(bot.ok());
  const int64_t deadline = 1'000'000 + 60'000;

  SECTION("429 waits parameters.retry_after, then succeeds") {
    client.Respond(
        429,
        R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}})");
    client.Respond(200, R"({"ok":true})");
    DeliveryOutcome out = bot->Send("x", deadline);
    CHECK(out.status.ok());
    CHECK(out.attempts == 2);
    REQUIRE(client.calls().size() == 2);
    CHECK(client.calls()[1].at_ms - client.calls()[0].at_ms == 3000);
  }
  SECTION("5xx and no response are retried") {
    client.Respond(502, R"({"ok":false,"error_code":502,"description":"Bad Gateway"})");
    client.Fail(UnavailableError("fake: connection refused"));
    client.Respond(200, R"({"ok":true})");
    DeliveryOutcome out = bot->Send("x", deadline);
    CHECK(out.status.ok());
    CHECK(out.attempts == 3);
  }
  SECTION("400 and 401 are not retried, and name Telegram's description") {
    auto [status, body, text] = GENERATE(table<int, std::string, std::string>({
        {400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})",
         "telegram: 127.0.0.1 answered 400 Bad Request: chat not found (not retried)"},
        {401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})",
         "telegram: 127.0.0.1 answered 401 Unauthorized (not retried)"},
    }));
    client.Respond(status, body);
    DeliveryOutcome out = bot->Send("x", deadline);
    CHECK_FALSE(out.status.ok());
    CHECK(out.attempts == 1);
    CHECK_FALSE(out.retryable);
    CHECK(out.status.message() == text);
  }
  SECTION("a retry_after past the deadline gives up at once") {
    client.Respond(
        429,
        R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 120","parameters":{"retry_after":120}})");
    DeliveryOutcome out = bot->Send("x", deadline);
    CHECK_FALSE(out.status.ok());
    CHECK(out.attempts == 1);
    CHECK(out.retryable);
    CHECK(out.status.message().find("would pass the invocation deadline") != std::string::npos);
  }
  SECTION("the token is in no status") {
    for (int i = 0; i < 5; ++i) client.Respond(503, "<html>busy</html>");
    DeliveryOutcome out = bot->Send("x", deadline);
    CHECK_FALSE(out.status.ok());
    CHECK(out.status.message().find("TokSecret") == std::string::npos);
    CHECK(out.status.message().find("777") == std::string::npos);
  }
}

TEST_CASE("telegram: Create errors never quote the token", "[telegram]") {
  FakeClock clock(0);
  FakeHttpClient client(&clock);
  CHECK(TelegramBot::Create("", "1", client, clock).status().message() ==
        "telegram: bot token is empty");
  CHECK(TelegramBot::Create(kToken, "", client, clock).status().message() ==
        "telegram: chat id is empty");
  auto bad = TelegramBot::Create("777:Tok/SecretNeverPrinted", "1", client, clock);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("Secret") == std::string::npos);
  auto bad_base = TelegramBot::Create(kToken, "1", client, clock, {}, "ftp://x");
  REQUIRE_FALSE(bad_base.ok());
  CHECK(bad_base.status().message().find("TokSecret") == std::string::npos);
}

}  // namespace
}  // namespace iam_audit
