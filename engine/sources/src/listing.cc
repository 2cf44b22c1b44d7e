// The listing of record sources (see iam_audit/sources/sources.h): specs →
// units, streamed. Local files and folders (walked folder by folder, each
// folder's entries sorted as full paths sort, typed without a stat),
// standard input, s3://bucket/prefix (the full listing here, the narrowed
// one in s3_listing.cc); the selection of CloudTrail log files by their key;
// batches listed one ahead on a thread of their own; the counting listing
// of a progress line. Reading the units is sources.cc.
#include <dirent.h>
#include <sys/stat.h>

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

#include "iam_audit/sources/sources.h"
#include "s3_listing.h"

namespace iam_audit::sources {
namespace {

namespace fs = std::filesystem;

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
}  // namespace

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

}  // namespace iam_audit::sources
