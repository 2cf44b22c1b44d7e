// The simulate pipeline (see simulator.h for the contract).
#include "iam_audit/simulator/simulator.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

namespace iam_audit::simulator {

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDelivered:
      return "delivered";
    case Outcome::kFiltered:
      return "filtered";
    case Outcome::kDropped:
      return "dropped";
    case Outcome::kFailed:
      return "failed";
  }
  return "unknown";
}

namespace {

struct PendingEvent {
  LogEvent event;
  uint64_t sequence = 0;
  SourcePosition source;
};

struct OpenBatch {
  std::string log_stream;
  std::string owner;
  std::string log_group;
  std::vector<PendingEvent> events;
  size_t bytes = 0;  // PutLogEvents accounting: message bytes + 26 per event
  int64_t first_timestamp = 0;
  uint64_t first_sequence = 0;
};

struct StreamState {
  explicit StreamState(uint64_t seed, const std::string& name) : ids(seed, name) {}
  EventIdSequence ids;
  OpenBatch batch;
};

}  // namespace

struct Simulator::Impl {
  SimulateOptions options;
  std::shared_ptr<const Filter> filter;
  std::vector<Sink*> sinks;
  SimulateSummary summary;
  std::map<std::string, StreamState> streams;  // by stream name
  uint64_t next_sequence = 0;
  bool control_sent = false;
  Status first_error;

  void Report(const RecordOutcome& outcome) {
    switch (outcome.outcome) {
      case Outcome::kDelivered:
        ++summary.delivered;
        break;
      case Outcome::kFiltered:
        ++summary.filtered;
        break;
      case Outcome::kDropped:
        ++summary.dropped;
        break;
      case Outcome::kFailed:
        ++summary.failed;
        break;
    }
    for (Sink* sink : sinks) sink->OnRecord(outcome);
  }

  void Emit(Payload& payload) {
    payload.number = ++summary.payloads;
    char name[32];
    std::snprintf(name, sizeof name, "payload-%06zu", payload.number);
    payload.name = name;
    summary.payload_bytes += payload.lambda_event_json.size();
    for (Sink* sink : sinks) {
      Status s = sink->OnPayload(payload);
      if (!s.ok()) {
        ++summary.sink_errors;
        if (first_error.ok()) first_error = s;
      }
    }
  }

  void MaybeSendControl(int64_t timestamp) {
    if (!options.control_message || control_sent) return;
    control_sent = true;
    Payload payload;
    payload.batch = ControlMessageBatch(timestamp);
    payload.batch_json = LogBatchJson(payload.batch);
    payload.lambda_event_json = LambdaEventJson(payload.batch_json, options.gzip_level);
    Emit(payload);
  }

  // Turns events [begin, end) of `batch` into payloads, halving while the
  // Lambda event would be over the invocation limit. The events are moved
  // into the payload (and back if it has to be split).
  void EmitRange(OpenBatch& batch, size_t begin, size_t end) {
    Payload payload;
    payload.batch.message_type = "DATA_MESSAGE";
    payload.batch.owner = batch.owner;
    payload.batch.log_group = batch.log_group;
    payload.batch.log_stream = batch.log_stream;
    payload.batch.subscription_filters = {options.filter_name};
    if (options.account_level_policy) payload.batch.policy_level = "ACCOUNT_LEVEL_POLICY";
    payload.batch.log_events.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      payload.batch.log_events.push_back(std::move(batch.events[i].event));
      payload.record_sequences.push_back(batch.events[i].sequence);
    }
    payload.batch_json = LogBatchJson(payload.batch);
    payload.lambda_event_json = LambdaEventJson(payload.batch_json, options.gzip_level);
    if (payload.lambda_event_json.size() > options.max_payload_bytes) {
      for (size_t i = begin; i < end; ++i)
        batch.events[i].event = std::move(payload.batch.log_events[i - begin]);
      if (end - begin > 1) {
        const size_t mid = begin + (end - begin) / 2;
        EmitRange(batch, begin, mid);
        EmitRange(batch, mid, end);
        return;
      }
      const PendingEvent& p = batch.events[begin];
      RecordOutcome outcome;
      outcome.sequence = p.sequence;
      outcome.source = p.source;
      outcome.outcome = Outcome::kDropped;
      outcome.reason =
          "alone its Lambda event is " + std::to_string(payload.lambda_event_json.size()) +
          " bytes, over the invocation limit of " + std::to_string(options.max_payload_bytes);
      outcome.log_stream = batch.log_stream;
      outcome.timestamp = p.event.timestamp;
      outcome.event_bytes = p.event.message.size();
      Report(outcome);
      return;
    }
    Emit(payload);
    for (size_t i = begin; i < end; ++i) {
      const PendingEvent& p = batch.events[i];
      const LogEvent& e = payload.batch.log_events[i - begin];
      RecordOutcome outcome;
      outcome.sequence = p.sequence;
      outcome.source = p.source;
      outcome.outcome = Outcome::kDelivered;
      outcome.payload_name = payload.name;
      outcome.log_stream = batch.log_stream;
      outcome.event_id = e.id;
      outcome.timestamp = e.timestamp;
      outcome.event_bytes = e.message.size();
      Report(outcome);
    }
  }

  void Close(OpenBatch& batch) {
    if (batch.events.empty()) return;
    EmitRange(batch, 0, batch.events.size());
    batch.events.clear();
    batch.bytes = 0;
  }
};

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulator::~Simulator() = default;

StatusOr<std::unique_ptr<Simulator>> Simulator::Create(SimulateOptions options,
                                                       std::shared_ptr<const Filter> filter,
                                                       std::vector<Sink*> sinks) {
  if (options.max_batch_events == 0)
    return InvalidArgumentError("--max-batch-events must be at least 1");
  if (options.max_batch_bytes < kPutLogEventsOverheadBytes + 1) {
    return InvalidArgumentError("--max-batch-bytes must be at least 27");
  }
  if (options.max_payload_bytes < 64)
    return InvalidArgumentError("--max-payload-bytes must be at least 64");
  if (options.window_ms < 0) return InvalidArgumentError("--window must not be negative");
  if (options.gzip_level < 0 || options.gzip_level > 9) {
    return InvalidArgumentError("--gzip-level must be 0..9");
  }
  if (options.filter_name.empty()) return InvalidArgumentError("--filter-name must not be empty");
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->filter = std::move(filter);
  impl->sinks = std::move(sinks);
  return std::unique_ptr<Simulator>(new Simulator(std::move(impl)));
}

void Simulator::AddRecord(std::string_view record_json, const SourcePosition& source) {
  Impl& s = *impl_;
  const SimulateOptions& o = s.options;
  ++s.summary.records;
  RecordOutcome outcome;
  outcome.sequence = s.next_sequence++;
  outcome.source = source;

  auto event = ToTrailEvent(record_json, o.default_account, o.default_region);
  if (!event.ok()) {
    outcome.outcome = Outcome::kFailed;
    outcome.reason = event.status().message();
    s.Report(outcome);
    return;
  }
  TrailEvent& e = *event;
  outcome.log_stream = LogStreamName(e.account, e.region);
  outcome.timestamp = e.timestamp;
  outcome.event_bytes = e.message.size();
  s.MaybeSendControl(e.timestamp);

  // CloudTrail does not send what CloudWatch Logs would refuse (CloudTrail User Guide, "Sending
  // events to CloudWatch Logs").
  if (e.message.size() + kPutLogEventsOverheadBytes > o.max_record_bytes) {
    outcome.outcome = Outcome::kDropped;
    outcome.reason = "record is " + std::to_string(e.message.size()) +
                     " bytes (+26), over CloudTrail's limit of " +
                     std::to_string(o.max_record_bytes) + " bytes for CloudWatch Logs";
    s.Report(outcome);
    return;
  }
  // The record still becomes a log event (and takes an id) whether or not
  // the subscription filter passes it on.
  auto [it, inserted] = s.streams.try_emplace(outcome.log_stream, o.seed, outcome.log_stream);
  StreamState& stream = it->second;
  std::string id = stream.ids.Next(e.timestamp);
  if (s.filter && !s.filter->Matches(e.message)) {
    outcome.outcome = Outcome::kFiltered;
    outcome.reason = "does not match the filter pattern";
    s.Report(outcome);
    return;
  }

  OpenBatch& batch = stream.batch;
  const size_t cost = e.message.size() + kPutLogEventsOverheadBytes;
  if (!batch.events.empty() &&
      (batch.events.size() >= o.max_batch_events || batch.bytes + cost > o.max_batch_bytes ||
       (o.window_ms > 0 && e.timestamp - batch.first_timestamp >= o.window_ms))) {
    s.Close(batch);
  }
  if (batch.events.empty()) {
    batch.log_stream = outcome.log_stream;
    batch.owner = o.owner.empty() ? e.account : o.owner;
    batch.log_group = o.log_group.empty() ? DefaultLogGroupName(batch.owner, o.seed) : o.log_group;
    batch.first_timestamp = e.timestamp;
    batch.first_sequence = outcome.sequence;
  }
  batch.bytes += cost;
  batch.events.push_back(PendingEvent{LogEvent{std::move(id), e.timestamp, std::move(e.message)},
                                      outcome.sequence, source});
}

void Simulator::AddFailure(const SourcePosition& source, std::string reason) {
  Impl& s = *impl_;
  ++s.summary.records;
  RecordOutcome outcome;
  outcome.sequence = s.next_sequence++;
  outcome.source = source;
  outcome.outcome = Outcome::kFailed;
  outcome.reason = std::move(reason);
  s.Report(outcome);
}

Status Simulator::Finish() {
  Impl& s = *impl_;
  s.MaybeSendControl(0);
  // Close what is still open in the order the batches were started.
  std::vector<OpenBatch*> open;
  for (auto& [name, stream] : s.streams) {
    if (!stream.batch.events.empty()) open.push_back(&stream.batch);
  }
  std::sort(open.begin(), open.end(), [](const OpenBatch* a, const OpenBatch* b) {
    return a->first_sequence < b->first_sequence;
  });
  for (OpenBatch* batch : open) s.Close(*batch);
  for (Sink* sink : s.sinks) {
    Status st = sink->OnFinish();
    if (!st.ok() && s.first_error.ok()) s.first_error = st;
  }
  return s.first_error;
}

const SimulateSummary& Simulator::summary() const { return impl_->summary; }

}  // namespace iam_audit::simulator
