// Conformance against tests/data/filter-corpus.jsonl (278 cases, each naming
// its source and authority; origins in tests/data/NOTICE).
//
// Gate: every line whose authority starts with "aws" and that is not marked
// `divergent` must agree on verdict (match / no match / rejected / accepted)
// and on extractedValues where the line states them. Three such lines repeat
// errors of AWS's own pages; they are listed in kErrata with what is wrong,
// and are checked against the corrected value instead (so they still fail if
// our answer changes). Every erratum must be used by a corpus line, so a
// corrected corpus line leaves no stale entry behind. Peer-emulator lines are
// run too; their agreement and the divergent count are reported, not gated.
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "iam_audit/filter.h"
#include "test_data.h"

namespace {

using nlohmann::json;

struct Erratum {
  const char* pattern;
  const char* message_prefix;
  const char* why;
};

// Lines whose corpus expectation repeats a documented error of the source.
constexpr Erratum kErrata[] = {
    {"[w1!=ERROR&&w1!=WARN, w2]", "ERROR WARN message",
     "the 2021 FilterAndPatternSyntax page says this pattern matches 'ERROR WARN message' (the "
     "corpus line has confidence: low): that contradicts != (w1 is ERROR) and the exact field "
     "count of [w1=ERROR, w2]; we answer no match"},
    {"[ip, identity, user_id, timestamp, request, status_code, size]",
     "127.0.0.1 - frank [10/Oct/2000:13:25:15",
     "the TestMetricFilter API reference prints $size as \"1534,\" in its first sample (a typo: "
     "the other samples print bare values); we extract 1534"},
    {"[ip, identity, user_id, timestamp, request, status_code, size]",
     "127.0.0.1 - frank [10/Oct/2000:13:35:22",
     "the TestMetricFilter API reference prints $size as \"5324,\" in its first sample (a typo: "
     "the other samples print bare values); we extract 5324"},
};
constexpr size_t kErrataCount = sizeof(kErrata) / sizeof(kErrata[0]);

const Erratum* FindErratum(const std::string& pattern, const std::string& message) {
  for (const Erratum& e : kErrata) {
    if (pattern == e.pattern && message.rfind(e.message_prefix, 0) == 0) return &e;
  }
  return nullptr;
}

std::map<std::string, std::string> ToMap(const iam_audit::MatchResult& r) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : r.extracted_values) m[k] = v;
  return m;
}

// Compares one corpus line with our answer; returns "" when they agree.
std::string Disagreement(const json& line) {
  const std::string pattern = line.at("pattern").get<std::string>();
  auto filter = iam_audit::Filter::Compile(pattern);
  if (line.contains("error")) {
    const bool want_error = line.at("error").get<bool>();
    if (want_error == !filter.ok()) return "";
    return want_error ? "accepted, expected rejection" : "rejected: " + filter.status().message();
  }
  if (!filter.ok()) return "rejected: " + filter.status().message();
  const std::string message = line.at("message").get<std::string>();
  const bool want = line.at("match").get<bool>();
  const iam_audit::MatchResult got = filter->Match(message);
  if (got.matched != want)
    return got.matched ? "matched, expected no match" : "no match, expected match";
  if (!got.matched) return "";
  const auto ours = ToMap(got);
  if (line.contains("extracted") && line.at("extracted").is_object()) {
    std::map<std::string, std::string> want_map;
    for (auto& [k, v] : line.at("extracted").items()) want_map[k] = v.get<std::string>();
    if (ours != want_map) return "extractedValues differ: ours " + json(ours).dump();
  }
  if (line.contains("extracted_subset") && line.at("extracted_subset").is_object()) {
    for (auto& [k, v] : line.at("extracted_subset").items()) {
      auto it = ours.find(k);
      if (it == ours.end() || it->second != v.get<std::string>())
        return "extractedValues lack " + k + ": ours " + json(ours).dump();
    }
  }
  return "";
}

}  // namespace

TEST_CASE("filter corpus: AWS-backed lines agree 100%, peers reported", "[conformance]") {
  const auto path = iam_audit::testing::TestDataDir() / "filter-corpus.jsonl";
  std::ifstream in(path);
  REQUIRE(in.good());
  int gated = 0, gated_pass = 0, errata = 0, peer = 0, peer_pass = 0, divergent = 0,
      divergent_agree = 0, line_no = 0;
  int erratum_uses[kErrataCount] = {};
  std::string text;
  while (std::getline(in, text)) {
    ++line_no;
    if (text.empty()) continue;
    const json line = json::parse(text);
    const std::string authority = line.at("authority").get<std::string>();
    const bool is_divergent = line.value("divergent", false);
    const std::string why = Disagreement(line);
    const std::string pattern = line.at("pattern").get<std::string>();
    const std::string message = line.value("message", std::string());
    CAPTURE(line_no, pattern, message, authority, why);
    if (authority.rfind("aws", 0) == 0 && !is_divergent) {
      ++gated;
      if (const Erratum* e = FindErratum(pattern, message)) {
        // The source is wrong here; pin our corrected answer instead.
        ++errata;
        ++erratum_uses[e - kErrata];
        INFO(e->why);
        auto f = iam_audit::Filter::Compile(pattern);
        REQUIRE(f.ok());
        const auto got = f->Match(message);
        if (line.contains("extracted") && line.at("extracted").is_object()) {
          CHECK(got.matched);
          const auto ours = ToMap(got);
          const std::string typo = line.at("extracted").at("$size").get<std::string>();
          CHECK(ours.at("$size") + "," == typo);
        } else {
          CHECK_FALSE(got.matched);
        }
        continue;
      }
      CHECK(why.empty());
      gated_pass += why.empty();
    } else if (is_divergent) {
      ++divergent;
      divergent_agree += why.empty();
    } else {
      ++peer;
      peer_pass += why.empty();
    }
  }
  std::printf(
      "filter conformance: AWS-backed %d/%d agree (+%d documented errata checked against the "
      "corrected value); peer lines %d/%d agree; divergent peer lines %d (we agree with %d of "
      "them, AWS evidence wins)\n",
      gated_pass, gated - errata, errata, peer_pass, peer, divergent, divergent_agree);
  CHECK(gated > 0);
  CHECK(gated_pass == gated - errata);
  // An erratum no corpus line uses any more is stale: the corpus was fixed.
  for (size_t i = 0; i < kErrataCount; ++i) {
    CAPTURE(kErrata[i].pattern, kErrata[i].message_prefix);
    CHECK(erratum_uses[i] > 0);
  }
}
