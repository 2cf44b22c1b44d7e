// Reading CloudTrail records from files as users have them: a single record
// (pretty or compact), JSON Lines, CloudTrail log files as CloudTrail writes
// them to S3 ({"Records":[…]}, usually .json.gz), a JSON array of records, and
// folders of these (searched recursively, files in byte order of their path).
//
// Records are handed over as their exact JSON text (no re-serialisation, so
// key order and escapes survive) with their position. Unreadable parts are
// reported with file, line, column and record index, and reading goes on
// with the next record where the format allows it (the next line of JSON
// Lines, the next element of a Records array). JSON Lines are streamed:
// memory is bounded by the longest line; other files are read whole.
// Stateless functions; thread-safe.
#ifndef IAM_AUDIT_SIMULATOR_RECORD_READER_H_
#define IAM_AUDIT_SIMULATOR_RECORD_READER_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/simulator/simulator.h"
#include "iam_audit/status.h"

namespace iam_audit::simulator {

using RecordCallback = std::function<void(std::string_view record_json, const SourcePosition&)>;
using ErrorCallback = std::function<void(const SourcePosition&, const std::string& message)>;

// Expands `inputs` (files, folders, "-" for standard input) into the list of
// files to read: folders are walked recursively and only files named *.json,
// *.jsonl, *.ndjson, *.json.gz, *.jsonl.gz are kept (except *.expected.json,
// the project's golden Slack messages), sorted by path. Errors:
// a path that does not exist.
StatusOr<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& inputs);

// Reads every record of one file. A file that cannot be opened or
// decompressed is reported through `on_error` (never silently skipped).
void ReadRecordFile(const std::string& path, const RecordCallback& on_record,
                    const ErrorCallback& on_error);

// Reads the records in `content` (already decompressed), naming `file` in
// positions. Same formats as ReadRecordFile.
void ReadRecordText(std::string_view content, const std::string& file,
                    const RecordCallback& on_record, const ErrorCallback& on_error);

}  // namespace iam_audit::simulator

#endif  // IAM_AUDIT_SIMULATOR_RECORD_READER_H_
