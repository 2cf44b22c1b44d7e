// The S3 and EventBridge inputs of the handler: for each unit of a decoded
// Lambda event (lambda_event.h), CloudTrail log files are read from S3 in
// chunks and parsed as they arrive (cloudtrail_log.h), their records passed
// through IAM_AUDIT_FILTER_PATTERN and handed to the delivery plan
// `chunk_records` at a time, so memory stays bounded whatever the file's
// size; EventBridge's records take the same way. Digest files and other keys
// are skipped and counted by reason; a removed log file is one alert of its
// own. Through SQS each message's outcome is a batch item failure or not.
#include "handler/lambda_input.h"

#include <string>
#include <utility>

#include "iam_audit/cloudtrail_log.h"
#include "iam_audit/json_string.h"

namespace iam_audit::internal {
namespace {

void AddField(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  if (out.back() != '{') out += ',';
  AppendJsonString(out, key);
  out += ':';
  AppendJsonString(out, value);
}

// Collects records into batches of run.chunk_records for the delivery plan.
class Batcher {
 public:
  Batcher(const InputRun& run, const S3ObjectRef* object, InvocationResult& result)
      : run_(run), object_(object), result_(result) {
    batch_.message_type = "DATA_MESSAGE";
  }
  void Add(std::string id, std::string_view record) {
    InvocationSummary& sum = result_.summary;
    ++sum.received;
    if (run_.pattern != nullptr && !run_.pattern->Matches(record)) {
      ++sum.ignored[kFilterPatternRule];
      return;
    }
    batch_.log_events.push_back(LogEvent{std::move(id), 0, std::string(record)});
    if (batch_.log_events.size() >= run_.chunk_records) Flush();
  }
  void Flush() {
    if (batch_.log_events.empty()) return;
    run_.deliver(batch_, object_, result_);
    batch_.log_events.clear();
  }

 private:
  const InputRun& run_;
  const S3ObjectRef* object_;
  InvocationResult& result_;
  LogBatch batch_;
};

// Reads one log file to its end, delivering as it goes.
Status ReadLogFile(const S3ObjectRef& object, const InputRun& run, InvocationResult& result) {
  const std::string where = "s3://" + object.bucket + "/" + object.key;
  if (run.source == nullptr) return UnavailableError(where + ": no S3 client");
  const int64_t timeout = run.deadline_ms - run.reserve_ms - run.clock->NowMs();
  if (timeout <= 0) {
    return DeadlineExceededError(where + ": no time left before the deadline to read it");
  }
  Batcher batcher(run, &object, result);
  CloudTrailLogStream stream(run.max_record_bytes);
  const RecordSink sink = [&](std::string_view record, uint64_t index) {
    batcher.Add(object.key + "#" + std::to_string(index), record);
    return Status::Ok();
  };
  Status parse_error;
  Status s = run.source->Get(
      object.bucket, object.key,
      [&](std::string_view chunk) {
        parse_error = stream.Write(chunk, sink);
        return parse_error;
      },
      timeout);
  if (s.ok()) s = parse_error = stream.Finish(sink);
  batcher.Flush();  // what was read is delivered, even when the rest is not
  if (!parse_error.ok()) return parse_error.WithPrefix(where);
  return s;
}

Status RunUnit(const LambdaUnit& unit, const InputRun& run, InvocationResult& result) {
  InvocationSummary& sum = result.summary;
  if (unit.test_events > 0) sum.skipped["test-event"] += unit.test_events;
  if (!unit.records.empty()) {
    Batcher batcher(run, nullptr, result);
    for (const CarriedRecord& record : unit.records) {
      batcher.Add(record.id.empty() ? "eventbridge" : record.id, record.json);
    }
    batcher.Flush();
  }
  Status first_error;
  for (const S3ObjectRef& object : unit.objects) {
    LogFileName name;
    const LogObjectKind kind = ClassifyLogObjectKey(object.key, &name);
    if (kind == LogObjectKind::kDigest) {
      ++sum.skipped["digest-file"];
      continue;
    }
    if (kind == LogObjectKind::kOther) {
      ++sum.skipped["not-a-log-file"];
      continue;
    }
    if (object.action == S3ObjectRef::Action::kOther) {
      ++sum.skipped["not-created-or-removed"];
      continue;
    }
    if (object.action == S3ObjectRef::Action::kRemoved) {
      LogEvent event;
      event.id = std::string(kLogFileDeletedRule) + ":s3://" + object.bucket + "/" + object.key +
                 "@" + object.event_time;
      event.message = LogFileDeletedMessage(object, name.account);
      run.deliver_deleted(object, event, result);
      continue;
    }
    Status s = ReadLogFile(object, run, result);
    if (s.ok()) {
      ++sum.objects;
    } else {
      ++sum.object_failures;
      if (first_error.ok()) first_error = s;
    }
  }
  return first_error;
}

void AppendPercentEncoded(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
}

}  // namespace

std::string S3ConsoleObjectUrl(std::string_view bucket, std::string_view region,
                               std::string_view key) {
  std::string url = "https://s3.console.aws.amazon.com/s3/object/";
  AppendPercentEncoded(bucket, url);
  url += '?';
  if (!region.empty()) {
    url += "region=";
    AppendPercentEncoded(region, url);
    url += '&';
  }
  url += "prefix=";
  AppendPercentEncoded(key, url);
  return url;
}

std::string LogFileDeletedMessage(const S3ObjectRef& object, std::string_view account) {
  std::string out = "{";
  AddField(out, "eventSource", "s3.amazonaws.com");
  AddField(out, "eventName", object.event_name);
  AddField(out, "eventTime", object.event_time);
  AddField(out, "awsRegion", object.region);
  AddField(out, "sourceIPAddress", object.source_ip);
  AddField(out, "recipientAccountId", account);
  if (!object.requester.empty()) {
    out += ",\"userIdentity\":{";
    AddField(out, "principalId", object.requester);
    out += '}';
  }
  out += ",\"requestParameters\":{";
  AddField(out, "bucketName", object.bucket);
  AddField(out, "key", object.key);
  out += "}}";
  return out;
}

void RunLambdaInput(const LambdaEvent& event, const InputRun& run, InvocationResult& result) {
  InvocationSummary& sum = result.summary;
  sum.input = std::string(LambdaInputName(event.input));
  if (run.pattern != nullptr) sum.ignored.emplace(kFilterPatternRule, 0);
  const bool sqs = event.input == LambdaInput::kSqs;
  Status first_failure;
  for (const LambdaUnit& unit : event.units) {
    const size_t failed_before = sum.failed;
    Status s = unit.error;
    if (s.ok()) s = RunUnit(unit, run, result);
    if (s.ok() && sum.failed == failed_before) continue;
    if (s.ok()) s = result.status;  // the delivery plan's failure
    if (sqs) {
      result.batch_item_failures.push_back(unit.message_id);
      result.notes.push_back("message " + unit.message_id + ": " + s.message());
    }
    if (first_failure.ok()) first_failure = s;
  }
  if (sqs) {
    // Lambda retries only the messages named in batchItemFailures.
    result.batch_response = true;
    result.status = Status::Ok();
    result.error_type.clear();
    return;
  }
  if (!first_failure.ok() && result.status.ok()) {
    result.status = first_failure;
    result.error_type = "Function.ObjectReadFailed";
  }
}

}  // namespace iam_audit::internal
