// FilterSet: every verdict equals the lone Filter's Matches(), whatever mix
// of patterns shares the walk (merged tries, wildcards, NOT EXISTS, several
// groups) and whatever the event (duplicate keys, escapes, malformed JSON).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "iam_audit/filter.h"

using iam_audit::Filter;
using iam_audit::FilterSet;

namespace {

const std::vector<std::string> kPatterns = {
    R"({ $.eventSource = "health.amazonaws.com" })",
    R"({ $.sourceIPAddress = "AWS Internal" })",
    R"({ $.eventName = "GetBucketLocation" })",
    R"({ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") })",
    R"({ $.userIdentity.userName NOT EXISTS })",
    R"({ $.a = 1 || $.a = "x*" })",
    R"({ $.a.b = 2 })",
    R"({ $.a[0] = 3 })",
    R"({ $.a[*].b = "w" })",
    R"({ $.a IS NULL })",
    R"({ $.a IS TRUE })",
    R"({ $.c NOT EXISTS })",
    R"({ $.* = "any" })",
    R"({ $.k = "e\"q" })",
    R"({ $.n > 10 })",
    "ERROR -DEBUG",
    "%xy|any%",
    "[w1, w2=x*]",
    R"({ $.a = 1 })",
};

const std::vector<std::string> kEvents = {
    R"({"eventSource":"health.amazonaws.com","eventName":"GetBucketLocation"})",
    R"({"sourceIPAddress":"AWS Internal","userIdentity":{"type":"IAMUser","userName":"bob"},"eventName":"PutX"})",
    R"({"a":1,"a":"xy"})",
    R"({"a":"xy","a":1})",
    R"({"a":{"b":2,"b":3},"a":{"b":1}})",
    R"({"a":[3,{"b":"w"}]})",
    R"({"a":[{"b":"v"},{"b":"w"}]})",
    R"({"a":null,"n":11})",
    R"({"a":true,"x":"any"})",
    R"({"k":"e\"q","n":1e400})",
    R"({"k":"e\"q","n":12.5})",
    R"({"k":"bad \x escape"})",
    R"({"a":1)",
    R"({"a":1}})",
    R"([{"a":1}])",
    R"(  {"a" : 1 , "c" : [ ] }  )",
    R"("a")",
    "ERROR {\"a\":1}",
    "{\"a\" x",
    "",
    R"({"eventSource":"health.amazonaws.com","eventSource":"s3.amazonaws.com"})",
};

std::vector<Filter> CompileAll(const std::vector<std::string>& patterns) {
  std::vector<Filter> filters;
  for (const std::string& p : patterns) {
    auto f = Filter::Compile(p);
    INFO(p);
    REQUIRE(f.ok());
    filters.push_back(*f);
  }
  return filters;
}

// Every verdict of `set` on every event, asked in order and in reverse (the
// first question decides which walk runs), against each Filter alone.
void CheckAgainstSingles(const std::vector<Filter>& filters) {
  const FilterSet set(filters);
  REQUIRE(set.size() == filters.size());
  for (const std::string& event : kEvents) {
    FilterSet::Evaluation forward = set.Evaluate(event);
    FilterSet::Evaluation backward = set.Evaluate(event);
    size_t first = filters.size();
    for (size_t i = 0; i < filters.size(); ++i) {
      const bool want = filters[i].Matches(event);
      if (want && first == filters.size()) first = i;
      const size_t j = filters.size() - 1 - i;
      CAPTURE(event, filters[i].pattern(), filters[j].pattern());
      CHECK(forward.Matches(i) == want);
      CHECK(backward.Matches(j) == filters[j].Matches(event));
    }
    CAPTURE(event);
    CHECK(set.FirstMatch(event) == first);
  }
}

}  // namespace

TEST_CASE("filter set: verdicts equal each Filter's", "[filter][filter-set]") {
  const std::vector<Filter> all = CompileAll(kPatterns);
  CheckAgainstSingles(all);
  // Each pattern alone, and every pair in both orders (which pattern owns
  // the merged root's wildcard and first condition indexes changes).
  for (size_t i = 0; i < all.size(); ++i) {
    CheckAgainstSingles({all[i]});
    for (size_t j = 0; j < all.size(); ++j) CheckAgainstSingles({all[i], all[j]});
  }
}

TEST_CASE("filter set: the same pattern twice and two root wildcards", "[filter][filter-set]") {
  CheckAgainstSingles(
      CompileAll({R"({ $.* = "any" })", R"({ $.* = 1 })", R"({ $.* NOT EXISTS })"}));
  CheckAgainstSingles(CompileAll({R"({ $.a = 1 })", R"({ $.a = 1 })", R"({ $.a != 1 })"}));
}

TEST_CASE("filter set: more conditions than one walk holds", "[filter][filter-set]") {
  // 70 conditions per pattern: no two fit one walk (at most 128).
  std::vector<std::string> patterns;
  for (int k = 0; k < 3; ++k) {
    std::string p = "{ ";
    for (int i = 0; i < 70; ++i) {
      if (i) p += "||";
      p += "$.a=" + std::to_string(k * 100 + i);
    }
    patterns.push_back(p + " }");
  }
  const std::vector<Filter> filters = CompileAll(patterns);
  const FilterSet set(filters);
  CHECK(set.FirstMatch(R"({"a":150})") == 1);
  CHECK(set.FirstMatch(R"({"a":269})") == 2);
  CHECK(set.FirstMatch(R"({"a":5})") == 0);
  CHECK(set.FirstMatch(R"({"a":70})") == 3);
  CHECK(set.FirstMatch(R"({"a":300})") == 3);
  CHECK(set.FirstMatch(R"({"a":5)") == 3);
  FilterSet::Evaluation e = set.Evaluate(R"({"a":169})");
  CHECK(e.Matches(1));
  CHECK_FALSE(e.Matches(0));
  CHECK_FALSE(e.Matches(2));
}

TEST_CASE("filter set: the empty set matches nothing", "[filter][filter-set]") {
  const FilterSet set;
  CHECK(set.size() == 0);
  CHECK(set.FirstMatch(R"({"a":1})") == 0);
}
