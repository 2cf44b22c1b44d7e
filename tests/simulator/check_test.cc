// The rule-test runner: verdicts, snapshot diffs, JUnit XML.
#include "iam_audit/simulator/check.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace iam_audit::simulator {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char name[] = "/tmp/iam-audit-check-XXXXXX";
    path = mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string Write(const std::string& file, const std::string& text) const {
    std::ofstream(path / file) << text;
    return (path / file).string();
  }
};

TEST_CASE("LineDiff shows removed and added lines with context", "[check]") {
  const std::string diff = LineDiff("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nD\ne\nf\ng\n");
  CHECK(diff == "--- expected\n+++ actual\n  b\n  c\n- d\n+ D\n  e\n  f\n");
  CHECK(LineDiff("x\n", "x\n") == "--- expected\n+++ actual\n");
}

TEST_CASE("cases pass, fail and err as the file says", "[check]") {
  TempDir dir;
  const std::string file = dir.Write("c.json", R"({
    "pattern": "{ $.eventName = \"Create*\" }",
    "cases": [
      {"name": "create matches", "records": [{"eventName": "CreateUser"}], "expect": "match"},
      {"name": "delete does not", "records": [{"eventName": "DeleteUser"}], "expect": "match"},
      {"name": "typo key", "records": [{"eventName": "X"}], "expect": "no-match", "fixture": ["x"]},
      {"name": "no records", "expect": "match"},
      {"name": "missing fixture", "fixtures": ["nope.json"], "expect": "match"},
      {"name": "bad expect", "records": [{}], "expect": "maybe"}
    ]})");
  const CheckFileResult r = RunCheckFile(file);
  CHECK(r.error.empty());
  REQUIRE(r.cases.size() == 6);
  using V = CaseResult::Verdict;
  CHECK(r.cases[0].verdict == V::kPassed);
  CHECK(r.cases[1].verdict == V::kFailed);
  CHECK_THAT(r.cases[1].messages.at(0), Catch::Contains("records[0]: expected a match"));
  CHECK(r.cases[2].verdict == V::kError);
  CHECK_THAT(r.cases[2].messages.at(0), Catch::Contains("unknown key \"fixture\""));
  CHECK(r.cases[3].verdict == V::kError);
  CHECK(r.cases[4].verdict == V::kError);
  CHECK_THAT(r.cases[4].messages.at(0), Catch::Contains("nope.json: no such file"));
  CHECK(r.cases[5].verdict == V::kError);
  const CheckTotals t = Totals({r});
  CHECK(t.cases == 6);
  CHECK(t.passed == 1);
  CHECK(t.failed == 1);
  CHECK(t.errors == 4);
}

TEST_CASE("unusable check files are one error", "[check]") {
  TempDir dir;
  CHECK_THAT(RunCheckFile(dir.Write("a.json", "{")).error, Catch::Contains("invalid JSON"));
  CHECK_THAT(RunCheckFile(dir.Write("b.json", "{\"tests\": []}")).error,
             Catch::Contains("\"cases\""));
  CHECK_THAT(RunCheckFile((dir.path / "none.json").string()).error, Catch::Contains("cannot read"));
  CHECK(Totals({RunCheckFile(dir.Write("c.json", "[]"))}).errors == 1);
}

TEST_CASE("JUnit XML escapes names and messages", "[check]") {
  CheckFileResult file;
  file.file = "a&b.json";
  CaseResult pass;
  pass.name = "ok";
  CaseResult fail;
  fail.name = "<\"quoted\" & 'single'>";
  fail.verdict = CaseResult::Verdict::kFailed;
  fail.messages = {"line one <x>\nline two"};
  file.cases = {pass, fail};
  const std::string xml = JUnitXml({file});
  CHECK_THAT(xml, Catch::Contains(
                      R"(<testsuites name="iam-audit check" tests="2" failures="1" errors="0">)"));
  CHECK_THAT(xml, Catch::Contains(R"(name="&lt;&quot;quoted&quot; &amp; &apos;single&apos;&gt;")"));
  CHECK_THAT(xml, Catch::Contains(R"(<failure message="line one &lt;x&gt;">line one &lt;x&gt;)"));
  CHECK_THAT(xml, Catch::Contains(R"(<testsuite name="a&amp;b.json")"));
  CHECK(xml.find("<testcase classname=\"a&amp;b\" name=\"ok\" file=\"a&amp;b.json\"/>") !=
        std::string::npos);
}

}  // namespace
}  // namespace iam_audit::simulator
