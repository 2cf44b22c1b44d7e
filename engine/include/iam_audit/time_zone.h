// Time zones for alert timestamps: an IANA name ("Asia/Seoul", resolved from
// the system tz database by Howard Hinnant's date library) or a fixed offset
// ("+09:00", "-0530", "UTC", "Z"). Immutable and thread-safe once made.
#ifndef IAM_AUDIT_TIME_ZONE_H_
#define IAM_AUDIT_TIME_ZONE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "iam_audit/status.h"

namespace iam_audit {

class TimeZone {
 public:
  // UTC.
  TimeZone();
  // Accepts "UTC", "Z" (also lower case), a fixed offset "±HH:MM", "±HHMM" or
  // "±HH" up to ±18:00, or an IANA name looked up in the OS tz database
  // (/usr/share/zoneinfo). Errors: kNotFound "time zone: unknown zone
  // 'Mars/Base'" (also when the database cannot be loaded), kInvalidArgument
  // "time zone: bad offset '+25:00' ..." or a malformed name.
  static StatusOr<TimeZone> Parse(std::string_view spec);

  // Formats `unix_seconds` as "YYYY.MM.DD HH:MM:SS" local time in this zone
  // (daylight saving included). Instants outside years 0000-9999 give
  // "(time out of range)".
  std::string Format(int64_t unix_seconds) const;
  // The spec this zone was made from ("UTC" by default).
  const std::string& name() const { return name_; }

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  std::string name_;
};

// Parses a CloudTrail eventTime ("2022-06-21T13:56:13Z", optional fractional
// seconds, 'Z' or ±hh:mm / ±hhmm / ±hh offset) into Unix seconds; fractions are
// dropped. Also accepted, for hand-edited records: a space instead of 'T' and
// no designator at all (read as UTC, which CloudTrail documents eventTime to
// be). Errors: "time: bad timestamp '<text>': expected 'T' at offset 10".
StatusOr<int64_t> ParseIso8601(std::string_view text);

// Days from 1970-01-01 to the proleptic Gregorian date year-month-day
// (month 1..12; a day past the month's end counts on into the next month).
int64_t DaysFromCivil(int year, int month, int day);

}  // namespace iam_audit

#endif  // IAM_AUDIT_TIME_ZONE_H_
