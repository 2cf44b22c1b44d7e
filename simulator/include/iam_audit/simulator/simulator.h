// The simulate pipeline: CloudTrail records in input order → log events in
// their streams → subscription filter → batches → Lambda events.
//
// Every record ends in exactly one outcome, reported to the sink: delivered
// (in which payload, with which log event id), filtered (did not match the
// pattern), dropped (too large for CloudWatch Logs, as CloudTrail drops it,
// or alone too large for one invocation), or failed (unreadable). Nothing is
// silently lost.
//
// Batching: one open batch per log stream. A batch is closed when adding the
// next event would exceed the event count or byte bound (bytes counted as
// PutLogEvents counts them: message + 26), or when the next event's timestamp
// is `window_ms` or more after the batch's first event. A closed batch whose
// Lambda event would exceed `max_payload_bytes` is split in halves. Batches
// still open at Finish() are closed in order of their first record. Payloads
// are numbered in the order they are emitted. Memory is bounded by the open
// batches, not by the input.
//
// Determinism: the output depends only on the records, their order and the
// options (seed included). Not thread-safe: one Simulator per run.
#ifndef IAM_AUDIT_SIMULATOR_SIMULATOR_H_
#define IAM_AUDIT_SIMULATOR_SIMULATOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/filter.h"
#include "iam_audit/payload.h"
#include "iam_audit/simulator/cloudwatch.h"
#include "iam_audit/sources/record_reader.h"
#include "iam_audit/status.h"

namespace iam_audit::simulator {

struct SimulateOptions {
  std::string log_group;  // empty: DefaultLogGroupName(owner, seed)
  std::string owner;      // empty: each stream's account
  std::string filter_name = "iam-audit";
  std::string default_account = "123456789012";
  std::string default_region = "us-east-1";
  uint64_t seed = 0;
  size_t max_record_bytes = kCloudTrailMaxEventBytes;
  size_t max_batch_events = kMaxBatchEvents;
  size_t max_batch_bytes = kMaxBatchBytes;
  size_t max_payload_bytes = kMaxLambdaAsyncPayloadBytes;
  int64_t window_ms = 60000;  // 0: no time window
  int gzip_level = 6;
  bool control_message = false;       // emit a CONTROL_MESSAGE first
  bool account_level_policy = false;  // policyLevel: ACCOUNT_LEVEL_POLICY
};

// Where a record came from: "file:line:column", plus its 0-based index in
// the file (iam_audit/sources/record_reader.h).
using SourcePosition = sources::SourcePosition;

enum class Outcome { kDelivered, kFiltered, kDropped, kFailed };
std::string_view OutcomeName(Outcome outcome);  // "delivered", "filtered", ...

struct RecordOutcome {
  uint64_t sequence = 0;  // 0-based number of the record in the whole run
  SourcePosition source;
  Outcome outcome = Outcome::kFailed;
  std::string reason;        // empty when delivered
  std::string payload_name;  // delivered: e.g. "payload-000003"
  std::string log_stream;    // when known
  std::string event_id;      // delivered
  int64_t timestamp = 0;     // when known
  size_t event_bytes = 0;    // message bytes, when known
};

struct Payload {
  size_t number = 0;  // 1-based, in emission order
  std::string name;   // "payload-000001"
  LogBatch batch;
  std::string batch_json;                  // the decoded document
  std::string lambda_event_json;           // {"awslogs":{"data":…}}
  std::vector<uint64_t> record_sequences;  // one per log event, in order
};

// Receives the results as they are produced.
class Sink {
 public:
  virtual ~Sink() = default;
  // A payload, in emission order. A non-OK status is counted as a delivery
  // failure (the run goes on).
  virtual Status OnPayload(const Payload& payload) = 0;
  // The outcome of one record. Delivered records are reported right after
  // their payload's OnPayload; others when they are decided.
  virtual void OnRecord(const RecordOutcome& outcome) = 0;
  // Called once by Simulator::Finish().
  virtual Status OnFinish() { return Status::Ok(); }
};

struct SimulateSummary {
  uint64_t records = 0;  // records seen (including failed ones)
  uint64_t delivered = 0;
  uint64_t filtered = 0;
  uint64_t dropped = 0;
  uint64_t failed = 0;
  uint64_t payloads = 0;       // including a control message
  uint64_t payload_bytes = 0;  // sum of Lambda event sizes
  uint64_t sink_errors = 0;
};

class Simulator {
 public:
  // `filter` may be null (every event matches). `sinks` must outlive the
  // Simulator. Errors: invalid options (kInvalidArgument, naming the option).
  static StatusOr<std::unique_ptr<Simulator>> Create(SimulateOptions options,
                                                     std::shared_ptr<const Filter> filter,
                                                     std::vector<Sink*> sinks);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Feeds one record (JSON text, any whitespace), in input order.
  void AddRecord(std::string_view record_json, const SourcePosition& source);
  // Counts an input that could not be read as a record.
  void AddFailure(const SourcePosition& source, std::string reason);
  // Closes every open batch and tells the sinks. Returns the first sink error.
  Status Finish();

  const SimulateSummary& summary() const;

 private:
  struct Impl;
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iam_audit::simulator

#endif  // IAM_AUDIT_SIMULATOR_SIMULATOR_H_
