// FilterSet against the conformance corpus (tests/data/filter-corpus.jsonl):
// all of the corpus's valid patterns in one set, every verdict on every
// corpus message equal to the lone Filter's (differential, not gated on AWS).
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "iam_audit/filter.h"
#include "test_data.h"

TEST_CASE("filter corpus: FilterSet verdicts equal each Filter's", "[conformance]") {
  const auto path = iam_audit::testing::TestDataDir() / "filter-corpus.jsonl";
  std::ifstream in(path);
  REQUIRE(in.good());
  std::set<std::string> patterns;
  std::vector<std::string> messages;
  for (std::string text; std::getline(in, text);) {
    if (text.empty()) continue;
    const auto line = nlohmann::json::parse(text);
    patterns.insert(line.at("pattern").get<std::string>());
    if (line.contains("message")) messages.push_back(line.at("message").get<std::string>());
  }
  std::vector<iam_audit::Filter> filters;
  for (const std::string& p : patterns) {
    auto f = iam_audit::Filter::Compile(p);
    if (f.ok()) filters.push_back(*f);
  }
  REQUIRE(filters.size() > 100);
  const iam_audit::FilterSet set(filters);
  size_t checked = 0;
  for (const std::string& message : messages) {
    iam_audit::FilterSet::Evaluation e = set.Evaluate(message);
    for (size_t i = 0; i < filters.size(); ++i) {
      CAPTURE(message, filters[i].pattern());
      REQUIRE(e.Matches(i) == filters[i].Matches(message));
      ++checked;
    }
  }
  CHECK(checked == messages.size() * filters.size());
}
