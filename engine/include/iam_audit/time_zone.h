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
  // Errors: "time zone: unknown zone 'Mars/Base'", "time zone: bad offset '+25:00'".
  static StatusOr<TimeZone> Parse(std::string_view spec);

  // Formats `unix_seconds` as "YYYY.MM.DD HH:MM:SS" local time in this zone.
  std::string Format(int64_t unix_seconds) const;
  // The spec this zone was made from ("UTC" by default).
  const std::string& name() const { return name_; }

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  std::string name_;
};

// Parses a CloudTrail eventTime ("2022-06-21T13:56:13Z", optional fractional
// seconds, 'Z' or ±hh:mm offset) into Unix seconds.
StatusOr<int64_t> ParseIso8601(std::string_view text);

}  // namespace iam_audit

#endif  // IAM_AUDIT_TIME_ZONE_H_
