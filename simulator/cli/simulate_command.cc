// iam-audit simulate: the command's options (RegisterSimulateCommand) and the
// --deliver cloudwatch path: CloudTrail records → the CloudWatch Logs
// subscription payloads a Lambda would receive (to files, to an invoke URL,
// or through the engine in-process). --deliver s3 | eventbridge is
// simulate_deliver.cc. See docs/simulate.md.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "iam_audit/filter.h"
#include "iam_audit/rules.h"
#include "iam_audit/simulator/outputs.h"
#include "iam_audit/simulator/simulator.h"
#include "iam_audit/slack_message.h"
#include "simulate_deliver.h"
#include "source_options.h"

namespace iam_audit::cli {

void PrintSkipped(const char* me, const sources::SourceList& units, uint64_t skipped_by_time,
                  bool quiet) {
  const std::string text = sources::DescribeSkipped(units, skipped_by_time);
  if (!text.empty() && !quiet) std::cerr << me << ": " << text << "\n";
}

namespace {

using simulator::Outcome;

// Prints failed and dropped records as they happen (filtered ones only go
// to the manifest: they are the normal case).
class StderrReporter : public simulator::Sink {
 public:
  explicit StderrReporter(bool quiet) : quiet_(quiet) {}
  Status OnPayload(const simulator::Payload&) override { return Status::Ok(); }
  void OnRecord(const simulator::RecordOutcome& r) override {
    if (r.outcome == Outcome::kFailed) {
      std::cerr << r.source.ToString() << ": record " << r.source.index << ": " << r.reason << "\n";
    } else if (r.outcome == Outcome::kDropped && !quiet_) {
      std::cerr << r.source.ToString() << ": record " << r.source.index << ": dropped: " << r.reason
                << "\n";
    }
  }

 private:
  bool quiet_;
};

int RunSimulate(SimulateArgs& args) {
  const char* me = "iam-audit simulate";
  if (args.deliver != "cloudwatch") return RunDeliver(args);
  if (!args.envelope.empty() || !args.notify.bucket.empty() || !args.s3.prefix.empty() ||
      !args.s3.org_id.empty() || !args.endpoint.empty()) {
    std::cerr << me
              << ": --envelope, --bucket, --prefix, --org-id and --endpoint need --deliver s3 or "
                 "eventbridge\n";
    return kExitBadInput;
  }
  std::shared_ptr<const Filter> filter;
  if (!args.filter_pattern.empty()) {
    FilterError error;
    auto compiled = Filter::Compile(args.filter_pattern, &error);
    if (!compiled.ok()) {
      std::cerr << me << ": --filter-pattern: "
                << FormatPatternError(args.filter_pattern, compiled.status(), error);
      return kExitBadInput;
    }
    filter = std::make_shared<const Filter>(std::move(*compiled));
  }
  args.options.window_ms = static_cast<int64_t>(args.window_seconds * 1000.0);

  RenderOptions render;
  if (args.handle) {
    auto tz = TimeZone::Parse(args.time_zone);
    if (!tz.ok()) {
      std::cerr << me << ": --time-zone: " << tz.status().message() << "\n";
      return kExitBadInput;
    }
    render.time_zone = *tz;
    if (Status s = ValidateConsoleUrlTemplate(args.console_url); !s.ok()) {
      std::cerr << me << ": --console-url: " << s.message() << "\n";
      return kExitBadInput;
    }
    render.console_url_template = args.console_url;
  }

  std::vector<std::unique_ptr<simulator::Sink>> owned;
  if (!args.out_dir.empty()) {
    auto sink = simulator::MakeOutDirSink(args.out_dir, args.overwrite);
    if (!sink.ok()) {
      std::cerr << me << ": --out: " << sink.status().message() << "\n";
      return kExitBadInput;
    }
    owned.push_back(std::move(*sink));
  }
  if (!args.invoke_url.empty()) {
    auto sink = simulator::MakeInvokeSink(args.invoke_url, args.invoke_timeout, std::cout);
    if (!sink.ok()) {
      std::cerr << me << ": " << sink.status().message() << "\n";
      return kExitBadInput;
    }
    owned.push_back(std::move(*sink));
  }
  std::shared_ptr<const RuleSet> rules;
  if (!args.config.empty()) {
    auto config = LoadRuleConfigFile(args.config);
    auto set = config.ok() ? RuleSet::Compile(*config) : StatusOr<RuleSet>(config.status());
    if (!set.ok()) {
      std::cerr << me << ": --config: " << set.status().message() << "\n";
      return kExitBadInput;
    }
    rules = std::make_shared<const RuleSet>(*std::move(set));
  }
  if (args.handle) owned.push_back(simulator::MakeHandleSink(render, std::cout, std::cerr, rules));
  if (owned.empty()) owned.push_back(simulator::MakeStreamSink(std::cout));
  StderrReporter reporter(args.quiet);
  std::vector<simulator::Sink*> sinks{&reporter};
  for (auto& s : owned) sinks.push_back(s.get());

  auto sim = simulator::Simulator::Create(args.options, filter, sinks);
  if (!sim.ok()) {
    std::cerr << me << ": " << sim.status().message() << "\n";
    return kExitBadInput;
  }
  simulator::Simulator& simulator = **sim;
  auto source_options = MakeSourceOptions(args.selection);
  if (!source_options.ok()) {
    std::cerr << me << ": " << source_options.status().message() << "\n";
    return kExitBadInput;
  }
  // The listing streams in batches, each batch read as it comes.
  uint64_t skipped_by_time = 0;
  auto units = sources::ListSourceBatches(
      args.inputs, *source_options, kReadBatchUnits,
      [&](size_t, std::vector<sources::SourceUnit>& batch) {
        for (const sources::SourceUnit& unit : batch) {
          skipped_by_time +=
              sources::ReadUnit(
                  unit, *source_options,
                  [&](std::string_view json, const simulator::SourcePosition& where) {
                    simulator.AddRecord(json, where);
                  },
                  [&](const simulator::SourcePosition& where, const std::string& message) {
                    simulator.AddFailure(where, message);
                  })
                  .skipped_by_time;
        }
        return true;
      });
  if (!units.ok()) {
    std::cerr << me << ": " << units.status().message() << "\n";
    return kExitBadInput;
  }
  PrintSkipped(me, *units, skipped_by_time, args.quiet);
  const Status finished = simulator.Finish();
  const auto& sum = simulator.summary();
  if (!args.quiet || sum.failed > 0 || sum.sink_errors > 0) {
    std::cerr << me << ": " << sum.records << " records: " << sum.delivered << " delivered in "
              << sum.payloads << " payloads (" << sum.payload_bytes << " bytes), " << sum.filtered
              << " filtered, " << sum.dropped << " dropped, " << sum.failed << " failed";
    if (sum.sink_errors > 0) std::cerr << "; " << sum.sink_errors << " payloads not delivered";
    std::cerr << "\n";
  }
  if (!finished.ok()) std::cerr << me << ": " << finished.message() << "\n";
  if (sum.failed > 0) return kExitBadInput;
  if (!finished.ok()) return kExitFailure;
  return kExitOk;
}

}  // namespace

void RegisterSimulateCommand(CLI::App& app) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Play CloudTrail → CloudWatch Logs → subscription filter: turn CloudTrail records into the "
      "Lambda events ({\"awslogs\":{\"data\":…}}) a subscription delivers");
  cmd->add_option("INPUT", args->inputs, kSourcesHelp)->default_val(std::vector<std::string>{"-"});
  AddSourceSelectionOptions(cmd, &args->selection);
  cmd->add_option("--filter-pattern,-p", args->filter_pattern,
                  "Subscription filter pattern; only matching events are delivered (default: all)");
  cmd->add_option("--filter-name", args->options.filter_name,
                  "Subscription filter name (subscriptionFilters)")
      ->capture_default_str();
  cmd->add_option("--log-group", args->options.log_group,
                  "Log group name (default: aws-cloudtrail-logs-<owner>-<suffix from --seed>)");
  cmd->add_option("--owner", args->options.owner,
                  "Account that owns the log group (default: each stream's account)");
  cmd->add_option("--default-account", args->options.default_account,
                  "Account for records with neither recipientAccountId nor userIdentity.accountId")
      ->capture_default_str();
  cmd->add_option("--default-region", args->options.default_region,
                  "Region for records without awsRegion")
      ->capture_default_str();
  cmd->add_option("--seed", args->options.seed, "Seed for log group suffix and event ids")
      ->capture_default_str();
  cmd->add_option("--window", args->window_seconds,
                  "Batch time window in seconds of event time (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--max-batch-events", args->options.max_batch_events,
                  "Most log events per payload")
      ->capture_default_str();
  cmd->add_option("--max-batch-bytes", args->options.max_batch_bytes,
                  "Most bytes per payload, counted as PutLogEvents does (message + 26)")
      ->capture_default_str();
  cmd->add_option("--max-payload-bytes", args->options.max_payload_bytes,
                  "Largest Lambda event (1 MB async limit; 262144 mimics the old one)")
      ->capture_default_str();
  cmd->add_option("--max-record-bytes", args->options.max_record_bytes,
                  "Records larger than this (+26) are dropped, as CloudTrail drops them")
      ->capture_default_str();
  cmd->add_option("--gzip-level", args->options.gzip_level, "gzip level 0..9")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  cmd->add_flag("--control-message", args->options.control_message,
                "Emit the CONTROL_MESSAGE a destination receives first");
  cmd->add_flag("--account-level-policy", args->options.account_level_policy,
                "Simulate an account-level subscription (policyLevel: ACCOUNT_LEVEL_POLICY)");
  cmd->add_option("--out,-o", args->out_dir,
                  "Write payload-NNNNNN.json Lambda events and manifest.jsonl into this folder");
  cmd->add_flag("--overwrite", args->overwrite, "Replace payloads of an earlier run in --out");
  cmd->add_option("--invoke", args->invoke_url,
                  "POST each Lambda event to this URL (RIE-compatible; path defaults to "
                  "/2015-03-31/functions/function/invocations)");
  cmd->add_option("--invoke-timeout", args->invoke_timeout, "Seconds to wait for each invocation")
      ->capture_default_str();
  cmd->add_option("--config", args->config,
                  "With --handle: a rule configuration (docs/configuration.md); the rules decide "
                  "which events "
                  "alert, with what severity and where")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--handle", args->handle,
                "Run the engine in-process and print the Slack message for each delivered event");
  cmd->add_option("--time-zone", args->time_zone, "With --handle: time zone for the Time: line")
      ->capture_default_str();
  cmd->add_option("--console-url", args->console_url, "With --handle: console link template")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "No summary line and no dropped-record lines on stderr");
  cmd->add_option(
         "--deliver", args->deliver,
         "Which delivery to play: cloudwatch (subscription payloads), s3 (CloudTrail log files in "
         "--out and a notification per file) or eventbridge (CloudTrail's EventBridge events)")
      ->check(CLI::IsMember({"cloudwatch", "s3", "eventbridge"}))
      ->capture_default_str();
  cmd->add_option("--bucket", args->notify.bucket, "With --deliver s3: the trail's bucket name");
  cmd->add_option("--prefix", args->s3.prefix, "With --deliver s3: the trail's S3 key prefix");
  cmd->add_option("--org-id", args->s3.org_id,
                  "With --deliver s3: organization trail, keys under AWSLogs/o-…/");
  cmd->add_option("--file-window", args->file_window_seconds,
                  "With --deliver s3: seconds of eventTime per log file (per account and region)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option(
      "--envelope", args->envelope,
      "How the notifications reach the Lambda. --deliver s3: s3, sns, sqs, sns-sqs, eventbridge, "
      "eventbridge-sqs, cloudtrail-sns, cloudtrail-sns-sqs (default s3); --deliver eventbridge: "
      "eventbridge or sqs (default eventbridge)");
  cmd->add_option("--bucket-region", args->notify.bucket_region,
                  "The bucket's region (notifications)")
      ->capture_default_str();
  cmd->add_option("--bucket-account", args->notify.bucket_account,
                  "The bucket owner's account (EventBridge account, default topic and queue)")
      ->capture_default_str();
  cmd->add_option("--configuration-id", args->notify.configuration_id,
                  "S3 event notification configurationId")
      ->capture_default_str();
  cmd->add_option(
      "--topic-arn", args->notify.topic_arn,
      "SNS topic (default arn:aws:sns:<bucket-region>:<bucket-account>:iam-audit-cloudtrail)");
  cmd->add_option("--endpoint", args->endpoint,
                  "With --deliver s3: also PUT each log file into this S3-compatible server "
                  "(http://host:port, path-style; credentials and region from AWS_* variables)");
  cmd->add_option(
      "--queue-arn", args->notify.queue_arn,
      "SQS queue (default arn:aws:sqs:<bucket-region>:<bucket-account>:iam-audit-cloudtrail)");
  cmd->callback([args] { ExitCode() = RunSimulate(*args); });
}

}  // namespace iam_audit::cli
