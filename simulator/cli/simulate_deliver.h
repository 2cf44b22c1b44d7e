// What simulate_command.cc (the CLI registration and the --deliver cloudwatch
// payload path) and simulate_deliver.cc (the --deliver s3 | eventbridge path)
// share: the parsed options of iam-audit simulate, the listing's batch size,
// the skipped-input line and the --deliver entry point.
#ifndef IAM_AUDIT_SIMULATOR_CLI_SIMULATE_DELIVER_H_
#define IAM_AUDIT_SIMULATOR_CLI_SIMULATE_DELIVER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "iam_audit/simulator/s3_delivery.h"
#include "iam_audit/simulator/simulator.h"
#include "iam_audit/slack_message.h"
#include "iam_audit/sources/sources.h"
#include "source_options.h"

namespace iam_audit::cli {

// The units of a streamed listing read per batch (sources::ListSourceBatches):
// a listing that fails within the first batch reads nothing.
inline constexpr size_t kReadBatchUnits = 1024;

struct SimulateArgs {
  std::vector<std::string> inputs{"-"};
  SourceSelectionArgs selection;
  std::string filter_pattern;
  simulator::SimulateOptions options;
  double window_seconds = 60;
  std::string out_dir;
  bool overwrite = false;
  std::string invoke_url;
  int invoke_timeout = 30;
  bool handle = false;
  std::string config;
  std::string time_zone = "UTC";
  std::string console_url = std::string(kDefaultConsoleUrlTemplate);
  bool quiet = false;
  // --deliver s3 | eventbridge
  std::string deliver = "cloudwatch";
  std::string envelope;
  double file_window_seconds = 300;
  simulator::S3DeliveryOptions s3;
  simulator::NotificationOptions notify;
  std::string endpoint;
};

// What the sources left out (digest files, files and records outside
// --since/--until/--account/--region), so that every input is accounted for.
void PrintSkipped(const char* me, const sources::SourceList& units, uint64_t skipped_by_time,
                  bool quiet);

// iam-audit simulate --deliver s3 | eventbridge (simulate_deliver.cc): checks
// the options, writes and uploads the log files and notifications, prints the
// counts; returns the exit code. May fill in args' S3 delivery options.
int RunDeliver(SimulateArgs& args);

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_SIMULATOR_CLI_SIMULATE_DELIVER_H_
