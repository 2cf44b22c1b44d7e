// The shared record-source flags of the reading commands (source_options.h):
// their help texts and their parsing into sources::SourceOptions.
#include "source_options.h"

namespace iam_audit::cli {

void AddSourceSelectionOptions(CLI::App* cmd, SourceSelectionArgs* args) {
  cmd->add_option("--since", args->since,
                  "Only records with eventTime at or after this time (YYYY-MM-DD or "
                  "YYYY-MM-DDThh:mm:ssZ; inclusive); CloudTrail log files named before it are "
                  "not read");
  cmd->add_option("--until", args->until,
                  "Only records with eventTime before this time (exclusive); CloudTrail log "
                  "files named an hour or more after it are not read");
  // One value per occurrence: `--region us-east-1 DIR` must leave DIR to the
  // command's sources.
  cmd->add_option("--account", args->accounts,
                  "Only CloudTrail log files of this account (by their key; repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--region", args->regions,
                  "Only CloudTrail log files of this region (by their key; repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

StatusOr<sources::SourceOptions> MakeSourceOptions(const SourceSelectionArgs& args) {
  sources::SourceOptions options;
  if (!args.since.empty()) {
    auto t = sources::ParseTimeBound(args.since);
    if (!t.ok()) return t.status().WithPrefix("--since");
    options.since_ms = *t;
  }
  if (!args.until.empty()) {
    auto t = sources::ParseTimeBound(args.until);
    if (!t.ok()) return t.status().WithPrefix("--until");
    options.until_ms = *t;
  }
  if (options.since_ms && options.until_ms && *options.until_ms <= *options.since_ms) {
    return InvalidArgumentError("--until must be later than --since");
  }
  options.accounts = args.accounts;
  options.regions = args.regions;
  return options;
}

}  // namespace iam_audit::cli
