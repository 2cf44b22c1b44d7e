// CPU time of the Lambda handler per 100-event payload (decode → ignore rules
// → render → deliver to a no-op HTTP client), on payloads made from
// tests/data/real-cloudtrail by bench/lambda/make_payloads.py. bench/lambda/run.sh
// runs it next to the Python baseline and prints the ratio.
//
// Usage: iam_audit_lambda_bench PAYLOADS.jsonl [benchmark flags]
#include <benchmark/benchmark.h>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "iam_audit/handler.h"

namespace {

std::vector<std::string> g_events;

class NoopClient : public iam_audit::HttpClient {
 public:
  iam_audit::StatusOr<iam_audit::HttpResponse> Post(const iam_audit::HttpUrl&,
                                                    std::string_view body, std::string_view,
                                                    int64_t) override {
    benchmark::DoNotOptimize(body.data());
    iam_audit::HttpResponse r;
    r.status = 200;
    r.body = "ok";
    return r;
  }
};

void BM_HandlerPerPayload(benchmark::State& state) {
  iam_audit::EnvMap env{
      {"SLACK_WEBHOOK_URL", "https://hooks.example.test/services/T/B/x"},
      {"IAM_AUDIT_TIME_ZONE", "+09:00"},
      {"IAM_AUDIT_REMEMBERED_IDS", "0"},     // no duplicate skipping across rounds
      {"IAM_AUDIT_POST_INTERVAL_MS", "0"}};  // a no-op client: no pacing (real sleeps)
  for (const auto& rule : iam_audit::OriginalIgnoreRules({})) env[rule.source] = rule.pattern;
  auto config = iam_audit::LoadHandlerConfig(env);
  if (!config.ok()) {
    state.SkipWithError(config.status().message().c_str());
    return;
  }
  NoopClient client;
  auto handler = iam_audit::Handler::Create(*config, &client);
  if (!handler.ok()) {
    state.SkipWithError(handler.status().message().c_str());
    return;
  }
  size_t i = 0, bytes = 0, events = 0;
  for (auto _ : state) {
    const std::string& e = g_events[i++ % g_events.size()];
    auto result = (*handler)->Handle(e, INT64_MAX / 2);
    benchmark::DoNotOptimize(result.summary.delivered);
    bytes += e.size();
    events += result.summary.received;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(events));
}
BENCHMARK(BM_HandlerPerPayload)->MeasureProcessCPUTime()->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " PAYLOADS.jsonl [benchmark flags]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) g_events.push_back(line);
  }
  if (g_events.empty()) {
    std::cerr << "no events in " << argv[1] << "\n";
    return 2;
  }
  argv[1] = argv[0];
  --argc;
  ++argv;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
