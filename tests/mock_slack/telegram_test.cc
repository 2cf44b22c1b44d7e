// Telegram Bot API sendMessage emulation: flag, HTML parse mode, answers,
// faults, rate limit, storage, page, and the token never echoed.
#include "mock_slack/telegram.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "mock_slack/render.h"
#include "mock_slack/service.h"

namespace mock_slack {
namespace {

using nlohmann::json;

constexpr const char* kToken = "123456:AAE-sekr1t_TOKEN";
constexpr const char* kSend = "/bot123456:AAE-sekr1t_TOKEN/sendMessage";

struct Fixture {
  explicit Fixture(RateLimit rate = {false, 1, 1}) {
    ServiceOptions options;
    options.rate = rate;
    options.telegram_bots.push_back(
        *ParseTelegramBotFlag(std::string(kToken) + ",chat=-1001234:sec-team,chat=42"));
    service = std::make_unique<Service>(
        std::vector<WebhookConfig>{*ParseWebhookFlag("T1/B1/s3cret,channel=alerts")}, options,
        ErrorStatusTable{}, &clock);
  }
  Reply Send(const json& body, const std::string& path = kSend) {
    last = service->HandleTelegram(path, "application/json", body.dump());
    return last;
  }
  json Body() const { return json::parse(last.body); }
  json Api(const std::string& method, const std::string& path,
           std::multimap<std::string, std::string> query = {}, const std::string& body = "") {
    return json::parse(service->HandleApi(method, path, query, body).body);
  }
  FakeClock clock;
  std::unique_ptr<Service> service;
  Reply last;
};

TEST_CASE("telegram: --telegram-bot flag", "[mock_slack][telegram]") {
  auto bot = ParseTelegramBotFlag("123:abc,chat=-100:ops,chat=@news,chat=7");
  REQUIRE(bot.ok());
  CHECK(bot->bot_id == "123");
  CHECK(bot->Id() == "telegram/123");
  REQUIRE(bot->chats.size() == 3);
  CHECK(bot->chats[0].id == "-100");
  CHECK(bot->chats[0].name == "ops");
  CHECK(bot->chats[1].id == "@news");
  CHECK(bot->chats[2].name == "telegram-7");

  auto bad =
      GENERATE(as<std::string>{}, "no-colon-s3cr3t", "abc:s3cr3t", "123:", "123:s3cr3t,chat=x",
               "123:s3cr3t,room=1", "123:s3cr3t,chat=1:bad name");
  CAPTURE(bad);
  auto r = ParseTelegramBotFlag(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("s3cr3t") == std::string::npos);
}

TEST_CASE("telegram: paths are redacted", "[mock_slack][telegram]") {
  CHECK(RedactPath(kSend) == "/bot123456:***/sendMessage");
  CHECK(RedactPath("/botnocolon/sendMessage") == "/bot***/sendMessage");
  CHECK(RedactPath("/services/T1/B1/x") == "/services/T1/B1/***");
}

TEST_CASE("telegram: HTML parse mode", "[mock_slack][telegram]") {
  auto r = ParseTelegramHtml(
      "<b>Root</b> &lt;x&gt; &amp; <a href=\"https://e.x/?a=1&amp;b=2\">link</a>");
  REQUIRE(r.ok());
  CHECK(r->text == "Root <x> & link");
  REQUIRE(r->entities.size() == 2);
  CHECK(r->entities[0].type == "bold");
  CHECK(r->entities[0].offset == 0);
  CHECK(r->entities[0].length == 4);
  CHECK(r->entities[1].type == "text_link");
  CHECK(r->entities[1].offset == 11);
  CHECK(r->entities[1].url == "https://e.x/?a=1&b=2");

  // Offsets count UTF-16 units: an emoji outside the BMP is two.
  auto u = ParseTelegramHtml("\xF0\x9F\x94\x92 <i>é</i>");
  REQUIRE(u.ok());
  REQUIRE(u->entities.size() == 1);
  CHECK(u->entities[0].offset == 3);
  CHECK(u->entities[0].length == 1);

  auto pre = ParseTelegramHtml("<pre><code class=\"language-json\">{}</code></pre>");
  REQUIRE(pre.ok());
  REQUIRE(pre->entities.size() == 1);
  CHECK(pre->entities[0].type == "pre");
  CHECK(pre->entities[0].language == "json");

  // Unknown named entities stay literal; numeric ones decode.
  auto e = ParseTelegramHtml("&nbsp; &#65;&#x42;");
  REQUIRE(e.ok());
  CHECK(e->text == "&nbsp; AB");
}

TEST_CASE("telegram: HTML errors name the place", "[mock_slack][telegram]") {
  auto [html, error] = GENERATE(table<std::string, std::string>({
      {"a < b", "Unsupported start tag \"\" at byte offset 2"},
      {"<script>x</script>", "Unsupported start tag \"script\" at byte offset 0"},
      {"<b>x", "Can't find end tag corresponding to start tag \"b\""},
      {"<b>x</i>", "Unmatched end tag at byte offset 4, expected \"</b>\", found \"</i>\""},
      {"x</b>", "Unexpected end tag at byte offset 1"},
      {"<b", "Unclosed start tag at byte offset 0"},
      {"<b>x</b", "Can't find end of the tag at byte offset 4"},
      {"<span>x</span>", "Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"},
  }));
  CAPTURE(html);
  auto r = ParseTelegramHtml(html);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == error);
}

TEST_CASE("telegram: sendMessage answers", "[mock_slack][telegram]") {
  Fixture f;
  SECTION("success returns the Message and stores it") {
    Reply r =
        f.Send({{"chat_id", "-1001234"}, {"text", "<b>Hi</b> &amp; bye"}, {"parse_mode", "HTML"}});
    CHECK(r.status == 200);
    CHECK(r.content_type == "application/json");
    json b = f.Body();
    CHECK(b["ok"] == true);
    CHECK(b["result"]["text"] == "Hi & bye");
    CHECK(b["result"]["chat"]["id"] == -1001234);
    CHECK(b["result"]["entities"][0]["type"] == "bold");
    json msgs = f.Api("GET", "/api/messages", {{"webhook", "telegram/123456/-1001234"}});
    REQUIRE(msgs["messages"].size() == 1);
    CHECK(msgs["messages"][0]["channel"] == "sec-team");
    CHECK(msgs["messages"][0]["text"] == "Hi & bye");
    CHECK(msgs["messages"][0]["payload"]["message_id"] == msgs["messages"][0]["seq"]);
    // The numeric chat id given as a JSON number works as well.
    CHECK(f.Send({{"chat_id", 42}, {"text", "plain"}}).status == 200);
  }
  SECTION("form bodies are accepted") {
    Reply r = f.service->HandleTelegram(kSend, "application/x-www-form-urlencoded",
                                        "chat_id=42&text=a+%3C+b&parse_mode=HTML");
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["description"] ==
          "Bad Request: can't parse entities: Unsupported start tag \"\" at byte offset 2");
    r = f.service->HandleTelegram(kSend, "application/x-www-form-urlencoded",
                                  "chat_id=42&text=a+%26lt%3B+b&parse_mode=HTML");
    CHECK(r.status == 200);
    CHECK(json::parse(r.body)["result"]["text"] == "a < b");
  }
  SECTION("errors") {
    auto [path, body, status,
          description] = GENERATE(table<std::string, std::string, int, std::string>({
        {"/bot123456:wrong/sendMessage", R"({"chat_id":42,"text":"x"})", 401, "Unauthorized"},
        {"/bot999:AAE-sekr1t_TOKEN/sendMessage", R"({"chat_id":42,"text":"x"})", 401,
         "Unauthorized"},
        {"/bot123456:AAE-sekr1t_TOKEN/sendPhoto", R"({"chat_id":42,"text":"x"})", 404, "Not Found"},
        {kSend, R"({"chat_id":43,"text":"x"})", 400, "Bad Request: chat not found"},
        {kSend, R"({"text":"x"})", 400, "Bad Request: chat_id is empty"},
        {kSend, R"({"chat_id":42})", 400, "Bad Request: message text is empty"},
        {kSend, R"({"chat_id":42,"text":"  "})", 400, "Bad Request: message text is empty"},
        {kSend, R"({"chat_id":42,"text":"<b></b>","parse_mode":"HTML"})", 400,
         "Bad Request: message text is empty"},
        {kSend, R"({"chat_id":42,"text":"x","parse_mode":"BBCode"})", 400,
         "Bad Request: unsupported parse_mode"},
        {kSend, R"([1])", 400, "Bad Request: can't parse JSON"},
    }));
    CAPTURE(path, body);
    Reply r = f.service->HandleTelegram(path, "application/json", body);
    CHECK(r.status == status);
    json b = json::parse(r.body);
    CHECK(b["ok"] == false);
    CHECK(b["error_code"] == status);
    CHECK(b["description"] == description);
    CHECK(r.body.find("sekr1t") == std::string::npos);
    CHECK(f.Api("GET", "/api/messages")["messages"].empty());
  }
  SECTION("4096 UTF-16 units, counted after entities") {
    std::string text(4096, 'a');
    CHECK(f.Send({{"chat_id", 42}, {"text", text}}).status == 200);
    CHECK(
        f.Send({{"chat_id", 42}, {"text", "<b>" + text + "</b>"}, {"parse_mode", "HTML"}}).status ==
        200);
    CHECK(f.Send({{"chat_id", 42}, {"text", text + "b"}}).status == 400);
    CHECK(f.Body()["description"] == "Bad Request: message is too long");
    // 2048 emoji are 4096 units; one more is too long.
    std::string emoji;
    for (int i = 0; i < 2048; ++i) emoji += "\xF0\x9F\x94\x92";
    CHECK(f.Send({{"chat_id", 42}, {"text", emoji}}).status == 200);
    CHECK(f.Send({{"chat_id", 42}, {"text", emoji + "x"}}).status == 400);
  }
}

TEST_CASE("telegram: rate limit per chat with retry_after", "[mock_slack][telegram]") {
  Fixture f(RateLimit{true, 1.0, 2.0});
  json msg = {{"chat_id", 42}, {"text", "x"}};
  CHECK(f.Send(msg).status == 200);
  CHECK(f.Send(msg).status == 200);
  Reply r = f.Send(msg);
  CHECK(r.status == 429);
  json b = f.Body();
  CHECK(b["error_code"] == 429);
  CHECK(b["parameters"]["retry_after"] == 1);
  CHECK(b["description"] == "Too Many Requests: retry after 1");
  // Another chat has its own bucket.
  CHECK(f.Send({{"chat_id", "-1001234"}, {"text", "x"}}).status == 200);
  f.clock.Advance(std::chrono::milliseconds(1000));
  CHECK(f.Send(msg).status == 200);
  json stats = f.Api("GET", "/api/stats");
  CHECK(stats["webhooks"]["telegram/123456/42"]["rate_limited"] == 1);
  CHECK(stats["webhooks"]["telegram/123456/42"]["accepted"] == 3);
  CHECK(stats["webhooks"]["telegram/123456/42"]["channel"] == "telegram-42");
}

TEST_CASE("telegram: faults of the bot", "[mock_slack][telegram]") {
  Fixture f;
  json msg = {{"chat_id", 42}, {"text", "x"}};
  f.Api("POST", "/api/faults", {},
        R"([{"webhook":"telegram/123456","kind":"rate_limit","retry_after":7},
               {"webhook":"telegram/123456","kind":"error","status":502,"body":"Bad Gateway"},
               {"webhook":"telegram/123456","kind":"drop"}])");
  Reply r = f.Send(msg);
  CHECK(r.status == 429);
  CHECK(f.Body()["parameters"]["retry_after"] == 7);
  r = f.Send(msg);
  CHECK(r.status == 502);
  CHECK(f.Body()["description"] == "Bad Gateway");
  CHECK(f.Send(msg).action == Reply::Action::kDrop);
  CHECK(f.Send(msg).status == 200);
  json stats = f.Api("GET", "/api/stats");
  CHECK(stats["webhooks"]["telegram/123456/42"]["faults_served"]["rate_limit"] == 1);
}

TEST_CASE("telegram: the page shows chats and escapes everything", "[mock_slack][telegram]") {
  Fixture f;
  REQUIRE(
      f.Send({{"chat_id", 42},
              {"text",
               "<b>&lt;img src=x onerror=alert(1)&gt;</b> <a href=\"javascript:alert(1)\">j</a> "
               "<a href=\"https://console.aws.amazon.com/x\">ok</a>\nline"},
              {"parse_mode", "HTML"}})
          .status == 200);
  Reply page = f.service->ChannelPage();
  CHECK(page.body.find("#telegram-42") != std::string::npos);
  CHECK(page.body.find("#sec-team") != std::string::npos);
  CHECK(page.body.find("Telegram Bot") != std::string::npos);
  CHECK(page.body.find("<b>&lt;img src=x onerror=alert(1)&gt;</b>") != std::string::npos);
  CHECK(page.body.find("<img") == std::string::npos);
  CHECK(page.body.find("href=\"javascript") == std::string::npos);
  CHECK(page.body.find("<a href=\"https://console.aws.amazon.com/x\"") != std::string::npos);
  CHECK(page.body.find("<br>line") != std::string::npos);
  CHECK(page.body.find("sekr1t") == std::string::npos);
}

}  // namespace
}  // namespace mock_slack
