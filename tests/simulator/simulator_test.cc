// The simulate pipeline: filter, batching, limits, control message, and that
// every record ends in exactly one reported outcome.
#include "iam_audit/simulator/simulator.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "iam_audit/filter.h"
#include "iam_audit/payload.h"

namespace iam_audit::simulator {
namespace {

struct Collect : Sink {
  std::vector<Payload> payloads;
  std::vector<RecordOutcome> outcomes;
  Status OnPayload(const Payload& p) override {
    payloads.push_back(p);
    return Status::Ok();
  }
  void OnRecord(const RecordOutcome& r) override { outcomes.push_back(r); }
};

std::string Record(int second, const std::string& account = "111122223333",
                   const std::string& region = "us-east-1", const std::string& name = "CreateUser",
                   const std::string& type = "IAMUser") {
  char time[32];
  std::snprintf(time, sizeof time, "2024-01-01T%02d:%02d:%02dZ", second / 3600, second / 60 % 60,
                second % 60);
  return std::string(R"({"eventVersion":"1.08","userIdentity":{"type":")") + type +
         R"("},"eventTime":")" + time + R"(","eventName":")" + name + R"(","awsRegion":")" +
         region + R"(","recipientAccountId":")" + account + R"(","seq":)" + std::to_string(second) +
         "}";
}

struct Run {
  Collect sink;
  std::unique_ptr<Simulator> sim;
  explicit Run(SimulateOptions options, std::shared_ptr<const Filter> filter = nullptr) {
    auto s = Simulator::Create(options, std::move(filter), {&sink});
    REQUIRE(s.ok());
    sim = std::move(*s);
  }
  void Add(const std::string& json, uint64_t index = 0) {
    sim->AddRecord(json, SourcePosition{"t.jsonl", index + 1, 1, index});
  }
  void Finish() { REQUIRE(sim->Finish().ok()); }
  // The messages of every payload, decoded by the engine.
  std::vector<LogBatch> Decoded() {
    std::vector<LogBatch> out;
    for (const auto& p : sink.payloads) {
      auto b = DecodeSubscriptionEvent(p.lambda_event_json);
      REQUIRE(b.ok());
      out.push_back(*b);
    }
    return out;
  }
};

TEST_CASE("batches close on event count", "[simulator]") {
  SimulateOptions o;
  o.max_batch_events = 3;
  Run run(o);
  for (int i = 0; i < 7; ++i) run.Add(Record(i), i);
  run.Finish();
  const auto batches = run.Decoded();
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].log_events.size() == 3);
  CHECK(batches[1].log_events.size() == 3);
  CHECK(batches[2].log_events.size() == 1);
  CHECK(run.sim->summary().delivered == 7);
  CHECK(run.sink.payloads[0].name == "payload-000001");
  CHECK(run.sink.payloads[0].record_sequences == std::vector<uint64_t>{0, 1, 2});
}

TEST_CASE("batches close on the time window", "[simulator]") {
  SimulateOptions o;
  o.window_ms = 60000;
  Run run(o);
  for (int s : {0, 30, 59, 60, 61, 200}) run.Add(Record(s));
  run.Finish();
  const auto batches = run.Decoded();
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].log_events.size() == 3);  // 0, 30, 59
  CHECK(batches[1].log_events.size() == 2);  // 60, 61
  CHECK(batches[2].log_events.size() == 1);  // 200
}

TEST_CASE("batches close on PutLogEvents bytes (message + 26)", "[simulator]") {
  const size_t one = Record(0).size() + 26;
  SimulateOptions o;
  o.max_batch_bytes = 2 * one;  // exactly two fit
  o.window_ms = 0;
  Run run(o);
  for (int i = 0; i < 5; ++i) run.Add(Record(i));  // same length records (seconds < 10)
  run.Finish();
  const auto batches = run.Decoded();
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].log_events.size() == 2);
  CHECK(batches[2].log_events.size() == 1);
}

TEST_CASE("a payload never mixes streams, ids increase per stream", "[simulator]") {
  SimulateOptions o;
  Run run(o);
  run.Add(Record(1, "111122223333", "us-east-1"));
  run.Add(Record(2, "111122223333", "eu-west-1"));
  run.Add(Record(3, "444455556666", "us-east-1"));
  run.Add(Record(4, "111122223333", "us-east-1"));
  run.Finish();
  const auto batches = run.Decoded();
  REQUIRE(batches.size() == 3);
  // Closed at the end in order of their first record.
  CHECK(batches[0].log_stream == "111122223333_CloudTrail_us-east-1");
  CHECK(batches[0].log_events.size() == 2);
  CHECK(batches[1].log_stream == "111122223333_CloudTrail_eu-west-1");
  CHECK(batches[2].log_stream == "444455556666_CloudTrail_us-east-1");
  CHECK(batches[2].owner == "444455556666");
  CHECK(batches[0].log_events[0].id < batches[0].log_events[1].id);
  CHECK(batches[0].subscription_filters == std::vector<std::string>{"iam-audit"});
  CHECK(batches[0].log_group.rfind("aws-cloudtrail-logs-111122223333-", 0) == 0);
}

TEST_CASE("options name the log group, owner, filter and policy level", "[simulator]") {
  SimulateOptions o;
  o.log_group = "CloudTrail/logs";
  o.owner = "999988887777";
  o.filter_name = "to-slack";
  o.account_level_policy = true;
  Run run(o);
  run.Add(Record(1));
  run.Finish();
  const auto b = run.Decoded().at(0);
  CHECK(b.log_group == "CloudTrail/logs");
  CHECK(b.owner == "999988887777");
  CHECK(b.subscription_filters == std::vector<std::string>{"to-slack"});
  CHECK(b.policy_level == "ACCOUNT_LEVEL_POLICY");
}

TEST_CASE("the filter decides delivery, every record has one outcome", "[simulator]") {
  auto filter =
      Filter::Compile(R"({ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") })");
  REQUIRE(filter.ok());
  SimulateOptions o;
  o.control_message = true;
  Run run(o, std::make_shared<const Filter>(*filter));
  run.Add(Record(1, "111122223333", "us-east-1", "CreateUser"), 0);
  run.Add(Record(2, "111122223333", "us-east-1", "GetUser"), 1);
  run.Add(Record(3, "111122223333", "us-east-1", "CreateUser", "Root"), 2);
  run.Add("{not json", 3);
  run.Add(Record(5, "111122223333", "us-east-1", "DeleteUser"), 4);
  run.sim->AddFailure(SourcePosition{"t.jsonl", 9, 3, 5}, "broken");
  run.Finish();
  const auto& s = run.sim->summary();
  CHECK(s.records == 6);
  CHECK(s.delivered == 2);
  CHECK(s.filtered == 2);
  CHECK(s.failed == 2);
  CHECK(s.payloads == 2);  // control + one data
  std::map<uint64_t, Outcome> by_seq;
  for (const auto& r : run.sink.outcomes) {
    CHECK(by_seq.count(r.sequence) == 0);
    by_seq[r.sequence] = r.outcome;
  }
  REQUIRE(by_seq.size() == 6);
  CHECK(by_seq[0] == Outcome::kDelivered);
  CHECK(by_seq[1] == Outcome::kFiltered);
  CHECK(by_seq[2] == Outcome::kFiltered);
  CHECK(by_seq[3] == Outcome::kFailed);
  CHECK(by_seq[4] == Outcome::kDelivered);
  CHECK(by_seq[5] == Outcome::kFailed);
  const auto batches = run.Decoded();
  CHECK(batches[0].IsControl());
  CHECK(batches[0].log_events.at(0).timestamp == 1704067201000);
  REQUIRE(batches[1].log_events.size() == 2);
  CHECK(batches[1].log_events[0].message == Record(1));
  CHECK(batches[1].log_events[1].message == Record(5, "111122223333", "us-east-1", "DeleteUser"));
  for (const auto& r : run.sink.outcomes) {
    if (r.outcome == Outcome::kFiltered) CHECK(r.reason == "does not match the filter pattern");
    if (r.sequence == 3) CHECK_THAT(r.reason, Catch::Contains("invalid JSON"));
  }
}

TEST_CASE("records over CloudTrail's limit are dropped and reported", "[simulator]") {
  SimulateOptions o;
  o.max_record_bytes = 300;
  Run run(o);
  run.Add(Record(1));
  std::string big = Record(2);
  big.insert(big.size() - 1, ",\"pad\":\"" + std::string(400, 'x') + "\"");
  run.Add(big);
  run.Finish();
  CHECK(run.sim->summary().delivered == 1);
  CHECK(run.sim->summary().dropped == 1);
  REQUIRE(run.sink.outcomes.size() == 2);
  const auto& dropped = run.sink.outcomes[0].outcome == Outcome::kDropped ? run.sink.outcomes[0]
                                                                          : run.sink.outcomes[1];
  CHECK(dropped.outcome == Outcome::kDropped);
  CHECK_THAT(dropped.reason, Catch::Contains("over CloudTrail's limit of 300 bytes"));
}

TEST_CASE("batches over the invocation limit are split, a lone giant is dropped", "[simulator]") {
  SimulateOptions o;
  o.max_payload_bytes = 1200;
  o.window_ms = 0;
  o.gzip_level = 0;  // stored: sizes grow with content, predictably
  Run run(o);
  for (int i = 0; i < 12; ++i) run.Add(Record(i));
  std::string giant = Record(20);
  giant.insert(giant.size() - 1, ",\"pad\":\"" + std::string(2000, 'y') + "\"");
  run.Add(giant);
  run.Finish();
  size_t events = 0;
  for (const auto& p : run.sink.payloads) {
    CHECK(p.lambda_event_json.size() <= 1200);
    events += p.batch.log_events.size();
  }
  CHECK(run.sink.payloads.size() > 1);
  CHECK(events == 12);
  CHECK(run.sim->summary().dropped == 1);
  // Order is kept across the split.
  std::vector<uint64_t> seqs;
  for (const auto& p : run.sink.payloads)
    seqs.insert(seqs.end(), p.record_sequences.begin(), p.record_sequences.end());
  CHECK(std::is_sorted(seqs.begin(), seqs.end()));
}

TEST_CASE("bad options are refused", "[simulator]") {
  SimulateOptions o;
  o.max_batch_events = 0;
  CHECK_FALSE(Simulator::Create(o, nullptr, {}).ok());
  o = SimulateOptions{};
  o.gzip_level = 10;
  CHECK_FALSE(Simulator::Create(o, nullptr, {}).ok());
  o = SimulateOptions{};
  o.filter_name.clear();
  CHECK_FALSE(Simulator::Create(o, nullptr, {}).ok());
}

}  // namespace
}  // namespace iam_audit::simulator
