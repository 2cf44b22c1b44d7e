// The inputs of the archive-reading commands (test-filter, rule-stats) as a
// list of units, each read on its own, on any thread: a local file, "-"
// (standard input), or every file of a folder (recursively, sorted, hidden
// entries skipped, as ExpandInputPaths does).
//
// What a unit's events are:
// - A CloudTrail log file ({"Records":[…]}, gzip or plain) is its records,
//   one event each, with the record's exact bytes: the messages CloudTrail
//   sends to CloudWatch Logs. Event numbers are 1-based record numbers.
//   A file is a log file when its path has CloudTrail's layout
//   (ClassifyLogObjectKey, iam_audit/cloudtrail_log.h), or when its first
//   non-blank line starts a {"Records": document (a downloaded log file in a
//   plain folder; `{` alone on the first line and "Records" on the next also
//   counts).
// - A digest file (AWSLogs/…/CloudTrail-Digest/…) has no events: it is
//   skipped and counted.
// - Anything else is a text file of events, one per line (JSON Lines or
//   plain text, gzip found by its magic): event numbers are line numbers,
//   blank lines are not events. Standard input is always read this way.
#ifndef IAM_AUDIT_CLI_EVENT_SOURCES_H_
#define IAM_AUDIT_CLI_EVENT_SOURCES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/cloudtrail_log.h"
#include "iam_audit/status.h"

namespace iam_audit::cli {

struct InputUnit {
  std::string path;   // a local path, or "-"
  std::string name;   // as shown in output and errors: the path, "<stdin>" for "-"
  uint64_t size = 0;  // bytes on disk (0 when unknown)
  LogObjectKind kind = LogObjectKind::kOther;  // by its path
};

struct InputList {
  std::vector<InputUnit> units;
  // False when the inputs are exactly one file or "-": front ends keep their
  // single-file output then.
  bool several = false;
};

// Expands `specs` (files, folders, "-") into units, in order: each spec's
// units in sorted path order. Errors name the spec that cannot be read.
StatusOr<InputList> ListInputUnits(const std::vector<std::string>& specs);

enum class UnitFormat { kLines, kLogFile, kDigest };

struct UnitReadStats {
  UnitFormat format = UnitFormat::kLines;
  uint64_t events = 0;
  uint64_t bytes = 0;  // bytes read from the unit (compressed when gzip)
};

// (1-based event number, message); the message is valid only during the call.
using EventSink = std::function<void(uint64_t number, std::string_view message)>;
// Called now and then while a large text file is read: (bytes read, size).
using ReadProgress = std::function<void(uint64_t bytes_read, uint64_t size)>;

// Reads one unit's events in order. Returns the unit's error, which starts
// with its name ("dir/x.json.gz: log file: truncated gzip stream …"); the
// events before the error have been delivered. Safe to call concurrently
// for different units.
Status ReadUnitEvents(const InputUnit& unit, const EventSink& on_event, UnitReadStats* stats,
                      const ReadProgress& progress = {});

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_CLI_EVENT_SOURCES_H_
