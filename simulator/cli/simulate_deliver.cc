// iam-audit simulate --deliver s3 | eventbridge: checks the options that
// go with it, prepares --out, makes the --endpoint uploader, and runs the
// delivery over the listed sources: CloudTrail log files in the bucket folder
// (written to --out and/or uploaded) with a notification per file, or one
// EventBridge event per record; the notifications to --out or standard
// output, the manifest and the counts. See docs/simulate.md.
#include "simulate_deliver.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "iam_audit/simulator/outputs.h"
#include "iam_audit/simulator/s3_delivery.h"
#include "iam_audit/simulator/s3_upload.h"
#include "iam_audit/simulator/simulator.h"

namespace iam_audit::cli {
namespace {

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

}  // namespace

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

}  // namespace iam_audit::cli
