// mrkdwn → HTML: a golden table of what the channel page shows.
#include "mock_slack/render.h"

#include <catch2/catch.hpp>

namespace mock_slack {
namespace {

TEST_CASE("render: mrkdwn as Slack shows it", "[mock_slack][render]") {
  auto [input, html] = GENERATE(table<std::string, std::string>({
      {"plain", "plain"},
      {"*bold* _italic_ ~strike~", "<b>bold</b> <i>italic</i> <s>strike</s>"},
      {"*_both_*", "<b><i>both</i></b>"},
      {"a*b*c", "a*b*c"},                // no word boundary: literal
      {"* not bold *", "* not bold *"},  // spaces inside the delimiters
      {"snake_case_name", "snake_case_name"},
      {"2*3 = 6, 4*5", "2*3 = 6, 4*5"},
      {"*unclosed", "*unclosed"},
      {"`code *not bold*`", "<code>code *not bold*</code>"},
      {"``", "``"},
      {"```\nline 1\n*x*\n```", "<pre>line 1\n*x*\n</pre>"},
      {"before\n```code```\nafter", "before<pre>code</pre>after"},
      {"a\nb", "a<br>b"},
      {"> quoted\nnot", "<blockquote>quoted</blockquote>not"},
      {"&gt; quoted too", "<blockquote>quoted too</blockquote>"},
      {"x &gt; y", "x &gt; y"},
      {"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"},
      {"&amp;lt; stays", "&amp;lt; stays"},
      {"&quot;only three entities&quot;", "&amp;quot;only three entities&amp;quot;"},
      {"Tom & Jerry", "Tom &amp; Jerry"},
      {"\"quotes\" and 'apostrophes'", "&quot;quotes&quot; and &#39;apostrophes&#39;"},
      {"<https://example.com|Example>",
       "<a href=\"https://example.com\" target=\"_blank\" rel=\"noopener noreferrer\">Example</a>"},
      {"<https://example.com>",
       "<a href=\"https://example.com\" target=\"_blank\" rel=\"noopener noreferrer\">"
       "https://example.com</a>"},
      {"<https://x.test/?a=1&amp;b=2|q&amp;a>",
       "<a href=\"https://x.test/?a=1&amp;b=2\" target=\"_blank\" rel=\"noopener noreferrer\">"
       "q&amp;a</a>"},
      {"<javascript:alert(1)|click>", "click"},
      {"<https://x.test/\"onmouseover=\"alert(1)|x>",
       "<a href=\"https://x.test/&quot;onmouseover=&quot;alert(1)\" target=\"_blank\" "
       "rel=\"noopener noreferrer\">x</a>"},
      {"<@U024BE7LH>", "<span class=\"mention\">@U024BE7LH</span>"},
      {"<#C024BE7LR|general>", "<span class=\"mention\">#general</span>"},
      {"<!channel> <!here>",
       "<span class=\"mention\">@channel</span> <span class=\"mention\">@here</span>"},
      {"<!date^1392734382^{date_short}|Feb 18, 2014>", "<span class=\"date\">Feb 18, 2014</span>"},
      {"<!subteam^SAZ94GDB8>", "<span class=\"mention\">@SAZ94GDB8</span>"},
      {"a < b", "a &lt; b"},
      {"<>", "&lt;&gt;"},
      {"*<https://e.test|bold link>*",
       "<b><a href=\"https://e.test\" target=\"_blank\" rel=\"noopener noreferrer\">bold "
       "link</a></b>"},
      {"<img src=x onerror=alert(1)>", "img src=x onerror=alert(1)"},
  }));
  CAPTURE(input);
  CHECK(RenderMrkdwn(input) == html);
}

TEST_CASE("render: hostile input stays text", "[mock_slack][render]") {
  std::string nested(10000, '*');
  std::string html = RenderMrkdwn(nested + "x" + nested);
  CHECK(html == nested.substr(1) + "<b>x</b>" + nested.substr(1));
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "*_~";
  deep += "x";
  for (int i = 0; i < 200; ++i) deep += "~_*";
  CHECK_FALSE(RenderMrkdwn(deep).empty());
  CHECK(RenderMrkdwn("<script>alert(1)</script>").find("<script") == std::string::npos);
}

TEST_CASE("render: messages and blocks", "[mock_slack][render]") {
  std::string html = RenderMessageHtml(R"({"text":"fallback","blocks":[
      {"type":"header","text":{"type":"plain_text","text":"Console login <root>"}},
      {"type":"section","text":{"type":"mrkdwn","text":"*User:* `alice`"},
       "fields":[{"type":"mrkdwn","text":"*Region*\nus-east-1"},{"type":"plain_text","text":"*as is*"}]},
      {"type":"divider"},
      {"type":"context","elements":[{"type":"mrkdwn","text":"<https://console.aws.amazon.com|Console>"}]}]})");
  CHECK(html.find("fallback") == std::string::npos);  // blocks win; text is the notification
  CHECK(html.find("<div class=\"block header\">Console login &lt;root&gt;</div>") !=
        std::string::npos);
  CHECK(html.find("<b>User:</b> <code>alice</code>") != std::string::npos);
  CHECK(html.find("<b>Region</b><br>us-east-1") != std::string::npos);
  CHECK(html.find("*as is*") != std::string::npos);  // plain_text is not formatted
  CHECK(html.find("<hr class=\"block divider\">") != std::string::npos);
  CHECK(html.find("href=\"https://console.aws.amazon.com\"") != std::string::npos);

  CHECK(RenderMessageHtml(R"({"text":"*x* &lt;y&gt;","mrkdwn":false})") ==
        "<div class=\"text\">*x* &lt;y&gt;</div>");
  CHECK(RenderMessageHtml("not json") == "<div class=\"note\">(unreadable payload)</div>");

  std::string attachment =
      RenderMessageHtml(R"J({"attachments":[{"color":"red;background:url(x)","text":"t"}]})J");
  CHECK(attachment.find("border-left-color:#dddddd") != std::string::npos);
  attachment = RenderMessageHtml(
      R"({"attachments":[{"color":"danger","title":"T","fields":[{"title":"k","value":"v"}]}]})");
  CHECK(attachment.find("border-left-color:#e01e5a") != std::string::npos);
  CHECK(attachment.find("<div class=\"field-value\">v</div>") != std::string::npos);
}

// Expected emoji are the Unicode characters Slack shows for these names,
// written as UTF-8 bytes: U+1F389 PARTY POPPER, U+2705 WHITE HEAVY CHECK
// MARK, U+1F6A8 POLICE CARS REVOLVING LIGHT, U+26A0 U+FE0F WARNING SIGN
// (emoji presentation), U+1F44D THUMBS UP SIGN, U+1F3FD its skin tone 4.
#define TADA "<span class=\"emoji\" title=\":tada:\">\xF0\x9F\x8E\x89</span>"
#define CHECK_MARK "<span class=\"emoji\" title=\":white_check_mark:\">\xE2\x9C\x85</span>"
#define ROTATING_LIGHT "<span class=\"emoji\" title=\":rotating_light:\">\xF0\x9F\x9A\xA8</span>"
#define WARNING "<span class=\"emoji\" title=\":warning:\">\xE2\x9A\xA0\xEF\xB8\x8F</span>"

TEST_CASE("render: emoji shortcodes in mrkdwn", "[mock_slack][render][emoji]") {
  auto [input, html] = GENERATE(table<std::string, std::string>({
      {":tada:", TADA},
      {"Deployed :white_check_mark: done", "Deployed " CHECK_MARK " done"},
      {":rotating_light: *Root login* :warning:", ROTATING_LIGHT " <b>Root login</b> " WARNING},
      {"*:tada: bold*", "<b>" TADA " bold</b>"},
      {"_see :white_check_mark: here_", "<i>see " CHECK_MARK " here</i>"},
      {":+1::skin-tone-4:",
       "<span class=\"emoji\" title=\":+1:\">\xF0\x9F\x91\x8D</span>"
       "<span class=\"emoji\" title=\":skin-tone-4:\">\xF0\x9F\x8F\xBD</span>"},
      {"x:tada:y", "x" TADA "y"},  // no word boundary needed
      // Unknown or malformed shortcodes stay literal.
      {":not_an_emoji_here:", ":not_an_emoji_here:"},
      {":Tada:", ":Tada:"},
      {": tada:", ": tada:"},
      {"::", "::"},
      {":tada", ":tada"},
      {"12:30:45 UTC", "12:30:45 UTC"},
      {"arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root"},
      {":unknown:tada:", ":unknown" TADA},
      // Code stays literal.
      {"`:tada:`", "<code>:tada:</code>"},
      {"```:tada:```", "<pre>:tada:</pre>"},
      {"<https://x.test|:tada:>",
       "<a href=\"https://x.test\" target=\"_blank\" rel=\"noopener noreferrer\">:tada:</a>"},
      // Markup next to a shortcode is escaped as ever.
      {"\"x\":tada:'y'", "&quot;x&quot;" TADA "&#39;y&#39;"},
      {":tada:&lt;script&gt;", TADA "&lt;script&gt;"},
  }));
  CAPTURE(input);
  CHECK(RenderMrkdwn(input) == html);
}

TEST_CASE("render: emoji in plain_text follow its emoji flag", "[mock_slack][render][emoji]") {
  auto header = [](const std::string& text_object) {
    return RenderMessageHtml(R"({"blocks":[{"type":"header","text":)" + text_object + "}]}");
  };
  CHECK(header(R"({"type":"plain_text","text":"Release :tada:","emoji":true})") ==
        "<div class=\"block header\">Release " TADA "</div>");
  // Slack's default for plain_text is "emoji": true.
  CHECK(header(R"({"type":"plain_text","text":":tada:"})") == "<div class=\"block header\">" TADA
                                                              "</div>");
  CHECK(header(R"({"type":"plain_text","text":"Release :tada:","emoji":false})") ==
        "<div class=\"block header\">Release :tada:</div>");
  CHECK(header(R"({"type":"plain_text","text":"<i>:tada:</i>\n:nope:","emoji":true})") ==
        "<div class=\"block header\">&lt;i&gt;" TADA "&lt;/i&gt;<br>:nope:</div>");
  // mrkdwn fields and context elements, and attachments' mrkdwn text.
  std::string html = RenderMessageHtml(R"({"blocks":[
      {"type":"section","fields":[{"type":"mrkdwn","text":":warning: *Type*"},
                                  {"type":"plain_text","text":":warning:","emoji":false}]},
      {"type":"context","elements":[{"type":"mrkdwn","text":":rotating_light:"}]}],
      "attachments":[{"text":"CI :white_check_mark:"}]})");
  CHECK(html.find("<div class=\"field\">" WARNING " <b>Type</b></div>") != std::string::npos);
  CHECK(html.find("<div class=\"field\">:warning:</div>") != std::string::npos);
  CHECK(html.find("<span class=\"item\">" ROTATING_LIGHT "</span>") != std::string::npos);
  CHECK(html.find("<div class=\"text\">CI " CHECK_MARK "</div>") != std::string::npos);
}

TEST_CASE("render: rich_text emoji elements", "[mock_slack][render][emoji]") {
  auto rich = [](const std::string& element) {
    return RenderMessageHtml(
        R"({"blocks":[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[)" +
        element + "]}]}]}");
  };
  CHECK(rich(R"({"type":"emoji","name":"tada"})") ==
        "<div class=\"block rich-text\"><div class=\"rich-section\">" TADA "</div></div>");
  // Not in the table: its "unicode" code points (U+1F3C0 BASKETBALL AND HOOP).
  CHECK(rich(R"({"type":"emoji","name":"basketball","unicode":"1f3c0"})") ==
        "<div class=\"block rich-text\"><div class=\"rich-section\"><span class=\"emoji\" "
        "title=\":basketball:\">\xF0\x9F\x8F\x80</span></div></div>");
  // Neither: the name, escaped, between colons.
  // Code points are escaped like any text (U+003C is '<').
  CHECK(rich(R"({"type":"emoji","name":"lt","unicode":"3c"})") ==
        "<div class=\"block rich-text\"><div class=\"rich-section\"><span class=\"emoji\" "
        "title=\":lt:\">&lt;</span></div></div>");
  for (const char* bad : {"d800", "110000", "1f3c0-", "-1f3c0", "zz", "1f", "1234567", ""}) {
    CAPTURE(bad);
    CHECK(rich(std::string(R"({"type":"emoji","name":"<b>x","unicode":")") + bad + "\"}") ==
          "<div class=\"block rich-text\"><div class=\"rich-section\">:&lt;b&gt;x:</div></div>");
  }
}

TEST_CASE("render: the page lists channels and escapes names", "[mock_slack][render]") {
  std::string page =
      RenderChannelPage({{"T1/B1", "sec<urity>"}},
                        {{7, "T1/B1", "sec<urity>", 1700000000000, R"({"text":"hi"})"}}, 7, 0);
  CHECK(page.find("#sec&lt;urity&gt;") != std::string::npos);
  CHECK(page.find("data-seq=\"7\"") != std::string::npos);
  CHECK(page.find("22:13:20 UTC") != std::string::npos);
  CHECK(page.find("data-last-seq=\"7\"") != std::string::npos);
  CHECK(page.find("<script src=\"/page.js\"></script>") != std::string::npos);
}

}  // namespace
}  // namespace mock_slack
