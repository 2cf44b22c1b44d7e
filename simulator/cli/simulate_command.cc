// iam-audit simulate: CloudTrail records → the CloudWatch Logs subscription
// payloads a Lambda would receive (to files, to an invoke URL, or through the
// engine in-process). See docs/simulate.md.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "iam_audit/filter.h"
#include "iam_audit/rules.h"
#include "iam_audit/simulator/outputs.h"
#include "iam_audit/simulator/record_reader.h"
#include "iam_audit/simulator/simulator.h"
#include "iam_audit/slack_message.h"

namespace iam_audit::cli {
namespace {

using simulator::Outcome;

struct SimulateArgs {
  std::vector<std::string> inputs{"-"};
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
};

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
  auto files = simulator::ExpandInputs(args.inputs);
  if (!files.ok()) {
    std::cerr << me << ": " << files.status().message() << "\n";
    return kExitBadInput;
  }
  for (const std::string& file : *files) {
    simulator::ReadRecordFile(
        file,
        [&](std::string_view json, const simulator::SourcePosition& where) {
          simulator.AddRecord(json, where);
        },
        [&](const simulator::SourcePosition& where, const std::string& message) {
          simulator.AddFailure(where, message);
        });
  }
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
  cmd->add_option(
         "INPUT", args->inputs,
         "Record files or folders (searched recursively): one record, JSON Lines, CloudTrail "
         "log files {\"Records\":[…]}, .gz; - for standard input")
      ->default_val(std::vector<std::string>{"-"});
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
  cmd->callback([args] { ExitCode() = RunSimulate(*args); });
}

}  // namespace iam_audit::cli
