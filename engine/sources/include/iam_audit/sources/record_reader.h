// Reading CloudTrail records from files as users have them: a single record
// (pretty or compact), JSON Lines, CloudTrail log files as CloudTrail writes
// them to S3 ({"Records":[…]}, usually .json.gz), and a JSON array of records;
// any of them gzip-compressed (found by the magic bytes 1f 8b, not the name).
//
// Records are handed over as their exact JSON text (no re-serialisation, so
// key order and escapes survive) with their position. Unreadable parts are
// reported with file, line, column and record index, and reading goes on
// with the next record where the format allows it (the next line of JSON
// Lines, the next element of a Records array). JSON Lines are streamed:
// memory is bounded by the longest line; other documents are held whole.
//
// This is the reader for files that are not in CloudTrail's S3 layout;
// iam_audit/sources/sources.h picks it or the streaming log-file parser
// (iam_audit/cloudtrail_log.h) per file. Thread-safe: no shared state.
#ifndef IAM_AUDIT_SOURCES_RECORD_READER_H_
#define IAM_AUDIT_SOURCES_RECORD_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace iam_audit::sources {

// Where a record (or an error) is: "file:line:column", plus the 0-based
// index of the record in its file (the element of a Records array, or the
// record number of JSON Lines). `file` is the name as given: a path,
// "<stdin>", or "s3://bucket/key". line and column are 1-based; column
// counts bytes.
struct SourcePosition {
  std::string file;
  uint64_t line = 1;
  uint64_t column = 1;
  uint64_t index = 0;
  std::string ToString() const;  // "file:line:column"
};

using RecordCallback = std::function<void(std::string_view record_json, const SourcePosition&)>;
using ErrorCallback = std::function<void(const SourcePosition&, const std::string& message)>;

// Push reader for the bytes of one file: Write the file's bytes in any
// chunks, then Finish. Records and errors reach the callbacks as soon as
// they are known. A gzip stream that is corrupt or truncated is reported
// once (then the rest is ignored); failed() says so.
class RecordFileReader {
 public:
  RecordFileReader(std::string name, RecordCallback on_record, ErrorCallback on_error);
  ~RecordFileReader();
  RecordFileReader(const RecordFileReader&) = delete;
  RecordFileReader& operator=(const RecordFileReader&) = delete;

  void Write(std::string_view bytes);
  void Finish();
  // Records and errors so far, as counted by the index in positions.
  uint64_t index() const;
  bool failed() const;  // the gzip stream could not be read to its end

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads every record of one local file ("-": standard input). A file that
// cannot be opened or decompressed is reported through `on_error` (never
// silently skipped).
void ReadRecordFile(const std::string& path, const RecordCallback& on_record,
                    const ErrorCallback& on_error);

// Reads the records in `content` (already decompressed), naming `file` in
// positions. Same formats as ReadRecordFile.
void ReadRecordText(std::string_view content, const std::string& file,
                    const RecordCallback& on_record, const ErrorCallback& on_error);

}  // namespace iam_audit::sources

#endif  // IAM_AUDIT_SOURCES_RECORD_READER_H_
