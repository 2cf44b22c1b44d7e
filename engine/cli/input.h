// Input helpers shared by the command-line front ends: reading a file or
// standard input (transparently gunzipping .gz or gzip-magic input), line by
// line with bounded memory, and locating byte offsets as line:column.
#ifndef IAM_AUDIT_CLI_INPUT_H_
#define IAM_AUDIT_CLI_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/status.h"

namespace iam_audit::cli {

// Expands files and folders (recursively) into a sorted list of files, so a
// run over a folder is stable from machine to machine. "-" stays as is.
// Hidden entries (".name") are skipped. Errors name the path that is missing.
StatusOr<std::vector<std::string>> ExpandInputPaths(const std::vector<std::string>& paths);

// Reads a whole file ("-" for standard input), gunzipping when the content
// starts with the gzip magic. Errors name the file.
StatusOr<std::string> ReadInput(const std::string& path, size_t max_bytes = size_t{1} << 30);

// Streams a file ("-" for stdin) line by line, gunzipping transparently
// (input starting with the gzip magic 1f 8b; plain seekable files are read
// directly, without zlib). Memory is bounded by the longest line.
class LineReader {
 public:
  static StatusOr<std::unique_ptr<LineReader>> Open(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Reads the next line without its '\n' (and a trailing '\r'). Returns false
  // at end of input; check status() for a read error (e.g. corrupt gzip).
  bool Next(std::string& line);
  // The same without copying: `line` points into the reader's buffer and is
  // valid only until the next call to Next().
  bool Next(std::string_view& line);
  // 1-based number of the line last returned.
  uint64_t line_number() const { return line_number_; }
  // Compressed or plain bytes consumed so far (for progress bars).
  uint64_t bytes_read() const;
  uint64_t file_size() const { return file_size_; }  // 0 when unknown (stdin)
  const Status& status() const { return status_; }
  const std::string& path() const { return path_; }

 private:
  LineReader() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  uint64_t line_number_ = 0;
  uint64_t file_size_ = 0;
  Status status_;
};

// 1-based line and column of byte `offset` in `text`.
struct TextPosition {
  uint64_t line = 1;
  uint64_t column = 1;
};
TextPosition PositionOf(std::string_view text, size_t offset);

// One CloudTrail record found in an input file: its JSON text and where it starts.
struct RecordText {
  std::string json;       // the record as JSON text (compact when cut from a Records array)
  TextPosition position;  // where it starts in the input
  size_t index = 0;       // 0-based record number in the input
};

// Splits the content of a record file into records. Accepts one JSON object,
// JSON Lines (one object per line, blank lines skipped), or a CloudTrail log
// file {"Records":[…]}. Calls `on_record` for each record and `on_error` with
// "line:column: message" for each part that cannot be read; continues after
// an error where the format allows (JSON Lines).
void SplitRecords(std::string_view content, const std::function<void(const RecordText&)>& on_record,
                  const std::function<void(const TextPosition&, const std::string&)>& on_error);

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_CLI_INPUT_H_
