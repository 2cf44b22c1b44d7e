// CloudTrail's S3 log files (iam_audit/cloudtrail_log.h): the key layout, and
// the {"Records":[...]} parser over hand-written documents, plain and gzip,
// fed in every chunking, with the error wording of the header.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "iam_audit/cloudtrail_log.h"
#include "iam_audit/payload.h"

namespace {

using iam_audit::ClassifyLogObjectKey;
using iam_audit::CloudTrailLogStream;
using iam_audit::LogFileName;
using iam_audit::LogObjectKind;
using iam_audit::ReadCloudTrailLog;
using iam_audit::Status;

struct Result {
  std::vector<std::string> records;
  std::vector<uint64_t> indexes;
  std::string error;  // "" when OK

  bool operator==(const Result& o) const {
    return records == o.records && indexes == o.indexes && error == o.error;
  }
};

iam_audit::RecordSink Collect(Result* r) {
  return [r](std::string_view json, uint64_t index) {
    r->records.emplace_back(json);
    r->indexes.push_back(index);
    return Status::Ok();
  };
}

// Feeds `file` in pieces of `step` bytes (0: all at once), then Finish.
Result Stream(std::string_view file, size_t step, size_t max_record = size_t{16} << 20) {
  Result r;
  CloudTrailLogStream stream(max_record);
  const auto sink = Collect(&r);
  Status st;
  if (step == 0) step = file.size() + 1;
  for (size_t at = 0; at < file.size() && st.ok(); at += step) {
    st = stream.Write(file.substr(at, step), sink);
  }
  if (st.ok()) st = stream.Finish(sink);
  r.error = st.ok() ? "" : st.message();
  return r;
}

// Feeds `file` as two pieces split at `at`.
Result Split(std::string_view file, size_t at) {
  Result r;
  CloudTrailLogStream stream;
  const auto sink = Collect(&r);
  Status st = stream.Write(file.substr(0, at), sink);
  if (st.ok()) st = stream.Write(file.substr(at), sink);
  if (st.ok()) st = stream.Finish(sink);
  r.error = st.ok() ? "" : st.message();
  return r;
}

Result Whole(std::string_view file) {
  Result r;
  const Status st = ReadCloudTrailLog(file, Collect(&r));
  r.error = st.ok() ? "" : st.message();
  return r;
}

std::string ErrorOf(std::string_view file) { return Stream(file, 0).error; }

// Records of a document with nested braces and brackets in strings, escaped
// quotes and backslashes, a \u escape, other keys before and after.
constexpr std::string_view kTricky =
    " \n{ \"eventVersionNote\": {\"x\":[1,{\"y\":\"]}\"}],\"s\":\"\\\"{\"},\r\n"
    "  \"Records\" : [ {\"a\":\"}{][\",\"b\":{\"c\":[]}} ,\n"
    "{\"q\":\"say \\\"hi\\\" \\\\\",\"u\":\"\\u00e9\"},{}\t] , \"n\": -1.5e3, \"t\": true,"
    " \"z\": null, \"w\": \"}\" }\n";
const std::vector<std::string> kTrickyRecords = {
    R"({"a":"}{][","b":{"c":[]}})",
    R"({"q":"say \"hi\" \\","u":"\u00e9"})",
    "{}",
};

}  // namespace

TEST_CASE("log object keys are classified by CloudTrail's layout", "[cloudtrail][log-file]") {
  struct Row {
    std::string key;
    LogObjectKind kind;
    std::string org, account, region;
    int64_t time_ms;
  };
  // 2019-01-02T12:45Z = 1546433100000 ms; 2024-02-29T23:59Z = 1709251140000 ms.
  const std::vector<Row> rows = {
      {"AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/"
       "123456789012_CloudTrail_us-east-1_20190102T1245Z_abcdEFGH12345678.json.gz",
       LogObjectKind::kLogFile, "", "123456789012", "us-east-1", 1546433100000},
      {"trail-prefix/logs/AWSLogs/o-aa111bb222/111122223333/CloudTrail/eu-west-3/2024/02/29/"
       "111122223333_CloudTrail_eu-west-3_20240229T2359Z_Zz09Zz09Zz09Zz09.json.gz",
       LogObjectKind::kLogFile, "o-aa111bb222", "111122223333", "eu-west-3", 1709251140000},
      // A local folder in front, an inflated copy.
      {"/tmp/bucket/AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/"
       "123456789012_CloudTrail_us-east-1_20190102T1245Z_abcdEFGH12345678.json",
       LogObjectKind::kLogFile, "", "123456789012", "us-east-1", 1546433100000},
      {"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2019/01/02/"
       "123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20190102T124507Z.json.gz",
       LogObjectKind::kDigest, "", "", "", 0},
      {"AWSLogs/o-aa111bb222/111122223333/CloudTrail-Digest/us-east-1/2019/01/02/x.json.gz",
       LogObjectKind::kDigest, "", "", "", 0},
      {"AWSLogs/123456789012/CloudTrail-Insight/us-east-1/2019/01/02/"
       "123456789012_CloudTrail-Insight_us-east-1_20190102T1245Z_abcdEFGH12345678.json.gz",
       LogObjectKind::kOther, "", "", "", 0},
      // The name's account or region differs from the folders'.
      {"AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/"
       "999999999999_CloudTrail_us-east-1_20190102T1245Z_abcdEFGH12345678.json.gz",
       LogObjectKind::kOther, "", "", "", 0},
      {"AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/"
       "123456789012_CloudTrail_us-west-2_20190102T1245Z_abcdEFGH12345678.json.gz",
       LogObjectKind::kOther, "", "", "", 0},
      // Bad time, bad date folder, missing unique part, other suffix, extra folder.
      {"AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/"
       "123456789012_CloudTrail_us-east-1_20190102T2460Z_abcdEFGH12345678.json.gz",
       LogObjectKind::kOther, "", "", "", 0},
      {"AWSLogs/123456789012/CloudTrail/us-east-1/2019/02/30/"
       "123456789012_CloudTrail_us-east-1_20190102T1245Z_abcdEFGH12345678.json.gz",
       LogObjectKind::kOther, "", "", "", 0},
      {"AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/"
       "123456789012_CloudTrail_us-east-1_20190102T1245Z_.json.gz",
       LogObjectKind::kOther, "", "", "", 0},
      {"AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/"
       "123456789012_CloudTrail_us-east-1_20190102T1245Z_abcdEFGH12345678.txt",
       LogObjectKind::kOther, "", "", "", 0},
      {"AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/extra/"
       "123456789012_CloudTrail_us-east-1_20190102T1245Z_abcdEFGH12345678.json.gz",
       LogObjectKind::kOther, "", "", "", 0},
      {"notAWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/"
       "123456789012_CloudTrail_us-east-1_20190102T1245Z_abcdEFGH12345678.json.gz",
       LogObjectKind::kOther, "", "", "", 0},
      {"AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/02/", LogObjectKind::kOther, "", "", "",
       0},
      {"records.jsonl", LogObjectKind::kOther, "", "", "", 0},
      {"", LogObjectKind::kOther, "", "", "", 0},
  };
  for (const Row& row : rows) {
    CAPTURE(row.key);
    LogFileName name;
    name.account = "untouched";
    CHECK(ClassifyLogObjectKey(row.key, &name) == row.kind);
    CHECK(ClassifyLogObjectKey(row.key, nullptr) == row.kind);
    if (row.kind == LogObjectKind::kLogFile) {
      CHECK(name.org_id == row.org);
      CHECK(name.account == row.account);
      CHECK(name.region == row.region);
      CHECK(name.time_ms == row.time_ms);
    } else {
      CHECK(name.account == "untouched");
    }
  }
}

TEST_CASE("log file records are the exact bytes of each Records element",
          "[cloudtrail][log-file]") {
  const Result r = Stream(kTricky, 0);
  CHECK(r.error.empty());
  CHECK(r.records == kTrickyRecords);
  CHECK(r.indexes == std::vector<uint64_t>{0, 1, 2});
  CHECK(Whole(kTricky) == r);
  const std::string gz = iam_audit::GzipDeflate(kTricky);
  CHECK(Stream(gz, 0) == r);
  CHECK(Whole(gz) == r);
}

TEST_CASE("log file: every chunking gives the whole-file result", "[cloudtrail][log-file]") {
  const std::string gz = iam_audit::GzipDeflate(kTricky);
  for (const std::string& file : {std::string(kTricky), gz}) {
    const Result whole = Stream(file, 0);
    REQUIRE(whole.records == kTrickyRecords);
    CHECK(Stream(file, 1) == whole);
    CHECK(Stream(file, 7) == whole);
    for (size_t at = 0; at <= file.size(); ++at) {
      CAPTURE(at);
      REQUIRE(Split(file, at) == whole);
    }
  }
  // Errors too land at the same byte whatever the chunking.
  const std::string bad = R"({"Records":[{"a":1},{"b":"x\q"}]})";
  const std::string expected = "log file: record 1 at byte 20: invalid escape '\\q' at byte 27";
  CHECK(Stream(bad, 0).error == expected);
  CHECK(Stream(bad, 1).error == expected);
  CHECK(Stream(bad, 1).records == std::vector<std::string>{R"({"a":1})"});
  CHECK(Stream(iam_audit::GzipDeflate(bad), 1).error == expected);
}

TEST_CASE("log file: empty Records, other keys, gzip members", "[cloudtrail][log-file]") {
  for (const std::string doc : {R"({"Records":[]})", "{\"Records\" :\n[ ]\n}\n",
                                R"({"a":{"Records":[{"x":1}]},"Records":[],"b":[]})"}) {
    CAPTURE(doc);
    const Result r = Stream(doc, 0);
    CHECK(r.error.empty());
    CHECK(r.records.empty());
  }
  // Two gzip members read as one document, as gzip -d reads them.
  const std::string two =
      iam_audit::GzipDeflate(R"({"Records":[{"a":1},)") + iam_audit::GzipDeflate(R"({"b":2}]})");
  const std::vector<std::string> expected = {R"({"a":1})", R"({"b":2})"};
  CHECK(Stream(two, 0).records == expected);
  CHECK(Stream(two, 0).error.empty());
  CHECK(Stream(two, 1).records == expected);
  CHECK(Whole(two).records == expected);
  // Bytes after the member that start no other member.
  const std::string one = iam_audit::GzipDeflate(R"({"Records":[]})");
  CHECK(ErrorOf(one + "xyz") == "log file: trailing bytes after the gzip stream at byte " +
                                    std::to_string(one.size()) +
                                    " of the file (not another gzip member)");
  CHECK(Whole(one + "xyz").error == ErrorOf(one + "xyz"));
}

TEST_CASE("log file errors name what and where", "[cloudtrail][log-file]") {
  // {"Records":[ is 12 bytes: the first record starts at byte 12.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "log file: empty"},
      {"hello", "log file: expected '{\"Records\":[' at byte 0"},
      {"  [{\"a\":1}]", "log file: expected '{\"Records\":[' at byte 2"},
      {"\n \n", "log file: expected '{\"Records\":[' at byte 3"},
      {std::string(1, '\x1f'), "log file: expected '{\"Records\":[' at byte 0"},
      {"{}", "log file: no \"Records\" array in the document (it closes at byte 1)"},
      {R"({"x":1})", "log file: no \"Records\" array in the document (it closes at byte 6)"},
      {R"({"Records":{}})", "log file: \"Records\" is not an array at byte 11"},
      {R"({"Records":[1]})",
       "log file: record 0 at byte 12: expected '{' (a record is an object), found '1'"},
      {R"({"Records":[{"a":"b)", "log file: record 0 at byte 12: unterminated string at byte 17"},
      {R"({"Records":[{"a":{"b":1})",
       "log file: record 0 at byte 12: truncated (the file ends inside the record at byte 24)"},
      {R"({"Records":[{"a":1})", "log file: truncated at byte 19 (the document is incomplete)"},
      {R"({"Records":[{"a":1}])", "log file: truncated at byte 20 (the document is incomplete)"},
      {R"({"Records":[{"a":[1}]})", "log file: record 0 at byte 12: mismatched '}' at byte 19"},
      {R"({"Records":[{"a":1} {"b":2}]})",
       "log file: expected ',' or ']' after record 0 at byte 20, found '{'"},
      {R"({"Records":[],"Records":[]})", "log file: a second \"Records\" key at byte 14"},
      {R"({"Records":[]}x)", "log file: unexpected 'x' after the document at byte 14"},
      {R"({"Records":[] "x":1})", "log file: expected ',' or '}' at byte 14, found '\"'"},
      {"{\"Records\":[{\"a\":\"\n\"}]}",
       "log file: record 0 at byte 12: control character byte 0x0a in a string at byte 18"},
      {R"({"Records":[{"a":"\u00g0"}]})",
       "log file: record 0 at byte 12: invalid \\u escape at byte 22"},
  };
  for (const auto& [file, expected] : cases) {
    CAPTURE(file);
    CHECK(Stream(file, 0).error == expected);
    CHECK(Stream(file, 1).error == expected);
    CHECK(Whole(file).error == expected);
  }
  CHECK(Whole(iam_audit::GzipDeflate("")).error ==
        "log file: empty (the gzip stream inflates to no bytes)");
}

TEST_CASE("log file: truncated and corrupt gzip", "[cloudtrail][log-file]") {
  const std::string gz = iam_audit::GzipDeflate(kTricky);
  const std::string cut = gz.substr(0, gz.size() - 5);
  const std::string expected =
      "log file: truncated gzip stream after " + std::to_string(cut.size()) + " bytes";
  CHECK(Stream(cut, 0).error == expected);
  CHECK(Stream(cut, 1).error == expected);
  CHECK(Whole(cut).error == expected);
  CHECK(Whole(gz.substr(0, 2)).error == "log file: truncated gzip stream after 2 bytes");

  std::string corrupt = gz;
  corrupt[10] = '\xff';  // the first byte of the DEFLATE data: block type 11 is reserved
  const Result r = Whole(corrupt);
  CHECK(r.error.rfind("log file: corrupt gzip stream (", 0) == 0);
  CHECK(Stream(corrupt, 1).error == r.error);
}

TEST_CASE("log file: a record over the limit", "[cloudtrail][log-file]") {
  // {"a":"45"} is 10 bytes: at the limit it passes, one byte more fails.
  const std::string fits = R"({"Records":[{"a":"45"}]})";
  CHECK(Stream(fits, 0, 10).records == std::vector<std::string>{R"({"a":"45"})"});
  CHECK(Stream(fits, 1, 10).error.empty());
  const std::string over = R"({"Records":[{"a":"45"},{"a":"456"}]})";
  for (size_t step : {size_t{0}, size_t{1}, size_t{3}}) {
    const Result r = Stream(over, step, 10);
    CHECK(r.records == std::vector<std::string>{R"({"a":"45"})"});
    CHECK(r.error == "log file: record 1 at byte 23: larger than the limit of 10 bytes");
  }
}

TEST_CASE("log file: counters, sink errors, reuse after an error", "[cloudtrail][log-file]") {
  const std::string gz = iam_audit::GzipDeflate(kTricky);
  CloudTrailLogStream stream;
  Result r;
  REQUIRE(stream.Write(gz, Collect(&r)).ok());
  REQUIRE(stream.Finish(Collect(&r)).ok());
  CHECK(stream.records() == 3);
  CHECK(stream.bytes_in() == gz.size());
  CHECK(stream.bytes_inflated() == kTricky.size());

  // The sink's status comes back unchanged and stops the parse.
  CloudTrailLogStream stopped;
  int calls = 0;
  const auto failing = [&calls](std::string_view, uint64_t) {
    ++calls;
    return iam_audit::UnavailableError("sink is down");
  };
  const Status st = stopped.Write(kTricky, failing);
  CHECK(st.code() == iam_audit::StatusCode::kUnavailable);
  CHECK(st.message() == "sink is down");
  CHECK(calls == 1);
  CHECK(stopped.Write("more", failing).message() == "sink is down");
  CHECK(stopped.Finish(failing).message() == "sink is down");
  CHECK(calls == 1);
}

TEST_CASE("log file: where each record starts", "[cloudtrail][log-file]") {
  // kTricky: line 1 is " ", line 2 the first key (55 bytes with \r\n), so
  // line 3 starts at byte 57; its record starts at column 17. Line 4 holds
  // record 1 (34 bytes), ',' and record 2.
  const std::vector<std::vector<uint64_t>> expected = {{73, 3, 17}, {0, 4, 1}, {0, 4, 36}};
  for (const std::string& file : {std::string(kTricky), iam_audit::GzipDeflate(kTricky)}) {
    for (size_t step : {size_t{0}, size_t{1}}) {
      CloudTrailLogStream stream;
      std::vector<std::vector<uint64_t>> got;
      const auto sink = [&](std::string_view, uint64_t) {
        const CloudTrailLogStream::Position p = stream.record_position();
        got.push_back({got.empty() ? p.offset : 0, p.line, p.column});
        return Status::Ok();
      };
      if (step == 0) step = file.size();
      for (size_t at = 0; at < file.size(); at += step) {
        REQUIRE(stream.Write(std::string_view(file).substr(at, step), sink).ok());
      }
      REQUIRE(stream.Finish(sink).ok());
      CHECK(got == expected);
    }
  }
}
