// Time zones (IANA names, fixed offsets) and CloudTrail eventTime parsing.
#include "iam_audit/time_zone.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <tuple>

namespace {

using iam_audit::ParseIso8601;
using iam_audit::StatusCode;
using iam_audit::TimeZone;

constexpr int64_t k20220621T135613Z = 1655819773;

std::string FormatIn(const std::string& spec, int64_t seconds) {
  const auto tz = TimeZone::Parse(spec);
  if (!tz.ok()) return "error: " + tz.status().message();
  return tz->Format(seconds);
}

}  // namespace

TEST_CASE("default time zone is UTC", "[time_zone]") {
  const TimeZone tz;
  CHECK(tz.name() == "UTC");
  CHECK(tz.Format(k20220621T135613Z) == "2022.06.21 13:56:13");
  CHECK(tz.Format(0) == "1970.01.01 00:00:00");
  CHECK(tz.Format(-1) == "1969.12.31 23:59:59");
}

TEST_CASE("time zone specs render the same instant", "[time_zone]") {
  const auto [spec, expected] = GENERATE(table<std::string, std::string>({
      {"UTC", "2022.06.21 13:56:13"},
      {"Z", "2022.06.21 13:56:13"},
      {"Asia/Seoul", "2022.06.21 22:56:13"},
      {"+09:00", "2022.06.21 22:56:13"},
      {"+0900", "2022.06.21 22:56:13"},
      {"+09", "2022.06.21 22:56:13"},
      {"-05:30", "2022.06.21 08:26:13"},
      {"-0530", "2022.06.21 08:26:13"},
      {"+00:00", "2022.06.21 13:56:13"},
      {"+14:00", "2022.06.22 03:56:13"},
      {"Asia/Kolkata", "2022.06.21 19:26:13"},
      {"Etc/GMT-9", "2022.06.21 22:56:13"},  // POSIX sign: GMT-9 is UTC+9
      {"America/New_York", "2022.06.21 09:56:13"},
      {"Europe/London", "2022.06.21 14:56:13"},
      {"Australia/Lord_Howe", "2022.06.22 00:26:13"},  // +10:30 in June
  }));
  CAPTURE(spec);
  CHECK(FormatIn(spec, k20220621T135613Z) == expected);
}

TEST_CASE("time zone keeps the spec it was made from", "[time_zone]") {
  CHECK(TimeZone::Parse("Asia/Seoul")->name() == "Asia/Seoul");
  CHECK(TimeZone::Parse("+09:00")->name() == "+09:00");
}

TEST_CASE("IANA zone follows daylight saving transitions", "[time_zone]") {
  // America/New_York, 2022: EST→EDT on 13 March at 07:00Z, EDT→EST on 6 November at 06:00Z.
  const auto [seconds, expected] = GENERATE(table<int64_t, std::string>({
      {1647154799, "2022.03.13 01:59:59"},  // last second of EST
      {1647154800, "2022.03.13 03:00:00"},  // first second of EDT: 02:xx never happens
      {1667714399, "2022.11.06 01:59:59"},  // last second of EDT
      {1667714400, "2022.11.06 01:00:00"},  // first second of EST: 01:xx happens twice
  }));
  CAPTURE(seconds);
  CHECK(FormatIn("America/New_York", seconds) == expected);
  // A fixed offset does not move.
  CHECK(FormatIn("-05:00", 1647154800) == "2022.03.13 02:00:00");
}

TEST_CASE("bad time zone specs are refused with a clear message", "[time_zone]") {
  const auto [spec, code, message] = GENERATE(table<std::string, StatusCode, std::string>({
      {"Mars/Base", StatusCode::kNotFound, "time zone: unknown zone 'Mars/Base'"},
      {"Asia/Seoull", StatusCode::kNotFound, "time zone: unknown zone 'Asia/Seoull'"},
      {"+25:00", StatusCode::kInvalidArgument, "time zone: bad offset '+25:00'"},
      {"+18:01", StatusCode::kInvalidArgument, "time zone: bad offset '+18:01'"},
      {"+09:60", StatusCode::kInvalidArgument, "time zone: bad offset '+09:60'"},
      {"+9", StatusCode::kInvalidArgument, "time zone: bad offset '+9'"},
      {"+09:0", StatusCode::kInvalidArgument, "time zone: bad offset '+09:0'"},
      {"+09:00:00", StatusCode::kInvalidArgument, "time zone: bad offset '+09:00:00'"},
      {"-", StatusCode::kInvalidArgument, "time zone: bad offset '-'"},
      {"", StatusCode::kInvalidArgument, "time zone: unknown zone ''"},
      {"09:00", StatusCode::kInvalidArgument, "time zone: unknown zone '09:00'"},
      {"Asia/Seoul ", StatusCode::kInvalidArgument, "time zone: unknown zone 'Asia/Seoul '"},
      {"../../etc/passwd", StatusCode::kInvalidArgument,
       "time zone: unknown zone '../../etc/passwd'"},
      {"/etc/localtime", StatusCode::kInvalidArgument, "time zone: unknown zone '/etc/localtime'"},
      {"Asia/Seoul\n", StatusCode::kInvalidArgument, "time zone: unknown zone 'Asia/Seoul?'"},
  }));
  CAPTURE(spec);
  const auto tz = TimeZone::Parse(spec);
  REQUIRE_FALSE(tz.ok());
  CHECK(tz.status().code() == code);
  // The message starts with the stage and the quoted spec; a hint may follow.
  CHECK(tz.status().message().rfind(message, 0) == 0);
}

TEST_CASE("a very long bad spec is quoted briefly", "[time_zone]") {
  const auto tz = TimeZone::Parse(std::string(10000, 'x'));
  REQUIRE_FALSE(tz.ok());
  CHECK(tz.status().message().size() < 200);
}

TEST_CASE("Format outside years 0000-9999 does not overflow", "[time_zone]") {
  const auto seoul = TimeZone::Parse("Asia/Seoul");
  REQUIRE(seoul.ok());
  CHECK(seoul->Format(INT64_MAX) == "(time out of range)");
  CHECK(seoul->Format(INT64_MIN) == "(time out of range)");
  CHECK(TimeZone().Format(253402300799) == "9999.12.31 23:59:59");
}

TEST_CASE("Format agrees with libc's gmtime from year 0000 to 9999", "[time_zone]") {
  const TimeZone utc;
  int checked = 0;
  // A prime step lands on every kind of second, minute, hour, day and month.
  for (int64_t t = -62167219200; t <= 253402300799; t += 9'999'991) {
    time_t tt = static_cast<time_t>(t);
    std::tm tm{};
    REQUIRE(gmtime_r(&tt, &tm) != nullptr);
    char want[40];
    std::snprintf(want, sizeof want, "%04d.%02d.%02d %02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    REQUIRE(utc.Format(t) == want);
    ++checked;
  }
  CHECK(checked > 30'000);
}

TEST_CASE("ParseIso8601 reads CloudTrail eventTime forms", "[time_zone]") {
  const auto [text, expected] = GENERATE(table<std::string, int64_t>({
      {"2022-06-21T13:56:13Z", k20220621T135613Z},
      {"2022-06-21T13:56:13.123Z", k20220621T135613Z},
      {"2022-06-21T13:56:13.999999999Z", k20220621T135613Z},  // fractions are dropped, not rounded
      {"2022-06-21T22:56:13+09:00", k20220621T135613Z},
      {"2022-06-21T22:56:13+0900", k20220621T135613Z},
      {"2022-06-21T08:26:13-05:30", k20220621T135613Z},
      {"2022-06-21T13:56:13.5+00:00", k20220621T135613Z},
      {"2022-06-21t13:56:13z", k20220621T135613Z},
      {"2022-06-21 13:56:13", k20220621T135613Z},  // hand-edited records: read as UTC
      {"2022-06-21 13:56:13.000000000", k20220621T135613Z},
      {"1970-01-01T00:00:00Z", 0},
      {"2024-02-29T23:59:59Z", 1709251199},
      {"1969-12-31T23:59:59Z", -1},
  }));
  CAPTURE(text);
  const auto seconds = ParseIso8601(text);
  REQUIRE(seconds.ok());
  CHECK(*seconds == expected);
}

TEST_CASE("ParseIso8601 refuses malformed times with the offset of the fault", "[time_zone]") {
  const auto [text, fragment] = GENERATE(table<std::string, std::string>({
      {"", "expected a 4-digit year at offset 0"},
      {"redacted", "expected a 4-digit year at offset 0"},
      {"yyyy-mm-ddThh:mm:ssZ", "expected a 4-digit year at offset 0"},
      {"2014-03-06T21: 22: 54Z", "expected 2-digit minutes at offset 14"},
      {"2022-06-21", "expected 'T' at offset 10"},
      {"2022-06-21T13:56", "expected ':' at offset 16"},
      {"2022-13-01T00:00:00Z", "no such date"},
      {"2023-02-29T00:00:00Z", "no such date"},
      {"2022-06-00T00:00:00Z", "no such date"},
      {"2022-06-21T24:00:00Z", "hour out of range"},
      {"2022-06-21T23:60:00Z", "minutes out of range"},
      {"2022-06-21T23:59:61Z", "seconds out of range"},
      {"2022-06-21T13:56:13.Z", "expected digits after the decimal point at offset 20"},
      {"2022-06-21T13:56:13ZZ", "expected 'Z' or an offset like +09:00 at offset 19"},
      {"2022-06-21T13:56:13+25:00", "expected 'Z' or an offset like +09:00 at offset 19"},
      {"2022-06-21T13:56:13 UTC", "expected 'Z' or an offset like +09:00 at offset 19"},
  }));
  CAPTURE(text);
  const auto seconds = ParseIso8601(text);
  REQUIRE_FALSE(seconds.ok());
  CHECK(seconds.status().code() == StatusCode::kInvalidArgument);
  CHECK(seconds.status().message().rfind("time: bad timestamp '", 0) == 0);
  CHECK_THAT(seconds.status().message(), Catch::Contains(fragment));
}

TEST_CASE("a leap second is read as the next second", "[time_zone]") {
  const auto seconds = ParseIso8601("2016-12-31T23:59:60Z");
  REQUIRE(seconds.ok());
  CHECK(TimeZone().Format(*seconds) == "2017.01.01 00:00:00");
}

TEST_CASE("days from a civil date", "[time_zone]") {
  using iam_audit::DaysFromCivil;
  // Counted by hand: 1970-2000 is 30 years with 7 leap days (1972 … 1996);
  // 1970-2024 is 54 years with 13 (1972 … 2020); Jan 31 + Feb 29 = 60 days.
  CHECK(DaysFromCivil(1970, 1, 1) == 0);
  CHECK(DaysFromCivil(1969, 12, 31) == -1);
  CHECK(DaysFromCivil(2000, 1, 1) == 10957);
  CHECK(DaysFromCivil(2000, 3, 1) == 11017);
  CHECK(DaysFromCivil(2024, 1, 1) == 19723);
  CHECK(DaysFromCivil(2024, 3, 1) == 19783);
  // A day past the month's end counts on into the next month.
  CHECK(DaysFromCivil(2024, 2, 30) == 19783);
}
