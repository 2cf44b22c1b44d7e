// The byte state machine that finds each record of a CloudTrail log file's
// {"Records":[...]} document: it takes the JSON text in pieces of any size,
// checks the document's shape, strings, escapes and bracket nesting, and hands
// each record's exact bytes to a sink with the record's byte, line and column.
// Private to the engine: CloudTrailLogStream (log_file.cc) drives it over
// plain or inflated bytes (see iam_audit/cloudtrail_log.h for the contract and
// the error wording).
#ifndef IAM_AUDIT_ENGINE_SRC_CLOUDTRAIL_LOG_SCANNER_H_
#define IAM_AUDIT_ENGINE_SRC_CLOUDTRAIL_LOG_SCANNER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "iam_audit/cloudtrail_log.h"

namespace iam_audit {
namespace cloudtrail_internal {

// InvalidArgumentError("log file: " + what).
Status LogError(const std::string& what);

// The scanner of one log file's text.
class LogScanner {
 public:
  explicit LogScanner(size_t max_record_bytes);
  ~LogScanner();
  LogScanner(const LogScanner&) = delete;
  LogScanner& operator=(const LogScanner&) = delete;

  // Scans the next piece of the JSON text.
  Status Scan(std::string_view data, const RecordSink& sink);
  // The text has ended.
  Status End() const;

  // Bytes of text scanned so far, records handed to the sink, and where the
  // last record handed over (or the one being read) starts.
  uint64_t scanned() const;
  uint64_t records() const;
  CloudTrailLogStream::Position record_position() const;

 private:
  struct Impl;  // the state machine, log_scanner.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudtrail_internal
}  // namespace iam_audit

#endif  // IAM_AUDIT_ENGINE_SRC_CLOUDTRAIL_LOG_SCANNER_H_
