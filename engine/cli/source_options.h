// The record-source options every reading command shares (--since, --until,
// --account, --region), turned into iam_audit::sources::SourceOptions.
#ifndef IAM_AUDIT_CLI_SOURCE_OPTIONS_H_
#define IAM_AUDIT_CLI_SOURCE_OPTIONS_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "iam_audit/sources/sources.h"
#include "iam_audit/status.h"

namespace iam_audit::cli {

struct SourceSelectionArgs {
  std::string since;
  std::string until;
  std::vector<std::string> accounts;
  std::vector<std::string> regions;
};

// Adds --since, --until, --account and --region to `cmd`.
void AddSourceSelectionOptions(CLI::App* cmd, SourceSelectionArgs* args);

// The options, or an error naming the flag ("--since: ...").
StatusOr<sources::SourceOptions> MakeSourceOptions(const SourceSelectionArgs& args);

// The help text of a command's inputs.
inline constexpr const char* kSourcesHelp =
    "Record sources: files, folders (searched recursively for *.json, *.jsonl, *.ndjson, "
    "optionally .gz), s3://bucket/prefix (AWS_* variables), - for standard input. One record, "
    "JSON Lines, JSON arrays or CloudTrail log files {\"Records\":[…]}; CloudTrail digest files "
    "are skipped";

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_CLI_SOURCE_OPTIONS_H_
