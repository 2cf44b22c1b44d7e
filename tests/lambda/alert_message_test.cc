// Alert messages with rules, digests and Telegram HTML (alert_message.h):
// goldens untouched without rules, limits kept with hostile records, every
// value escaped for Telegram's HTML parse mode.
#include "iam_audit/alert_message.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace iam_audit {
namespace {

using nlohmann::json;

std::string Record(const std::string& name, const std::string& id, const std::string& time,
                   const std::string& user = "alice") {
  return json{
      {"eventVersion", "1.08"},
      {"eventTime", time},
      {"eventType", "AwsApiCall"},
      {"eventSource", "iam.amazonaws.com"},
      {"eventName", name},
      {"awsRegion", "us-east-1"},
      {"sourceIPAddress", "203.0.113.5"},
      {"eventID", id},
      {"userIdentity", {{"type", "IAMUser"}, {"userName", user}, {"accountId", "111122223333"}}}}
      .dump();
}

size_t Utf16(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

// Checks a Slack message against the Block Kit limits we rely on.
void CheckSlackLimits(const std::string& message) {
  json j = json::parse(message);
  REQUIRE(j["blocks"].is_array());
  CHECK(j["blocks"].size() <= kSlackMaxBlocks);
  for (const json& b : j["blocks"]) {
    if (b["type"] == "section") {
      CHECK(Utf16(b["text"]["text"].get<std::string>()) <= kSlackMaxSectionText);
      CHECK_FALSE(b["text"]["text"].get<std::string>().empty());
    } else if (b["type"] == "header") {
      CHECK(b["text"]["type"] == "plain_text");
      CHECK(Utf16(b["text"]["text"].get<std::string>()) <= kSlackMaxHeaderText);
    }
  }
}

// The single-event alert for Record("CreateUser", "e1", "2024-01-02T03:04:05Z")
// in UTC, written out by hand: the original's two sections (bold "user (ip)",
// Time/Type/Source/Name/Region, then the italic console link to the eventID)
// as slack_message.h lays them out, every text object mrkdwn with
// "verbatim": true.
const char* const kCreateUserSection1 =
    R"({"type": "section", "text": {"type": "mrkdwn", "verbatim": true,
  "text": "*alice (203.0.113.5)*\nTime: 2024.01.02 03:04:05\nType: AwsApiCall\nSource: iam.amazonaws.com\nName: CreateUser\nRegion: us-east-1"}})";
const char* const kCreateUserSection2 =
    R"({"type": "section", "text": {"type": "mrkdwn", "verbatim": true,
  "text": "_<https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/e1|e1>_"}})";

TEST_CASE("alert: without rules the golden single-event format is unchanged", "[alert]") {
  RenderOptions options;
  const json expected =
      json::parse(std::string(R"({"text": "alice (203.0.113.5): CreateUser", "blocks": [)") +
                  kCreateUserSection1 + "," + kCreateUserSection2 + "]}");
  const std::string actual =
      RenderSlackAlert(Record("CreateUser", "e1", "2024-01-02T03:04:05Z"), options, AlertInfo{});
  CHECK(json::parse(actual) == expected);
}

TEST_CASE("alert: rules and severity are shown", "[alert]") {
  RenderOptions options;
  AlertInfo info{{"iam-changes", "original-behaviour"}, Severity::kCritical, ""};
  // alert_message.h: a plain_text header "<SEVERITY>: <title or first rule>"
  // first (Block Kit: header text is plain_text), the two sections, and a
  // context block "Rules: a, b · severity s" last; the notification text
  // gets the same "<SEVERITY>: " prefix.
  const json expected =
      json::parse(std::string(R"({"text": "CRITICAL: alice (203.0.113.5): CreateUser", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "CRITICAL: iam-changes"}},)") +
                  kCreateUserSection1 + "," + kCreateUserSection2 + R"(,
        {"type": "context", "elements": [{"type": "mrkdwn", "verbatim": true,
          "text": "Rules: iam-changes, original-behaviour \u00b7 severity critical"}]}]})");
  CHECK(json::parse(RenderSlackAlert(Record("CreateUser", "e1", "2024-01-02T03:04:05Z"), options,
                                     info)) == expected);
  info.title = "Someone changed IAM";
  const json j = json::parse(
      RenderSlackAlert(Record("CreateUser", "e1", "2024-01-02T03:04:05Z"), options, info));
  CHECK(j["blocks"][0] == json::parse(R"({"type": "header", "text": {"type": "plain_text",
                                           "text": "CRITICAL: Someone changed IAM"}})"));
}

TEST_CASE("digest: counts, names, first/last, links, within Slack's limits", "[alert][digest]") {
  RenderOptions options;
  DigestInput d;
  d.identity = "alice";
  d.alert = {{"iam-changes"}, Severity::kWarning, ""};
  d.messages = {Record("CreateUser", "e1", "2024-01-02T03:04:05Z"),
                Record("AttachUserPolicy", "e2", "2024-01-02T03:00:00Z"),
                Record("CreateUser", "e3", "2024-01-02T04:00:00Z"), "not json"};
  std::string slack = RenderSlackDigest(d, options, 2);
  CheckSlackLimits(slack);
  json j = json::parse(slack);
  CHECK(j["text"] == "WARNING: 4 alerts for alice (iam-changes)");
  std::string body = j["blocks"][1]["text"]["text"];
  CHECK(body.find("4 alerts") != std::string::npos);
  CHECK(body.find("• CreateUser × 2") != std::string::npos);
  CHECK(body.find("• AttachUserPolicy × 1") != std::string::npos);
  CHECK(body.find("(not a CloudTrail record) × 1") != std::string::npos);
  CHECK(body.find("First: 2024.01.02 03:00:00") != std::string::npos);
  CHECK(body.find("Last: 2024.01.02 04:00:00") != std::string::npos);
  std::string links = j["blocks"][2]["text"]["text"];
  CHECK(links.find("events/e1|") != std::string::npos);
  CHECK(links.find("events/e2|") != std::string::npos);
  CHECK(links.find("events/e3") == std::string::npos);  // max_links 2

  std::string tg = RenderTelegramDigest(d, options, 2);
  CHECK(tg.find("<b>WARNING: 4 alerts for alice</b>") == 0);
  CHECK(tg.find("• CreateUser × 2") != std::string::npos);
  CHECK(tg.find("<a "
                "href=\"https://us-east-1.console.aws.amazon.com/cloudtrailv2/"
                "home?region=us-east-1#/events/e1\">") != std::string::npos);
}

TEST_CASE("digest: hostile and huge inputs stay within limits", "[alert][digest]") {
  RenderOptions options;
  DigestInput d;
  d.identity = std::string(5000, '*') + "<!here>";
  d.alert = {{std::string(300, 'r')}, Severity::kCritical, ""};
  for (int i = 0; i < 300; ++i) {
    d.messages.push_back(Record("<b>&" + std::to_string(i) + std::string(400, 'N'),
                                std::string(300, 'x') + std::to_string(i), "2024-01-02T03:04:05Z",
                                std::string(3000, '_')));
  }
  std::string slack = RenderSlackDigest(d, options, 100);
  CheckSlackLimits(slack);
  CHECK(slack.find("<!here>") == std::string::npos);
  std::string tg = RenderTelegramDigest(d, options, 100);
  CHECK(TelegramVisibleLength(tg) <= kTelegramMaxText);
  CHECK(tg.find("<b>&") == std::string::npos);
  CHECK(tg.find("&lt;b&gt;&amp;") != std::string::npos);
}

TEST_CASE("telegram alert: every value escaped, bounded, link kept", "[alert][telegram]") {
  RenderOptions options;
  AlertInfo info{{"root-activity", "x<y>"}, Severity::kCritical, ""};
  std::string hostile = json{
      {"eventVersion", "1.08"},
      {"eventTime", "2024-01-02T03:04:05Z"},
      {"eventName", "<a href=\"javascript:x\">Delete</a>&amp;"},
      {"awsRegion", "us-east-1"},
      {"eventID", "id\"><b>"},
      {"errorMessage", std::string(20000, '<')},
      {"sourceIPAddress", "1.2.3.4\n<i>forged</i>"},
      {"userIdentity",
       {{"type", "Root"}}}}.dump();
  std::string html = RenderTelegramAlert(hostile, options, info);
  CHECK(html.find("<a href=\"javascript") == std::string::npos);
  CHECK(html.find("&lt;a href=&quot;javascript:x&quot;&gt;Delete&lt;/a&gt;&amp;amp;") !=
        std::string::npos);
  CHECK(html.find("<i>forged") == std::string::npos);
  CHECK(html.find("Rules: root-activity, x&lt;y&gt; · severity critical") != std::string::npos);
  CHECK(html.find("events/id%22%3E%3Cb%3E\">id&quot;&gt;&lt;b&gt;</a>") != std::string::npos);
  CHECK(TelegramVisibleLength(html) <= kTelegramMaxText);
  // Only our own tags remain.
  for (size_t p = html.find('<'); p != std::string::npos; p = html.find('<', p + 1)) {
    std::string tag = html.substr(p, 3);
    CAPTURE(tag);
    CHECK((tag == "<b>" || tag == "</b" || tag == "<a " || tag == "</a" || tag == "<i>" ||
           tag == "</i" || tag == "<pr" || tag == "</p"));
  }
  // Not a record: a bounded <pre>.
  std::string raw = RenderTelegramAlert(std::string(50000, '&'), options, AlertInfo{});
  CHECK(raw.find("<pre>&amp;&amp;") != std::string::npos);
  CHECK(TelegramVisibleLength(raw) <= kTelegramMaxText);
}

}  // namespace
}  // namespace iam_audit
