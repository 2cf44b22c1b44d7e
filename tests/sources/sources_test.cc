// Record sources (iam_audit/sources/sources.h) over a hand-built trail
// folder: log files in CloudTrail's layout (good, not gzip, empty, outside
// the dates), a digest, other record files and other names; selection by
// key and by eventTime; positions; units read on other threads.
#include "iam_audit/sources/sources.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "iam_audit/payload.h"

namespace iam_audit::sources {
namespace {

namespace fs = std::filesystem;

// 2024-05-01T00:00:00Z in ms (2024-01-01 is 1704067200 s; + 121 days).
constexpr int64_t kMay1 = int64_t{1714521600} * 1000;
constexpr int64_t kHour = 3600000;
constexpr int64_t kMinute = 60000;

const std::string kDay = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/";
const std::string kPrefix = "123456789012_CloudTrail_us-east-1_";
const std::string kLog1200 = kDay + kPrefix + "20240501T1200Z_AAAAAAAAAAAAAAAA.json.gz";
const std::string kLog1230 = kDay + kPrefix + "20240501T1230Z_BBBBBBBBBBBBBBBB.json.gz";
const std::string kNotGzip = kDay + kPrefix + "20240501T1300Z_CCCCCCCCCCCCCCCC.json.gz";
const std::string kEmpty = kDay + kPrefix + "20240501T1305Z_DDDDDDDDDDDDDDDD.json.gz";
const std::string kApril = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/04/20/" + kPrefix +
                           "20240420T0000Z_EEEEEEEEEEEEEEEE.json.gz";
const std::string kDigest =
    "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/05/01/"
    "123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T120000Z.json.gz";

// Record 0 of the 12:00 file starts at line 1, column 13; record 1 at 2:1.
const std::string kLog1200Text =
    "{\"Records\":[{\"eventTime\":\"2024-05-01T11:55:10Z\",\"n\":1},\n"
    "{\"eventTime\":\"2024-05-01T11:59:59Z\",\"n\":2}]}";
const std::string kLog1230Text =
    "{\"Records\":[{\"eventTime\":\"2024-05-01T12:20:00Z\",\"n\":3},"
    "{\"eventTime\":\"2024-05-01T12:29:30Z\",\"n\":4}]}";

std::string_view BaseName(std::string_view path) { return path.substr(path.rfind('/') + 1); }

void Write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// A fresh trail folder under the test's temporary directory.
class Trail {
 public:
  Trail() {
    root_ = fs::temp_directory_path() /
            ("iam-audit-sources-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n_));
    fs::remove_all(root_);
    Write(root_ / kLog1200, GzipDeflate(kLog1200Text));
    Write(root_ / kLog1230, GzipDeflate(kLog1230Text));
    Write(root_ / kNotGzip, "this is not a log file");
    Write(root_ / kEmpty, "");
    Write(root_ / kApril, GzipDeflate(R"({"Records":[{"eventTime":"2024-04-19T23:58:00Z"}]})"));
    Write(root_ / kDigest, GzipDeflate(R"({"awsAccountId":"123456789012"})"));
    Write(root_ / "records.jsonl", "{\"eventTime\":\"2024-05-01T08:00:00Z\",\"n\":5}\n");
    Write(root_ / "README.md", "not records\n");
    Write(root_ / ".hidden.json", "{\"n\":6}\n");
  }
  ~Trail() { fs::remove_all(root_); }
  std::string path(const std::string& rel = "") const {
    return rel.empty() ? root_.string() : (root_ / rel).string();
  }

 private:
  static inline int n_ = 0;
  fs::path root_;
};

struct Run {
  std::vector<std::string> records;  // "file-relative-name line:column#index json"
  std::vector<std::string> errors;
  ReadTotals totals;
};

Run ReadAll(const Trail& trail, const SourceOptions& options) {
  Run run;
  const std::string root = trail.path() + "/";
  const auto rel = [&root](const std::string& file) {
    return file.rfind(root, 0) == 0 ? file.substr(root.size()) : file;
  };
  auto totals = ReadSources(
      {trail.path()}, options,
      [&](std::string_view json, const SourcePosition& p) {
        run.records.push_back(rel(p.file) + " " + std::to_string(p.line) + ":" +
                              std::to_string(p.column) + "#" + std::to_string(p.index) + " " +
                              std::string(json));
      },
      [&](const SourcePosition& p, const std::string& message) {
        run.errors.push_back(rel(p.file) + "#" + std::to_string(p.index) + " " + message);
      });
  REQUIRE(totals.ok());
  run.totals = *totals;
  return run;
}

}  // namespace

TEST_CASE("sources: a trail folder, every file accounted for", "[sources]") {
  Trail trail;
  SourceOptions options;
  const Run run = ReadAll(trail, options);
  // In path order: "CloudTrail/…/2024/04/20" sorts before "…/2024/05/01".
  CHECK(run.records == std::vector<std::string>{
                           kApril + " 1:13#0 {\"eventTime\":\"2024-04-19T23:58:00Z\"}",
                           kLog1200 + " 1:13#0 {\"eventTime\":\"2024-05-01T11:55:10Z\",\"n\":1}",
                           kLog1200 + " 2:1#1 {\"eventTime\":\"2024-05-01T11:59:59Z\",\"n\":2}",
                           kLog1230 + " 1:13#0 {\"eventTime\":\"2024-05-01T12:20:00Z\",\"n\":3}",
                           kLog1230 + " 1:56#1 {\"eventTime\":\"2024-05-01T12:29:30Z\",\"n\":4}",
                           "records.jsonl 1:1#0 {\"eventTime\":\"2024-05-01T08:00:00Z\",\"n\":5}",
                       });
  CHECK(run.errors == std::vector<std::string>{
                          kNotGzip + "#0 log file: expected '{\"Records\":[' at byte 0",
                          kEmpty + "#0 log file: empty",
                      });
  CHECK(run.totals.units == 6);
  CHECK(run.totals.records == 6);
  CHECK(run.totals.errors == 2);
  CHECK(run.totals.failed_units == 2);
  CHECK(run.totals.skipped_digests == 1);
  CHECK(run.totals.skipped_by_key == 0);
  CHECK(run.totals.skipped_names == 1);  // README.md; hidden files are not entries
  CHECK(DescribeSkipped(run.totals) == "skipped 1 digest file");
}

TEST_CASE("sources: --since is inclusive, --until exclusive, log files by their key", "[sources]") {
  Trail trail;
  SourceOptions options;
  SECTION("since a day: the April file is not read") {
    options.since_ms = kMay1;
    const Run run = ReadAll(trail, options);
    CHECK(run.totals.skipped_by_key == 1);
    CHECK(run.totals.units == 5);
    CHECK(run.records.size() == 5);
  }
  SECTION("since 11:59:59: the record at that second is in, 11:55:10 is out") {
    options.since_ms = kMay1 + 11 * kHour + 59 * kMinute + 59000;
    const Run run = ReadAll(trail, options);
    // The 12:00 file may hold events up to 12:01, so it is read.
    REQUIRE(run.records.size() == 3);
    CHECK(run.records[0] == kLog1200 + " 2:1#1 {\"eventTime\":\"2024-05-01T11:59:59Z\",\"n\":2}");
    CHECK(run.totals.skipped_by_time == 2);  // 11:55:10 and records.jsonl's 08:00
    CHECK(run.totals.skipped_by_key == 1);   // April
    CHECK(DescribeSkipped(run.totals) ==
          "skipped 1 digest file, 1 log file outside the selection, 2 records outside the time "
          "range");
  }
  SECTION("since 12:01: the file named 12:00 is skipped by its key") {
    options.since_ms = kMay1 + 12 * kHour + kMinute;
    const Run run = ReadAll(trail, options);
    CHECK(run.totals.skipped_by_key == 2);
    CHECK(run.records.size() == 2);  // 12:20 and 12:29:30
  }
  SECTION("until 12:29:30 excludes that second; files up to an hour later are read") {
    options.until_ms = kMay1 + 12 * kHour + 29 * kMinute + 30000;
    const Run run = ReadAll(trail, options);
    CHECK(run.totals.skipped_by_key == 0);
    CHECK(run.totals.skipped_by_time == 1);
    CHECK(run.records.size() == 5);
    CHECK(run.errors.size() == 2);  // the 13:00 and 13:05 files are still read
  }
  SECTION("until with no delivery delay: files named at or after it are skipped") {
    options.until_ms = kMay1 + 12 * kHour + 30 * kMinute;
    options.max_delivery_delay_ms = 0;
    const Run run = ReadAll(trail, options);
    CHECK(run.totals.skipped_by_key == 3);  // 12:30, 13:00, 13:05
    CHECK(run.errors.empty());
    CHECK(run.records.size() == 4);  // 11:55:10, 11:59:59, April, records.jsonl
  }
  SECTION("a record without eventTime cannot be placed: an error") {
    Write(trail.path("x.json"), R"({"eventName":"NoTime"})");
    options.since_ms = kMay1;
    const Run run = ReadAll(trail, options);
    CHECK(run.errors.back() == "x.json#0 cannot select by time: no eventTime string");
  }
}

TEST_CASE("sources: accounts and regions select log files by their key", "[sources]") {
  Trail trail;
  SourceOptions options;
  options.accounts = {"999999999999"};
  Run run = ReadAll(trail, options);
  CHECK(run.totals.skipped_by_key == 5);
  CHECK(run.records.size() == 1);  // records.jsonl: not in the layout, always read
  options.accounts = {"999999999999", "123456789012"};
  options.regions = {"eu-west-1"};
  run = ReadAll(trail, options);
  CHECK(run.totals.skipped_by_key == 5);
  options.regions = {"us-east-1"};
  run = ReadAll(trail, options);
  CHECK(run.totals.skipped_by_key == 0);
  CHECK(run.records.size() == 6);
}

TEST_CASE("sources: a bad record in a log file is reported, the next one read", "[sources]") {
  Trail trail;
  // Record 1 starts at line 2, column 1; its bad token "tru" at column 6.
  Write(trail.path(kLog1200), GzipDeflate("{\"Records\":[{\"n\":1},\n{\"n\":tru},{\"n\":3}]}"));
  SourceOptions options;
  options.accounts = {"123456789012"};
  auto list = ListSources({trail.path(kLog1200)}, options);
  REQUIRE(list.ok());
  REQUIRE(list->units.size() == 1);
  CHECK(list->units[0].log_kind == LogObjectKind::kLogFile);
  std::vector<std::string> records, errors;
  const UnitStats stats = ReadUnit(
      list->units[0], options,
      [&](std::string_view json, const SourcePosition& p) {
        records.push_back(std::to_string(p.index) + " " + std::string(json));
      },
      [&](const SourcePosition& p, const std::string& message) {
        errors.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + "#" +
                         std::to_string(p.index) + " " + message);
      });
  CHECK(records == std::vector<std::string>{"0 {\"n\":1}", "2 {\"n\":3}"});
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::StartsWith("2:6#1 Records[1]: invalid JSON"));
  CHECK(stats.records == 2);
  CHECK(stats.errors == 1);
  CHECK_FALSE(stats.failed);
}

// Local log files are read whole (libdeflate) when they can be; these are
// the cases that must still be streamed, with the same records, positions and
// errors as before: two gzip members (CloudTrail's parser reads on into the
// second), a truncated stream (the records before the cut are delivered) and
// an inflated text that is itself gzip.
TEST_CASE("sources: local log files the whole-file path hands to the stream", "[sources]") {
  const fs::path dir =
      fs::temp_directory_path() / ("iam-audit-sources-whole-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string two = dir.string() + "/" + kLog1200;
  Write(two, GzipDeflate("{\"Records\":[{\"eventTime\":\"2024-05-01T11:55:10Z\",\"n\":1},\n") +
                 GzipDeflate("{\"eventTime\":\"2024-05-01T11:59:59Z\",\"n\":2}]}"));
  const std::string whole_gz = GzipDeflate(kLog1230Text);
  const std::string cut = dir.string() + "/" + kLog1230;
  // Cut inside the second record: 13 bytes of the trailer and some data gone.
  Write(cut, whole_gz.substr(0, whole_gz.size() - 13));
  const std::string nested = dir.string() + "/" + kNotGzip;
  Write(nested, GzipDeflate(GzipDeflate(kLog1200Text)));

  SourceOptions options;
  options.since_ms = kMay1;  // selection by time: each record's eventTime read once
  auto list = ListSources({dir.string()}, options);
  REQUIRE(list.ok());
  REQUIRE(list->units.size() == 3);
  std::vector<std::string> records, errors;
  for (const SourceUnit& unit : list->units) {
    ReadUnit(
        unit, options,
        [&](std::string_view json, const SourcePosition& p) {
          records.push_back(std::string(BaseName(p.file)) + " " + std::to_string(p.line) + ":" +
                            std::to_string(p.column) + "#" + std::to_string(p.index) + " " +
                            std::string(json));
        },
        [&](const SourcePosition& p, const std::string& message) {
          errors.push_back(std::string(BaseName(p.file)) + "#" + std::to_string(p.index) + " " +
                           message);
        });
  }
  fs::remove_all(dir);
  const std::string n1200 = std::string(BaseName(kLog1200));
  const std::string n1230 = std::string(BaseName(kLog1230));
  const std::string n1300 = std::string(BaseName(kNotGzip));
  CHECK(records == std::vector<std::string>{
                       n1200 + " 1:13#0 {\"eventTime\":\"2024-05-01T11:55:10Z\",\"n\":1}",
                       n1200 + " 2:1#1 {\"eventTime\":\"2024-05-01T11:59:59Z\",\"n\":2}",
                       n1230 + " 1:13#0 {\"eventTime\":\"2024-05-01T12:20:00Z\",\"n\":3}",
                   });
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].rfind(n1230 + "#1 log file: truncated gzip stream after ", 0) == 0);
  CHECK(errors[1] == n1300 + "#0 log file: expected '{\"Records\":[' at byte 0");
}

TEST_CASE("sources: units listed first can be read on any thread", "[sources]") {
  Trail trail;
  SourceOptions options;
  auto list = ListSources({trail.path()}, options);
  REQUIRE(list.ok());
  const size_t n = list->units.size();
  std::vector<std::vector<std::string>> sequential(n), parallel(n);
  const auto read = [&](size_t i, std::vector<std::string>* out) {
    ReadUnit(
        list->units[i], options,
        [out](std::string_view json, const SourcePosition& p) {
          out->push_back(p.ToString() + " " + std::string(json));
        },
        [out](const SourcePosition& p, const std::string& m) {
          out->push_back(p.ToString() + " " + m);
        });
  };
  for (size_t i = 0; i < n; ++i) read(i, &sequential[i]);
  std::vector<std::thread> threads;
  for (size_t i = n; i-- > 0;) threads.emplace_back(read, i, &parallel[i]);
  for (auto& t : threads) t.join();
  CHECK(parallel == sequential);
  CHECK(sequential[1].size() == 2);  // the 12:00 file's two records (after April's)
}

TEST_CASE("sources: specs that cannot be listed, and time bounds", "[sources]") {
  auto missing = ListSources({"/nonexistent/trail"}, SourceOptions{});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "/nonexistent/trail: no such file or folder");
  auto no_bucket = ListSources({"s3://"}, SourceOptions{});
  REQUIRE_FALSE(no_bucket.ok());
  CHECK(no_bucket.status().message() == "s3://: expected s3://bucket[/prefix]");

  CHECK(*ParseTimeBound("2024-05-01") == kMay1);
  CHECK(*ParseTimeBound("2024-05-01T12:00:00Z") == kMay1 + 12 * kHour);
  CHECK(*ParseTimeBound("2024-05-01T21:00:00+09:00") == kMay1 + 12 * kHour);
  auto bad = ParseTimeBound("yesterday");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::StartsWith("\"yesterday\": expected YYYY-MM-DD"));
}

}  // namespace iam_audit::sources
