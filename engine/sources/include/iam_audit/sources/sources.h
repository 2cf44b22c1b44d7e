// Record sources: the one reader of CloudTrail records for every command.
//
// A source spec is a local file, a local folder, "-" (standard input) or
// s3://bucket/prefix. ListSources turns specs into units (one file or one
// S3 object each); ReadUnit reads one unit's records. The two are separate
// so a caller can list first, then read the units independently, in any
// order and on any thread (one ReadUnit call per unit at a time; each call
// is independent: no state is shared but a per-thread S3 client cache).
//
// The listing streams: ListSources(specs, options, on_unit) hands each unit
// on as it is found and keeps none, so its memory does not grow with the
// size of an archive — one folder's own entries per level of a local walk,
// one ListObjectsV2 page of an S3 listing. ListSourceBatches groups the
// stream into batches for a caller that reads a batch on several threads;
// the vector form ListSources(specs, options) collects every unit (small
// inputs, tests).
//
// Listing:
// - Every spec is checked before any unit is handed on: a missing local
//   path, a malformed s3:// spec or an S3 configuration that cannot be
//   made is an error of ListSources with no unit delivered.
// - A file spec is one unit, whatever its name (stat'ed once for its size).
//   A folder is walked recursively (symbolic links to folders followed; a
//   link back to a folder being walked, a loop, is not entered again),
//   hidden entries (".name") skipped, files in the byte order of their full
//   paths: folder by folder, each folder's own entries sorted by name, a
//   sub-folder's name compared as "name/" ("a.json" comes before the files
//   of folder "a", as '.' < '/'). Entries are typed by the directory read
//   (d_type; a stat only for symbolic links and file systems that give no
//   type), never stat'ed for a size: a folder's units have size 0 and
//   size_known false. s3://bucket/prefix is every object under the prefix
//   (ListObjectsV2, paged, each page's units handed on as it arrives), in
//   S3's key order, with the listed sizes; "s3://bucket" alone is the whole
//   bucket; keys ending in '/' (folder markers) are not objects.
// - In folders and buckets, only names ending .json, .jsonl, .ndjson (each
//   optionally .gz) are read, except *.expected.json (the project's golden
//   Slack messages) — unless SourceOptions::all_files; other names are
//   skipped and counted (skipped_names).
// - Each unit is classified by its path or key (ClassifyLogObjectKey,
//   iam_audit/cloudtrail_log.h). CloudTrail digest files are skipped and
//   counted (skipped_digests), also when named directly.
// - Selection by key, for CloudTrail log files only (other files carry no
//   date, account or region in their name and are always read):
//     account / region: the key's ACCOUNT / REGION must be one of the list
//       (an empty list selects all);
//     since (inclusive) / until (exclusive): a log file named at minute M
//       (…_YYYYMMDDTHHMMZ_…, UTC) is delivered during that minute, so it
//       holds only events before M + 1 min: it is skipped when
//       M + 60 s <= since. Events reach a file up to
//       max_delivery_delay_ms after they happen, so a file is skipped when
//       M >= until + max_delivery_delay_ms.
//   Skipped files are counted (skipped_by_key). A missing local path, an
//   unreadable folder and a failed S3 listing are errors of ListSources;
//   a folder that cannot be read, or an S3 page that fails, partway through
//   the listing ends it with that error after the units before it were
//   handed on.
// - Narrowed S3 listing: when since/until, accounts or regions are set (and
//   SourceOptions::narrow_s3_listing, the default), an s3:// prefix at or
//   above the CloudTrail layout ("", "AWSLogs/", ".../o-ORG/", ".../ACCOUNT/",
//   ".../CloudTrail/", ".../REGION/", ".../YYYY/", ".../YYYY/MM/", each
//   ending in '/') is listed level by level with delimiter '/':
//   AWSLogs/ -> o-ORG/ or ACCOUNT/ (12 digits) -> CloudTrail/ and
//   CloudTrail-Digest/ -> REGION/ -> YYYY/ -> MM/ -> DD/. Accounts and
//   regions not selected are not listed; with since/until, only the years,
//   months and days holding minutes M with since - 1 min < M <
//   until + max_delivery_delay_ms are; each such day prefix is listed in
//   full. The units are those of the full listing, in the same order,
//   provided each log file sits in the day folder of its name's date (as
//   CloudTrail writes them). Anything that is not the layout — an object
//   beside the levels, a child prefix of another shape (CloudTrail-Insight/,
//   a "tmp/" folder) — is listed in full at its place, exactly as the full
//   listing would list it; a key below a prefix of the layout that is
//   left out (an account, region, year, month or day outside the
//   selection) is left out with it, whatever its name, and counted only
//   through that prefix in unlisted_prefixes (the summary names them); a level
//   whose delimiter listing is empty is listed in full (some S3-compatible
//   servers report no CommonPrefixes for folders without objects of their
//   own). The
//   counts then cover what was listed: skipped_digests counts the digest
//   files of the listed days, skipped_by_key the log files listed but not
//   selected, skipped_names the names listed; each prefix of the layout
//   left out is counted in unlisted_prefixes. A prefix ending inside a
//   name, or below a day folder, is listed in full. Each level's pages are
//   handed on as they arrive too (objects and child prefixes come in one
//   key order), so memory is one page per level.
//
// Reading:
// - A unit whose path or key is a CloudTrail log file is parsed by the
//   streaming log-file parser: records one by one in file order, memory
//   bounded by one record (max_record_bytes) and the read buffer. Each
//   record must be a JSON object (checked with simdjson; a bad one is
//   reported with its index and position and the next one is read). An
//   error in the file's structure or its gzip stream ends that file: the
//   records before it have been delivered; the error is reported once.
//   A local log file of at most 64 MiB is read whole (ReadUnit reads at
//   most 64 MiB and a block to find out; the listing has no size): a single gzip
//   member is inflated at once (libdeflate, GzipInflate of
//   iam_audit/payload.h, up to 1 GiB of text) and the text scanned in one
//   piece (memory: the file and its text); larger files, several gzip
//   members or a damaged stream are streamed as above, with the same
//   records, positions and errors either way.
// - Any other unit is read by RecordFileReader (record_reader.h): JSON
//   Lines, one record, a JSON array or a {"Records":[…]} document; gzip or
//   plain by the content's magic bytes.
// - Records are then selected by eventTime when since or until is set:
//   since <= eventTime < until (eventTime read as by ParseIso8601,
//   iam_audit/time_zone.h, to the second). Records outside are counted
//   (UnitStats::skipped_by_time), not delivered; a record without a
//   readable eventTime is then an error (reported, counted), since it
//   cannot be placed. A log file's record is parsed once, for both the
//   JSON check and its eventTime.
// - Every problem goes to on_error with a position naming the unit
//   ("file:line:column", "s3://bucket/key:line:column", "<stdin>:…") and
//   the record index; a unit that cannot be opened or downloaded is one
//   error. ReadUnit never stops the caller: the next unit can be read.
//
// S3: S3Config::FromEnvironment (iam_audit/s3_client.h) unless
// SourceOptions::s3 is set; GetObject streams the object in chunks (never
// the whole object in memory for a log file). An object listed with size 0
// is read as empty without a GetObject.
#ifndef IAM_AUDIT_SOURCES_SOURCES_H_
#define IAM_AUDIT_SOURCES_SOURCES_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "iam_audit/cloudtrail_log.h"
#include "iam_audit/s3_client.h"
#include "iam_audit/sources/record_reader.h"
#include "iam_audit/status.h"

namespace iam_audit::sources {

struct SourceOptions {
  std::optional<int64_t> since_ms;    // inclusive; ms since the Unix epoch
  std::optional<int64_t> until_ms;    // exclusive
  std::vector<std::string> accounts;  // empty: every account
  std::vector<std::string> regions;   // empty: every region
  // How long after an event its log file may still be delivered (for
  // choosing log files by the time in their name against `until`).
  int64_t max_delivery_delay_ms = int64_t{60} * 60 * 1000;
  // Folders and buckets: read every file, not only the record file names.
  bool all_files = false;
  // The largest record of a CloudTrail log file.
  size_t max_record_bytes = size_t{16} << 20;
  // S3: the configuration (default: S3Config::FromEnvironment()) and the
  // deadline of each ListObjectsV2 page and each GetObject.
  std::optional<s3::S3Config> s3;
  int64_t s3_timeout_ms = 300000;
  // S3: list only the layout's prefixes the selection can reach (see above);
  // false lists everything under the prefix.
  bool narrow_s3_listing = true;
  // S3: keys per ListObjectsV2 page (max-keys); 0 for S3's default (1000).
  int s3_page_keys = 0;
};

enum class UnitKind { kFile, kStdin, kS3Object };

struct SourceUnit {
  UnitKind kind = UnitKind::kFile;
  std::string name;    // as positions show it: the path, "<stdin>", "s3://bucket/key"
  std::string path;    // kFile: the local path
  std::string bucket;  // kS3Object
  std::string key;     // kS3Object
  uint64_t size = 0;   // bytes when size_known, else 0
  // S3 objects (the listed size) and files named directly; not the files
  // of a folder (the listing does not stat them) nor stdin.
  bool size_known = false;
  LogObjectKind log_kind = LogObjectKind::kOther;  // by path or key
  LogFileName log_name;                            // when log_kind is kLogFile
};

struct SourceList {
  // The vector form only: in spec order, each spec's units sorted. The
  // streaming forms leave it empty (the units went to the callback).
  std::vector<SourceUnit> units;
  uint64_t skipped_digests = 0;    // CloudTrail-Digest files
  uint64_t skipped_by_key = 0;     // log files outside since/until/accounts/regions
  uint64_t skipped_names = 0;      // folder/bucket entries not named like record files
  uint64_t unlisted_prefixes = 0;  // S3 prefixes of the layout outside the selection
  uint64_t list_requests = 0;      // ListObjectsV2 requests made (pages)
};

// Called with each unit in listing order; false stops the listing
// (ListSources then returns the counts so far, ok).
using UnitCallback = std::function<bool(SourceUnit&& unit)>;

// Expands `specs` into units (see above), streaming: each unit goes to
// `on_unit` as it is found, on the calling thread; the returned SourceList
// has the counts and no units.
StatusOr<SourceList> ListSources(const std::vector<std::string>& specs,
                                 const SourceOptions& options, const UnitCallback& on_unit);

// The same in batches of `batch_units` units (the last may be shorter; at
// least 1): on_batch(first, units) gets the batch's units, `first` the
// index of its first unit in the whole listing. on_batch runs on the
// calling thread while the listing goes on, one batch ahead, on a thread of
// its own; on_batch may move the units out; false stops the listing. An
// error of the listing comes after the batches listed before it.
using BatchCallback = std::function<bool(size_t first, std::vector<SourceUnit>& units)>;
StatusOr<SourceList> ListSourceBatches(const std::vector<std::string>& specs,
                                       const SourceOptions& options, size_t batch_units,
                                       const BatchCallback& on_batch);

// Collects every unit in SourceList::units (for small inputs and tests).
StatusOr<SourceList> ListSources(const std::vector<std::string>& specs,
                                 const SourceOptions& options);

// A second listing of `specs` on a thread of its own that only counts the
// units and their known sizes, for a progress line's totals while the
// units are being read (a streamed listing does not know them up front).
// It lists everything a second time: a folder's entries are read again
// (no stat), an s3:// prefix's ListObjectsV2 pages are requested again.
// The destructor stops the count (at the next unit or S3 page) and waits.
class UnitCount {
 public:
  UnitCount(std::vector<std::string> specs, SourceOptions options);
  ~UnitCount();
  UnitCount(const UnitCount&) = delete;
  UnitCount& operator=(const UnitCount&) = delete;

  // Whether the count is complete (false for ever when the listing failed).
  bool done() const { return done_.load(std::memory_order_acquire); }
  // Waits until the count ends (complete or failed).
  void Wait();
  // Once done(): the units, the sum of the known sizes, and whether every
  // unit's size was known (an S3 listing; not a folder's files).
  uint64_t units() const { return units_; }
  uint64_t bytes() const { return bytes_; }
  bool all_sizes_known() const { return all_sizes_known_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  uint64_t units_ = 0;
  uint64_t bytes_ = 0;
  bool all_sizes_known_ = true;
  std::thread thread_;
};

struct UnitStats {
  uint64_t records = 0;          // delivered to on_record
  uint64_t errors = 0;           // calls of on_error
  uint64_t skipped_by_time = 0;  // records outside since/until
  uint64_t bytes = 0;            // bytes read (compressed when gzip)
  bool failed = false;  // the unit could not be read to its end (open, download, gzip, structure)
};

// Reads one unit's records (see above). Callbacks run on the calling thread.
UnitStats ReadUnit(const SourceUnit& unit, const SourceOptions& options,
                   const RecordCallback& on_record, const ErrorCallback& on_error);

// Totals of ReadSources.
struct ReadTotals {
  uint64_t units = 0;  // units read
  uint64_t records = 0;
  uint64_t errors = 0;
  uint64_t failed_units = 0;
  uint64_t skipped_by_time = 0;  // records
  uint64_t skipped_digests = 0;  // files, as in SourceList
  uint64_t skipped_by_key = 0;
  uint64_t skipped_names = 0;
  uint64_t unlisted_prefixes = 0;
  uint64_t bytes = 0;
};

// ListSources, then ReadUnit on every unit in order, on the calling thread,
// streaming: units are read in batches of 1024 as the listing finds them.
// Errors: those of ListSources (nothing is read when the listing fails
// within its first 1024 units; else the batches before were read).
StatusOr<ReadTotals> ReadSources(const std::vector<std::string>& specs,
                                 const SourceOptions& options, const RecordCallback& on_record,
                                 const ErrorCallback& on_error);

// What was left out, for a command's summary: e.g. "skipped 2 digest files,
// 1 log file outside the selection, 40 records outside the time range, 3 S3
// prefixes outside the selection (not listed)";
// "" when nothing was (names not like record files are not mentioned).
std::string DescribeSkipped(const ReadTotals& totals);
// The same from a listing's counts (digest files, log files outside the
// selection, S3 prefixes not listed) and the records left out by eventTime.
std::string DescribeSkipped(const SourceList& listing, uint64_t skipped_by_time);

// Parses a --since/--until value: "YYYY-MM-DD" (00:00 UTC) or a date-time as
// ParseIso8601 reads it ("2024-05-01T12:00:00Z", offsets allowed). Returns
// ms since the Unix epoch.
StatusOr<int64_t> ParseTimeBound(std::string_view text);

}  // namespace iam_audit::sources

#endif  // IAM_AUDIT_SOURCES_SOURCES_H_
