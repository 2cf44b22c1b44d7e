// A fixed amount of handler work for profilers: every Lambda event of
// PAYLOADS.jsonl (bench/lambda/make_payloads.py) goes through the same
// Handler as handler_bench.cc (original ignore rules, +09:00, a no-op HTTP
// client) ROUNDS times. Under `valgrind --tool=callgrind` its instruction
// count is repeatable on a busy machine, where CPU times are not; perf and
// heaptrack read it too. Prints the totals, the FNV-1a of every body posted
// and the CPU time per payload. With IAM_AUDIT_REPLAY_BODIES=FILE it also
// writes each posted body to FILE, one per line (a JSON body has no raw
// newline), so that when the hash moves, a diff of two runs shows why.
//
// Usage: iam_audit_lambda_replay PAYLOADS.jsonl [ROUNDS=1]
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "iam_audit/handler.h"

namespace {

class NoopClient : public iam_audit::HttpClient {
 public:
  // `bodies`: where each body is written, one per line (nullptr: nowhere).
  explicit NoopClient(std::FILE* bodies) : bodies_(bodies) {}
  iam_audit::StatusOr<iam_audit::HttpResponse> Post(const iam_audit::HttpUrl&,
                                                    std::string_view body, std::string_view,
                                                    int64_t) override {
    if (bodies_ != nullptr) {
      std::fwrite(body.data(), 1, body.size(), bodies_);
      std::fputc('\n', bodies_);
    }
    bytes_ += body.size();
    for (const char c : body) hash_ = (hash_ ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    iam_audit::HttpResponse r;
    r.status = 200;
    r.body = "ok";
    return r;
  }
  size_t bytes() const { return bytes_; }
  // FNV-1a of every body posted, in order: equal before and after a change
  // that must not change what is sent.
  uint64_t hash() const { return hash_; }

 private:
  std::FILE* bodies_;
  size_t bytes_ = 0;
  uint64_t hash_ = 14695981039346656037ULL;
};

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s PAYLOADS.jsonl [ROUNDS]\n", argv[0]);
    return 2;
  }
  int rounds = 1;
  if (argc == 3) {
    const std::string_view arg(argv[2]);
    auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), rounds);
    if (ec != std::errc() || end != arg.data() + arg.size() || rounds < 1) {
      std::fprintf(stderr, "ROUNDS: expected a positive integer, got '%s'\n", argv[2]);
      return 2;
    }
  }
  std::vector<std::string> events;
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "%s: cannot open\n", argv[1]);
    return 2;
  }
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) events.push_back(line);
  }
  if (events.empty()) {
    std::fprintf(stderr, "%s: no events\n", argv[1]);
    return 2;
  }

  iam_audit::EnvMap env{
      {"SLACK_WEBHOOK_URL", "https://hooks.example.test/services/T/B/x"},
      {"IAM_AUDIT_TIME_ZONE", "+09:00"},
      {"IAM_AUDIT_REMEMBERED_IDS", "0"},     // no duplicate skipping across rounds
      {"IAM_AUDIT_POST_INTERVAL_MS", "0"}};  // a no-op client: no pacing (real sleeps)
  for (const auto& rule : iam_audit::OriginalIgnoreRules({})) env[rule.source] = rule.pattern;
  auto config = iam_audit::LoadHandlerConfig(env);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return 1;
  }
  std::FILE* bodies = nullptr;
  if (const char* path = std::getenv("IAM_AUDIT_REPLAY_BODIES"); path != nullptr && *path != 0) {
    bodies = std::fopen(path, "w");
    if (bodies == nullptr) {
      std::fprintf(stderr, "IAM_AUDIT_REPLAY_BODIES=%s: cannot write\n", path);
      return 2;
    }
  }
  NoopClient client(bodies);
  auto handler = iam_audit::Handler::Create(*config, &client);
  if (!handler.ok()) {
    std::fprintf(stderr, "%s\n", handler.status().message().c_str());
    return 1;
  }
  size_t received = 0, delivered = 0, ignored = 0, failed = 0;
  const double start = CpuSeconds();
  for (int round = 0; round < rounds; ++round) {
    for (const std::string& e : events) {
      auto result = (*handler)->Handle(e, INT64_MAX / 2);
      received += result.summary.received;
      delivered += result.summary.delivered;
      ignored += result.summary.IgnoredTotal();
      failed += result.summary.failed;
    }
  }
  const double cpu = CpuSeconds() - start;
  const size_t payloads = events.size() * static_cast<size_t>(rounds);
  std::printf(
      "payloads=%zu received=%zu delivered=%zu ignored=%zu failed=%zu body_bytes=%zu "
      "body_fnv1a=%016llx cpu_us_per_payload=%.1f\n",
      payloads, received, delivered, ignored, failed, client.bytes(),
      static_cast<unsigned long long>(client.hash()), cpu * 1e6 / static_cast<double>(payloads));
  if (bodies != nullptr && std::fclose(bodies) != 0) {
    std::fprintf(stderr, "IAM_AUDIT_REPLAY_BODIES: write error\n");
    return 1;
  }
  return failed == 0 ? 0 : 1;
}
