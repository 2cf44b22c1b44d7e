// iam-audit simulate: CloudTrail records → the CloudWatch Logs subscription
// payloads a Lambda would receive (to files, to an invoke URL, or through the
// engine in-process); with --deliver s3, CloudTrail's log files in a bucket
// folder and the notifications for them; with --deliver eventbridge,
// CloudTrail's EventBridge events. See docs/simulate.md.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "iam_audit/filter.h"
#include "iam_audit/rules.h"
#include "iam_audit/simulator/outputs.h"
#include "iam_audit/simulator/s3_delivery.h"
#include "iam_audit/simulator/s3_upload.h"
#include "iam_audit/simulator/simulator.h"
#include "iam_audit/slack_message.h"
#include "source_options.h"

namespace iam_audit::cli {
namespace {

using simulator::Outcome;

// The units of a streamed listing read per batch (sources::ListSourceBatches):
// a listing that fails within the first batch reads nothing.
constexpr size_t kReadBatchUnits = 1024;

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

std::string NotificationName(size_t n) {
  char name[40];
  std::snprintf(name, sizeof name, "notification-%06zu.json", n);
  return name;
}

// Prepares --out for --deliver: refuses a folder that already holds files
// unless --overwrite, which removes only what a run writes (manifest.jsonl,
// notifications/notification-*.json and CloudTrail log files
// *_CloudTrail_*.json.gz anywhere below).
Status PrepareDeliveryDir(const std::string& dir, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return UnavailableError(dir + ": cannot create: " + ec.message());
  if (fs::is_empty(dir, ec)) return Status::Ok();
  if (!overwrite)
    return InvalidArgumentError(dir + ": not empty (use --overwrite to replace an earlier run)");
  std::vector<fs::path> ours;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string name = it->path().filename().string();
    const std::string parent = it->path().parent_path().filename().string();
    const bool log_file = name.find("_CloudTrail_") != std::string::npos && name.size() > 8 &&
                          name.compare(name.size() - 8, 8, ".json.gz") == 0;
    const bool notification = parent == "notifications" && name.rfind("notification-", 0) == 0;
    const bool manifest = name == "manifest.jsonl" && it->path().parent_path() == fs::path(dir);
    if (log_file || notification || manifest) ours.push_back(it->path());
  }
  if (ec) return UnavailableError(dir + ": cannot list: " + ec.message());
  for (const fs::path& p : ours) fs::remove(p, ec);
  return Status::Ok();
}

Status WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return UnavailableError(path.string() + ": write failed");
  return Status::Ok();
}

// What the sources left out (digest files, files and records outside
// --since/--until/--account/--region), so that every input is accounted for.
void PrintSkipped(const char* me, const sources::SourceList& units, uint64_t skipped_by_time,
                  bool quiet) {
  const std::string text = sources::DescribeSkipped(units, skipped_by_time);
  if (!text.empty() && !quiet) std::cerr << me << ": " << text << "\n";
}

// Checks the options of --deliver s3 | eventbridge and fills in what the S3
// delivery takes from the general ones; the notifications' envelope. The
// error is the message to print.
StatusOr<simulator::Envelope> CheckDeliverOptions(SimulateArgs& args) {
  const bool s3 = args.deliver == "s3";
  if (!args.filter_pattern.empty())
    return InvalidArgumentError("--filter-pattern works only with --deliver cloudwatch");
  if (!args.invoke_url.empty())
    return InvalidArgumentError("--invoke works only with --deliver cloudwatch");
  if (args.handle) return InvalidArgumentError("--handle works only with --deliver cloudwatch");
  if (args.options.control_message)
    return InvalidArgumentError("--control-message works only with --deliver cloudwatch");
  simulator::Envelope envelope = simulator::Envelope::kEventBridge;
  if (s3) {
    if (args.notify.bucket.empty()) return InvalidArgumentError("--deliver s3 needs --bucket NAME");
    if (args.out_dir.empty() && args.endpoint.empty())
      return InvalidArgumentError(
          "--deliver s3 needs --out DIR (the bucket's objects are written there) or --endpoint "
          "URL");
    auto parsed = simulator::ParseEnvelope(args.envelope.empty() ? "s3" : args.envelope);
    if (!parsed.ok()) return InvalidArgumentError(parsed.status().message());
    envelope = *parsed;
  } else {
    if (!args.notify.bucket.empty() || !args.s3.prefix.empty() || !args.s3.org_id.empty())
      return InvalidArgumentError("--bucket, --prefix and --org-id work only with --deliver s3");
    if (args.envelope == "sqs" || args.envelope == "eventbridge-sqs") {
      envelope = simulator::Envelope::kEventBridgeSqs;
    } else if (!args.envelope.empty() && args.envelope != "eventbridge") {
      return InvalidArgumentError("--envelope '" + args.envelope +
                                  "': with --deliver eventbridge, expected eventbridge or sqs");
    }
  }
  args.s3.default_account = args.options.default_account;
  args.s3.default_region = args.options.default_region;
  args.s3.seed = args.options.seed;
  args.s3.gzip_level = args.options.gzip_level;
  args.s3.window_ms = static_cast<int64_t>(args.file_window_seconds * 1000.0);
  args.notify.seed = args.options.seed;
  if (Status st = simulator::ValidateS3DeliveryOptions(args.s3); !st.ok())
    return InvalidArgumentError(st.message());
  return envelope;
}

// --endpoint: the S3 client that uploads the log files (none without it).
// The error is the message to print.
Status MakeUploader(const SimulateArgs& args, std::unique_ptr<simulator::S3Uploader>* uploader) {
  if (args.endpoint.empty()) return Status::Ok();
  if (args.deliver != "s3") return InvalidArgumentError("--endpoint works only with --deliver s3");
  auto config = s3::S3Config::FromEnvironment();
  if (!config.ok()) return InvalidArgumentError("--endpoint: " + config.status().message());
  config->endpoint_url = args.endpoint;
  auto made = simulator::S3Uploader::Create(*std::move(config), args.invoke_timeout);
  if (!made.ok()) return InvalidArgumentError(made.status().message());
  *uploader = *std::move(made);
  return Status::Ok();
}

// One run of --deliver s3 | eventbridge over listed sources: the records
// read, the log files and notifications written (to --out, to standard
// output, uploaded to --endpoint), the manifest and the counts.
class DeliveryRun {
 public:
  static constexpr const char* kMe = "iam-audit simulate";

  DeliveryRun(const SimulateArgs& args, simulator::Envelope envelope,
              simulator::S3Uploader* uploader)
      : args_(args),
        s3_(args.deliver == "s3"),
        envelope_(envelope),
        uploader_(uploader),
        dir_(args.out_dir),
        delivery_(args.s3) {
    if (!args_.out_dir.empty())
      manifest_.open(dir_ / "manifest.jsonl", std::ios::binary | std::ios::trunc);
  }

  // Every record of every unit, in order: into the S3 delivery's log files
  // (s3) or one EventBridge notification each. Returns the records skipped by time.
  uint64_t Read(const std::vector<sources::SourceUnit>& units,
                const sources::SourceOptions& options) {
    uint64_t skipped_by_time = 0;
    for (const sources::SourceUnit& unit : units) {
      skipped_by_time +=
          sources::ReadUnit(
              unit, options,
              [&](std::string_view json, const simulator::SourcePosition& where) {
                AddRecord(json, where);
              },
              [&](const simulator::SourcePosition& where, const std::string& message) {
                ++records_;
                Fail(where, message);
              })
              .skipped_by_time;
    }
    return skipped_by_time;
  }

  // s3: the log files written or uploaded, one notification each.
  void WriteLogFiles() {
    if (!s3_) return;
    std::vector<simulator::LogFile> logs = delivery_.Finish();
    for (size_t i = 0; i < logs.size(); ++i) {
      const simulator::LogFile& log = logs[i];
      ++log_files_;
      bytes_ += log.gzip.size();
      Status st = args_.out_dir.empty() ? Status::Ok() : WriteFile(dir_ / log.key, log.gzip);
      if (st.ok() && uploader_ != nullptr)
        st = uploader_->Put(args_.notify.bucket, log.key, log.gzip, log.etag);
      if (!st.ok()) WriteFailed(st);
      std::string fields = "\"key\":";
      simulator::AppendJsonString(fields, log.key);
      fields += ",\"bytes\":" + std::to_string(log.gzip.size()) + ",\"etag\":\"" + log.etag +
                "\",\"records\":[";
      for (size_t r = 0; r < log.record_sequences.size(); ++r) {
        fields += (r ? "," : "") + std::to_string(log.record_sequences[r]);
      }
      fields += "]";
      Emit(simulator::NotificationJson(log, i + 1, envelope_, args_.notify), fields);
    }
  }

  // The manifest's summary line, when there is a manifest.
  void FinishManifest() {
    if (!manifest_.is_open()) return;
    manifest_ << "{\"summary\":{\"records\":" << records_ << ",\"failed\":" << failed_;
    if (s3_) manifest_ << ",\"files\":" << log_files_;
    manifest_ << ",\"notifications\":" << notifications_ << "}}\n";
    manifest_.close();
    if (!manifest_) {
      ++write_errors_;
      if (first_error_.ok())
        first_error_ = UnavailableError((dir_ / "manifest.jsonl").string() + ": write failed");
      std::cerr << kMe << ": " << first_error_.message() << "\n";
    }
  }

  // The counts on standard error (unless --quiet and nothing failed).
  void Report() const {
    if (args_.quiet && failed_ == 0 && write_errors_ == 0) return;
    std::cerr << kMe << ": " << records_ << " records: ";
    if (s3_) {
      std::cerr << records_ - failed_ << " delivered in " << log_files_ << " log files (" << bytes_
                << " bytes) to s3://" << args_.notify.bucket << ", ";
    }
    std::cerr << notifications_ << " notifications, " << failed_ << " failed";
    if (write_errors_ > 0) std::cerr << "; " << write_errors_ << " writes or uploads failed";
    std::cerr << "\n";
  }

  int ExitCode() const {
    if (failed_ > 0) return kExitBadInput;
    if (!first_error_.ok()) return kExitFailure;
    return kExitOk;
  }

 private:
  void AddRecord(std::string_view json, const simulator::SourcePosition& where) {
    const uint64_t sequence = records_++;
    if (s3_) {
      if (Status st = delivery_.AddRecord(json, sequence); !st.ok()) Fail(where, st.message());
      return;
    }
    const simulator::SimulateOptions& o = args_.options;
    auto event = simulator::CloudTrailEventBridgeJson(json, sequence, o.default_account,
                                                      o.default_region, o.seed);
    if (!event.ok()) return Fail(where, event.status().message());
    std::string out = *event;
    if (envelope_ == simulator::Envelope::kEventBridgeSqs) {
      auto trail = simulator::ToTrailEvent(json, o.default_account, o.default_region);
      out = simulator::WrapEventBridgeInSqs(*event, sequence, trail.ok() ? trail->timestamp : 0,
                                            args_.notify);
    }
    std::string fields = "\"record\":" + std::to_string(sequence) + ",\"source\":";
    simulator::AppendJsonString(fields, where.ToString());
    Emit(out, fields);
  }

  void Fail(const simulator::SourcePosition& where, const std::string& reason) {
    ++failed_;
    std::cerr << where.ToString() << ": record " << where.index << ": " << reason << "\n";
  }

  void WriteFailed(const Status& st) {
    ++write_errors_;
    if (first_error_.ok()) first_error_ = st;
    std::cerr << kMe << ": " << st.message() << "\n";
  }

  // One notification: to standard output, or to --out with its manifest line.
  void Emit(const std::string& json, const std::string& manifest_fields) {
    ++notifications_;
    if (args_.out_dir.empty()) {
      std::cout << json << '\n';
      return;
    }
    const std::string name = NotificationName(notifications_);
    Status st = WriteFile(dir_ / "notifications" / name, json + "\n");
    if (!st.ok()) WriteFailed(st);
    manifest_ << "{\"notification\":\"notifications/" << name << "\"," << manifest_fields << "}\n";
  }

  const SimulateArgs& args_;
  const bool s3_;
  const simulator::Envelope envelope_;
  simulator::S3Uploader* uploader_;
  const std::filesystem::path dir_;
  simulator::S3Delivery delivery_;
  std::ofstream manifest_;
  uint64_t records_ = 0, failed_ = 0, notifications_ = 0, write_errors_ = 0, bytes_ = 0;
  uint64_t log_files_ = 0;
  Status first_error_;
};

int RunDeliver(SimulateArgs& args) {
  const char* me = DeliveryRun::kMe;
  auto bad = [&](const std::string& message) {
    std::cerr << me << ": " << message << "\n";
    return kExitBadInput;
  };
  auto envelope = CheckDeliverOptions(args);
  if (!envelope.ok()) return bad(envelope.status().message());
  if (!args.out_dir.empty()) {
    if (Status st = PrepareDeliveryDir(args.out_dir, args.overwrite); !st.ok())
      return bad("--out: " + st.message());
  }
  std::unique_ptr<simulator::S3Uploader> uploader;
  if (Status st = MakeUploader(args, &uploader); !st.ok()) return bad(st.message());
  auto source_options = MakeSourceOptions(args.selection);
  if (!source_options.ok()) return bad(source_options.status().message());
  // The listing streams in batches, each read as it comes; the run (and its
  // manifest) starts with the first batch, so a listing that fails within
  // it leaves nothing behind.
  std::optional<DeliveryRun> run;
  uint64_t skipped_by_time = 0;
  auto units = sources::ListSourceBatches(args.inputs, *source_options, kReadBatchUnits,
                                          [&](size_t, std::vector<sources::SourceUnit>& batch) {
                                            if (!run) run.emplace(args, *envelope, uploader.get());
                                            skipped_by_time += run->Read(batch, *source_options);
                                            return true;
                                          });
  if (!units.ok()) return bad(units.status().message());
  if (!run) run.emplace(args, *envelope, uploader.get());
  run->WriteLogFiles();
  run->FinishManifest();
  std::cout.flush();
  run->Report();
  PrintSkipped(me, *units, skipped_by_time, args.quiet);
  return run->ExitCode();
}

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
