// Time zones for alert timestamps (iam_audit/time_zone.h): parsing an IANA
// name or a fixed offset, formatting a Unix time in that zone, and
// ParseIso8601 for CloudTrail's eventTime.
#include "iam_audit/time_zone.h"

#include <date/date.h>
#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

namespace iam_audit {

namespace {

// Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range
// that "YYYY.MM.DD HH:MM:SS" can show. Keeping inside it also keeps the date
// library's arithmetic far from overflow for any int64 input.
constexpr int64_t kMinFormattable = -62167219200;
constexpr int64_t kMaxFormattable = 253402300799;
// Fixed offsets beyond ±18:00 are not time zones (java.time draws the same line).
constexpr int kMaxOffsetSeconds = 18 * 3600;

// Quotes user-supplied text for an error message: at most 64 bytes, bytes
// outside printable ASCII shown as '?', so a hostile spec cannot put control
// characters or megabytes into a log line.
std::string Quote(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (text.size() > kMax) out += "...";
  out += "'";
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at `pos`; false if any is not a digit.
bool ReadDigits(std::string_view text, size_t pos, size_t count, int* value) {
  if (pos + count > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!IsDigit(text[pos + i])) return false;
    v = v * 10 + (text[pos + i] - '0');
  }
  *value = v;
  return true;
}

// Parses "+09:00", "+0900", "+09", "-05:30" into seconds east of UTC.
// Returns false when `text` has none of these shapes or is out of range.
bool ParseOffset(std::string_view text, int* seconds) {
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return false;
  int hours = 0;
  int minutes = 0;
  if (!ReadDigits(text, 1, 2, &hours)) return false;
  if (text.size() == 3) {
    minutes = 0;
  } else if (text.size() == 5) {
    if (!ReadDigits(text, 3, 2, &minutes)) return false;
  } else if (text.size() == 6 && text[3] == ':') {
    if (!ReadDigits(text, 4, 2, &minutes)) return false;
  } else {
    return false;
  }
  if (minutes > 59) return false;
  const int total = hours * 3600 + minutes * 60;
  if (total > kMaxOffsetSeconds) return false;
  *seconds = text[0] == '-' ? -total : total;
  return true;
}

bool LooksLikeOffset(std::string_view text) {
  return !text.empty() && (text[0] == '+' || text[0] == '-');
}

// IANA names are ASCII letters, digits and "/_+-" (e.g. "America/Argentina/
// Buenos_Aires", "Etc/GMT+9"). Checking first gives a clean error and keeps
// odd bytes away from the database lookup.
bool IsPlausibleZoneName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '/' ||
                    c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string FormatLocal(int64_t local_seconds) {
  using std::chrono::seconds;
  const date::local_seconds tp{seconds{local_seconds}};
  const auto day = date::floor<date::days>(tp);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<seconds> hms{tp - day};
  const int year = static_cast<int>(ymd.year());
  if (year >= 0 &&
      year <= 9999) {  // every message: digits written by hand (snprintf was 90 % of this)
    char out[19] = {'0', '0', '0', '0', '.', '0', '0', '.', '0', '0',
                    ' ', '0', '0', ':', '0', '0', ':', '0', '0'};
    auto two = [&out](int at, unsigned v) {
      out[at] = static_cast<char>('0' + v / 10);
      out[at + 1] = static_cast<char>('0' + v % 10);
    };
    two(0, static_cast<unsigned>(year / 100));
    two(2, static_cast<unsigned>(year % 100));
    two(5, static_cast<unsigned>(ymd.month()));
    two(8, static_cast<unsigned>(ymd.day()));
    two(11, static_cast<unsigned>(hms.hours().count()));
    two(14, static_cast<unsigned>(hms.minutes().count()));
    two(17, static_cast<unsigned>(hms.seconds().count()));
    return std::string(out, sizeof out);
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d.%02u.%02u %02d:%02d:%02d", year,
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace

// Exactly one of `zone` (IANA) or `offset_seconds` (fixed) is in use.
struct TimeZone::Impl {
  const date::time_zone* zone = nullptr;  // owned by the date library's tzdb, lives forever
  int offset_seconds = 0;
};

TimeZone::TimeZone() : impl_(std::make_shared<const Impl>()), name_("UTC") {}

StatusOr<TimeZone> TimeZone::Parse(std::string_view spec) {
  TimeZone tz;
  tz.name_ = std::string(spec);
  if (spec == "UTC" || spec == "Z" || spec == "utc" || spec == "z") return tz;

  if (LooksLikeOffset(spec)) {
    Impl impl;
    if (!ParseOffset(spec, &impl.offset_seconds)) {
      return InvalidArgumentError("time zone: bad offset " + Quote(spec) +
                                  " (expected ±HH:MM, ±HHMM or ±HH, at most 18:00)");
    }
    tz.impl_ = std::make_shared<const Impl>(impl);
    return tz;
  }

  if (!IsPlausibleZoneName(spec)) {
    return InvalidArgumentError(
        "time zone: unknown zone " + Quote(spec) +
        " (expected an IANA name like Asia/Seoul, UTC or an offset like +09:00)");
  }
  // The date library reports a missing database or zone by throwing; nothing
  // of that may escape this function.
  try {
    (void)date::get_tzdb();
  } catch (const std::exception& e) {
    return NotFoundError(
        std::string("time zone: cannot load the tz database (/usr/share/zoneinfo): ") + e.what());
  }
  try {
    Impl impl;
    impl.zone = date::locate_zone(spec);
    if (impl.zone == nullptr) return NotFoundError("time zone: unknown zone " + Quote(spec));
    tz.impl_ = std::make_shared<const Impl>(impl);
    return tz;
  } catch (const std::exception&) {
    return NotFoundError("time zone: unknown zone " + Quote(spec));
  }
}

std::string TimeZone::Format(int64_t unix_seconds) const {
  if (unix_seconds < kMinFormattable || unix_seconds > kMaxFormattable) {
    return "(time out of range)";
  }
  int64_t local = unix_seconds + impl_->offset_seconds;
  if (impl_->zone != nullptr) {
    try {
      const date::sys_seconds sys{std::chrono::seconds{unix_seconds}};
      local = impl_->zone->to_local(sys).time_since_epoch().count();
    } catch (const std::exception&) {
      // Lazy loading of the zone's transitions failed (file vanished after
      // Parse). Fall back to UTC rather than lie about the offset.
      local = unix_seconds;
    }
  }
  return FormatLocal(local);
}

StatusOr<int64_t> ParseIso8601(std::string_view text) {
  // Accepted: YYYY-MM-DD('T'|'t'|' ')hh:mm:ss[.fraction][Z|z|±hh:mm|±hhmm|±hh]
  // CloudTrail writes "2022-06-21T13:56:13Z"; the space separator and a
  // missing designator (read as UTC, which CloudTrail documents eventTime to
  // be) appear in hand-edited records.
  auto fail = [&](size_t pos, std::string_view what) {
    return InvalidArgumentError("time: bad timestamp " + Quote(text) + ": " + std::string(what) +
                                " at offset " + std::to_string(pos));
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, 0, 4, &year)) return fail(0, "expected a 4-digit year");
  if (text.size() <= 4 || text[4] != '-') return fail(4, "expected '-'");
  if (!ReadDigits(text, 5, 2, &month)) return fail(5, "expected a 2-digit month");
  if (text.size() <= 7 || text[7] != '-') return fail(7, "expected '-'");
  if (!ReadDigits(text, 8, 2, &day)) return fail(8, "expected a 2-digit day");
  if (text.size() <= 10 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) {
    return fail(10, "expected 'T'");
  }
  if (!ReadDigits(text, 11, 2, &hour)) return fail(11, "expected a 2-digit hour");
  if (text.size() <= 13 || text[13] != ':') return fail(13, "expected ':'");
  if (!ReadDigits(text, 14, 2, &minute)) return fail(14, "expected 2-digit minutes");
  if (text.size() <= 16 || text[16] != ':') return fail(16, "expected ':'");
  if (!ReadDigits(text, 17, 2, &second)) return fail(17, "expected 2-digit seconds");
  size_t pos = 19;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    if (pos == start) return fail(pos, "expected digits after the decimal point");
    // Fractions are dropped: alerts show whole seconds.
  }
  int offset = 0;
  if (pos < text.size()) {
    const std::string_view rest = text.substr(pos);
    if (rest == "Z" || rest == "z") {
      offset = 0;
    } else if (!ParseOffset(rest, &offset)) {
      return fail(pos, "expected 'Z' or an offset like +09:00");
    }
  }

  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return fail(5, "no such date");
  if (hour > 23) return fail(11, "hour out of range");
  if (minute > 59) return fail(14, "minutes out of range");
  if (second > 60) return fail(17, "seconds out of range");  // 60: a leap second

  const int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  return days * 86400 + int64_t{hour} * 3600 + int64_t{minute} * 60 + second - offset;
}

int64_t DaysFromCivil(int year, int month, int day) {
  // year_month_day's conversion to days counts a day past the month's end on
  // from the month's last day (date.h documents it so when year and month are ok).
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  return date::sys_days{ymd}.time_since_epoch().count();
}

}  // namespace iam_audit
