// What mock_slack answers to payloads: a table of bodies and Slack's code.
#include "mock_slack/payload.h"

#include <catch2/catch.hpp>
#include <string>

namespace mock_slack {
namespace {

std::string Repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string Section(std::size_t chars) {
  return R"({"type":"section","text":{"type":"mrkdwn","text":")" + std::string(chars, 'x') +
         R"("}})";
}

std::string Blocks(const std::string& inner) { return R"({"text":"t","blocks":[)" + inner + "]}"; }

std::string Fields(std::size_t n, std::size_t chars) {
  std::string f;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) f += ",";
    f += R"({"type":"mrkdwn","text":")" + std::string(chars, 'f') + R"("})";
  }
  return Blocks(R"({"type":"section","fields":[)" + f + "]}");
}

std::string Header(const std::string& type, std::size_t chars) {
  return Blocks(R"({"type":"header","text":{"type":")" + type + R"(","text":")" +
                std::string(chars, 'h') + R"("}})");
}

std::string ManyBlocks(std::size_t n) {
  std::string b;
  for (std::size_t i = 0; i < n; ++i) b += (i ? "," : "") + std::string(R"({"type":"divider"})");
  return Blocks(b);
}

std::string Attachments(std::size_t n) {
  std::string a;
  for (std::size_t i = 0; i < n; ++i) a += (i ? "," : "") + std::string(R"({"text":"a"})");
  return R"({"attachments":[)" + a + "]}";
}

constexpr const char* kJson = "application/json";
constexpr const char* kForm = "application/x-www-form-urlencoded";

TEST_CASE("payload: Slack's answer per body", "[mock_slack][payload]") {
  // name, content type, body, expected error ("" = accepted)
  auto [name, type, body,
        expected] = GENERATE(table<std::string, std::string, std::string, std::string>({
      {"plain text", kJson, R"({"text":"hello"})", ""},
      {"json with charset", "application/json; charset=utf-8", R"({"text":"hi"})", ""},
      {"unknown top-level keys ignored", kJson,
       R"({"text":"hi","channel":"#x","username":"u","icon_emoji":":x:","foo":{"bar":1}})", ""},
      {"form payload=", kForm, "payload=%7B%22text%22%3A%22a+b%22%7D", ""},
      {"form body that is raw JSON (curl -d)", kForm, R"({"text":"hi"})", ""},
      {"no content type, JSON body", "", R"({"text":"hi"})", ""},
      {"blocks only", kJson, R"({"blocks":[{"type":"divider"}]})", ""},
      {"attachments only", kJson, R"({"attachments":[{"fallback":"f","color":"danger"}]})", ""},
      {"broken JSON", kJson, R"({"text":"hi")", "invalid_payload"},
      {"empty body", kJson, "", "invalid_payload"},
      {"JSON array", kJson, R"([{"text":"hi"}])", "invalid_payload"},
      {"JSON string", kJson, R"("hi")", "invalid_payload"},
      {"text not a string", kJson, R"({"text":42})", "invalid_payload"},
      {"invalid UTF-8", kJson, "{\"text\":\"\xff\xfe\"}", "invalid_payload"},
      {"form payload not JSON", kForm, "payload=hello", "invalid_payload"},
      {"form without payload", kForm, "text=hello", "invalid_payload"},
      {"JSON type with a form body", kJson, "payload=%7B%22text%22%3A%22a%22%7D",
       "invalid_payload"},
      {"too deep", kJson, R"({"text":"t","x":)" + Repeat("[", 65) + Repeat("]", 65) + "}",
       "invalid_payload"},
      {"64 deep is fine", kJson, R"({"text":"t","x":)" + Repeat("[", 63) + Repeat("]", 63) + "}",
       ""},
      {"brackets in strings do not count", kJson, R"({"text":")" + Repeat("[", 100) + R"("})", ""},
      {"empty object", kJson, "{}", "no_text"},
      {"empty text", kJson, R"({"text":""})", "no_text"},
      {"null text", kJson, R"({"text":null})", "no_text"},
      {"empty blocks, no text", kJson, R"({"blocks":[]})", "no_text"},
      {"empty blocks with text", kJson, R"({"text":"t","blocks":[]})", ""},
      {"empty attachments", kJson, R"({"attachments":[]})", "no_text"},
      {"blocks is a string", kJson, R"({"text":"t","blocks":"[{\"type\":\"divider\"}]"})",
       "invalid_blocks_format"},
      {"blocks is an object", kJson, R"({"text":"t","blocks":{"type":"divider"}})",
       "invalid_blocks_format"},
      {"block not an object", kJson, R"({"text":"t","blocks":["divider"]})",
       "invalid_blocks_format"},
      {"50 blocks", kJson, ManyBlocks(50), ""},
      {"51 blocks", kJson, ManyBlocks(51), "invalid_blocks"},
      {"unknown block type", kJson, Blocks(R"({"type":"banner"})"), "invalid_blocks"},
      {"block without type", kJson, Blocks(R"({"text":{"type":"mrkdwn","text":"x"}})"),
       "invalid_blocks"},
      {"unknown key in block", kJson, Blocks(R"({"type":"divider","colour":"red"})"),
       "invalid_blocks"},
      {"unknown key in text object", kJson,
       Blocks(R"({"type":"section","text":{"type":"mrkdwn","text":"x","bold":true}})"),
       "invalid_blocks"},
      {"emoji on mrkdwn", kJson,
       Blocks(R"({"type":"section","text":{"type":"mrkdwn","text":"x","emoji":true}})"),
       "invalid_blocks"},
      {"section text 1 char", kJson, Blocks(Section(1)), ""},
      {"section text 3000", kJson, Blocks(Section(3000)), ""},
      {"section text 3001", kJson, Blocks(Section(3001)), "invalid_blocks"},
      {"section text empty", kJson, Blocks(Section(0)), "invalid_blocks"},
      {"section text 3000 non-ASCII chars", kJson,
       Blocks(R"({"type":"section","text":{"type":"mrkdwn","text":")" + Repeat("\xc3\xa9", 3000) +
              R"("}})"),
       ""},
      {"section without text or fields", kJson, Blocks(R"({"type":"section"})"), "invalid_blocks"},
      {"section text type markdown", kJson,
       Blocks(R"({"type":"section","text":{"type":"markdown","text":"x"}})"), "invalid_blocks"},
      {"10 fields of 2000", kJson, Fields(10, 2000), ""},
      {"11 fields", kJson, Fields(11, 1), "invalid_blocks"},
      {"field of 2001", kJson, Fields(1, 2001), "invalid_blocks"},
      {"empty field", kJson, Fields(1, 0), "invalid_blocks"},
      {"header 150 plain_text", kJson, Header("plain_text", 150), ""},
      {"header 151", kJson, Header("plain_text", 151), "invalid_blocks"},
      {"header mrkdwn", kJson, Header("mrkdwn", 5), "invalid_blocks"},
      {"header empty", kJson, Header("plain_text", 0), "invalid_blocks"},
      {"context of 10", kJson,
       Blocks(R"({"type":"context","elements":[)" + Repeat(R"({"type":"mrkdwn","text":"c"},)", 9) +
              R"({"type":"mrkdwn","text":"c"}]})"),
       ""},
      {"context of 11", kJson,
       Blocks(R"({"type":"context","elements":[)" + Repeat(R"({"type":"mrkdwn","text":"c"},)", 10) +
              R"({"type":"mrkdwn","text":"c"}]})"),
       "invalid_blocks"},
      {"context empty", kJson, Blocks(R"({"type":"context","elements":[]})"), "invalid_blocks"},
      {"actions of 26", kJson,
       Blocks(R"({"type":"actions","elements":[)" + Repeat(R"({"type":"button"},)", 25) +
              R"({"type":"button"}]})"),
       "invalid_blocks"},
      {"block_id 255", kJson,
       Blocks(R"({"type":"divider","block_id":")" + std::string(255, 'b') + R"("})"), ""},
      {"block_id 256", kJson,
       Blocks(R"({"type":"divider","block_id":")" + std::string(256, 'b') + R"("})"),
       "invalid_blocks"},
      {"duplicate block_id", kJson,
       Blocks(R"({"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"})"),
       "invalid_blocks"},
      {"image without alt_text", kJson, Blocks(R"({"type":"image","image_url":"https://x/y.png"})"),
       "invalid_blocks"},
      {"image ok", kJson,
       Blocks(R"({"type":"image","image_url":"https://x/y.png","alt_text":"chart"})"), ""},
      {"rich_text ok", kJson,
       Blocks(
           R"({"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"x"}]}]})"),
       ""},
      {"100 attachments", kJson, Attachments(100), ""},
      {"101 attachments", kJson, Attachments(101), "too_many_attachments"},
      {"attachments not an array", kJson, R"({"text":"t","attachments":{"text":"a"}})",
       "invalid_payload"},
      {"bad block inside an attachment", kJson,
       R"({"attachments":[{"blocks":[{"type":"section"}]}]})", "invalid_blocks"},
  }));
  CAPTURE(name, type, body.substr(0, 200));
  PayloadVerdict v = ValidatePayload(body, type);
  CAPTURE(v.detail);
  if (expected.empty()) {
    CHECK(v.accepted);
    CHECK(v.error.empty());
    CHECK_FALSE(v.payload_json.empty());
  } else {
    CHECK_FALSE(v.accepted);
    CHECK(v.error == expected);
    CHECK_FALSE(v.detail.empty());
  }
}

TEST_CASE("payload: rejection detail names the place", "[mock_slack][payload]") {
  PayloadVerdict v = ValidatePayload(Blocks(Section(3001)), kJson);
  CHECK(v.error == "invalid_blocks");
  CHECK(v.detail == "blocks[0].text.text: 3001 characters, limit 3000");
  v = ValidatePayload(Fields(11, 1), kJson);
  CHECK(v.detail == "blocks[0].fields: 11, limit 10");
}

TEST_CASE("payload: text beyond 40,000 characters is truncated, not rejected",
          "[mock_slack][payload]") {
  std::string text = Repeat("\xe2\x82\xac", 40001);  // 40,001 euro signs, 3 bytes each
  PayloadVerdict v = ValidatePayload(R"({"text":")" + text + R"("})", kJson);
  REQUIRE(v.accepted);
  CHECK(v.text_truncated);
  CHECK(CountCharacters(v.text) == 40000);
  CHECK(v.text.size() == 120000);
  CHECK(v.payload_json.find(v.text) != std::string::npos);

  v = ValidatePayload(R"({"text":")" + std::string(40000, 'a') + R"("})", kJson);
  REQUIRE(v.accepted);
  CHECK_FALSE(v.text_truncated);
}

TEST_CASE("payload: accepted text keeps Slack escapes as sent", "[mock_slack][payload]") {
  PayloadVerdict v = ValidatePayload(R"({"text":"a &lt;b&gt; &amp; <!channel>"})", kJson);
  REQUIRE(v.accepted);
  CHECK(v.text == "a &lt;b&gt; &amp; <!channel>");
}

TEST_CASE("payload: form decoding", "[mock_slack][payload]") {
  std::string value;
  REQUIRE(FormValue("a=1&payload=%7B%22x%22%3A1%7D+y&b=2", "payload", &value));
  CHECK(value == "{\"x\":1} y");
  CHECK_FALSE(FormValue("a=1&b=2", "payload", &value));
  REQUIRE(FormValue("payload=%zz%4", "payload", &value));
  CHECK(value == "%zz%4");
  CHECK(CountCharacters("h\xc3\xa9llo") == 5);
}

}  // namespace
}  // namespace mock_slack
