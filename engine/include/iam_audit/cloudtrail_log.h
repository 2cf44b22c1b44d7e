// CloudTrail log files as CloudTrail delivers them to S3.
//
// A trail writes gzip-compressed JSON documents {"Records":[ {...}, ... ]}
// under keys of this layout (CloudTrail User Guide, "Finding your CloudTrail
// log files"):
//
//   [PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
//       ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_UNIQUE.json.gz
//
// and digest files (integrity validation, not logs) under
// AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail-Digest/... .
//
// Decisions:
// - ClassifyLogObjectKey looks at the last "AWSLogs/" segment of the key or
//   path, so a trail prefix and a local folder in front of it are allowed.
//   A log file's name must repeat the account and region of its folders
//   (as CloudTrail writes it); ACCOUNT and REGION are one non-empty segment of
//   letters, digits, '-' and '_' (real accounts are 12 digits; the simulator
//   also writes other names). The file name may end ".json.gz" or ".json"
//   (a local, already inflated copy). time_ms is the file name's
//   YYYYMMDDTHHMMZ (UTC) in ms since the Unix epoch. Everything under
//   CloudTrail-Digest/ is kDigest; anything else (CloudTrail-Insight/, a
//   malformed name, a key without AWSLogs/) is kOther.
// - The parser scans the document with a small state machine (strings,
//   escapes, bracket nesting); it builds no DOM. Each element of "Records"
//   must be a JSON object; its exact bytes, from '{' to the matching '}', go
//   to the sink. Other top-level keys (any value) and whitespace are allowed
//   before and after "Records"; a document without "Records", or with it
//   twice, is an error. Inside a record only the structure is checked
//   (matching brackets, string escapes, no raw control characters in
//   strings); the sink's consumer parses the record itself.
// - gzip is recognised by its magic bytes (1f 8b), not by the name. Several
//   concatenated gzip members are read as one stream, as gzip -d does
//   (CloudTrail writes one); bytes after a member that do not start another
//   member are an error.
// - Errors start with "log file: " and name the place. Byte positions are
//   offsets in the JSON text (the inflated text for a gzip file); record
//   numbers are 0-based indexes into "Records", the same index the sink is
//   given. "record N at byte B" gives where record N starts. Examples:
//     log file: empty
//     log file: expected '{"Records":[' at byte 0
//     log file: truncated gzip stream after 812 bytes
//     log file: record 3 at byte 1234: unterminated string at byte 1300
//     log file: record 0 at byte 13: larger than the limit of 1024 bytes
//   A status returned by the sink is passed back unchanged and stops the
//   parse. After any error the stream keeps returning that error.
#ifndef IAM_AUDIT_CLOUDTRAIL_LOG_H_
#define IAM_AUDIT_CLOUDTRAIL_LOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "iam_audit/status.h"

namespace iam_audit {

enum class LogObjectKind { kLogFile, kDigest, kOther };

struct LogFileName {
  std::string org_id;  // "o-..." for an organization trail, else empty
  std::string account;
  std::string region;
  int64_t time_ms = 0;  // the name's YYYYMMDDTHHMMZ, ms since the Unix epoch (UTC)
};

// Classifies an S3 key (or a path ending in such a key) by CloudTrail's
// layout; fills *name for log files (name may be null; it is left alone for
// kDigest and kOther).
LogObjectKind ClassifyLogObjectKey(std::string_view key, LogFileName* name);

// Receives each record's exact JSON text (bytes as in the file) and its
// 0-based index in the file. The text is valid only during the call.
using RecordSink = std::function<Status(std::string_view record_json, uint64_t index)>;

// Push parser for one log file: gzip detected by its magic (1f 8b), plain
// JSON otherwise. Memory: the inflate window, one record (at most
// max_record_bytes) and the current input chunk — never the whole file.
// Records reach the sink in file order, each as soon as its last byte has
// been written. Not thread-safe; one stream per file.
class CloudTrailLogStream {
 public:
  explicit CloudTrailLogStream(size_t max_record_bytes = size_t{16} << 20);
  ~CloudTrailLogStream();
  CloudTrailLogStream(const CloudTrailLogStream&) = delete;
  CloudTrailLogStream& operator=(const CloudTrailLogStream&) = delete;

  // Feeds the next bytes of the file (any chunking gives the same result).
  Status Write(std::string_view bytes, const RecordSink& sink);
  // The file has ended: error if the document (or the gzip stream) is incomplete.
  Status Finish(const RecordSink& sink);
  uint64_t records() const;         // records given to the sink so far
  uint64_t bytes_in() const;        // bytes written (compressed when gzip)
  uint64_t bytes_inflated() const;  // JSON text bytes scanned (= bytes_in when plain)

  // Where the record being handed to the sink starts in the JSON text:
  // 0-based byte offset, 1-based line and column (in bytes). Meaningful
  // during a sink call (afterwards: the last record's).
  struct Position {
    uint64_t offset = 0;
    uint64_t line = 1;
    uint64_t column = 1;
  };
  Position record_position() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A whole file already in memory (fast path: libdeflate when gzip). Same
// records and errors as one Write of the file followed by Finish, with the
// default record limit.
Status ReadCloudTrailLog(std::string_view file_bytes, const RecordSink& sink);

}  // namespace iam_audit

#endif  // IAM_AUDIT_CLOUDTRAIL_LOG_H_
