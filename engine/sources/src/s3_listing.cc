// The narrowed S3 listing (see "Narrowed S3 listing" in
// iam_audit/sources/sources.h): for an s3:// prefix at or above the
// CloudTrail layout AWSLogs/[o-ORG/]ACCOUNT/CloudTrail[-Digest]/REGION/YYYY/
// MM/DD/, it lists level by level with delimiter '/' and lists in full only
// the prefixes whose account, region and date the selection can reach,
// counting the others in SourceList::unlisted_prefixes; each page's units
// are handed on as the page arrives. It owns the layout's
// levels and their dates; what a listed object becomes (AddS3Object) stays
// in sources.cc.
#include "s3_listing.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "iam_audit/time_zone.h"

namespace iam_audit::sources {
namespace {

// The levels of AWSLogs/[o-ORG/]ACCOUNT/CloudTrail[-Digest]/REGION/YYYY/MM/DD/
// (a prefix ending at that level lists its children with delimiter '/').
enum class Level { kRoot, kAwsLogs, kOrg, kAccount, kTrail, kRegion, kYear, kMonth, kDay };

bool Digits(std::string_view s, size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int Number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

// Where a prefix of the layout stands: its level and the date so far.
struct LayoutPlace {
  Level level = Level::kRoot;
  int year = 0;
  int month = 0;
  int day = 0;
};

// The place of child `segment` (without its '/') of a prefix at `parent`;
// nullopt when the segment is not what the layout has there.
std::optional<LayoutPlace> ChildPlace(const LayoutPlace& parent, std::string_view segment) {
  LayoutPlace child = parent;
  const auto is_org = [](std::string_view s) {
    return s.size() > 2 && s.substr(0, 2) == "o-" &&
           std::all_of(s.begin() + 2, s.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
  };
  switch (parent.level) {
    case Level::kRoot:
      if (segment != "AWSLogs") return std::nullopt;
      child.level = Level::kAwsLogs;
      return child;
    case Level::kAwsLogs:
      if (is_org(segment)) {
        child.level = Level::kOrg;
        return child;
      }
      [[fallthrough]];
    case Level::kOrg:
      if (!Digits(segment, 12)) return std::nullopt;
      child.level = Level::kAccount;
      return child;
    case Level::kAccount:
      if (segment != "CloudTrail" && segment != "CloudTrail-Digest") return std::nullopt;
      child.level = Level::kTrail;
      return child;
    case Level::kTrail:
      if (segment.empty() || segment.find('-') == std::string_view::npos ||
          !std::all_of(segment.begin(), segment.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
          })) {
        return std::nullopt;
      }
      child.level = Level::kRegion;
      return child;
    case Level::kRegion:
      if (!Digits(segment, 4)) return std::nullopt;
      child.level = Level::kYear;
      child.year = Number(segment);
      return child;
    case Level::kYear:
      if (!Digits(segment, 2) || Number(segment) < 1 || Number(segment) > 12) return std::nullopt;
      child.level = Level::kMonth;
      child.month = Number(segment);
      return child;
    case Level::kMonth:
      if (!Digits(segment, 2) || Number(segment) < 1 || Number(segment) > 31) return std::nullopt;
      child.level = Level::kDay;
      child.day = Number(segment);
      return child;
    case Level::kDay:
      return std::nullopt;
  }
  return std::nullopt;
}

// Whether a prefix at `place` can hold a log file SelectedByKey keeps: its
// account and region are selected, and its year, month or day overlaps the
// minutes M that since/until allow (since - 1 min < M < until + delay).
bool MaySelect(const LayoutPlace& place, std::string_view segment, const SourceOptions& o) {
  constexpr int64_t kDayMs = int64_t{86400} * 1000;
  int64_t start = 0;
  int64_t end = 0;
  switch (place.level) {
    case Level::kAccount:
      return Listed(o.accounts, std::string(segment));
    case Level::kRegion:
      return Listed(o.regions, std::string(segment));
    case Level::kYear:
      start = DaysFromCivil(place.year, 1, 1) * kDayMs;
      end = DaysFromCivil(place.year + 1, 1, 1) * kDayMs;
      break;
    case Level::kMonth:
      start = DaysFromCivil(place.year, place.month, 1) * kDayMs;
      end = (place.month == 12 ? DaysFromCivil(place.year + 1, 1, 1)
                               : DaysFromCivil(place.year, place.month + 1, 1)) *
            kDayMs;
      break;
    case Level::kDay:
      start = DaysFromCivil(place.year, place.month, place.day) * kDayMs;
      end = start + kDayMs;
      break;
    default:
      return true;
  }
  // The last minute a prefix can hold is end - 1 min; a file of that minute
  // holds events before `end`, so none at or after since when end <= since.
  if (o.since_ms && end <= *o.since_ms) return false;
  if (o.until_ms && start >= *o.until_ms + o.max_delivery_delay_ms) return false;
  return true;
}

class S3Lister {
 public:
  S3Lister(s3::S3Client& client, std::string bucket, const SourceOptions& options, UnitSink* sink)
      : client_(client), bucket_(std::move(bucket)), options_(options), sink_(sink) {}

  // Every object under `prefix`, in key order, page by page.
  Status ListAll(const std::string& prefix) {
    s3::ListObjectsV2Request request;
    request.bucket = bucket_;
    request.prefix = prefix;
    request.max_keys = options_.s3_page_keys;
    for (;;) {
      auto page = Request(request);
      if (!page.ok()) return page.status();
      for (const s3::ObjectSummary& object : page->objects) {
        AddS3Object(bucket_, object, options_, sink_);
        if (sink_->stopped) return Status::Ok();
      }
      if (!page->is_truncated || page->next_continuation_token.empty()) break;
      request.continuation_token = page->next_continuation_token;
    }
    return Status::Ok();
  }

  // The prefix's units, listing only the layout's prefixes that the
  // selection can reach (sources.h).
  Status List(const std::string& prefix) {
    const bool window = options_.since_ms.has_value() || options_.until_ms.has_value();
    if (!options_.narrow_s3_listing ||
        (!window && options_.accounts.empty() && options_.regions.empty())) {
      return ListAll(prefix);
    }
    LayoutPlace place;
    for (size_t begin = 0; begin < prefix.size();) {
      const size_t slash = prefix.find('/', begin);
      // A prefix that ends inside a name ("AWSLogs/1234") is listed in full.
      if (slash == std::string::npos) return ListAll(prefix);
      auto child = ChildPlace(place, std::string_view(prefix).substr(begin, slash - begin));
      if (!child) return ListAll(prefix);
      place = *child;
      begin = slash + 1;
    }
    return Descend(prefix, place);
  }

 private:
  StatusOr<s3::ListObjectsV2Result> Request(const s3::ListObjectsV2Request& request) {
    ++sink_->list->list_requests;
    return client_.ListObjectsV2(request, options_.s3_timeout_ms);
  }

  // Whether listing below `level` level by level can leave something out.
  bool WorthDescending(Level level) const {
    if (options_.since_ms || options_.until_ms) return level <= Level::kMonth;
    if (!options_.regions.empty()) return level <= Level::kTrail;
    return !options_.accounts.empty() && level <= Level::kOrg;
  }

  // One child prefix of a level: left out, listed in full or descended into.
  Status Child(const std::string& prefix, const LayoutPlace& place,
               const std::string& child_prefix) {
    const std::string_view segment =
        std::string_view(child_prefix)
            .substr(prefix.size(), child_prefix.size() - prefix.size() - 1);
    auto child = ChildPlace(place, segment);
    if (child && !MaySelect(*child, segment, options_)) {
      ++sink_->list->unlisted_prefixes;
      return Status::Ok();
    }
    // Not the layout (every key, as the full listing), or a selected day.
    if (!child || child->level == Level::kDay) return ListAll(child_prefix);
    return Descend(child_prefix, *child);
  }

  // A level listed with delimiter '/', page by page: each page's objects
  // and child prefixes merged in key order (every key under a child prefix
  // sorts where the prefix does, and a page's entries all sort before the
  // next page's).
  Status Descend(const std::string& prefix, const LayoutPlace& place) {
    if (!WorthDescending(place.level)) return ListAll(prefix);
    s3::ListObjectsV2Request request;
    request.bucket = bucket_;
    request.prefix = prefix;
    // A char, not "/": GCC 12 at -O2 warns wrongly (-Wrestrict) on assigning
    // a one-character literal here (https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105329).
    request.delimiter = '/';
    request.max_keys = options_.s3_page_keys;
    bool any = false;
    for (;;) {
      auto page = Request(request);
      if (!page.ok()) return page.status();
      const std::vector<s3::ObjectSummary>& objects = page->objects;
      any = any || !objects.empty() || !page->common_prefixes.empty();
      size_t o = 0;
      for (const std::string& child_prefix : page->common_prefixes) {
        for (; o < objects.size() && objects[o].key < child_prefix; ++o) {
          AddS3Object(bucket_, objects[o], options_, sink_);
          if (sink_->stopped) return Status::Ok();
        }
        if (Status st = Child(prefix, place, child_prefix); !st.ok()) return st;
        if (sink_->stopped) return Status::Ok();
      }
      for (; o < objects.size(); ++o) {
        AddS3Object(bucket_, objects[o], options_, sink_);
        if (sink_->stopped) return Status::Ok();
      }
      if (!page->is_truncated || page->next_continuation_token.empty()) break;
      request.continuation_token = page->next_continuation_token;
    }
    // Nothing at all, though the prefix was given or reported as a common
    // prefix: list it in full (a server that reports no CommonPrefixes for
    // folders without an object of their own, as s3rver does, loses nothing).
    if (!any) return ListAll(prefix);
    return Status::Ok();
  }

  s3::S3Client& client_;
  std::string bucket_;
  const SourceOptions& options_;
  UnitSink* sink_;
};

}  // namespace

Status ListS3Prefix(s3::S3Client& client, const std::string& bucket, const std::string& prefix,
                    const SourceOptions& options, UnitSink* sink) {
  S3Lister lister(client, bucket, options, sink);
  return lister.List(prefix);
}

}  // namespace iam_audit::sources
