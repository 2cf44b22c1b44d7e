// Narrowed S3 listing (iam_audit/sources/sources.h) against s3rver: the
// hidden "[.s3rver]" case, run by tests/sources/s3_narrow_test.py after it
// puts the archive described there into the bucket "archive". The narrowed
// listing must give the same units in the same order as the full listing for
// windows across a month and a year boundary, a prefix deeper than AWSLogs/,
// an organisation level, accounts and regions, and keys outside the layout;
// one day out of the 30-day archive takes far fewer ListObjectsV2 pages.
// Both listings stream: the units come page by page (a callback that stops
// at the first unit leaves the later pages unrequested) and equal the
// collected listing's.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "iam_audit/sources/sources.h"

namespace iam_audit::sources {
namespace {

const std::string kA = "111111111111";
const std::string kB = "222222222222";
const std::string kOrgAccount = "333333333333";
const std::string kOrg = "o-abc123def4";

int64_t Ms(const char* text) {
  auto ms = ParseTimeBound(text);
  REQUIRE(ms.ok());
  return *ms;
}

// s3://archive/ name of a log file of `account` in `region` at `stamp`
// (YYYYMMDDTHHMMZ), in the layout CloudTrail writes.
std::string Log(const std::string& account, const std::string& region, const std::string& stamp,
                const std::string& org = "") {
  const std::string day = stamp.substr(0, 4) + "/" + stamp.substr(4, 2) + "/" + stamp.substr(6, 2);
  return "s3://archive/AWSLogs/" + (org.empty() ? "" : org + "/") + account + "/CloudTrail/" +
         region + "/" + day + "/" + account + "_CloudTrail_" + region + "_" + stamp +
         "_0123456789ABCDEF.json.gz";
}

std::vector<std::string> Names(const SourceList& list) {
  std::vector<std::string> names;
  for (const SourceUnit& unit : list.units) names.push_back(unit.name);
  return names;
}

SourceOptions Base() {
  SourceOptions options;
  options.s3_page_keys = 7;  // pages end inside CommonPrefixes too
  return options;
}

// The narrowed listing's units equal the full listing's, but for `lost`: the
// files outside the layout below a prefix left out (sources.h).
SourceList ListBoth(const std::string& spec, SourceOptions options, SourceList* full_out = nullptr,
                    const std::vector<std::string>& lost = {}) {
  options.narrow_s3_listing = false;
  auto full = ListSources({spec}, options);
  REQUIRE(full.ok());
  options.narrow_s3_listing = true;
  auto narrow = ListSources({spec}, options);
  REQUIRE(narrow.ok());
  INFO(spec);
  if (full_out) *full_out = *full;
  std::vector<SourceUnit> kept;
  for (const SourceUnit& unit : full->units) {
    if (std::find(lost.begin(), lost.end(), unit.name) == lost.end()) kept.push_back(unit);
  }
  CHECK(full->units.size() == kept.size() + lost.size());
  full->units = kept;
  CHECK(Names(*narrow) == Names(*full));
  REQUIRE(narrow->units.size() == full->units.size());
  for (size_t i = 0; i < full->units.size(); ++i) {
    CHECK(narrow->units[i].size == full->units[i].size);
    CHECK(narrow->units[i].log_kind == full->units[i].log_kind);
  }
  return *narrow;
}

TEST_CASE("narrowed S3 listing equals the full listing", "[.s3rver]") {
  SECTION("one day, from AWSLogs/: units written out from the layout") {
    SourceOptions o = Base();
    o.since_ms = Ms("2024-05-01");
    o.until_ms = Ms("2024-05-02");
    const SourceList narrow = ListBoth("s3://archive/AWSLogs/", o);
    // Files of minute M are read when since - 1 min < M < until + 1 h:
    // none of 04-30 (23:55 is too early), all of 05-01, 05-02 00:00 only;
    // the keys outside the layout are read where they sort.
    std::vector<std::string> expected = {Log(kA, "eu-west-1", "20240501T0000Z"),
                                         Log(kA, "eu-west-1", "20240501T1200Z")};
    for (const char* hour :
         {"0000", "0300", "0600", "0900", "1200", "1500", "1800", "2100", "2355"}) {
      expected.push_back(Log(kA, "us-east-1", std::string("20240501T") + hour + "Z"));
    }
    expected.push_back(Log(kA, "us-east-1", "20240502T0000Z"));
    expected.push_back("s3://archive/AWSLogs/" + kA +
                       "/CloudTrail/us-east-1/2024/05/tmp/extra.jsonl");
    expected.push_back("s3://archive/AWSLogs/" + kA +
                       "/Config/us-east-1/2024/5/1/ConfigHistory/config.json.gz");
    expected.push_back(Log(kB, "us-east-1", "20240501T1200Z"));
    expected.push_back("s3://archive/AWSLogs/notes.json");
    expected.push_back(Log(kOrgAccount, "us-east-1", "20240501T0600Z", kOrg));
    CHECK(Names(narrow) == expected);
    CHECK(narrow.unlisted_prefixes > 0);
  }
  SECTION("across a month boundary") {
    SourceOptions o = Base();
    o.since_ms = Ms("2024-04-30T12:00:00Z");
    o.until_ms = Ms("2024-05-01T06:00:00Z");
    ListBoth("s3://archive/AWSLogs/", o);
  }
  SECTION("a prefix deeper than AWSLogs/, no until") {
    SourceOptions o = Base();
    o.since_ms = Ms("2024-05-15");
    ListBoth("s3://archive/AWSLogs/" + kA + "/CloudTrail/us-east-1/", o);
  }
  SECTION("the whole bucket, until only") {
    SourceOptions o = Base();
    o.until_ms = Ms("2024-04-17");
    // May is left out, with the non-layout file below it.
    ListBoth("s3://archive", o, nullptr,
             {"s3://archive/AWSLogs/" + kA + "/CloudTrail/us-east-1/2024/05/tmp/extra.jsonl"});
  }
  SECTION("an organisation level across a year boundary") {
    SourceOptions o = Base();
    o.since_ms = Ms("2023-12-31T23:00:00Z");
    o.until_ms = Ms("2024-01-01");
    const SourceList narrow = ListBoth("s3://archive/AWSLogs/" + kOrg + "/", o);
    CHECK(Names(narrow) ==
          std::vector<std::string>{Log(kOrgAccount, "us-east-1", "20231231T2355Z", kOrg)});
  }
  SECTION("accounts only") {
    SourceOptions o = Base();
    o.accounts = {kB};
    // Account A is left out, with the non-layout files below it.
    const SourceList narrow = ListBoth(
        "s3://archive/AWSLogs/", o, nullptr,
        {"s3://archive/AWSLogs/" + kA + "/CloudTrail/us-east-1/2024/05/tmp/extra.jsonl",
         "s3://archive/AWSLogs/" + kA + "/Config/us-east-1/2024/5/1/ConfigHistory/config.json.gz"});
    CHECK(narrow.unlisted_prefixes == 2);  // accounts A and 333… (under the org)
  }
  SECTION("a region and since") {
    SourceOptions o = Base();
    o.regions = {"eu-west-1"};
    o.since_ms = Ms("2024-05-01T06:00:00Z");
    // us-east-1 is left out, with the non-layout file below it.
    ListBoth("s3://archive/AWSLogs/", o, nullptr,
             {"s3://archive/AWSLogs/" + kA + "/CloudTrail/us-east-1/2024/05/tmp/extra.jsonl"});
  }
  SECTION("a month-level prefix") {
    SourceOptions o = Base();
    o.since_ms = Ms("2024-05-10");
    o.until_ms = Ms("2024-05-11");
    ListBoth("s3://archive/AWSLogs/" + kA + "/CloudTrail/us-east-1/2024/05/", o);
  }
  SECTION("a day-level prefix and a prefix ending inside a name are listed in full") {
    SourceOptions o = Base();
    o.since_ms = Ms("2024-05-01T12:00:00Z");
    ListBoth("s3://archive/AWSLogs/" + kA + "/CloudTrail/us-east-1/2024/05/01/", o);
    ListBoth("s3://archive/AWSLogs/1111", o);
  }
}

TEST_CASE("narrowed S3 listing: one day of a 30-day archive in fewer pages", "[.s3rver]") {
  SourceOptions o;
  o.s3_page_keys = 10;
  o.since_ms = Ms("2024-05-01");
  o.until_ms = Ms("2024-05-02");
  SourceList full;
  const SourceList narrow =
      ListBoth("s3://archive/AWSLogs/" + kA + "/CloudTrail/us-east-1/", o, &full);
  // 270 log files, readme.txt, tmp/extra.jsonl and 35 folder markers (the
  // prefix's own, 2024/, 04/, 05/, 30 days, tmp/): 307 keys in pages of 10.
  CHECK(full.list_requests == 31);
  // The region (its marker, 2024/), the year (marker, 04/, 05/), the months
  // (marker and 15 or 16 children: 2 pages each), the days 04-30 (marker and
  // 9 files), 05-01 (marker, 9 files, readme.txt: 2 pages), 05-02 and tmp/:
  // 11 pages, one more if the server ends an exactly full page as truncated.
  CHECK(narrow.list_requests <= 13);
  CHECK(narrow.units.size() == 11);  // 05-01's 9, 05-02 00:00, tmp/extra.jsonl
}

TEST_CASE("S3 listings stream page by page", "[.s3rver]") {
  const std::string day = "s3://archive/AWSLogs/" + kA + "/CloudTrail/us-east-1/2024/05/01/";
  SourceOptions o;
  o.s3_page_keys = 7;
  // The day's 11 keys (its folder marker, 9 log files, readme.txt) in pages
  // of 7: the first log file is on the first page.
  std::vector<std::string> seen;
  auto first = ListSources({day}, o, [&](SourceUnit&& unit) {
    seen.push_back(unit.name);
    CHECK(unit.kind == UnitKind::kS3Object);
    CHECK(unit.size_known);
    CHECK(unit.size == 2);  // "{}"
    return false;
  });
  REQUIRE(first.ok());
  CHECK(seen == std::vector<std::string>{Log(kA, "us-east-1", "20240501T0000Z")});
  CHECK(first->list_requests == 1);

  seen.clear();
  auto all = ListSources({day}, o, [&](SourceUnit&& unit) {
    seen.push_back(unit.name);
    return true;
  });
  REQUIRE(all.ok());
  std::vector<std::string> expected;
  for (const char* hhmm :
       {"0000", "0300", "0600", "0900", "1200", "1500", "1800", "2100", "2355"}) {
    expected.push_back(Log(kA, "us-east-1", std::string("20240501T") + hhmm + "Z"));
  }
  CHECK(seen == expected);
  CHECK(all->list_requests >= 2);
  CHECK(all->skipped_names == 1);  // readme.txt

  // Narrowed to 2024-05-01 from AWSLogs/: the first unit is eu-west-1's
  // 00:00 file (account 111111111111's digests are not units, and
  // "eu-west-1/" sorts before "us-east-1/"); stopping there leaves the rest
  // of the levels unrequested.
  o.since_ms = Ms("2024-05-01");
  o.until_ms = Ms("2024-05-02");
  seen.clear();
  auto narrow_first = ListSources({"s3://archive/AWSLogs/"}, o, [&](SourceUnit&& unit) {
    seen.push_back(unit.name);
    return false;
  });
  REQUIRE(narrow_first.ok());
  CHECK(seen == std::vector<std::string>{Log(kA, "eu-west-1", "20240501T0000Z")});

  // Streamed and collected, the narrowed listing gives the same units.
  seen.clear();
  auto streamed = ListSources({"s3://archive/AWSLogs/"}, o, [&](SourceUnit&& unit) {
    seen.push_back(unit.name);
    return true;
  });
  REQUIRE(streamed.ok());
  auto collected = ListSources({"s3://archive/AWSLogs/"}, o);
  REQUIRE(collected.ok());
  CHECK(seen == Names(*collected));
  // 111…: us-east-1's 11 (as in the case above), eu-west-1's 2, the Config
  // file (not the layout: listed in full); notes.json; 222…'s 1; the org's 1.
  CHECK(seen.size() == 17);
  CHECK(streamed->unlisted_prefixes == collected->unlisted_prefixes);
  CHECK(streamed->list_requests == collected->list_requests);
  CHECK(narrow_first->list_requests < streamed->list_requests);
}

}  // namespace
}  // namespace iam_audit::sources
