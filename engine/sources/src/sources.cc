// Record sources (see iam_audit/sources/sources.h): specs → units (local
// files, folders, standard input, S3 prefixes), the selection of CloudTrail
// log files by their key, and reading one unit's records: log files through
// the streaming log-file parser, everything else through RecordFileReader,
// both fed the same way from a file descriptor or an S3 GetObject stream.
#include "iam_audit/sources/sources.h"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "iam_audit/payload.h"
#include "iam_audit/sources/json_error.h"
#include "iam_audit/time_zone.h"

namespace iam_audit::sources {
namespace {

namespace fs = std::filesystem;

constexpr size_t kReadBlock = size_t{256} * 1024;
// Local CloudTrail log files up to this size are read whole (sources.h).
constexpr uint64_t kWholeFileMaxBytes = uint64_t{64} << 20;
constexpr size_t kWholeFileMaxInflated = size_t{1} << 30;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Names read from folders and buckets (the last segment of a path or key).
bool IsRecordFileName(std::string_view name) {
  // The project's golden Slack messages sit beside the fixtures they belong to.
  if (EndsWith(name, ".expected.json")) return false;
  for (std::string_view suffix :
       {".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz"}) {
    if (EndsWith(name, suffix)) return true;
  }
  return false;
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool Listed(const std::vector<std::string>& list, const std::string& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

// Whether a log file named `name` can hold selected records (sources.h).
bool SelectedByKey(const LogFileName& name, const SourceOptions& o) {
  if (!Listed(o.accounts, name.account) || !Listed(o.regions, name.region)) return false;
  constexpr int64_t kMinute = 60000;
  if (o.since_ms && name.time_ms + kMinute <= *o.since_ms) return false;
  if (o.until_ms && name.time_ms >= *o.until_ms + o.max_delivery_delay_ms) return false;
  return true;
}

// Adds `unit` to `list` unless its name makes it a digest or unselected.
void AddUnit(SourceUnit unit, std::string_view key, const SourceOptions& options,
             SourceList* list) {
  unit.log_kind = ClassifyLogObjectKey(key, &unit.log_name);
  if (unit.log_kind == LogObjectKind::kDigest) {
    ++list->skipped_digests;
    return;
  }
  if (unit.log_kind == LogObjectKind::kLogFile && !SelectedByKey(unit.log_name, options)) {
    ++list->skipped_by_key;
    return;
  }
  list->units.push_back(std::move(unit));
}

StatusOr<s3::S3Config> S3ConfigFor(const SourceOptions& options) {
  if (options.s3) return *options.s3;
  return s3::S3Config::FromEnvironment();
}

// One S3 client per thread, rebuilt when the configuration changes.
s3::S3Client& ClientFor(const s3::S3Config& config) {
  struct Cached {
    std::string signature;
    std::unique_ptr<s3::S3Client> client;
  };
  thread_local Cached cached;
  // Held in memory only, to compare configurations; never shown.
  std::string signature;
  for (const std::string* part :
       {&config.access_key_id, &config.secret_access_key, &config.session_token, &config.region,
        &config.endpoint_url, &config.ca_bundle_path}) {
    signature += std::to_string(part->size()) + ":" + *part;
  }
  signature += std::to_string(static_cast<int>(config.addressing)) + "/" +
               std::to_string(config.chunk_bytes) + "/" + std::to_string(config.max_attempts);
  if (!cached.client || cached.signature != signature) {
    cached.client = std::make_unique<s3::S3Client>(config);
    cached.signature = std::move(signature);
  }
  return *cached.client;
}

// Adds one listed object to `list` as the full listing would.
void AddS3Object(const std::string& bucket, const s3::ObjectSummary& object,
                 const SourceOptions& options, SourceList* list) {
  if (object.key.empty() || object.key.back() == '/') return;
  if (!options.all_files && !IsRecordFileName(BaseName(object.key))) {
    ++list->skipped_names;
    return;
  }
  SourceUnit unit;
  unit.kind = UnitKind::kS3Object;
  unit.name = "s3://" + bucket + "/" + object.key;
  unit.bucket = bucket;
  unit.key = object.key;
  unit.size = object.size;
  AddUnit(std::move(unit), object.key, options, list);
}

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

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12; day may
// run past the month's end, as for "the day after").
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
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
  constexpr int64_t kMinute = 60000;
  if (o.since_ms && end <= *o.since_ms - kMinute) return false;
  if (o.until_ms && start >= *o.until_ms + o.max_delivery_delay_ms) return false;
  return true;
}

class S3Lister {
 public:
  S3Lister(s3::S3Client& client, std::string bucket, const SourceOptions& options, SourceList* list)
      : client_(client), bucket_(std::move(bucket)), options_(options), list_(list) {}

  // Every object under `prefix`, in key order.
  Status ListAll(const std::string& prefix) {
    s3::ListObjectsV2Request request;
    request.bucket = bucket_;
    request.prefix = prefix;
    request.max_keys = options_.s3_page_keys;
    for (;;) {
      auto page = Request(request);
      if (!page.ok()) return page.status();
      for (const s3::ObjectSummary& object : page->objects) {
        AddS3Object(bucket_, object, options_, list_);
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
    ++list_->list_requests;
    return client_.ListObjectsV2(request, options_.s3_timeout_ms);
  }

  // Whether listing below `level` level by level can leave something out.
  bool WorthDescending(Level level) const {
    if (options_.since_ms || options_.until_ms) return level <= Level::kMonth;
    if (!options_.regions.empty()) return level <= Level::kTrail;
    return !options_.accounts.empty() && level <= Level::kOrg;
  }

  Status Descend(const std::string& prefix, const LayoutPlace& place) {
    if (!WorthDescending(place.level)) return ListAll(prefix);
    s3::ListObjectsV2Request request;
    request.bucket = bucket_;
    request.prefix = prefix;
    request.delimiter = "/";
    request.max_keys = options_.s3_page_keys;
    std::vector<s3::ObjectSummary> objects;
    std::vector<std::string> prefixes;
    for (;;) {
      auto page = Request(request);
      if (!page.ok()) return page.status();
      for (s3::ObjectSummary& object : page->objects) objects.push_back(std::move(object));
      for (std::string& p : page->common_prefixes) prefixes.push_back(std::move(p));
      if (!page->is_truncated || page->next_continuation_token.empty()) break;
      request.continuation_token = page->next_continuation_token;
    }
    // Nothing at all, though the prefix was given or reported as a common
    // prefix: list it in full (a server that reports no CommonPrefixes for
    // folders without an object of their own, as s3rver does, loses nothing).
    if (objects.empty() && prefixes.empty()) return ListAll(prefix);
    // Objects at this level and the child prefixes, merged in key order
    // (every key under a child prefix sorts where the prefix does).
    size_t o = 0;
    for (const std::string& child_prefix : prefixes) {
      for (; o < objects.size() && objects[o].key < child_prefix; ++o) {
        AddS3Object(bucket_, objects[o], options_, list_);
      }
      const std::string_view segment =
          std::string_view(child_prefix)
              .substr(prefix.size(), child_prefix.size() - prefix.size() - 1);
      auto child = ChildPlace(place, segment);
      Status st;
      if (child && !MaySelect(*child, segment, options_)) {
        ++list_->unlisted_prefixes;
      } else if (!child || child->level == Level::kDay) {
        // Not the layout (every key, as the full listing), or a selected day.
        st = ListAll(child_prefix);
      } else {
        st = Descend(child_prefix, *child);
      }
      if (!st.ok()) return st;
    }
    for (; o < objects.size(); ++o) AddS3Object(bucket_, objects[o], options_, list_);
    return Status::Ok();
  }

  s3::S3Client& client_;
  std::string bucket_;
  const SourceOptions& options_;
  SourceList* list_;
};

Status ListS3(std::string_view spec, const SourceOptions& options, SourceList* list) {
  const std::string_view rest = spec.substr(5);  // after "s3://"
  const size_t slash = rest.find('/');
  const std::string bucket(rest.substr(0, slash));
  const std::string prefix(slash == std::string_view::npos ? "" : rest.substr(slash + 1));
  if (bucket.empty()) {
    return InvalidArgumentError(std::string(spec) + ": expected s3://bucket[/prefix]");
  }
  auto config = S3ConfigFor(options);
  if (!config.ok()) return config.status().WithPrefix(spec);
  S3Lister lister(ClientFor(*config), bucket, options, list);
  return lister.List(prefix);
}

Status ListLocal(const std::string& spec, const SourceOptions& options, SourceList* list) {
  std::error_code ec;
  const fs::file_status st = fs::status(spec, ec);
  if (ec || !fs::exists(st)) return NotFoundError(spec + ": no such file or folder");
  if (!fs::is_directory(st)) {
    SourceUnit unit;
    unit.kind = UnitKind::kFile;
    unit.name = spec;
    unit.path = spec;
    unit.size = fs::is_regular_file(st) ? fs::file_size(spec, ec) : 0;
    if (ec) unit.size = 0;
    AddUnit(std::move(unit), spec, options, list);
    return Status::Ok();
  }
  std::vector<std::pair<std::string, uint64_t>> found;
  for (fs::recursive_directory_iterator
           it(spec, fs::directory_options::follow_directory_symlink, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      ec.clear();
      continue;
    }
    if (!it->is_regular_file(ec)) {
      ec.clear();
      continue;
    }
    if (!options.all_files && !IsRecordFileName(name)) {
      ++list->skipped_names;
      continue;
    }
    std::error_code size_ec;
    const uint64_t size = it->file_size(size_ec);
    found.emplace_back(it->path().string(), size_ec ? 0 : size);
  }
  if (ec) return InvalidArgumentError(spec + ": cannot list: " + ec.message());
  std::sort(found.begin(), found.end());
  for (auto& [path, size] : found) {
    SourceUnit unit;
    unit.kind = UnitKind::kFile;
    unit.name = path;
    unit.path = path;
    unit.size = size;
    const std::string key = unit.path;
    AddUnit(std::move(unit), key, options, list);
  }
  return Status::Ok();
}

// Hands the unit's bytes to `on_chunk` in order.
Status Pump(const SourceUnit& unit, const SourceOptions& options,
            const std::function<Status(std::string_view)>& on_chunk, uint64_t* bytes) {
  if (unit.kind == UnitKind::kS3Object) {
    // Listed as empty: nothing to download (and no Range request past the end).
    if (unit.size == 0) return Status::Ok();
    auto config = S3ConfigFor(options);
    if (!config.ok()) return config.status();
    return ClientFor(*config).GetObject(
        unit.bucket, unit.key,
        [&](std::string_view chunk) {
          *bytes += chunk.size();
          return on_chunk(chunk);
        },
        options.s3_timeout_ms);
  }
  const bool stdin_unit = unit.kind == UnitKind::kStdin;
  const int fd = stdin_unit ? STDIN_FILENO : ::open(unit.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFoundError(unit.name + ": cannot open: " + std::strerror(errno));
  std::unique_ptr<char[]> buffer(new char[kReadBlock]);
  Status result;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.get(), kReadBlock);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      result = DataLossError(unit.name + ": read error: " + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    *bytes += static_cast<uint64_t>(n);
    result = on_chunk({buffer.get(), static_cast<size_t>(n)});
    if (!result.ok()) break;
  }
  if (!stdin_unit) ::close(fd);
  return result;
}

// Reads a parsed record's eventTime in ms; false when missing or unreadable.
bool EventTimeMs(const simdjson::dom::element& root, int64_t* ms, std::string* why) {
  std::string_view text;
  if (root["eventTime"].get_string().get(text) != simdjson::SUCCESS) {
    *why = "no eventTime string";
    return false;
  }
  auto seconds = ParseIso8601(text);
  if (!seconds.ok()) {
    *why = seconds.status().message();
    return false;
  }
  *ms = *seconds * 1000;
  return true;
}

// The same for a record's text.
bool EventTimeMs(simdjson::dom::parser& parser, std::string_view record, int64_t* ms,
                 std::string* why) {
  simdjson::dom::element root;
  if (parser.parse(record.data(), record.size()).get(root) != simdjson::SUCCESS) {
    *why = "not valid JSON";
    return false;
  }
  return EventTimeMs(root, ms, why);
}

// Reads the whole local file at `path` (at most `max_bytes`); false when it
// cannot be read in one go or is larger (the caller then streams it).
bool ReadWholeFile(const std::string& path, uint64_t max_bytes, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = true;
  for (;;) {
    if (out->size() > max_bytes) {
      ok = false;
      break;
    }
    const size_t old = out->size();
    out->resize(old + kReadBlock);
    const ssize_t n = ::read(fd, out->data() + old, kReadBlock);
    if (n < 0 && errno == EINTR) {
      out->resize(old);
      continue;
    }
    out->resize(old + static_cast<size_t>(n > 0 ? n : 0));
    if (n < 0) ok = false;
    if (n <= 0) break;
  }
  ::close(fd);
  return ok && out->size() <= max_bytes;
}

// Line and column of byte `offset` of `text`, which starts at (line, column).
void Advance(std::string_view text, size_t offset, uint64_t* line, uint64_t* column) {
  offset = std::min(offset, text.size());
  const size_t nl = text.substr(0, offset).rfind('\n');
  if (nl == std::string_view::npos) {
    *column += offset;
    return;
  }
  *line += static_cast<uint64_t>(std::count(text.begin(), text.begin() + nl + 1, '\n'));
  *column = offset - nl;
}

}  // namespace

StatusOr<SourceList> ListSources(const std::vector<std::string>& specs,
                                 const SourceOptions& options) {
  SourceList list;
  for (const std::string& spec : specs) {
    if (spec == "-") {
      SourceUnit unit;
      unit.kind = UnitKind::kStdin;
      unit.name = "<stdin>";
      unit.path = "-";
      list.units.push_back(std::move(unit));
      continue;
    }
    const Status st = spec.rfind("s3://", 0) == 0 ? ListS3(spec, options, &list)
                                                  : ListLocal(spec, options, &list);
    if (!st.ok()) return st;
  }
  return list;
}

UnitStats ReadUnit(const SourceUnit& unit, const SourceOptions& options,
                   const RecordCallback& on_record, const ErrorCallback& on_error) {
  UnitStats stats;
  const bool by_time = options.since_ms.has_value() || options.until_ms.has_value();
  simdjson::dom::parser parser;
  const auto error = [&](const SourcePosition& where, const std::string& message) {
    ++stats.errors;
    on_error(where, message);
  };
  // Selection by eventTime (read from `root` when the record is parsed
  // already, else from its text), then delivery.
  const auto deliver_parsed = [&](std::string_view json, const SourcePosition& where,
                                  const simdjson::dom::element* root) {
    if (by_time) {
      int64_t ms = 0;
      std::string why;
      if (!(root ? EventTimeMs(*root, &ms, &why) : EventTimeMs(parser, json, &ms, &why))) {
        error(where, "cannot select by time: " + why);
        return;
      }
      if ((options.since_ms && ms < *options.since_ms) ||
          (options.until_ms && ms >= *options.until_ms)) {
        ++stats.skipped_by_time;
        return;
      }
    }
    ++stats.records;
    on_record(json, where);
  };
  const auto deliver = [&](std::string_view json, const SourcePosition& where) {
    deliver_parsed(json, where, nullptr);
  };

  if (unit.log_kind == LogObjectKind::kLogFile) {
    CloudTrailLogStream stream(options.max_record_bytes);
    const RecordSink sink = [&](std::string_view json, uint64_t index) {
      const CloudTrailLogStream::Position p = stream.record_position();
      SourcePosition where{unit.name, p.line, p.column, index};
      simdjson::dom::element root;
      if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
        JsonError bad;
        if (!FindJsonError(json, bad)) bad.reason = "not valid JSON";
        SourcePosition at = where;
        Advance(json, bad.offset, &at.line, &at.column);
        error(at, "Records[" + std::to_string(index) + "]: invalid JSON: " + bad.reason);
        return Status::Ok();
      }
      deliver_parsed(json, where, &root);
      return Status::Ok();
    };
    Status st;
    std::string whole;
    if (unit.kind == UnitKind::kFile && unit.size <= kWholeFileMaxBytes &&
        ReadWholeFile(unit.path, kWholeFileMaxBytes, &whole)) {
      // The whole file at once: gzip inflated by libdeflate (GzipInflate),
      // then the JSON text scanned in one piece. Anything GzipInflate does
      // not take (several members, a corrupt or truncated stream, over the
      // bound) or an empty text is streamed as before, for the same records
      // and errors.
      stats.bytes = whole.size();
      std::string_view input = whole;
      StatusOr<std::string> text = InvalidArgumentError("not gzip");
      if (whole.size() >= 2 && static_cast<unsigned char>(whole[0]) == 0x1f &&
          static_cast<unsigned char>(whole[1]) == 0x8b) {
        text = GzipInflate(whole, kWholeFileMaxInflated);
        if (text.ok() && !text->empty() && static_cast<unsigned char>((*text)[0]) != 0x1f) {
          input = *text;
        }
      }
      st = stream.Write(input, sink);
    } else {
      st = Pump(
          unit, options, [&](std::string_view chunk) { return stream.Write(chunk, sink); },
          &stats.bytes);
    }
    if (st.ok()) st = stream.Finish(sink);
    if (!st.ok()) {
      stats.failed = true;
      error(SourcePosition{unit.name, 1, 1, stream.records()}, st.message());
    }
    return stats;
  }

  RecordFileReader reader(unit.name, deliver, error);
  const Status st = Pump(
      unit, options,
      [&](std::string_view chunk) {
        reader.Write(chunk);
        return Status::Ok();
      },
      &stats.bytes);
  reader.Finish();
  if (!st.ok()) error(SourcePosition{unit.name, 1, 1, reader.index()}, st.message());
  stats.failed = !st.ok() || reader.failed();
  return stats;
}

StatusOr<ReadTotals> ReadSources(const std::vector<std::string>& specs,
                                 const SourceOptions& options, const RecordCallback& on_record,
                                 const ErrorCallback& on_error) {
  auto list = ListSources(specs, options);
  if (!list.ok()) return list.status();
  ReadTotals totals;
  totals.skipped_digests = list->skipped_digests;
  totals.skipped_by_key = list->skipped_by_key;
  totals.skipped_names = list->skipped_names;
  totals.unlisted_prefixes = list->unlisted_prefixes;
  for (const SourceUnit& unit : list->units) {
    const UnitStats stats = ReadUnit(unit, options, on_record, on_error);
    ++totals.units;
    totals.records += stats.records;
    totals.errors += stats.errors;
    totals.skipped_by_time += stats.skipped_by_time;
    totals.bytes += stats.bytes;
    if (stats.failed) ++totals.failed_units;
  }
  return totals;
}

std::string DescribeSkipped(const ReadTotals& totals) {
  std::string out;
  const auto add = [&out](uint64_t n, const char* one, const char* many) {
    if (n == 0) return;
    out += out.empty() ? "skipped " : ", ";
    out += std::to_string(n) + " " + (n == 1 ? one : many);
  };
  add(totals.skipped_digests, "digest file", "digest files");
  add(totals.skipped_by_key, "log file outside the selection", "log files outside the selection");
  add(totals.skipped_by_time, "record outside the time range", "records outside the time range");
  add(totals.unlisted_prefixes, "S3 prefix outside the selection (not listed)",
      "S3 prefixes outside the selection (not listed)");
  return out;
}

StatusOr<int64_t> ParseTimeBound(std::string_view text) {
  if (text.size() == 10) {
    auto day = ParseIso8601(std::string(text) + "T00:00:00Z");
    if (day.ok()) return *day * 1000;
  }
  auto seconds = ParseIso8601(text);
  if (!seconds.ok()) {
    return InvalidArgumentError("\"" + std::string(text) +
                                "\": expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (" +
                                seconds.status().message() + ")");
  }
  return *seconds * 1000;
}

}  // namespace iam_audit::sources
