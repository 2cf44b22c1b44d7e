// The shared JSON text helpers: string literals (iam_audit/json_string.h) and
// nlohmann error text (iam_audit/json_error_text.h). Expected values are
// written out by hand from RFC 8259 and nlohmann's message formats.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "iam_audit/json_error_text.h"
#include "iam_audit/json_string.h"

namespace iam_audit {
namespace {

std::string Literal(std::string_view s) {
  std::string out = "x";  // appended to, not replaced
  AppendJsonString(out, s);
  return out.substr(1);
}

TEST_CASE("AppendJsonString escapes as nlohmann's dump does", "[json-text]") {
  CHECK(Literal("") == "\"\"");
  CHECK(Literal("plain") == "\"plain\"");
  CHECK(Literal("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(Literal("\b\f\n\r\t") == "\"\\b\\f\\n\\r\\t\"");
  CHECK(Literal(std::string_view("\x00\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\x7f\"");
  CHECK(Literal("caf\xC3\xA9 /") == "\"caf\xC3\xA9 /\"");
  // Past 16 bytes, escapes in and across 16-byte blocks.
  CHECK(Literal("0123456789abcde\"0123456789abcdef\n\x1b") ==
        "\"0123456789abcde\\\"0123456789abcdef\\n\\u001b\"");
  std::string quotes = "\"";
  for (int i = 0; i < 40; ++i) quotes += "\\\"";
  CHECK(Literal(std::string(40, '"')) == quotes + "\"");
}

TEST_CASE("JsonErrorWithoutTag drops the [json.exception...] tag only", "[json-text]") {
  CHECK(JsonErrorWithoutTag("[json.exception.type_error.302] type must be string, but is null") ==
        "type must be string, but is null");
  CHECK(JsonErrorWithoutTag("no tag here") == "no tag here");
  CHECK(JsonErrorWithoutTag("[no closing bracket") == "[no closing bracket");
}

TEST_CASE("SplitJsonParseError takes apart place and reason", "[json-text]") {
  std::string_view place, reason;
  REQUIRE(SplitJsonParseError(
      "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error "
      "while parsing value - invalid literal; last read: 'tru}'",
      place, reason));
  CHECK(place == "line 1, column 5");
  CHECK(reason == "syntax error while parsing value - invalid literal; last read: 'tru}'");
  REQUIRE(SplitJsonParseError(
      "[json.exception.parse_error.110] parse error at byte 3: syntax error", place, reason));
  CHECK(place == "byte 3");
  CHECK(reason == "syntax error");
  REQUIRE(SplitJsonParseError("parse error: unexpected end", place, reason));
  CHECK(place.empty());
  CHECK(reason == "unexpected end");
  place = "kept";
  CHECK_FALSE(
      SplitJsonParseError("[json.exception.type_error.302] type must be string", place, reason));
  CHECK(place == "kept");
}

}  // namespace
}  // namespace iam_audit
