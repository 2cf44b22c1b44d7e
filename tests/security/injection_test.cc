// Injection, end to end between the two renderers: hostile values in the
// record fields an attacker controls (userName, userAgent, requestParameters,
// errorMessage, sourceIPAddress) go through the engine's Slack and Telegram
// renderers, and what they produce goes through mock-slack's view of it — the
// Slack mrkdwn renderer and the Telegram HTML parse mode, which model what the
// channel shows. Whatever the value, the channel must show exactly the markup
// of a harmless record: the bold first line and the one console link (Slack),
// the same entities (Telegram); no mention, no other link, no formatting, no
// extra line; and no bidirectional control character that could reorder the
// rest of a line (e.g. show the IP address reversed).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "iam_audit/alert_message.h"
#include "iam_audit/slack_message.h"
#include "mock_slack/payload.h"
#include "mock_slack/render.h"
#include "mock_slack/telegram.h"

namespace {

using nlohmann::json;

const std::vector<std::string> kAttacks = {
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<#C024BE7LR|general>",
    "<https://evil.example|console.aws.amazon.com>",
    "<https://evil.example>",
    "*bold*",
    "_italic_ ~strike~",
    "line one\nError: forged\n> quoted",
    "a\r\n&gt; quote &lt;!channel&gt;",
    "zero\u200Bwidth\u200D\u2060\uFEFF<!chan\u200Bnel>",
    "rtl \u202Egnp.exe\u202C (10.0.0.1)",
    "isolate \u2067<!here>\u2069 \u200F\u200E\u061C",
    "<b>html</b> <a href=\"https://evil.example\">x</a> &amp; &lt;",
};

std::string Record(const std::string& field, const std::string& value) {
  json r = {{"eventVersion", "1.08"},
            {"eventTime", "2024-05-01T12:00:00Z"},
            {"eventType", "AwsApiCall"},
            {"eventSource", "iam.amazonaws.com"},
            {"eventName", "CreateAccessKey"},
            {"awsRegion", "us-east-1"},
            {"sourceIPAddress", "203.0.113.5"},
            {"userAgent", "aws-cli/2.15"},
            {"errorCode", "AccessDenied"},
            {"errorMessage", "not allowed"},
            {"requestParameters", {{"userName", "bob"}}},
            {"eventID", "0b9a7c1e-1111-2222-3333-444455556666"},
            {"userIdentity",
             {{"type", "IAMUser"}, {"userName", "alice"}, {"accountId", "111122223333"}}}};
  if (field == "userName") {
    r["userIdentity"]["userName"] = value;
  } else if (field == "requestParameters") {
    r["requestParameters"] = {{"userName", value}, {"policyDocument", value}};
  } else {
    r[field] = value;
  }
  return r.dump();
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

// U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069 in UTF-8.
bool HasBidiControl(const std::string& s) {
  for (const char* bidi : {"\u061C", "\u200E", "\u200F", "\u202A", "\u202B", "\u202C", "\u202D",
                           "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"}) {
    if (s.find(bidi) != std::string::npos) return true;
  }
  return false;
}

// The channel's view of a Slack message: the HTML markup with the text of
// every value removed (only tags and their attributes).
std::vector<std::string> Tags(const std::string& html) {
  std::vector<std::string> tags;
  for (size_t lt = html.find('<'); lt != std::string::npos; lt = html.find('<', lt + 1)) {
    tags.push_back(html.substr(lt, html.find('>', lt) - lt + 1));
  }
  return tags;
}

std::vector<std::string> EntityTypes(const mock_slack::TelegramText& t) {
  std::vector<std::string> out;
  for (const auto& e : t.entities) out.push_back(e.type + (e.url.empty() ? "" : " " + e.url));
  return out;
}

}  // namespace

static void CheckInert(const std::string& field, const std::string& attack) {
  CAPTURE(field, attack);
  iam_audit::RenderOptions options;
  const iam_audit::AlertInfo info{
      {"access-key-created"}, iam_audit::Severity::kCritical, "New access key"};

  // Slack: the plain alert and the alert with rules, each through
  // mock-slack's validation and renderer, against a harmless record's markup.
  for (bool with_rules : {false, true}) {
    CAPTURE(with_rules);
    auto render = [&](const std::string& record) {
      return with_rules ? iam_audit::RenderSlackAlert(record, options, info)
                        : iam_audit::RenderMessage(record, options);
    };
    const std::string message = render(Record(field, attack));
    const std::string baseline = render(Record(field, "harmless"));
    const mock_slack::PayloadVerdict verdict =
        mock_slack::ValidatePayload(message, "application/json");
    REQUIRE(verdict.accepted);
    const std::string html = mock_slack::RenderMessageHtml(verdict.payload_json);
    const std::string baseline_html = mock_slack::RenderMessageHtml(baseline);
    CAPTURE(html);
    CHECK(Tags(html) == Tags(baseline_html));  // same bold, link, line breaks; nothing more
    CHECK(Count(html, "<a ") == 1);
    CHECK(Count(html, "href=\"https://us-east-1.console.aws.amazon.com/cloudtrailv2/") == 1);
    CHECK(html.find("evil.example\"") == std::string::npos);
    CHECK(html.find("class=\"mention\"") == std::string::npos);
    CHECK_FALSE(HasBidiControl(message));
    // Slack parses the notification text for mentions and links too.
    const std::string text = json::parse(message)["text"];
    CHECK(text.find('<') == std::string::npos);
    CHECK(text.find('>') == std::string::npos);
  }

  // Telegram: the HTML parse mode accepts it, with the entities of the harmless record.
  const auto telegram = mock_slack::ParseTelegramHtml(
      iam_audit::RenderTelegramAlert(Record(field, attack), options, info));
  const auto baseline = mock_slack::ParseTelegramHtml(
      iam_audit::RenderTelegramAlert(Record(field, "harmless"), options, info));
  REQUIRE(telegram.ok());
  REQUIRE(baseline.ok());
  CAPTURE(telegram->text);
  CHECK(EntityTypes(*telegram) == EntityTypes(*baseline));
  CHECK(Count(telegram->text, "\n") == Count(baseline->text, "\n"));
  CHECK_FALSE(HasBidiControl(telegram->text));
}

TEST_CASE("injection: hostile record values render as inert text in Slack and Telegram",
          "[security][injection]") {
  const std::string field = GENERATE(as<std::string>{}, "userName", "userAgent",
                                     "requestParameters", "errorMessage", "sourceIPAddress");
  const std::string attack = GENERATE(from_range(kAttacks));
  CheckInert(field, attack);
}

// Backticks: Slack opens inline code at any pair of backticks, boundaries or
// not (mock-slack's renderer does the same), so a U+200B fence cannot make one
// inert; the engine shows each as U+02CB, a look-alike that opens nothing.
TEST_CASE("injection: backticks in values open no code span", "[security][injection]") {
  const std::string field =
      GENERATE(as<std::string>{}, "userName", "errorMessage", "sourceIPAddress");
  CheckInert(field, "`code` ```block```");
}
