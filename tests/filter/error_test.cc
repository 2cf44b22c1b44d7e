// Bad inputs: pattern → error text and column; limits; hostile patterns that
// must be rejected (or accepted) without crashing. Run under ASan+UBSan.
#include <catch2/catch.hpp>
#include <string>
#include <tuple>

#include "iam_audit/filter.h"

using iam_audit::Filter;
using iam_audit::FilterError;
using iam_audit::StatusCode;

TEST_CASE("filter errors: AWS wording and column", "[filter][error]") {
  auto [pattern, reason, column] = GENERATE(table<std::string, std::string, size_t>({
      // Texts AWS was observed to answer.
      {"?Status: timeout", "Invalid character(s) in term ':'", 8},
      {"`ERROR", "Invalid character(s) in term '`'", 1},
      {"ERROR(x)", "Invalid character(s) in term '('", 6},
      {"a,b", "Invalid character(s) in term ','", 2},
      {"[ERROR] x", "If a filter pattern starts with '[' it must end with ']'", 10},
      {"C:\\temp", "Invalid character(s) in term ':'", 2},
      {"\xE2\x80\x9C"
       "ERROR"
       "\xE2\x80\x9D",
       "Invalid character(s) in term '\xE2\x80\x9C'", 1},
      {"{ $.source = \"x\" && $.\"detail-type\" = \"y\" }", "Invalid character(s) in term '$.\"'",
       23},
      {"{ $.\"sc-status\" = 5* }", "Invalid character(s) in term '$.\"'", 5},
      {"{$.kubernetes.namespace_name=abc",
       "If a filter pattern starts with '{' it must end with '}'", 33},
      {"{ $.message = \"error-response\", $.path = \"/authenticate\" }",
       "Invalid character(s) in term ','", 31},
      {"%something!%", "Invalid character(s) in term '!'", 11},
      {"%(alpha|beta)%", "Invalid character(s) in term '('", 2},
      {"%\\(x\\)%", "Invalid character(s) in term '('", 3},
      {"%\xE3\x83\x9E%", "Invalid character(s) in term '\xE3\x83\x9E'", 2},
      // Grammar errors (AWS's generic "Invalid filter pattern" + our detail).
      {"{ status = \"401\" }",
       "Invalid filter pattern: selector must start with $ (found 'status')", 3},
      {"{ $.level \"ERROR\" }",
       "Invalid filter pattern: expected an operator after $.level, found 'ERROR'", 11},
      {"{ $.level = \"ERROR }", "Invalid filter pattern: unterminated quoted string", 13},
      {"{ $.level = \"ERROR\" garbage }",
       "Invalid filter pattern: expected '&&', '||' or '}', found 'garbage'", 21},
      {"{ }", "Invalid filter pattern: empty JSON pattern", 2},
      {"{ $.a = }", "Invalid filter pattern: expected a value, found the end of the pattern", 9},
      {"{ ($.a = 1 }", "Invalid filter pattern: unbalanced '('", 3},
      {"{ $.a = 1) }", "Invalid filter pattern: expected '&&', '||' or '}', found ')'", 10},
      {"{ $.a > \"x\" }", "Invalid filter pattern: '>' compares numbers only", 9},
      {"{ $.a >= abc }", "Invalid filter pattern: '>=' compares numbers only", 10},
      {"{ $.a IS NOT NULL }",
       "Invalid filter pattern: IS NOT is not supported (use != or NOT EXISTS)", 10},
      {"{ $.a EXISTS }", "Invalid filter pattern: EXISTS is not supported (use = * or NOT EXISTS)",
       7},
      {"{ $.a & $.b }", "Invalid character(s) in term '&'", 7},
      {"{ $.a == 1 }", "Invalid filter pattern: expected a value, found '='", 8},
      {"{ $ = 1 }", "Invalid character(s) in term '$ '", 4},
      {"{ $.a..b = 1 }", "Invalid character(s) in term '$.a..'", 7},
      {"{ $.a[x] = 1 }", "Invalid character(s) in term '$.a[x'", 7},
      {"{ $.a = %x }", "Invalid filter pattern: unterminated regular expression (missing '%')", 9},
      {"[a, b = ]", "Invalid filter pattern: expected a value, found the end of the pattern", 9},
      {"[a, ..., b, ..., c]", "Invalid filter pattern: only one '...' is allowed", 13},
      {"[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000, bytes]",
       "Invalid filter pattern: '&&' and '||' may only combine conditions on the same field "
       "('status_code', found 'bytes')",
       62},
      // Ours (AWS documents no repeated field name): extractedValues is a JSON
      // object, so two fields under one key would be a duplicate key; the
      // second declaration is rejected, and so is a numeric name that is the
      // "$N" key of an unnamed field or of a field `...` can absorb.
      {"[a, a]", "Invalid filter pattern: field name 'a' declared again", 5},
      {"[ip, ..., ip = 4*]", "Invalid filter pattern: field name 'ip' declared again", 11},
      {"[w1=ERROR || w1=WARN, w2, w1]", "Invalid filter pattern: field name 'w1' declared again",
       27},
      {"[a, , 2]",
       "Invalid filter pattern: field name '2' repeats the key $2 of the unnamed field 2", 7},
      {"[x, ..., 3]",
       "Invalid filter pattern: field name '3' repeats the key $3 of a field that '...' can absorb",
       10},
      {"[..., 1]",
       "Invalid filter pattern: field name '1' repeats the key $1 of a field that '...' can absorb",
       7},
      {"[ip, =200]", "Invalid filter pattern: expected a field name, '...' or ',', found '='", 6},
      {"[\"GET\", path]",
       "Invalid filter pattern: expected a field name, '...' or ',', found 'GET'", 2},
      {"\"no closing quote", "Invalid filter pattern: unterminated quoted term", 1},
      {"ERROR -", "Invalid filter pattern: '-' must be followed by a term", 8},
      {"\"a\"b", "Invalid character(s) in term 'b'", 4},
      // Regex subset (FilterAndPatternSyntax#regex-expressions).
      {"%[unclosed%", "Invalid regular expression: missing ']'", 2},
      {"%*a%", "Invalid regular expression: nothing to repeat before '*'", 2},
      {"%a**%", "Invalid regular expression: repeated quantifier", 4},
      {"%a{2,1}%", "Invalid regular expression: bad repeat range", 3},
      {"%a{x}%", "Invalid regular expression: bad repeat '{'", 3},
      {"%\\q%", "Invalid regular expression: unsupported escape '\\q'", 2},
      {"%\\x4%", "Invalid regular expression: \\x needs two hex digits", 2},
      {"%[z-a]%", "Invalid regular expression: range out of order", 5},
      {"%^*%", "Invalid regular expression: cannot repeat an anchor", 3},
      {"%%", "Invalid filter pattern: empty regular expression", 1},
      // AWS quotas.
      {"{ $.a = %r1% && $.b = %r2% && $.c = %r3% }",
       "Invalid filter pattern: at most 2 regular expressions are allowed in a pattern", 37},
      {"[w1=%a%, w2=%b%, w3=%c%]",
       "Invalid filter pattern: at most 2 regular expressions are allowed in a pattern", 21},
      {"{ $.*.inner.* = \"x\" }", "Invalid filter pattern: at most 1 wildcard per selector", 3},
      {"{ $.a[*] = \"x\" && $.* = \"y\" && $.b[*] = \"z\" && $.c[*] = \"w\" }",
       "Invalid filter pattern: at most 3 wildcard selectors per pattern", 48},
  }));
  CAPTURE(pattern);
  FilterError error;
  auto filter = Filter::Compile(pattern, &error);
  REQUIRE_FALSE(filter.ok());
  CHECK(filter.status().code() == StatusCode::kInvalidArgument);
  CHECK(error.reason == reason);
  CHECK(error.column == column);
  CHECK(filter.status().message() == "pattern: " + reason + " at column " + std::to_string(column));
}

TEST_CASE("filter errors: the 1024-character limit (AWS)", "[filter][error][limit]") {
  const std::string ok(1024, 'X');
  CHECK(Filter::Compile(ok).ok());
  // Characters, not bytes: 1024 three-byte characters inside quotes are fine.
  std::string quoted = "\"";
  for (int i = 0; i < 1022; ++i) quoted += "\xE2\x82\xAC";  // €
  quoted += "\"";
  CHECK(Filter::Compile(quoted).ok());
  FilterError error;
  auto too_long = Filter::Compile(ok + "X", &error);
  REQUIRE_FALSE(too_long.ok());
  CHECK(error.column == 1025);
  CHECK(error.reason ==
        "1 validation error detected: Value '" + ok + "X" +
            "' at 'filterPattern' failed to satisfy constraint: Member must have length less "
            "than or equal to 1024");
}

TEST_CASE("filter errors: our own safety limits", "[filter][error][limit]") {
  auto [pattern, reason] = GENERATE(table<std::string, std::string>({
      {"{ " + std::string(33, '(') + "$.a = 1" + std::string(33, ')') + " }",
       "parentheses nested deeper than 32"},
      {[] {
         std::string p;
         for (int i = 0; i < 129; ++i) p += "t ";
         return p;
       }(),
       "more than 128 terms"},
      {[] {
         std::string p = "{ $.a = 1";
         for (int i = 0; i < 128; ++i) p += "||$.a=1";
         return p + " }";
       }(),
       "more than 128 conditions"},
      {"{ $" +
           [] {
             std::string s;
             for (int i = 0; i < 33; ++i) s += ".a";
             return s;
           }() +
           " = 1 }",
       "selector has more than 32 steps"},
      {"[" +
           [] {
             std::string s;
             for (int i = 0; i < 129; ++i) s += "f,";
             return s;
           }() +
           "]",
       "more than 128 fields"},
  }));
  CAPTURE(pattern);
  FilterError error;
  auto filter = Filter::Compile(pattern, &error);
  REQUIRE_FALSE(filter.ok());
  CHECK(filter.status().code() == StatusCode::kResourceExhausted);
  CHECK(error.reason == reason);
  CHECK(error.column >= 1);
  CHECK(error.column <= pattern.size() + 1);
}

TEST_CASE("filter errors: regex limits", "[filter][error][limit]") {
  FilterError error;
  CHECK(Filter::Compile("%a{1000}%").ok());
  CHECK_FALSE(Filter::Compile("%a{1001}%", &error).ok());
  CHECK(error.reason == "Invalid regular expression: repeat count above 1000");
  CHECK_FALSE(Filter::Compile("%a{1000}b{1000}c{1}%", &error).ok());
  CHECK(error.reason ==
        "Invalid regular expression: too large after expanding repeats (limit 2000 states)");
}

// Hostile inputs: whatever the verdict, no crash, no hang, a column inside
// the pattern, and a matcher that answers on awkward events.
TEST_CASE("filter errors: hostile patterns never crash", "[filter][error][hostile]") {
  std::vector<std::string> patterns = {
      "{",
      "}",
      "[",
      "]",
      "%",
      "\"",
      "?",
      "-",
      "{}",
      "[]",
      "{{}}",
      "[[]]",
      "{ $ }",
      "{ $. }",
      "{ $[ }",
      "{ $['a }",
      "{ $.a[99999999999] = 1 }",
      "{ $.a = 1e999999 }",
      "{ $.a = \\ }",
      "{ $.a = \"\\\" }",
      "[...]",
      "[..., ...]",
      "[,,,,]",
      "[a=]",
      "[=]",
      "[a b]",
      "[a,,b]",
      "%^%",
      "%$%",
      "%^$%",
      "%|%",
      "%||||%",
      "%[]%",
      "%[^]%",
      "%[\\]%",
      "%\\%",
      "%a{,}%",
      "%a{0,0}%",
      "%.*.*.*.*.*.*.*.*.*.*a%",
      "%a?a?a?a?a?a?a?a?a?a?aaaaaaaaaa%",
      std::string(1024, '('),
      std::string(1024, '['),
      "{" + std::string(1022, '(') + "}",
      "{" + std::string(1022, '$') + "}",
      std::string("\0\0\0", 3),
      "\xff\xfe",
      "{ $.a = \xff }",
      "[a=%\xff%]",
      "? ? ?",
      "- - -",
      "\"\\",
      "{ $.a = 1 || }",
      "{ || }",
      "{ && $.a = 1 }",
  };
  const std::vector<std::string> events = {"",
                                           " ",
                                           "{",
                                           "[",
                                           "{\"a\":",
                                           "{\"a\":1}",
                                           "[1,2]",
                                           "\"x\"",
                                           "{\"a\":[[[[[[[[[]]]]]]]]]}",
                                           std::string(10000, 'a'),
                                           "a b c d e f g h",
                                           "\"unterminated [bracket",
                                           std::string(3000, '[') + std::string(3000, ']'),
                                           "{\"a\":\"\\ud800\"}",
                                           "\xff\xfe{}"};
  for (const std::string& p : patterns) {
    CAPTURE(p);
    FilterError error;
    auto filter = Filter::Compile(p, &error);
    if (!filter.ok()) {
      CHECK(error.column >= 1);
      CHECK(error.column <= p.size() + 1);
      continue;
    }
    for (const std::string& e : events) {
      CAPTURE(e);
      const auto r = filter->Match(e);
      CHECK(r.matched == filter->Matches(e));
    }
  }
}
