// Injection, end to end between the two renderers: hostile values in the
// record fields an attacker controls (userName, userAgent, requestParameters,
// errorMessage, sourceIPAddress, eventName, eventID) go through every engine
// renderer — the plain alert, the alert with rules, the digest (Slack and
// Telegram), the raw-message fallback and the Telegram alert — and what they
// produce goes through mock-slack's view of it — the
// Slack mrkdwn renderer and the Telegram HTML parse mode, which model what the
// channel shows. Whatever the value, the channel must show exactly the markup
// of a harmless record: the bold first line and the one console link (Slack),
// the same entities (Telegram); no mention, no other link, no formatting, no
// extra line; and no bidirectional control character that could reorder the
// rest of a line (e.g. show the IP address reversed).
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
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

std::string Repeat(const std::string& unit, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += unit;
  return out;
}

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
    // Line breaks that are not '\n': NEL (C1), LINE and PARAGRAPH SEPARATOR.
    "nel\u0085Error: forged\u2028> quoted\u2029<!here>",
    "csi \u009B31m red \u009C",
    // Long values: every budget cuts them, never inside a code point or an entity.
    Repeat("&<", 2000) + "<!channel>",
    Repeat("\u00E9*", 2000) + "<!here>",
    Repeat("\U0001F600_", 2000) + "<https://evil.example|x>",
    Repeat("\uD55C`", 2000) + "```<!everyone>```",
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

// The links of an HTML fragment ("<a …>" tags) and everything else in it.
std::vector<std::string> Anchors(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    if (t.rfind("<a ", 0) == 0) out.push_back(t);
  }
  return out;
}
std::vector<std::string> NonAnchors(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    if (t.rfind("<a ", 0) != 0 && t != "</a>") out.push_back(t);
  }
  return out;
}

// Written from RFC 3629: every sequence complete, in its shortest form, no
// surrogate, nothing past U+10FFFF.
bool ValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80                   ? 1
               : (c >= 0xC2 && c <= 0xDF) ? 2
               : (c >= 0xE0 && c <= 0xEF) ? 3
               : (c >= 0xF0 && c <= 0xF4) ? 4
                                          : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

// Line breaks other than '\n' some clients honour: NEL, U+2028, U+2029.
bool HasHiddenLineBreak(const std::string& s) {
  for (const char* lb : {"\u0085", "\u2028", "\u2029"}) {
    if (s.find(lb) != std::string::npos) return true;
  }
  return false;
}

// Every '&' in `text` starts a whole entity: a cut never split one.
bool EntitiesWhole(const std::string& text) {
  for (size_t i = text.find('&'); i != std::string::npos; i = text.find('&', i + 1)) {
    bool whole = false;
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;"})
      whole = whole || text.compare(i, std::strlen(e), e) == 0;
    if (!whole) return false;
  }
  return true;
}

// The text of every block of a Slack message and the notification text,
// each with whether Slack parses it as mrkdwn (a plain_text header is shown
// as it is: no entities).
std::vector<std::pair<std::string, bool>> SlackTexts(const json& message) {
  std::vector<std::pair<std::string, bool>> out = {{message["text"], true}};
  for (const json& b : message["blocks"]) {
    if (b.contains("text")) out.emplace_back(b["text"]["text"], b["text"]["type"] == "mrkdwn");
    if (b.contains("elements")) {
      for (const json& e : b["elements"]) out.emplace_back(e["text"], e["type"] == "mrkdwn");
    }
  }
  return out;
}

const std::string kConsoleHref = "<a href=\"https://us-east-1.console.aws.amazon.com/cloudtrailv2/";

// True when the renderers may show U+FFFD for `attack`: it has a
// bidirectional control, or (`raw`, in a code block) a control character
// other than newline, tab and CR.
bool MayShowReplacement(const std::string& attack, bool raw) {
  if (HasBidiControl(attack) || (raw && HasHiddenLineBreak(attack))) return true;
  for (const unsigned char c : attack) {
    if (raw && (c < 0x20 || c == 0x7F) && c != '\n' && c != '\t' && c != '\r') return true;
  }
  return raw && attack.find("\u009B") != std::string::npos;
}

// Rendered text: valid UTF-8, no bidi control or hidden line break, every
// entity whole, and U+FFFD only where the attack called for one (a cut
// inside a code point would show one too).
void CheckText(const std::string& text, const std::string& attack, bool raw = false,
               bool entities = true) {
  CHECK(ValidUtf8(text));
  CHECK_FALSE(HasBidiControl(text));
  CHECK_FALSE(HasHiddenLineBreak(text));
  if (entities) CHECK(EntitiesWhole(text));
  if (!MayShowReplacement(attack, raw)) CHECK(text.find("\uFFFD") == std::string::npos);
}

// A Slack message with the attack against the same message with a harmless
// value, both through mock-slack's validation and renderer: the same bold,
// italics, code, quotes and line breaks; no mention; links only to the
// console, and no more than the harmless message has.
void CheckSlack(const std::string& message, const std::string& baseline,
                const std::string& attack) {
  const mock_slack::PayloadVerdict verdict =
      mock_slack::ValidatePayload(message, "application/json");
  REQUIRE(verdict.accepted);
  const std::string html = mock_slack::RenderMessageHtml(verdict.payload_json);
  const std::string baseline_html = mock_slack::RenderMessageHtml(baseline);
  CAPTURE(html);
  CHECK(NonAnchors(Tags(html)) == NonAnchors(Tags(baseline_html)));
  const auto anchors = Anchors(Tags(html));
  CHECK(anchors.size() <= Anchors(Tags(baseline_html)).size());
  for (const auto& a : anchors) CHECK(a.rfind(kConsoleHref, 0) == 0);
  CHECK(html.find("class=\"mention\"") == std::string::npos);
  const json j = json::parse(message);
  // Slack parses the notification text for mentions and links too.
  const std::string text = j["text"];
  CHECK(text.find('<') == std::string::npos);
  CHECK(text.find('>') == std::string::npos);
  for (const auto& [t, mrkdwn] : SlackTexts(j)) CheckText(t, attack, false, mrkdwn);
}

std::vector<std::string> EntityTypes(const mock_slack::TelegramText& t) {
  std::vector<std::string> out;
  for (const auto& e : t.entities) out.push_back(e.type);
  return out;
}

// A Telegram message with the attack against the same with a harmless value,
// through mock-slack's model of the HTML parse mode: accepted, the same
// entities and lines, links only to the console.
void CheckTelegram(const std::string& message, const std::string& baseline,
                   const std::string& attack, bool raw = false) {
  const auto parsed = mock_slack::ParseTelegramHtml(message);
  const auto baseline_parsed = mock_slack::ParseTelegramHtml(baseline);
  REQUIRE(parsed.ok());
  REQUIRE(baseline_parsed.ok());
  CAPTURE(parsed->text);
  CHECK(EntityTypes(*parsed) == EntityTypes(*baseline_parsed));
  for (const auto& e : parsed->entities) {
    if (e.type == "text_link")
      CHECK(e.url.rfind("https://us-east-1.console.aws.amazon.com/", 0) == 0);
  }
  if (!raw) CHECK(Count(parsed->text, "\n") == Count(baseline_parsed->text, "\n"));
  CHECK(iam_audit::TelegramVisibleLength(message) <= iam_audit::kTelegramMaxText);
  CheckText(message, attack, raw);
}

// A digest whose identity, event names, event IDs and raw messages carry `value`.
iam_audit::DigestInput Digest(const std::string& field, const std::string& value) {
  iam_audit::DigestInput d;
  d.identity = value;
  d.alert = {{"access-key-created", "second-rule"}, iam_audit::Severity::kCritical, ""};
  d.messages = {Record(field, value), Record("eventName", value), "raw " + value,
                Record("eventID", value)};
  return d;
}

}  // namespace

static void CheckInert(const std::string& field, const std::string& attack) {
  CAPTURE(field, attack.substr(0, 80));
  iam_audit::RenderOptions options;
  const iam_audit::AlertInfo info{
      {"access-key-created"}, iam_audit::Severity::kCritical, "New access key"};
  const std::string record = Record(field, attack);
  const std::string harmless = Record(field, "harmless");

  SECTION("plain alert") {
    CheckSlack(iam_audit::RenderMessage(record, options),
               iam_audit::RenderMessage(harmless, options), attack);
  }
  SECTION("rules alert") {
    CheckSlack(iam_audit::RenderSlackAlert(record, options, info),
               iam_audit::RenderSlackAlert(harmless, options, info), attack);
  }
  SECTION("Slack digest") {
    CheckSlack(iam_audit::RenderSlackDigest(Digest(field, attack), options, 5),
               iam_audit::RenderSlackDigest(Digest(field, "harmless"), options, 5), attack);
  }
  SECTION("Telegram alert") {
    CheckTelegram(iam_audit::RenderTelegramAlert(record, options, info),
                  iam_audit::RenderTelegramAlert(harmless, options, info), attack);
  }
  SECTION("Telegram digest") {
    CheckTelegram(iam_audit::RenderTelegramDigest(Digest(field, attack), options, 5),
                  iam_audit::RenderTelegramDigest(Digest(field, "harmless"), options, 5), attack);
  }
}

TEST_CASE("injection: hostile record values render as inert text in Slack and Telegram",
          "[security][injection]") {
  const std::string field =
      GENERATE(as<std::string>{}, "userName", "userAgent", "requestParameters", "errorMessage",
               "sourceIPAddress", "eventName", "eventID");
  const std::string attack = GENERATE(from_range(kAttacks));
  CheckInert(field, attack);
}

// The attack as a whole log event that is not a record: Slack shows it in
// one code block (nothing in it formats, links or mentions; the only other
// markup is the truncation note), Telegram in one <pre>.
TEST_CASE("injection: a hostile raw message stays inside its code block", "[security][injection]") {
  const std::string attack = GENERATE(from_range(kAttacks));
  CAPTURE(attack.substr(0, 80));
  iam_audit::RenderOptions options;
  const std::string message = iam_audit::RenderRawMessage(attack, options);
  CHECK(iam_audit::RenderMessage(attack, options) == message);
  const mock_slack::PayloadVerdict verdict =
      mock_slack::ValidatePayload(message, "application/json");
  REQUIRE(verdict.accepted);
  const std::string html = mock_slack::RenderMessageHtml(verdict.payload_json);
  CAPTURE(html);
  const json j = json::parse(message);
  const std::string section = j["blocks"][0]["text"]["text"];
  const bool truncated = section.size() > 6 && section.substr(section.size() - 6) == "bytes_";
  CHECK(Count(html, "<pre>") == 1);
  CHECK(Count(html, "<i>") == (truncated ? 1 : 0));
  for (const auto& tag : Tags(html)) {
    CAPTURE(tag);
    CHECK((tag == "<pre>" || tag == "</pre>" || tag == "<br>" || tag == "<i>" || tag == "</i>" ||
           tag == "<div class=\"block section\">" || tag == "<div class=\"section-text\">" ||
           tag == "</div>"));
  }
  // Inside the block: entities whole, no cut code point, no bidi control;
  // CR is dropped and other controls are shown as U+FFFD.
  CheckText(section, attack, /*raw=*/true);

  const iam_audit::AlertInfo info{{"raw"}, iam_audit::Severity::kWarning, ""};
  CheckTelegram(iam_audit::RenderTelegramAlert(attack, options, info),
                iam_audit::RenderTelegramAlert("harmless", options, info), attack, /*raw=*/true);
}

// Backticks: Slack opens inline code at any pair of backticks, boundaries or
// not (mock-slack's renderer does the same), so a U+200B fence cannot make one
// inert; the engine shows each as U+02CB, a look-alike that opens nothing.
TEST_CASE("injection: backticks in values open no code span", "[security][injection]") {
  const std::string field =
      GENERATE(as<std::string>{}, "userName", "errorMessage", "sourceIPAddress");
  CheckInert(field, "`code` ```block```");
}

// Where the plain alert and the alert renderers used to disagree, every
// renderer now follows one rule (engine/src/slack/inert_text.h). `Shown`
// gives what each renderer shows for a user name (the display identity) or,
// for the raw message, for the whole log event.
namespace {

enum class Renderer { kPlain, kRules, kSlackDigest, kTelegram, kTelegramDigest, kRaw };

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string Shown(Renderer renderer, const std::string& value) {
  const iam_audit::RenderOptions options;
  const iam_audit::AlertInfo info{{"r"}, iam_audit::Severity::kCritical, ""};
  iam_audit::DigestInput digest;
  digest.identity = value;
  digest.alert = info;
  digest.messages = {Record("eventName", "CreateUser")};
  const std::string record = Record("userName", value);
  switch (renderer) {
    case Renderer::kPlain:
      return FirstLine(
          json::parse(iam_audit::RenderMessage(record, options))["blocks"][0]["text"]["text"]);
    case Renderer::kRules:
      return FirstLine(json::parse(
          iam_audit::RenderSlackAlert(record, options, info))["blocks"][1]["text"]["text"]);
    case Renderer::kSlackDigest:
      return FirstLine(json::parse(
          iam_audit::RenderSlackDigest(digest, options, 1))["blocks"][1]["text"]["text"]);
    case Renderer::kTelegram: {
      const std::string html = iam_audit::RenderTelegramAlert(record, options, info);
      return FirstLine(html.substr(html.find('\n') + 1));  // after the "CRITICAL: r" heading
    }
    case Renderer::kTelegramDigest:
      return FirstLine(iam_audit::RenderTelegramDigest(digest, options, 1));
    case Renderer::kRaw:
      return json::parse(iam_audit::RenderRawMessage(value, options))["blocks"][0]["text"]["text"];
  }
  return "";
}

// The first line of each renderer around the user name `x` as written.
std::string Around(Renderer renderer, const std::string& x) {
  switch (renderer) {
    case Renderer::kPlain:
    case Renderer::kRules:
      return "*" + x + " (203.0.113.5)*";
    case Renderer::kSlackDigest:
      return "*" + x + "*: 1 alerts";
    case Renderer::kTelegram:
      return "<b>" + x + " (203.0.113.5)</b>";
    case Renderer::kTelegramDigest:
      return "<b>CRITICAL: 1 alerts for " + x + "</b>";
    case Renderer::kRaw:
      return "```" + x + "```";
  }
  return "";
}

const std::string kZwsp = "\u200B";

}  // namespace

TEST_CASE("inert text: '_' between letters is fenced in every mrkdwn value", "[security][inert]") {
  // Plain alerts used to leave "ci_deploy" bare; a fence holds whatever Slack
  // decides about intraword underscores. HTML and code blocks give '_' no meaning.
  CHECK(Shown(Renderer::kPlain, "ci_deploy") ==
        Around(Renderer::kPlain, "ci" + kZwsp + "_" + kZwsp + "deploy"));
  CHECK(Shown(Renderer::kRules, "ci_deploy") ==
        Around(Renderer::kRules, "ci" + kZwsp + "_" + kZwsp + "deploy"));
  CHECK(Shown(Renderer::kSlackDigest, "ci_deploy") ==
        Around(Renderer::kSlackDigest, "ci" + kZwsp + "_" + kZwsp + "deploy"));
  CHECK(Shown(Renderer::kTelegram, "ci_deploy") == Around(Renderer::kTelegram, "ci_deploy"));
  CHECK(Shown(Renderer::kTelegramDigest, "ci_deploy") ==
        Around(Renderer::kTelegramDigest, "ci_deploy"));
  CHECK(Shown(Renderer::kRaw, "ci_deploy") == Around(Renderer::kRaw, "ci_deploy"));
}

TEST_CASE("inert text: C1 controls and U+2028/U+2029 break no line anywhere", "[security][inert]") {
  // NEL (U+0085) and CSI (U+009B) passed through plain alerts, U+2028/U+2029
  // through the alert renderers; each is a space in a value, U+FFFD in a code block.
  const std::string value = GENERATE(as<std::string>{}, "a\u0085b\u009Bc", "a\u2028b\u2029c");
  CAPTURE(value);
  for (const Renderer r : {Renderer::kPlain, Renderer::kRules, Renderer::kSlackDigest,
                           Renderer::kTelegram, Renderer::kTelegramDigest}) {
    CAPTURE(static_cast<int>(r));
    CHECK(Shown(r, value) == Around(r, "a b c"));
  }
  CHECK(Shown(Renderer::kRaw, value) == Around(Renderer::kRaw, "a\uFFFDb\uFFFDc"));
}

TEST_CASE("inert text: budgets count characters as Slack does, entities in full",
          "[security][inert]") {
  // The budgets are in UTF-16 units of the text as sent: a Hangul syllable is
  // 1 (3 bytes), an emoji 2 (4 bytes), "&amp;" 5; the "…" (1) fits inside.
  // Plain alerts counted bytes (99 syllables for the identity's 300), the
  // alert renderers UTF-16 units before escaping (300 "&" as 1500 units).
  // The identity's budget: 300 in alerts, 100 in the Slack digest.
  for (const Renderer r :
       {Renderer::kPlain, Renderer::kRules, Renderer::kTelegram, Renderer::kTelegramDigest}) {
    CAPTURE(static_cast<int>(r));
    CHECK(Shown(r, Repeat("\uD55C", 400)) == Around(r, Repeat("\uD55C", 299) + "\u2026"));
    CHECK(Shown(r, Repeat("\U0001F600", 200)) == Around(r, Repeat("\U0001F600", 149) + "\u2026"));
    CHECK(Shown(r, Repeat("&", 400)) == Around(r, Repeat("&amp;", 59) + "\u2026"));
  }
  const Renderer digest = Renderer::kSlackDigest;
  CHECK(Shown(digest, Repeat("\uD55C", 400)) == Around(digest, Repeat("\uD55C", 99) + "\u2026"));
  CHECK(Shown(digest, Repeat("\U0001F600", 200)) ==
        Around(digest, Repeat("\U0001F600", 49) + "\u2026"));
  CHECK(Shown(digest, Repeat("&", 400)) == Around(digest, Repeat("&amp;", 19) + "\u2026"));
  // The raw message's block: 3000 less the fences (6) and the note (41).
  CHECK(Shown(Renderer::kRaw, Repeat("\uD55C", 4000)) ==
        Around(Renderer::kRaw, Repeat("\uD55C", 2952) + "\u2026") +
            "\n_truncated: the message has 12000 bytes_");
}
