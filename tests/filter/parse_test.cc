// Golden table: pattern → AST dump (the S-expression of Filter::DumpAst).
#include <catch2/catch.hpp>
#include <string>
#include <tuple>

#include "iam_audit/filter.h"

using iam_audit::Filter;

TEST_CASE("filter parse: pattern -> AST dump", "[filter][parse]") {
  auto [pattern, dump] = GENERATE(table<std::string, std::string>({
      // Terms (FilterAndPatternSyntax, unstructured events).
      {"", "(terms)"},
      {"   ", "(terms)"},
      {"\"\"", "(terms (+ \"\"))"},
      {"ERROR", "(terms (+ \"ERROR\"))"},
      {"ERROR ARGUMENTS", "(terms (+ \"ERROR\") (+ \"ARGUMENTS\"))"},
      {"ERROR -ARGUMENTS", "(terms (+ \"ERROR\") (- \"ARGUMENTS\"))"},
      {"ERROR - \"cwlogs.push\"", "(terms (+ \"ERROR\") (- \"cwlogs.push\"))"},
      {"?ERROR ?ARGUMENTS REQUEST", "(terms (? \"ERROR\") (? \"ARGUMENTS\") (+ \"REQUEST\"))"},
      {"?\"clean up\" ?xyz", "(terms (? \"clean up\") (? \"xyz\"))"},
      {"\"[ERROR]\" Exception", "(terms (+ \"[ERROR]\") (+ \"Exception\"))"},
      {"\"say \\\"hi\\\" \\\\ now\"", "(terms (+ \"say \\\"hi\\\" \\\\ now\"))"},
      {"  ERROR  ", "(terms (+ \"ERROR\"))"},
      // Standalone regex.
      {"%AUTHORIZED%", "(regex %AUTHORIZED%)"},
      {"%^starting|^initializing|^shutting down%",
       "(regex %^starting|^initializing|^shutting down%)"},
      // JSON: selectors.
      {"{ $.eventType = \"UpdateTrail\" }", "(json (= $.eventType \"UpdateTrail\"))"},
      {"{$.foo = baz }", "(json (= $.foo \"baz\"))"},
      {"{ $.arrayKey[0] = \"value\" }", "(json (= $.arrayKey[0] \"value\"))"},
      {"{ $.objectList[1].id = 2 }", "(json (= $.objectList[1].id 2))"},
      {"{ $.coordinates[0][1] = 1 }", "(json (= $.coordinates[0][1] 1))"},
      {"{ $.arrayKey[*] = %val.{2}% }", "(json (= $.arrayKey[*] %val.{2}%))"},
      {"{ $.* = %111% }", "(json (= $.* %111%))"},
      {"{ $.['cluster.name'] = \"c\" }", "(json (= $['cluster.name'] \"c\"))"},
      {"{ $.detail-type = \"x\" }", "(json (= $.detail-type \"x\"))"},
      // JSON: values and operators.
      {"{ $.sourceIPAddress != 123.123.* }", "(json (!= $.sourceIPAddress \"123.123.*\"))"},
      {"{ $.latency = * }", "(json (= $.latency *))"},
      {"{ $.eventType = \"*\" }", "(json (= $.eventType \"*\"))"},
      {"{ $.bandwidth > 75 }", "(json (> $.bandwidth 75))"},
      {"{ $.latency < 50 }", "(json (< $.latency 50))"},
      {"{ $.refreshRate >= 60 }", "(json (>= $.refreshRate 60))"},
      {"{ $.responseTime <= 5 }", "(json (<= $.responseTime 5))"},
      {"{ $.number[0] = 1e+3 }", "(json (= $.number[0] 1e+3))"},
      {"{ $.numbers[0] < 10e-3 }", "(json (< $.numbers[0] 10e-3))"},
      {"{ $.processes[4].averageRuntime <= 55.5 }",
       "(json (<= $.processes[4].averageRuntime 55.5))"},
      {"{ $.n = -1 }", "(json (= $.n -1))"},
      {"{ $.n = +1000 }", "(json (= $.n +1000))"},
      {"{ $.foo = \"%bar%\" }", "(json (= $.foo \"%bar%\"))"},
      {"{ $.SomeObject IS NULL }", "(json (is-null $.SomeObject))"},
      {"{ $.ThisFlag IS TRUE }", "(json (is-true $.ThisFlag))"},
      {"{ $.ThisFlag IS FALSE }", "(json (is-false $.ThisFlag))"},
      {"{ $.SomeOtherObject NOT EXISTS }", "(json (not-exists $.SomeOtherObject))"},
      // JSON: precedence () > && > ||, n-ary flattening of one level.
      {"{ $.a = 1 || $.b = 2 && $.c = 3 }", "(json (or (= $.a 1) (and (= $.b 2) (= $.c 3))))"},
      {"{ ($.a = 1 || $.b = 2) && $.c = 3 }", "(json (and (or (= $.a 1) (= $.b 2)) (= $.c 3)))"},
      {"{ $.a = 1 && $.b = 2 && $.c = 3 }", "(json (and (= $.a 1) (= $.b 2) (= $.c 3)))"},
      {"{ ((($.a = 1))) }", "(json (= $.a 1))"},
      {"{ ($.userIdentity.type = \"IAMUser\") && ($.eventName != \"Get*\") && ($.eventName != "
       "\"Describe*\") }",
       "(json (and (= $.userIdentity.type \"IAMUser\") (!= $.eventName \"Get*\") (!= $.eventName "
       "\"Describe*\")))"},
      // Space-delimited.
      {"[]", "(delimited)"},
      {"[ ]", "(delimited)"},
      {"[ip, user, ...]", "(delimited ip user ...)"},
      {"[..., size]", "(delimited ... size)"},
      {"[..., request=*.html*, status_code=4*,]",
       "(delimited ... (= request \"*.html*\") (= status_code \"4*\") _)"},
      {"[ip, server, username, timestamp, request, status_code, bytes > 1000]",
       "(delimited ip server username timestamp request status_code (> bytes 1000))"},
      {"[w1=ERROR || w1=%WARN%, w2]", "(delimited (or (= w1 \"ERROR\") (= w1 %WARN%)) w2)"},
      {"[w1!=ERROR&&w1!=WARN, w2]", "(delimited (and (!= w1 \"ERROR\") (!= w1 \"WARN\")) w2)"},
      {"[a, s = 4* && s != 403 || s = 500]",
       "(delimited a (or (and (= s \"4*\") (!= s 403)) (= s 500)))"},
      {"[x, destport=\"22\"]", "(delimited x (= destport \"22\"))"},
      {"[,, request = /health, status]", "(delimited _ _ (= request \"/health\") status)"},
  }));
  CAPTURE(pattern);
  auto filter = Filter::Compile(pattern);
  REQUIRE(filter.ok());
  CHECK(filter->DumpAst() == dump);
}

TEST_CASE("filter parse: dispatch by first non-blank character", "[filter][parse]") {
  auto [pattern, kind] = GENERATE(table<std::string, Filter::Kind>({
      {"", Filter::Kind::kTerms},
      {"ERROR", Filter::Kind::kTerms},
      {"\"[ERROR]\"", Filter::Kind::kTerms},
      {"\"{\"", Filter::Kind::kTerms},
      {"%x%", Filter::Kind::kRegex},
      {"  { $.a = 1 }  ", Filter::Kind::kJson},
      {"[a]", Filter::Kind::kDelimited},
  }));
  CAPTURE(pattern);
  auto filter = Filter::Compile(pattern);
  REQUIRE(filter.ok());
  CHECK(filter->kind() == kind);
  CHECK(filter->pattern() == pattern);
}
