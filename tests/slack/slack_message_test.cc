// Slack Block Kit messages: layout, escaping and injection attempts, limits,
// the console link, and the raw-message fallback.
#include "iam_audit/slack_message.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "iam_audit/cloudtrail.h"
#include "iam_audit/time_zone.h"

namespace {

using iam_audit::CloudTrailRecord;
using iam_audit::EscapeMrkdwn;
using iam_audit::kSlackMaxBlocks;
using iam_audit::kSlackMaxSectionText;
using iam_audit::RenderMessage;
using iam_audit::RenderOptions;
using iam_audit::RenderRawMessage;
using iam_audit::RenderRecordMessage;
using iam_audit::TimeZone;
using iam_audit::ValidateConsoleUrlTemplate;

const std::string kZwsp = "\xE2\x80\x8B";

// A record as CloudTrail writes an IAM user's API call.
CloudTrailRecord ApiCall() {
  CloudTrailRecord r;
  r.event_version = "1.08";
  r.event_time = "2022-06-21T13:25:23Z";
  r.event_type = "AwsApiCall";
  r.event_source = "lambda.amazonaws.com";
  r.event_name = "UpdateFunctionCode20150331v2";
  r.aws_region = "ap-northeast-2";
  r.source_ip_address = "203.0.113.5";
  r.event_id = "f5f387f0-fa63-4811-8b80-cfbd75b27ce2";
  r.identity_type = "IAMUser";
  r.user_name = "alice";
  r.display_identity = "alice";
  return r;
}

RenderOptions Seoul() {
  RenderOptions options;
  options.time_zone = *TimeZone::Parse("Asia/Seoul");
  return options;
}

// Length in UTF-16 code units, the unit the renderers' budgets count
// (inert_text.h): Slack's limits are in characters, and UTF-16 units are
// never fewer than code points.
size_t Utf16Units(const std::string& s) {
  size_t n = 0;
  for (const unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

struct Rendered {
  nlohmann::json json;
  std::string notification;
  std::vector<std::string> sections;
};

// Parses a rendered message and checks the Block Kit shape every message must
// have: {"text":…,"blocks":[section…]}, mrkdwn, verbatim, within limits.
Rendered Parse(const std::string& rendered) {
  Rendered out;
  out.json = nlohmann::json::parse(rendered);  // throws (and fails the test) on invalid JSON
  REQUIRE(out.json.is_object());
  REQUIRE(out.json.size() == 2);
  REQUIRE(out.json["text"].is_string());
  out.notification = out.json["text"];
  CHECK_FALSE(out.notification.empty());
  const auto& blocks = out.json["blocks"];
  REQUIRE(blocks.is_array());
  REQUIRE(!blocks.empty());
  CHECK(blocks.size() <= kSlackMaxBlocks);
  for (const auto& block : blocks) {
    REQUIRE(block.is_object());
    CHECK(block.size() == 2);
    CHECK(block["type"] == "section");
    const auto& text = block["text"];
    REQUIRE(text.is_object());
    CHECK(text.size() == 3);
    CHECK(text["type"] == "mrkdwn");
    CHECK(text["verbatim"] == true);
    REQUIRE(text["text"].is_string());
    const std::string s = text["text"];
    CHECK_FALSE(s.empty());
    CHECK(Utf16Units(s) <= kSlackMaxSectionText);
    out.sections.push_back(s);
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    const size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

// Every '&' in `text` starts one of the three entities (none was cut).
bool EntitiesWhole(const std::string& text) {
  for (size_t i = text.find('&'); i != std::string::npos; i = text.find('&', i + 1)) {
    const std::string rest = text.substr(i, 5);
    if (rest.rfind("&amp;", 0) != 0 && rest.rfind("&lt;", 0) != 0 && rest.rfind("&gt;", 0) != 0) {
      return false;
    }
  }
  return true;
}

// Every formatting character '*', '_', '~' in `text` is fenced by U+200B on
// both sides, and no backtick is left (each became U+02CB: Slack opens code at
// any backtick pair, fenced or not).
bool FormattingFenced(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '`') return false;
    if (c != '*' && c != '_' && c != '~') continue;
    const bool before = i >= 3 && text.compare(i - 3, 3, kZwsp) == 0;
    const bool after = text.compare(i + 1, 3, kZwsp) == 0;
    if (!before || !after) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("an API call renders in the original layout", "[slack]") {
  const Rendered m = Parse(RenderRecordMessage(ApiCall(), Seoul()));
  REQUIRE(m.sections.size() == 2);
  CHECK(m.sections[0] ==
        "*alice (203.0.113.5)*\n"
        "Time: 2022.06.21 22:25:23\n"
        "Type: AwsApiCall\n"
        "Source: lambda.amazonaws.com\n"
        "Name: UpdateFunctionCode20150331v2\n"
        "Region: ap-northeast-2");
  CHECK(m.sections[1] ==
        "_<https://ap-northeast-2.console.aws.amazon.com/cloudtrailv2/home?region=ap-northeast-2"
        "#/events/f5f387f0-fa63-4811-8b80-cfbd75b27ce2|f5f387f0-fa63-4811-8b80-cfbd75b27ce2>_");
  CHECK(m.notification == "alice (203.0.113.5): UpdateFunctionCode20150331v2");
}

TEST_CASE("the message keys come in Slack's documented order", "[slack]") {
  const std::string rendered = RenderRecordMessage(ApiCall(), RenderOptions());
  CHECK(rendered.rfind(R"({"text":)", 0) == 0);
  CHECK(rendered.find(R"({"type":"section","text":{"type":"mrkdwn","text":)") != std::string::npos);
}

TEST_CASE("the time is shown in the configured zone", "[slack]") {
  const auto [spec, expected] = GENERATE(table<std::string, std::string>({
      {"UTC", "Time: 2022.06.21 13:25:23"},
      {"+09:00", "Time: 2022.06.21 22:25:23"},
      {"America/New_York", "Time: 2022.06.21 09:25:23"},
  }));
  RenderOptions options;
  options.time_zone = *TimeZone::Parse(spec);
  CHECK(Lines(Parse(RenderRecordMessage(ApiCall(), options)).sections[0])[1] == expected);
}

TEST_CASE("an eventTime that cannot be read is shown as written", "[slack]") {
  const auto [event_time, expected] = GENERATE(table<std::string, std::string>({
      {"redacted", "Time: redacted"},
      {"", "Time: -"},
      {"<!here>", "Time: &lt;!here&gt;"},
  }));
  CloudTrailRecord r = ApiCall();
  r.event_time = event_time;
  CHECK(Lines(Parse(RenderRecordMessage(r, RenderOptions())).sections[0])[1] == expected);
}

TEST_CASE("Error, Login and MFA lines", "[slack]") {
  CloudTrailRecord r = ApiCall();
  SECTION("errorCode and errorMessage") {
    r.error_code = "AccessDenied";
    r.error_message = "User: arn:aws:iam::123456789012:user/alice is not authorized";
    const auto lines = Lines(Parse(RenderRecordMessage(r, RenderOptions())).sections[0]);
    REQUIRE(lines.size() == 7);
    CHECK(lines[6] ==
          "Error: AccessDenied: User: arn:aws:iam::123456789012:user/alice is not authorized");
    CHECK(Parse(RenderRecordMessage(r, RenderOptions())).notification ==
          "alice (203.0.113.5): UpdateFunctionCode20150331v2 (AccessDenied)");
  }
  SECTION("errorCode only") {
    r.error_code = "ThrottlingException";
    const auto lines = Lines(Parse(RenderRecordMessage(r, RenderOptions())).sections[0]);
    REQUIRE(lines.size() == 7);
    CHECK(lines[6] == "Error: ThrottlingException");
  }
  SECTION("a failed console login: errorMessage only, Login and MFA") {
    r.event_name = "ConsoleLogin";
    r.error_message = "Failed authentication";
    r.console_login = "Failure";
    r.mfa_used = "No";
    const Rendered m = Parse(RenderRecordMessage(r, RenderOptions()));
    const auto lines = Lines(m.sections[0]);
    REQUIRE(lines.size() == 9);
    CHECK(lines[6] == "Error: Failed authentication");
    CHECK(lines[7] == "Login: Failure");
    CHECK(lines[8] == "MFA: No");
    CHECK(m.notification == "alice (203.0.113.5): ConsoleLogin (Failure)");
  }
  SECTION("MFAUsed spelled YES") {
    r.console_login = "Success";
    r.mfa_used = "YES";
    const auto lines = Lines(Parse(RenderRecordMessage(r, RenderOptions())).sections[0]);
    REQUIRE(lines.size() == 8);
    CHECK(lines[6] == "Login: Success");
    CHECK(lines[7] == "MFA: Yes");
  }
  SECTION("no error, no login: the six lines of the original") {
    CHECK(Lines(Parse(RenderRecordMessage(r, RenderOptions())).sections[0]).size() == 6);
  }
}

TEST_CASE("missing values read as '-' and the IP is left out when absent", "[slack]") {
  CloudTrailRecord r;
  r.display_identity = "unknown identity";
  r.event_id = "e1";
  const Rendered m = Parse(RenderRecordMessage(r, RenderOptions()));
  CHECK(m.sections[0] == "*unknown identity*\nTime: -\nType: -\nSource: -\nName: -\nRegion: -");
  // No region: the console link cannot be built, the ID is still shown.
  CHECK(m.sections[1] == "_e1_");
  CHECK(m.notification == "unknown identity: CloudTrail event");
}

TEST_CASE("values are trimmed, blank values read as '-'", "[slack]") {
  CloudTrailRecord r = ApiCall();
  r.display_identity = "  alice\t";
  r.event_name = " \n ";
  r.source_ip_address = "\n";
  const auto lines = Lines(Parse(RenderRecordMessage(r, RenderOptions())).sections[0]);
  CHECK(lines[0] == "*alice*");
  CHECK(lines[4] == "Name: -");
}

TEST_CASE("an empty display identity still renders a name", "[slack]") {
  CloudTrailRecord r = ApiCall();
  r.display_identity.clear();
  CHECK(Lines(Parse(RenderRecordMessage(r, RenderOptions())).sections[0])[0] ==
        "*unknown identity (203.0.113.5)*");
}

TEST_CASE("EscapeMrkdwn escapes exactly &, < and >", "[slack][escape]") {
  CHECK(EscapeMrkdwn("a & b < c > d") == "a &amp; b &lt; c &gt; d");
  CHECK(EscapeMrkdwn("&amp;") == "&amp;amp;");
  CHECK(EscapeMrkdwn("*_~`|\"'") == "*_~`|\"'");
  CHECK(EscapeMrkdwn("") == "");
}

TEST_CASE("values cannot inject mentions, links or formatting", "[slack][escape]") {
  const auto [attack, shown] = GENERATE(table<std::string, std::string>({
      {"<!channel>", "&lt;!channel&gt;"},
      {"<!here|here>", "&lt;!here|here&gt;"},
      {"<@U024BE7LH>", "&lt;@U024BE7LH&gt;"},
      {"<#C024BE7LR>", "&lt;#C024BE7LR&gt;"},
      {"<!subteam^SAZ94GDB8>", "&lt;!subteam^SAZ94GDB8&gt;"},
      {"<http://evil.example|click>", "&lt;http://evil.example|click&gt;"},
      {"a&b", "a&amp;b"},
      {"&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"},
      {"*bold*", kZwsp + "*" + kZwsp + "bold" + kZwsp + "*" + kZwsp},
      {"~strike~", kZwsp + "~" + kZwsp + "strike" + kZwsp + "~" + kZwsp},
      {"`code`",
       "\xCB\x8B"
       "code"
       "\xCB\x8B"},  // U+02CB: no fence makes a backtick inert
      {"_italic_", kZwsp + "_" + kZwsp + "italic" + kZwsp + "_" + kZwsp},
      // Every '_' is fenced, between letters too (inert_text.h: whether Slack
      // formats intraword underscores is Slack's to change).
      {"ci_deploy_bot", "ci" + kZwsp + "_" + kZwsp + "deploy" + kZwsp + "_" + kZwsp + "bot"},
      {"svc_ x", "svc" + kZwsp + "_" + kZwsp + " x"},
      {"evil\nError: forged", "evil Error: forged"},
      {"evil\r\n> quote", "evil  &gt; quote"},
  }));
  CAPTURE(attack);
  CloudTrailRecord r = ApiCall();
  r.display_identity = attack;
  r.event_name = attack;
  r.error_code = attack;
  r.error_message = attack;
  const Rendered m = Parse(RenderRecordMessage(r, RenderOptions()));
  const auto lines = Lines(m.sections[0]);
  REQUIRE(lines.size() == 7);  // a newline in a value cannot add a line
  CHECK(lines[0] == "*" + shown + " (203.0.113.5)*");
  CHECK(lines[4] == "Name: " + shown);
  CHECK(lines[6] == "Error: " + shown + ": " + shown);
  // Nothing in the first section can open a link or a mention.
  CHECK(m.sections[0].find('<') == std::string::npos);
  CHECK(m.sections[0].find('>') == std::string::npos);
  CHECK(EntitiesWhole(m.sections[0]));
  // The notification text is parsed for mentions too.
  CHECK(m.notification.find('<') == std::string::npos);
  CHECK(m.notification.find('>') == std::string::npos);
}

TEST_CASE("formatting characters in values are always fenced", "[slack][escape]") {
  CloudTrailRecord r = ApiCall();
  r.display_identity = "x";
  r.source_ip_address = "1";
  r.event_type = "*a* b_ _c_ _d_ ~e~ `f` **g** __h__ ```i```";
  r.event_source = "_";
  const auto lines = Lines(Parse(RenderRecordMessage(r, RenderOptions())).sections[0]);
  CHECK(FormattingFenced(lines[2].substr(6)));
  CHECK(FormattingFenced(lines[3].substr(8)));
  // Backticks are still there, each as a U+02CB look-alike.
  r.event_type = "`f` ```i```";
  const auto short_lines = Lines(Parse(RenderRecordMessage(r, RenderOptions())).sections[0]);
  CAPTURE(short_lines[2]);
  CHECK(short_lines[2] ==
        "Type: \xCB\x8B"
        "f\xCB\x8B \xCB\x8B\xCB\x8B\xCB\x8B"
        "i\xCB\x8B\xCB\x8B\xCB\x8B");
  CHECK(lines[3] == "Source: " + kZwsp + "_" + kZwsp);
}

TEST_CASE("the link label and the URL are escaped and encoded", "[slack][escape]") {
  CloudTrailRecord r = ApiCall();
  r.event_id = "a b|c>d<e&f_g";
  r.aws_region = "us-east-1&x=<y>";
  const Rendered m = Parse(RenderRecordMessage(r, RenderOptions()));
  CHECK(m.sections[1] ==
        "_<https://us-east-1%26x%3D%3Cy%3E.console.aws.amazon.com/cloudtrailv2/home?region="
        "us-east-1%26x%3D%3Cy%3E#/events/a%20b%7Cc%3Ed%3Ce%26f_g|a b|c&gt;d&lt;e&amp;f" +
            kZwsp + "_" + kZwsp + "g>_");
  // Exactly one link: one '<' and one '>' in the section.
  CHECK(std::count(m.sections[1].begin(), m.sections[1].end(), '<') == 1);
  CHECK(std::count(m.sections[1].begin(), m.sections[1].end(), '>') == 1);
}

TEST_CASE("the console URL template is configurable", "[slack]") {
  CloudTrailRecord r = ApiCall();
  SECTION("event ID only") {
    RenderOptions options;
    options.console_url_template =
        "https://console.aws.amazon.com/cloudtrail/home#/events?EventId={eventID}";
    CHECK(Parse(RenderRecordMessage(r, options)).sections[1] ==
          "_<https://console.aws.amazon.com/cloudtrail/home#/events?EventId="
          "f5f387f0-fa63-4811-8b80-cfbd75b27ce2|f5f387f0-fa63-4811-8b80-cfbd75b27ce2>_");
  }
  SECTION("no region: no link when the template needs one") {
    r.aws_region.clear();
    CHECK(Parse(RenderRecordMessage(r, RenderOptions())).sections[1] ==
          "_f5f387f0-fa63-4811-8b80-cfbd75b27ce2_");
  }
  SECTION("an invalid template is never used") {
    RenderOptions options;
    options.console_url_template = "javascript:alert(1)//{eventID}";
    CHECK(Parse(RenderRecordMessage(r, options)).sections[1] ==
          "_f5f387f0-fa63-4811-8b80-cfbd75b27ce2_");
  }
  SECTION("no event ID") {
    r.event_id.clear();
    CHECK(Parse(RenderRecordMessage(r, RenderOptions())).sections[1] ==
          "_no eventID in the record_");
  }
}

TEST_CASE("ValidateConsoleUrlTemplate", "[slack]") {
  const auto [url_template, fragment] = GENERATE(table<std::string, std::string>({
      {std::string(iam_audit::kDefaultConsoleUrlTemplate), ""},
      {"https://example.com/{eventID}", ""},
      {"http://localhost:8080/events/{eventID}?r={region}", ""},
      {"https://example.com/static", ""},
      {"ftp://example.com/{eventID}", "must start with https:// or http://"},
      {"example.com/{eventID}", "must start with https:// or http://"},
      {"https://example.com/{eventId}", "unknown placeholder '{eventId}' at offset 20"},
      {"https://example.com/{event", "unmatched '{' at offset 20"},
      {"https://example.com/event}", "unmatched '}' at offset 25"},
      {"https://example.com/a b", "character not allowed in a URL at offset 21"},
      {"https://example.com/a|b", "character not allowed in a URL at offset 21"},
      {"https://example.com/a>b", "character not allowed in a URL at offset 21"},
      {"https://example.com/<!channel>", "character not allowed in a URL at offset 20"},
      {"https://example.com/" + std::string(2000, 'a'), "longer than 1024 bytes"},
  }));
  CAPTURE(url_template);
  const auto status = ValidateConsoleUrlTemplate(url_template);
  if (fragment.empty()) {
    CHECK(status.ok());
  } else {
    REQUIRE_FALSE(status.ok());
    CHECK(status.message().rfind("console URL template: ", 0) == 0);
    CHECK_THAT(status.message(), Catch::Contains(fragment));
  }
}

TEST_CASE("long values are truncated to keep every section within limits", "[slack][limits]") {
  const auto [filler, unit] = GENERATE(table<std::string, std::string>({
      {"a", "a"},
      {"<", "&lt;"},
      {"*", kZwsp + "*" + kZwsp},
      {"\xED\x95\x9C", "\xED\x95\x9C"},  // U+D55C, three bytes
  }));
  CAPTURE(unit);
  std::string huge;
  for (int i = 0; i < 20000; ++i) huge += filler;
  CloudTrailRecord r = ApiCall();
  r.display_identity = huge;
  r.source_ip_address = huge;
  r.event_type = huge;
  r.event_source = huge;
  r.event_name = huge;
  r.aws_region = huge;
  r.error_code = huge;
  r.error_message = huge;
  r.console_login = huge;
  r.mfa_used = huge;
  r.event_time = huge;
  r.event_id = huge;
  const Rendered m = Parse(RenderRecordMessage(r, RenderOptions()));  // checks ≤ 3000 per section
  const auto lines = Lines(m.sections[0]);
  REQUIRE(lines.size() == 9);
  for (const auto& line : lines) {
    CAPTURE(line.substr(0, 20));
    // Truncated values end with "…"; the cut never splits an entity or a fence.
    CHECK_THAT(line, Catch::Contains("\xE2\x80\xA6"));
    CHECK(EntitiesWhole(line));
  }
  CHECK(Utf16Units(m.sections[1]) <= kSlackMaxSectionText);
  CHECK(EntitiesWhole(m.sections[1]));
  CHECK(Utf16Units(m.notification) <= 1000);
  if (filler == "*") {
    CHECK(FormattingFenced(lines[4].substr(6, lines[4].size() - 6 - 3)));
  }
}

TEST_CASE("invalid UTF-8 in a value still gives valid JSON", "[slack][limits]") {
  CloudTrailRecord r = ApiCall();
  r.display_identity = "al\xFFice\xC3";
  r.error_message = std::string("\xED\xA0\x80 surrogate, \xC0\xAF overlong, \0 nul", 33);
  const Rendered m = Parse(RenderRecordMessage(r, RenderOptions()));
  const auto lines = Lines(m.sections[0]);
  CHECK(lines[0] ==
        "*al\xEF\xBF\xBD"
        "ice\xEF\xBF\xBD (203.0.113.5)*");
  CHECK(lines[6] ==
        "Error: \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD surrogate, \xEF\xBF\xBD\xEF\xBF\xBD overlong, "
        "  nul");
}

TEST_CASE("a message that is not a record falls back to a code block", "[slack][fallback]") {
  const auto [message, expected] = GENERATE(table<std::string, std::string>({
      {"not json", "```not json```"},
      {R"({"eventVersion":"1.03","userIdentity":{"type":"Root"})",
       R"(```{"eventVersion":"1.03","userIdentity":{"type":"Root"}```)"},
      {"[1,2]", "```[1,2]```"},
      {"{}", "```{}```"},
      {R"({"foo":"bar"})", R"(```{"foo":"bar"}```)"},
      {"<!channel> & <http://evil|x>", "```&lt;!channel&gt; &amp; &lt;http://evil|x&gt;```"},
      {"a```b", "```a" + kZwsp + "`" + kZwsp + kZwsp + "`" + kZwsp + kZwsp + "`" + kZwsp + "b```"},
      {"line1\r\nline2\tx\x01", "```line1\nline2\tx\xEF\xBF\xBD```"},
      {"*not bold* _x_", "```*not bold* _x_```"},
      {"", "_empty log event message_"},
  }));
  CAPTURE(message);
  const Rendered m = Parse(RenderMessage(message, RenderOptions()));
  REQUIRE(m.sections.size() == 1);
  CHECK(m.sections[0] == expected);
  CHECK(m.notification == "CloudTrail log event that is not a valid record");
}

TEST_CASE("RenderMessage renders a valid record", "[slack][fallback]") {
  const Rendered m = Parse(RenderMessage(
      R"({"eventTime":"2022-06-21T13:25:23Z","eventName":"ListUsers","userIdentity":{"type":"IAMUser","userName":"bob"},"sourceIPAddress":"198.51.100.7"})",
      RenderOptions()));
  REQUIRE(m.sections.size() == 2);
  CHECK(Lines(m.sections[0])[0] == "*bob (198.51.100.7)*");
}

TEST_CASE("a huge raw message is truncated with a note", "[slack][fallback][limits]") {
  std::string raw;
  for (int i = 0; i < 10000; ++i) raw += "<&`\xED\x95\x9C";
  raw += "\xFF";
  const Rendered m = Parse(RenderRawMessage(raw, RenderOptions()));
  REQUIRE(m.sections.size() == 1);
  const std::string& text = m.sections[0];
  CHECK(text.rfind("```&lt;&amp;", 0) == 0);
  const std::string note =
      "```\n_truncated: the message has " + std::to_string(raw.size()) + " bytes_";
  CHECK(text.size() >= note.size());
  CHECK(text.substr(text.size() - note.size()) == note);
  CHECK(EntitiesWhole(text));
}

TEST_CASE("a raw message with invalid UTF-8 gives valid JSON", "[slack][fallback]") {
  const Rendered m = Parse(RenderMessage("\xFF\xFE{\"a\":\"\xC3\x28\"}", RenderOptions()));
  CHECK(m.sections[0] == "```\xEF\xBF\xBD\xEF\xBF\xBD{\"a\":\"\xEF\xBF\xBD(\"}```");
}

// The renderer writes the message JSON itself (no nlohmann DOM, no dump()):
// whatever the values, its bytes must be exactly nlohmann's compact dump of
// the same document, so that switching writers changed nothing on the wire.
TEST_CASE("the message JSON is byte for byte nlohmann's compact dump", "[slack][json]") {
  const auto value = GENERATE(as<std::string>{}, "plain", "quote \" and backslash \\ and slash /",
                              "tab\tnew\nline\rcr\x01\x1f\x7f",
                              "caf\xC3\xA9 \xE2\x80\x8B \xF0\x9F\x98\x80 \xE2\x80\xA8",
                              "ci_deploy _x_ *b* ~s~ `c` &<>", "bad \xFF\xFE utf-8 \xC3",
                              std::string("nul \0 inside", 12), "\\u0000 \\\"");
  CAPTURE(value);
  CloudTrailRecord r = ApiCall();
  r.display_identity = value;
  r.event_name = value;
  r.error_code = value;
  r.error_message = value;
  r.event_id = value;
  r.console_login = value;
  for (const std::string& rendered :
       {RenderRecordMessage(r, Seoul()), RenderRawMessage(value, Seoul())}) {
    const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(rendered);
    CHECK(parsed.dump() == rendered);
  }
}

// The JSON writer finds escapes 8 bytes at a time: each escaped character at
// every offset of a word, and runs of every length around it, still give
// nlohmann's bytes exactly.
TEST_CASE("the message JSON escapes at every offset of a word", "[slack][json]") {
  for (const char special : {'"', '\\', '\n', '\t', '\x7f', 'z'}) {
    for (size_t length = 1; length <= 24; ++length) {
      for (size_t at = 0; at < length; ++at) {
        std::string value(length, 'a');
        value[at] = special;
        if (at + 3 < length) value[at + 3] = '"';  // a second escape in the same word
        CAPTURE(special, length, at);
        CloudTrailRecord r = ApiCall();
        r.event_name = value;
        for (const std::string& rendered :
             {RenderRecordMessage(r, Seoul()), RenderRawMessage(value, Seoul())}) {
          const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(rendered);
          REQUIRE(parsed.dump() == rendered);
        }
      }
    }
  }
}
