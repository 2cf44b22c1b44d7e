// The events of test-filter's sources, unit by unit, on any thread. Units
// are listed by the record sources library (iam_audit/sources/sources.h:
// files, folders, "-", s3://bucket/prefix, --since/--until/--account/
// --region, digest files skipped), streamed: the reading commands
// (test-filter, rule-stats) take the listing in batches of BatchUnits(jobs)
// units (sources::ListSourceBatches) and read each batch with RunOrdered
// (iam_audit/ordered_pool.h), so memory does not grow with the archive and
// the output does not depend on --jobs. This file decides what a unit's
// events are, as CloudWatch Logs would see them:
// - A CloudTrail log file ({"Records":[…]}, gzip or plain) is its records,
//   one event each, with the record's exact bytes: the messages CloudTrail
//   sends to CloudWatch Logs. Event numbers are 1-based record numbers.
//   A local file is a log file when its path has CloudTrail's layout
//   (ClassifyLogObjectKey, iam_audit/cloudtrail_log.h), or when its first
//   non-blank line starts a {"Records": document (a downloaded log file in a
//   plain folder; `{` alone on the first line and "Records" on the next also
//   counts); it is read whole (ReadCloudTrailLog, libdeflate).
// - Any other local file, and standard input, is a text file of events, one
//   per line (JSON Lines or plain text, gzip found by its magic): event
//   numbers are line numbers, blank lines are not events (what
//   `aws logs test-metric-filter` users feed it).
// - S3 objects, and every unit when --since or --until selects records by
//   eventTime, are read by sources::ReadUnit: records, numbered by record
//   (log files) or by line (other files).
#ifndef IAM_AUDIT_CLI_EVENT_SOURCES_H_
#define IAM_AUDIT_CLI_EVENT_SOURCES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/cloudtrail_log.h"
#include "iam_audit/sources/sources.h"
#include "iam_audit/status.h"

namespace iam_audit::cli {

// False when the sources are exactly one file or "-" (front ends keep their
// single-file output then); true for several specs, a folder or an s3://
// prefix.
bool SeveralSources(const std::vector<std::string>& specs);

// The units of one batch of a streamed listing read on `jobs` threads:
// max(1024, 64 × jobs), so that the pool's drain at the end of a batch costs
// little and memory stays one batch of units.
size_t BatchUnits(unsigned jobs);

struct UnitReadStats {
  uint64_t events = 0;
  uint64_t bytes = 0;            // bytes read (compressed when gzip)
  uint64_t skipped_by_time = 0;  // records outside --since/--until
  // What went wrong, each "NAME…: message", in the order met. The events
  // before (and, for a bad record, after) an error have been delivered.
  std::vector<std::string> errors;
};

// The --jobs a reading command uses when none is given, decided from the
// specs (the listing is not made yet): the CPUs available
// (iam_audit/ordered_pool.h), or, when a spec is s3://, 4 per CPU and at
// least 8: an S3 read mostly waits on the network, and more requests in
// flight keep the CPUs busy.
unsigned DefaultJobs(const std::vector<std::string>& specs);

// (1-based event number, message); the message is valid only during the call.
using EventSink = std::function<void(uint64_t number, std::string_view message)>;
// Called now and then while a large text file is read: (bytes read, size).
using ReadProgress = std::function<void(uint64_t bytes_read, uint64_t size)>;

// Reads one unit's events in order. Safe to call concurrently for different
// units.
UnitReadStats ReadUnitEvents(const sources::SourceUnit& unit, const sources::SourceOptions& options,
                             const EventSink& on_event, const ReadProgress& progress = {});

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_CLI_EVENT_SOURCES_H_
