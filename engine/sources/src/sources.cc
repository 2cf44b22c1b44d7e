// Record sources (see iam_audit/sources/sources.h): specs → units (local
// files, folders, standard input, S3 prefixes), the selection of CloudTrail
// log files by their key, and reading one unit's records: log files through
// the streaming log-file parser, everything else through RecordFileReader,
// both fed the same way from a file descriptor or an S3 GetObject stream.
// The narrowed S3 listing is s3_listing.cc.
#include "iam_audit/sources/sources.h"

#include <dirent.h>
#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "iam_audit/payload.h"
#include "iam_audit/sources/json_error.h"
#include "iam_audit/time_zone.h"
#include "s3_listing.h"

namespace iam_audit::sources {
namespace {

namespace fs = std::filesystem;

constexpr size_t kReadBlock = size_t{256} * 1024;
// Local CloudTrail log files up to this size are read whole (sources.h).
constexpr uint64_t kWholeFileMaxBytes = uint64_t{64} << 20;
constexpr size_t kWholeFileMaxInflated = size_t{1} << 30;
// ReadSources reads the listing in batches of this many units (sources.h).
constexpr size_t kReadBatchUnits = 1024;

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

// Whether a log file named `name` can hold selected records (sources.h).
bool SelectedByKey(const LogFileName& name, const SourceOptions& o) {
  if (!Listed(o.accounts, name.account) || !Listed(o.regions, name.region)) return false;
  constexpr int64_t kMinute = 60000;
  if (o.since_ms && name.time_ms + kMinute <= *o.since_ms) return false;
  if (o.until_ms && name.time_ms >= *o.until_ms + o.max_delivery_delay_ms) return false;
  return true;
}

// Hands `unit` to the sink unless its name (path or key) makes it a digest
// or unselected.
void AddUnit(SourceUnit& unit, const SourceOptions& options, UnitSink* sink) {
  unit.log_kind =
      ClassifyLogObjectKey(unit.kind == UnitKind::kS3Object ? unit.key : unit.path, &unit.log_name);
  if (unit.log_kind == LogObjectKind::kDigest) {
    ++sink->list->skipped_digests;
    return;
  }
  if (unit.log_kind == LogObjectKind::kLogFile && !SelectedByKey(unit.log_name, options)) {
    ++sink->list->skipped_by_key;
    return;
  }
  if (!(*sink->on_unit)(std::move(unit))) sink->stopped = true;
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

// The bucket and prefix of an s3:// spec, and its S3 configuration.
struct S3Spec {
  std::string bucket;
  std::string prefix;
  s3::S3Config config;
};

StatusOr<S3Spec> ParseS3Spec(std::string_view spec, const SourceOptions& options) {
  const std::string_view rest = spec.substr(5);  // after "s3://"
  const size_t slash = rest.find('/');
  S3Spec out;
  out.bucket = std::string(rest.substr(0, slash));
  out.prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  if (out.bucket.empty()) {
    return InvalidArgumentError(std::string(spec) + ": expected s3://bucket[/prefix]");
  }
  auto config = S3ConfigFor(options);
  if (!config.ok()) return config.status().WithPrefix(spec);
  out.config = *std::move(config);
  return out;
}

bool IsS3Spec(const std::string& spec) { return spec.rfind("s3://", 0) == 0; }

Status ListS3(std::string_view spec, const SourceOptions& options, UnitSink* sink) {
  auto parsed = ParseS3Spec(spec, options);
  if (!parsed.ok()) return parsed.status();
  return ListS3Prefix(ClientFor(parsed->config), parsed->bucket, parsed->prefix, options, sink);
}

// `folder` + "/" + `name`, as std::filesystem::path's operator/ joins them.
std::string JoinPath(const std::string& folder, const std::string& name) {
  return !folder.empty() && folder.back() == '/' ? folder + name : folder + "/" + name;
}

// The walk of a local folder (sources.h): folder by folder, each folder's
// own entries read (typed by d_type), sorted by name with a sub-folder's
// name compared as "name/", then handed on or walked in that order. Memory:
// the entries of the folders on the current path, not the tree.
class FolderWalk {
 public:
  FolderWalk(const std::string& spec, const SourceOptions& options, UnitSink* sink)
      : spec_(spec), options_(options), sink_(sink) {}

  Status Walk(const std::string& folder) {
    DIR* dir = ::opendir(folder.c_str());
    if (dir == nullptr) return CannotList(folder, errno);
    // A folder already being walked (a symbolic link back up) is not
    // entered again: its files are listed once, and the walk ends.
    struct stat st {};
    if (::fstat(::dirfd(dir), &st) == 0) {
      const std::pair<dev_t, ino_t> id{st.st_dev, st.st_ino};
      if (std::find(open_.begin(), open_.end(), id) != open_.end()) {
        ::closedir(dir);
        return Status::Ok();
      }
      open_.push_back(id);
    } else {
      open_.emplace_back(0, 0);
    }
    // Each entry's sort key: its name, with '/' appended for a folder.
    std::vector<std::string> entries;
    for (;;) {
      errno = 0;
      const dirent* entry = ::readdir(dir);
      if (entry == nullptr) {
        if (errno != 0) {
          const int error = errno;
          ::closedir(dir);
          open_.pop_back();
          return CannotList(folder, error);
        }
        break;
      }
      const char* name = entry->d_name;
      if (name[0] == '.') continue;  // hidden, and "." and ".."
      bool is_folder = entry->d_type == DT_DIR;
      bool is_file = entry->d_type == DT_REG;
      if (entry->d_type == DT_LNK || entry->d_type == DT_UNKNOWN) {
        struct stat target {};
        if (::stat(JoinPath(folder, name).c_str(), &target) != 0) continue;
        is_folder = S_ISDIR(target.st_mode);
        is_file = S_ISREG(target.st_mode);
      }
      if (is_folder) {
        entries.push_back(std::string(name) + "/");
      } else if (is_file) {
        if (!options_.all_files && !IsRecordFileName(name)) {
          ++sink_->list->skipped_names;
          continue;
        }
        entries.emplace_back(name);
      }
    }
    ::closedir(dir);
    std::sort(entries.begin(), entries.end());
    Status result;
    for (std::string& entry : entries) {
      if (entry.back() == '/') {
        entry.pop_back();
        result = Walk(JoinPath(folder, entry));
        if (!result.ok()) break;
      } else {
        SourceUnit unit;
        unit.kind = UnitKind::kFile;
        unit.path = JoinPath(folder, entry);
        unit.name = unit.path;
        AddUnit(unit, options_, sink_);
      }
      if (sink_->stopped) break;
    }
    open_.pop_back();
    return result;
  }

 private:
  Status CannotList(const std::string& folder, int error) const {
    return InvalidArgumentError((folder == spec_ ? spec_ : spec_ + ": " + folder) +
                                ": cannot list: " + std::strerror(error));
  }

  const std::string& spec_;
  const SourceOptions& options_;
  UnitSink* sink_;
  std::vector<std::pair<dev_t, ino_t>> open_;  // the folders on the current path
};

Status CheckLocal(const std::string& spec) {
  std::error_code ec;
  const fs::file_status st = fs::status(spec, ec);
  if (ec || !fs::exists(st)) return NotFoundError(spec + ": no such file or folder");
  return Status::Ok();
}

Status ListLocal(const std::string& spec, const SourceOptions& options, UnitSink* sink) {
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
    unit.size_known = fs::is_regular_file(st) && !ec;
    AddUnit(unit, options, sink);
    return Status::Ok();
  }
  return FolderWalk(spec, options, sink).Walk(spec);
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

// Shared with the narrowed S3 listing (s3_listing.h).

bool Listed(const std::vector<std::string>& list, const std::string& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

// Hands one listed object to `sink` as the full listing would.
void AddS3Object(const std::string& bucket, const s3::ObjectSummary& object,
                 const SourceOptions& options, UnitSink* sink) {
  if (object.key.empty() || object.key.back() == '/') return;
  if (!options.all_files && !IsRecordFileName(BaseName(object.key))) {
    ++sink->list->skipped_names;
    return;
  }
  SourceUnit unit;
  unit.kind = UnitKind::kS3Object;
  unit.name = "s3://" + bucket + "/" + object.key;
  unit.bucket = bucket;
  unit.key = object.key;
  unit.size = object.size;
  unit.size_known = true;
  AddUnit(unit, options, sink);
}

StatusOr<SourceList> ListSources(const std::vector<std::string>& specs,
                                 const SourceOptions& options, const UnitCallback& on_unit) {
  // Every spec first, so that a bad one hands on no unit.
  for (const std::string& spec : specs) {
    if (spec == "-") continue;
    if (IsS3Spec(spec)) {
      if (auto parsed = ParseS3Spec(spec, options); !parsed.ok()) return parsed.status();
    } else if (Status st = CheckLocal(spec); !st.ok()) {
      return st;
    }
  }
  SourceList list;
  UnitSink sink{&list, &on_unit};
  for (const std::string& spec : specs) {
    if (spec == "-") {
      SourceUnit unit;
      unit.kind = UnitKind::kStdin;
      unit.name = "<stdin>";
      unit.path = "-";
      if (!on_unit(std::move(unit))) break;
      continue;
    }
    const Status st =
        IsS3Spec(spec) ? ListS3(spec, options, &sink) : ListLocal(spec, options, &sink);
    if (!st.ok()) return st;
    if (sink.stopped) break;
  }
  return list;
}

StatusOr<SourceList> ListSourceBatches(const std::vector<std::string>& specs,
                                       const SourceOptions& options, size_t batch_units,
                                       const BatchCallback& on_batch) {
  batch_units = std::max<size_t>(batch_units, 1);
  // The listing runs on a thread of its own, one batch ahead: while the
  // caller reads batch k, batch k + 1 is listed, so the listing is not a
  // serial part of the run. At most three batches exist at once (the one
  // read, the one handed over, the one being filled).
  struct Handoff {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<std::vector<SourceUnit>> ready;  // a full batch for the caller
    bool listed = false;                           // the lister has finished
    bool stop = false;                             // the caller wants no more
  } h;
  StatusOr<SourceList> result = SourceList{};
  std::thread lister([&] {
    std::vector<SourceUnit> batch;
    // Hands `batch` to the caller once the previous one was taken; false when
    // the caller stopped.
    const auto hand_over = [&] {
      std::unique_lock lock(h.mu);
      h.cv.wait(lock, [&] { return !h.ready || h.stop; });
      if (h.stop) return false;
      h.ready = std::move(batch);
      batch = {};
      lock.unlock();
      h.cv.notify_all();
      return true;
    };
    auto listed = ListSources(specs, options, [&](SourceUnit&& unit) {
      batch.push_back(std::move(unit));
      return batch.size() < batch_units || hand_over();
    });
    if (listed.ok() && !batch.empty()) hand_over();
    {
      std::lock_guard lock(h.mu);
      result = std::move(listed);
      h.listed = true;
    }
    h.cv.notify_all();
  });
  // Stops and joins the lister on every way out (on_batch may throw).
  struct Joiner {
    Handoff& h;
    std::thread& lister;
    ~Joiner() {
      {
        std::lock_guard lock(h.mu);
        h.stop = true;
      }
      h.cv.notify_all();
      lister.join();
    }
  };
  {
    const Joiner joiner{h, lister};
    size_t first = 0;
    for (;;) {
      std::vector<SourceUnit> batch;
      {
        std::unique_lock lock(h.mu);
        h.cv.wait(lock, [&] { return h.ready.has_value() || h.listed; });
        if (!h.ready) break;
        batch = std::move(*h.ready);
        h.ready.reset();
      }
      h.cv.notify_all();
      const size_t n = batch.size();
      if (!on_batch(first, batch)) break;
      first += n;
    }
  }
  return result;
}

StatusOr<SourceList> ListSources(const std::vector<std::string>& specs,
                                 const SourceOptions& options) {
  std::vector<SourceUnit> units;
  auto listed = ListSources(specs, options, [&units](SourceUnit&& unit) {
    units.push_back(std::move(unit));
    return true;
  });
  if (listed.ok()) listed->units = std::move(units);
  return listed;
}

UnitCount::UnitCount(std::vector<std::string> specs, SourceOptions options)
    : thread_([this, specs = std::move(specs), options = std::move(options)] {
        uint64_t units = 0;
        uint64_t bytes = 0;
        bool all_known = true;
        auto listed = ListSources(specs, options, [&](SourceUnit&& unit) {
          ++units;
          bytes += unit.size;
          all_known = all_known && unit.size_known;
          return !stop_.load(std::memory_order_relaxed);
        });
        if (!listed.ok() || stop_.load(std::memory_order_relaxed)) return;
        units_ = units;
        bytes_ = bytes;
        all_sizes_known_ = all_known;
        done_.store(true, std::memory_order_release);
      }) {}

UnitCount::~UnitCount() {
  stop_.store(true, std::memory_order_relaxed);
  Wait();
}

void UnitCount::Wait() {
  if (thread_.joinable()) thread_.join();
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
