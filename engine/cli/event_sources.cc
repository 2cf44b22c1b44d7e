// What a unit of test-filter's sources holds as events (event_sources.h):
// local CloudTrail log files through ReadCloudTrailLog (whole file in
// memory, libdeflate), local text files line by line through LineReader
// (bounded memory), S3 objects and time-selected units through
// sources::ReadUnit.
#include "event_sources.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "iam_audit/ordered_pool.h"
#include "input.h"

namespace iam_audit::cli {
namespace {

constexpr size_t kMaxLogFileBytes = size_t{1} << 30;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view TrimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsBlank(s[i])) ++i;
  return s.substr(i);
}

// `{"Records":` with blanks allowed around the brace and before the colon.
bool StartsRecordsDocument(std::string_view line) {
  line = TrimLeft(line);
  if (line.empty() || line[0] != '{') return false;
  line = TrimLeft(line.substr(1));
  return line.substr(0, 9) == "\"Records\"";
}

// Reads a whole file (gzip or not: ReadCloudTrailLog inflates) into *out,
// straight into its buffer when the size is known.
Status ReadWholeFile(const std::string& path, const std::string& name, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFoundError(name + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  size_t want = size_t{1} << 16;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    if (static_cast<uint64_t>(st.st_size) > kMaxLogFileBytes) {
      ::close(fd);
      return ResourceExhaustedError(name + ": larger than the limit of 1 GiB for a log file");
    }
    want = static_cast<size_t>(st.st_size) + 1;  // + 1: end of file seen in one read
  }
  size_t have = 0;
  out->resize(want);
  for (;;) {
    if (have == out->size()) {
      if (out->size() > kMaxLogFileBytes) {
        ::close(fd);
        return ResourceExhaustedError(name + ": larger than the limit of 1 GiB for a log file");
      }
      out->resize(out->size() * 2);
    }
    const ssize_t n = ::read(fd, out->data() + have, out->size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string message = name;
      message += ": read error: ";
      message += std::strerror(errno);
      ::close(fd);
      return DataLossError(message);
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  ::close(fd);
  out->resize(have);
  return Status::Ok();
}

void ReadLogFile(const sources::SourceUnit& unit, const EventSink& on_event, UnitReadStats* stats) {
  thread_local std::string bytes;
  if (Status st = ReadWholeFile(unit.path, unit.name, &bytes); !st.ok()) {
    stats->errors.push_back(st.message());
    return;
  }
  stats->bytes = bytes.size();
  Status st = ReadCloudTrailLog(bytes, [&](std::string_view record, uint64_t index) {
    ++stats->events;
    on_event(index + 1, record);
    return Status::Ok();
  });
  if (bytes.capacity() > (size_t{8} << 20)) std::string().swap(bytes);  // keep no huge buffer
  if (!st.ok()) stats->errors.push_back(unit.name + ": " + st.message());
}

void ReadWithSources(const sources::SourceUnit& unit, const sources::SourceOptions& options,
                     const EventSink& on_event, UnitReadStats* stats) {
  const bool log = unit.log_kind == LogObjectKind::kLogFile;
  const sources::UnitStats s = sources::ReadUnit(
      unit, options,
      [&](std::string_view json, const sources::SourcePosition& where) {
        ++stats->events;
        on_event(log ? where.index + 1 : where.line, json);
      },
      [&](const sources::SourcePosition& where, const std::string& message) {
        stats->errors.push_back(where.ToString() + ": " + message);
      });
  stats->bytes = s.bytes;
  stats->skipped_by_time = s.skipped_by_time;
  if (s.failed && stats->errors.empty())
    stats->errors.push_back(unit.name + ": not read to its end");
}

}  // namespace

bool SeveralSources(const std::vector<std::string>& specs) {
  if (specs.size() != 1) return true;
  const std::string& spec = specs[0];
  std::error_code ec;
  return spec.rfind("s3://", 0) == 0 || (spec != "-" && std::filesystem::is_directory(spec, ec));
}

size_t BatchUnits(unsigned jobs) { return std::max<size_t>(1024, size_t{64} * jobs); }

unsigned DefaultJobs(const std::vector<std::string>& specs) {
  for (const std::string& spec : specs) {
    if (spec.rfind("s3://", 0) == 0) return std::max(8u, 4 * AvailableCores());
  }
  return AvailableCores();
}

UnitReadStats ReadUnitEvents(const sources::SourceUnit& unit, const sources::SourceOptions& options,
                             const EventSink& on_event, const ReadProgress& progress) {
  UnitReadStats stats;
  if (unit.kind == sources::UnitKind::kS3Object || options.since_ms || options.until_ms) {
    ReadWithSources(unit, options, on_event, &stats);
    return stats;
  }
  if (unit.log_kind == LogObjectKind::kDigest) return stats;  // listed only when named; no events
  if (unit.log_kind == LogObjectKind::kLogFile) {
    ReadLogFile(unit, on_event, &stats);
    return stats;
  }
  const std::string path = unit.kind == sources::UnitKind::kStdin ? "-" : unit.path;
  auto reader = LineReader::Open(path);
  if (!reader.ok()) {
    stats.errors.push_back(reader.status().message());
    return stats;
  }
  LineReader& r = **reader;
  std::string_view line;  // valid until the next Next()
  // The first event, while it is `{` alone (a pretty-printed log file starts so).
  bool first = true;
  uint64_t held = 0;  // line number of a held-back `{`, 0 for none
  std::string held_text;
  uint64_t ticks = 0;
  while (r.Next(line)) {
    if (progress && (++ticks & 0xFFFF) == 0) progress(r.bytes_read(), r.file_size());
    if (TrimLeft(line).empty()) continue;  // not an event
    if (path != "-" && (first || held)) {
      // A log file outside CloudTrail's layout: read it as one.
      if (held ? TrimLeft(line).substr(0, 9) == "\"Records\"" : StartsRecordsDocument(line)) {
        reader->reset();
        ReadLogFile(unit, on_event, &stats);
        return stats;
      }
      if (first && TrimLeft(line) == "{") {
        first = false;
        held = r.line_number();  // wait for the next line to tell
        held_text.assign(line);
        continue;
      }
    }
    first = false;
    if (held) {
      ++stats.events;
      on_event(held, held_text);
      held = 0;
    }
    ++stats.events;
    on_event(r.line_number(), line);
  }
  if (held) {
    ++stats.events;
    on_event(held, held_text);
  }
  stats.bytes = r.bytes_read();
  if (!r.status().ok()) stats.errors.push_back(r.status().message());
  return stats;
}

}  // namespace iam_audit::cli
