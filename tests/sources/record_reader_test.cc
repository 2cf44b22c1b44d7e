// Reading record files: formats, exact record text, positions of errors, and
// going on after an error.
#include "iam_audit/sources/record_reader.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "iam_audit/sources/sources.h"

namespace iam_audit::sources {
namespace {

struct Got {
  std::vector<std::string> records;
  std::vector<std::string> where;   // "line:column#index"
  std::vector<std::string> errors;  // "line:column#index message"
};

Got Read(const std::string& text) {
  Got got;
  ReadRecordText(
      text, "f",
      [&](std::string_view json, const SourcePosition& p) {
        got.records.emplace_back(json);
        got.where.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + "#" +
                            std::to_string(p.index));
      },
      [&](const SourcePosition& p, const std::string& message) {
        got.errors.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + "#" +
                             std::to_string(p.index) + " " + message);
      });
  return got;
}

TEST_CASE("JSON Lines: each line a record, a bad line is reported and skipped", "[reader]") {
  const Got g = Read("{\"a\":1}\n\n  {\"b\": 2}\r\n{\"c\": nope}\n[1]\n{\"d\":4}");
  CHECK(g.records == std::vector<std::string>{"{\"a\":1}", "{\"b\": 2}", "{\"d\":4}"});
  CHECK(g.where == std::vector<std::string>{"1:1#0", "3:3#1", "6:1#4"});
  REQUIRE(g.errors.size() == 2);
  CHECK_THAT(g.errors[0], Catch::StartsWith("4:7#2 invalid JSON"));
  CHECK_THAT(g.errors[1],
             Catch::StartsWith(
                 "5:2#3 element[0]: expected a CloudTrail record (JSON object), got number"));
}

TEST_CASE("CloudTrail log files: elements as written, key order and escapes kept", "[reader]") {
  const std::string text =
      "{\"Records\": [\n  {\"z\":1,\"a\":\"\\u003c\"},\n  {\"y\": [1, {\"k\": \"]}\"}]}\n]}";
  const Got g = Read(text);
  CHECK(g.errors.empty());
  CHECK(g.records ==
        std::vector<std::string>{"{\"z\":1,\"a\":\"\\u003c\"}", "{\"y\": [1, {\"k\": \"]}\"}]}"});
  CHECK(g.where == std::vector<std::string>{"2:3#0", "3:3#1"});
  // Records need not be the first key; a one-line file is read the same way.
  const Got h = Read("{\"x\":{\"Records\":0},\"Records\":[{\"a\":1},{\"b\":2}]}");
  CHECK(h.records == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
}

TEST_CASE("an unexpected string is reported where its opening quote is", "[reader]") {
  // As Python's json module counts: {"a" "b"} lacks ':' before the "b" at column 6.
  const Got g = Read("{\"a\" \"b\"}");
  REQUIRE(g.errors.size() == 1);
  CHECK_THAT(g.errors[0], Catch::StartsWith("1:6#0 invalid JSON"));
  // {"x":"\"" "y"}: the escaped quote does not end the first string; "y" is at column 11.
  const Got h = Read("{\"x\":\"\\\"\" \"y\"}");
  REQUIRE(h.errors.size() == 1);
  CHECK_THAT(h.errors[0], Catch::StartsWith("1:11#0 invalid JSON"));
}

TEST_CASE("a broken Records element is reported with its index, the rest is read", "[reader]") {
  const Got g = Read("{\"Records\":[\n{\"a\":1},\n{\"b\":tru},\n{\"c\":3}\n]}");
  CHECK(g.records == std::vector<std::string>{"{\"a\":1}", "{\"c\":3}"});
  REQUIRE(g.errors.size() == 1);
  CHECK_THAT(g.errors[0], Catch::StartsWith("3:6#1 Records[1]: invalid JSON"));
}

TEST_CASE("a truncated log file keeps its complete records and says where it ends", "[reader]") {
  const Got g = Read("{\"Records\":[{\"a\":1},{\"b\":2},{\"c\":");
  CHECK(g.records == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
  REQUIRE(g.errors.size() == 1);
  CHECK_THAT(g.errors[0],
             Catch::StartsWith("1:29#2 Records[2]: the file ends inside this element"));
}

TEST_CASE("one pretty record, a JSON array, and things that are not records", "[reader]") {
  const Got pretty = Read("\n{\n  \"a\": 1,\n  \"b\": [1, 2]\n}\n");
  CHECK(pretty.records == std::vector<std::string>{"{\n  \"a\": 1,\n  \"b\": [1, 2]\n}"});
  CHECK(pretty.where == std::vector<std::string>{"2:1#0"});
  const Got array = Read("[\n {\"a\":1},\n {\"b\":2}\n]");
  CHECK(array.records.size() == 2);
  const Got broken = Read("{\n  \"a\": 1,\n  \"b\": oops\n}\n");
  CHECK(broken.records.empty());
  REQUIRE(broken.errors.size() == 1);
  CHECK_THAT(broken.errors[0], Catch::StartsWith("3:8#0 invalid JSON"));
  const Got records_not_array = Read("{\"Records\": {\"a\": 1}}");
  REQUIRE(records_not_array.errors.size() == 1);
  CHECK_THAT(records_not_array.errors[0],
             Catch::Contains("\"Records\" must be an array, got object"));
}

TEST_CASE("a JSON Lines file whose first line is broken is still read line by line", "[reader]") {
  const Got g = Read("{\"a\":\n{\"b\":2}\n{\"c\":3}\n");
  CHECK(g.records == std::vector<std::string>{"{\"b\":2}", "{\"c\":3}"});
  REQUIRE(g.errors.size() == 1);
  CHECK_THAT(g.errors[0], Catch::StartsWith("1:"));
}

TEST_CASE("folders are walked recursively in path order", "[reader]") {
  auto list = ListSources({IAM_AUDIT_FIXTURES_DIR "/records"}, SourceOptions{});
  REQUIRE(list.ok());
  std::vector<std::string> files;
  for (const SourceUnit& unit : list->units) files.push_back(unit.path);
  CHECK(files.size() >= 10);
  CHECK(std::is_sorted(files.begin(), files.end()));
  for (const auto& f : files) CHECK(f.find(".expected.json") == std::string::npos);
  CHECK_FALSE(ListSources({"/nonexistent/x.json"}, SourceOptions{}).ok());
}

}  // namespace
}  // namespace iam_audit::sources
