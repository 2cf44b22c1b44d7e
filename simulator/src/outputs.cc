// The sinks of the simulate pipeline (see outputs.h).
#include "iam_audit/simulator/outputs.h"

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <system_error>

#include "iam_audit/alert_message.h"
#include "iam_audit/payload.h"

namespace iam_audit::simulator {
namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

bool IsOurFile(const std::string& name) {
  return name == "manifest.jsonl" || (name.rfind("payload-", 0) == 0 && name.size() > 13 &&
                                      name.compare(name.size() - 5, 5, ".json") == 0);
}

class OutDirSink : public Sink {
 public:
  OutDirSink(fs::path dir, std::ofstream manifest)
      : dir_(std::move(dir)), manifest_(std::move(manifest)) {}

  Status OnPayload(const Payload& payload) override {
    const std::string file = payload.name + ".json";
    std::ofstream out(dir_ / file, std::ios::binary | std::ios::trunc);
    out << payload.lambda_event_json << '\n';
    out.close();
    ordered_json line;
    line["payload"] = payload.name;
    line["file"] = file;
    line["messageType"] = payload.batch.message_type;
    line["owner"] = payload.batch.owner;
    line["logGroup"] = payload.batch.log_group;
    line["logStream"] = payload.batch.log_stream;
    line["events"] = payload.batch.log_events.size();
    line["bytes"] = payload.lambda_event_json.size();
    line["decodedBytes"] = payload.batch_json.size();
    if (!payload.batch.log_events.empty()) {
      line["firstTimestamp"] = payload.batch.log_events.front().timestamp;
      line["lastTimestamp"] = payload.batch.log_events.back().timestamp;
    }
    line["records"] = payload.record_sequences;
    manifest_ << line.dump() << '\n';
    ++payloads_;
    if (!out) {
      ++errors_;
      return UnavailableError((dir_ / file).string() + ": write failed");
    }
    return Status::Ok();
  }

  void OnRecord(const RecordOutcome& r) override {
    ordered_json line;
    line["record"] = r.sequence;
    line["source"] = r.source.ToString();
    line["index"] = r.source.index;
    line["outcome"] = std::string(OutcomeName(r.outcome));
    if (!r.reason.empty()) line["reason"] = r.reason;
    if (!r.payload_name.empty()) line["payload"] = r.payload_name;
    if (!r.log_stream.empty()) line["logStream"] = r.log_stream;
    if (!r.event_id.empty()) line["id"] = r.event_id;
    if (r.outcome != Outcome::kFailed) line["timestamp"] = r.timestamp;
    if (r.event_bytes > 0) line["bytes"] = r.event_bytes;
    manifest_ << line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
              << '\n';
    ++counts_[static_cast<int>(r.outcome)];
  }

  Status OnFinish() override {
    ordered_json summary;
    summary["records"] = counts_[0] + counts_[1] + counts_[2] + counts_[3];
    summary["delivered"] = counts_[0];
    summary["filtered"] = counts_[1];
    summary["dropped"] = counts_[2];
    summary["failed"] = counts_[3];
    summary["payloads"] = payloads_;
    ordered_json line;
    line["summary"] = summary;
    manifest_ << line.dump() << '\n';
    manifest_.close();
    if (!manifest_ || errors_ > 0)
      return UnavailableError((dir_ / "manifest.jsonl").string() + ": write failed");
    return Status::Ok();
  }

 private:
  fs::path dir_;
  std::ofstream manifest_;
  uint64_t counts_[4] = {0, 0, 0, 0};
  uint64_t payloads_ = 0;
  uint64_t errors_ = 0;
};

class StreamSink : public Sink {
 public:
  explicit StreamSink(std::ostream& out) : out_(out) {}
  Status OnPayload(const Payload& payload) override {
    out_ << payload.lambda_event_json << '\n';
    return out_ ? Status::Ok() : UnavailableError("standard output: write failed");
  }
  void OnRecord(const RecordOutcome&) override {}
  Status OnFinish() override {
    out_.flush();
    return Status::Ok();
  }

 private:
  std::ostream& out_;
};

class InvokeSink : public Sink {
 public:
  InvokeSink(std::string base, std::string path, int timeout_seconds, std::ostream& out)
      : client_(base), base_(std::move(base)), path_(std::move(path)), out_(out) {
    client_.set_connection_timeout(timeout_seconds, 0);
    client_.set_read_timeout(timeout_seconds, 0);
    client_.set_write_timeout(timeout_seconds, 0);
    client_.set_keep_alive(true);
  }

  Status OnPayload(const Payload& payload) override {
    auto result = client_.Post(path_, payload.lambda_event_json, "application/json");
    if (!result) {
      out_ << payload.name << " error " << httplib::to_string(result.error()) << '\n';
      return UnavailableError(payload.name + ": POST " + base_ + path_ + ": " +
                              httplib::to_string(result.error()));
    }
    std::string body = result->body;
    for (char& c : body) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    out_ << payload.name << ' ' << result->status << ' ' << body << '\n';
    if (result->status < 200 || result->status > 299) {
      return UnavailableError(payload.name + ": POST " + base_ + path_ + ": HTTP " +
                              std::to_string(result->status));
    }
    if (result->has_header("X-Amz-Function-Error")) {
      return UnavailableError(payload.name + ": function error (" +
                              result->get_header_value("X-Amz-Function-Error") + ")");
    }
    return Status::Ok();
  }
  void OnRecord(const RecordOutcome&) override {}
  Status OnFinish() override {
    out_.flush();
    return Status::Ok();
  }

 private:
  httplib::Client client_;
  std::string base_;
  std::string path_;
  std::ostream& out_;
};

class HandleSink : public Sink {
 public:
  HandleSink(RenderOptions options, std::ostream& out, std::ostream& log,
             std::shared_ptr<const RuleSet> rules)
      : options_(std::move(options)), out_(out), log_(log), rules_(std::move(rules)) {}

  Status OnPayload(const Payload& payload) override {
    auto batch = DecodeSubscriptionEvent(payload.lambda_event_json);
    if (!batch.ok()) return batch.status().WithPrefix(payload.name);
    if (batch->IsControl()) {
      log_ << payload.name << ": CONTROL_MESSAGE acknowledged (no alert)\n";
      return Status::Ok();
    }
    for (size_t i = 0; i < batch->log_events.size(); ++i) {
      const LogEvent& event = batch->log_events[i];
      if (!rules_) {
        out_ << RenderMessage(event.message, options_) << '\n';
        continue;
      }
      // With a configuration: the rules decide, as in the Lambda (digests,
      // which depend on the invocation's pacing, are not modelled here).
      const Verdict verdict = rules_->Evaluate(event.message);
      if (!verdict.alert()) {
        log_ << payload.name << ": event " << i + 1 << ": not alerted (" << verdict.suppressed_by()
             << ")\n";
        continue;
      }
      AlertInfo info{verdict.rules, verdict.severity, verdict.title};
      out_ << RenderSlackAlert(event.message, options_, info) << '\n';
      std::string to;
      for (const std::string& d : verdict.destinations) to += (to.empty() ? "" : ", ") + d;
      log_ << payload.name << ": event " << i + 1 << ": " << SeverityName(verdict.severity) << " → "
           << (to.empty() ? "(default webhook)" : to) << "\n";
    }
    return Status::Ok();
  }
  void OnRecord(const RecordOutcome&) override {}
  Status OnFinish() override {
    out_.flush();
    return Status::Ok();
  }

 private:
  RenderOptions options_;
  std::ostream& out_;
  std::ostream& log_;
  std::shared_ptr<const RuleSet> rules_;
};

}  // namespace

StatusOr<std::unique_ptr<Sink>> MakeOutDirSink(const std::string& dir, bool overwrite) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return UnavailableError(dir + ": cannot create: " + ec.message());
  std::vector<fs::path> ours;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (IsOurFile(entry.path().filename().string())) ours.push_back(entry.path());
  }
  if (ec) return UnavailableError(dir + ": cannot list: " + ec.message());
  if (!ours.empty()) {
    if (!overwrite) {
      return InvalidArgumentError(dir +
                                  ": already holds payloads from an earlier run (use --overwrite)");
    }
    for (const fs::path& p : ours) fs::remove(p, ec);
  }
  std::ofstream manifest(fs::path(dir) / "manifest.jsonl", std::ios::binary | std::ios::trunc);
  if (!manifest) return UnavailableError(dir + "/manifest.jsonl: cannot create");
  return std::unique_ptr<Sink>(new OutDirSink(fs::path(dir), std::move(manifest)));
}

std::unique_ptr<Sink> MakeStreamSink(std::ostream& out) {
  return std::make_unique<StreamSink>(out);
}

StatusOr<std::unique_ptr<Sink>> MakeInvokeSink(const std::string& url, int timeout_seconds,
                                               std::ostream& out) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return InvalidArgumentError("--invoke: '" + url + "': only http:// URLs are supported");
  }
  const size_t slash = url.find('/', kScheme.size());
  std::string base = url.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : url.substr(slash);
  if (base.size() == kScheme.size())
    return InvalidArgumentError("--invoke: '" + url + "': no host");
  if (path.empty() || path == "/") path = "/2015-03-31/functions/function/invocations";
  return std::unique_ptr<Sink>(
      new InvokeSink(std::move(base), std::move(path), timeout_seconds, out));
}

std::unique_ptr<Sink> MakeHandleSink(const RenderOptions& options, std::ostream& out,
                                     std::ostream& log, std::shared_ptr<const RuleSet> rules) {
  return std::make_unique<HandleSink>(options, out, log, std::move(rules));
}

}  // namespace iam_audit::simulator
