// Reading record sources (see iam_audit/sources/sources.h): one unit's
// records — log files through the streaming log-file parser (a local one
// read whole and inflated at once), everything else through
// RecordFileReader, both fed the same way from a file descriptor or an S3
// GetObject stream — the selection of records by eventTime, ReadSources and
// the summary's wording. Listing the units is listing.cc (the narrowed S3
// listing s3_listing.cc).
#include "iam_audit/sources/sources.h"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <utility>

#include "iam_audit/payload.h"
#include "iam_audit/sources/json_error.h"
#include "iam_audit/time_zone.h"
#include "s3_listing.h"

namespace iam_audit::sources {
namespace {

constexpr size_t kReadBlock = size_t{256} * 1024;
// Local CloudTrail log files up to this size are read whole (sources.h).
constexpr uint64_t kWholeFileMaxBytes = uint64_t{64} << 20;
constexpr size_t kWholeFileMaxInflated = size_t{1} << 30;
// ReadSources reads the listing in batches of this many units (sources.h).
constexpr size_t kReadBatchUnits = 1024;

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
  ReadTotals totals;
  auto list = ListSourceBatches(
      specs, options, kReadBatchUnits, [&](size_t, std::vector<SourceUnit>& units) {
        for (const SourceUnit& unit : units) {
          const UnitStats stats = ReadUnit(unit, options, on_record, on_error);
          ++totals.units;
          totals.records += stats.records;
          totals.errors += stats.errors;
          totals.skipped_by_time += stats.skipped_by_time;
          totals.bytes += stats.bytes;
          if (stats.failed) ++totals.failed_units;
        }
        return true;
      });
  if (!list.ok()) return list.status();
  totals.skipped_digests = list->skipped_digests;
  totals.skipped_by_key = list->skipped_by_key;
  totals.skipped_names = list->skipped_names;
  totals.unlisted_prefixes = list->unlisted_prefixes;
  return totals;
}

std::string DescribeSkipped(const SourceList& listing, uint64_t skipped_by_time) {
  ReadTotals totals;
  totals.skipped_digests = listing.skipped_digests;
  totals.skipped_by_key = listing.skipped_by_key;
  totals.unlisted_prefixes = listing.unlisted_prefixes;
  totals.skipped_by_time = skipped_by_time;
  return DescribeSkipped(totals);
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
