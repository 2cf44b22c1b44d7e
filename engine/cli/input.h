// Input helpers shared by the command-line front ends: reading a file or
// standard input (transparently gunzipping .gz or gzip-magic input), whole or
// line by line with bounded memory. Record sources (files, folders, s3://)
// are read by iam_audit/sources/sources.h.
#ifndef IAM_AUDIT_CLI_INPUT_H_
#define IAM_AUDIT_CLI_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "iam_audit/status.h"

namespace iam_audit::cli {

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

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_CLI_INPUT_H_
