// Filter pattern benchmarks: Compile and Match timed separately, with bytes
// and items per second, on the real CloudTrail records in
// tests/data/real-cloudtrail.
//
// The JSON technique was chosen with the BM_JsonTechnique_* cases below:
// the same seed predicate evaluated with simdjson On-Demand (what the engine
// uses), nlohmann::json DOM parse + lookup, and nlohmann's SAX interface.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "iam_audit/filter.h"

namespace {

constexpr char kSeed[] =
    R"({ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") })";

const std::vector<std::string>& Records() {
  static const std::vector<std::string> records = [] {
    std::vector<std::string> out;
    const std::filesystem::path dir =
        std::filesystem::path(IAM_AUDIT_TEST_DATA_DIR) / "real-cloudtrail";
    for (const char* name :
         {"aws-docs-examples.jsonl", "invictus-aws_dataset.jsonl",
          "otrf-ec2_proxy_s3_exfiltration.logstash.jsonl", "panther-analysis-tests.jsonl",
          "stratus-red-team-detonation-logs.jsonl"}) {
      std::ifstream in(dir / name);
      if (!in) {
        std::fprintf(stderr, "filter_bench: cannot read %s\n", (dir / name).c_str());
        std::exit(1);
      }
      std::string line;
      while (std::getline(in, line))
        if (!line.empty()) out.push_back(line);
    }
    return out;
  }();
  return records;
}

size_t TotalBytes() {
  size_t n = 0;
  for (const auto& r : Records()) n += r.size();
  return n;
}

void BM_Compile(benchmark::State& state, const char* pattern) {
  for (auto _ : state) {
    auto f = iam_audit::Filter::Compile(pattern);
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(std::strlen(pattern)));
}
BENCHMARK_CAPTURE(BM_Compile, seed, kSeed);
BENCHMARK_CAPTURE(BM_Compile, terms, "?ERROR ?WARN -DEBUG \"connection refused\"");
BENCHMARK_CAPTURE(BM_Compile, delimited,
                  "[ip, user, ..., request=*.html*, status_code=4*, bytes>1000]");
BENCHMARK_CAPTURE(BM_Compile, regex, "%^REPORT\\s.+\\sDuration: [0-9]{1,5}\\.[0-9]+ ms%");

void BM_Match(benchmark::State& state, const char* pattern) {
  auto f = iam_audit::Filter::Compile(pattern);
  if (!f.ok()) {
    state.SkipWithError(f.status().message().c_str());
    return;
  }
  const auto& records = Records();
  int64_t matches = 0;
  for (auto _ : state) {
    for (const auto& r : records) matches += f->Matches(r);
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(TotalBytes()));
  state.counters["matches/pass"] = static_cast<double>(matches) / state.iterations();
}
BENCHMARK_CAPTURE(BM_Match, seed, kSeed);
BENCHMARK_CAPTURE(BM_Match, json_wildcard, R"({ $.resources[*].type = "AWS::S3::Bucket" })");
BENCHMARK_CAPTURE(BM_Match, json_missing_key, R"({ $.noSuchKey NOT EXISTS })");
BENCHMARK_CAPTURE(BM_Match, terms, "IAMUser -GetObject");
BENCHMARK_CAPTURE(BM_Match, regex, "%arn:aws:iam::[0-9]{12}:user/%");

// ---- the JSON technique, measured (same predicate as kSeed)

bool SeedPredicate(std::string_view type, std::string_view name) {
  return type == "IAMUser" && name.rfind("Get", 0) != 0 && name.rfind("Describe", 0) != 0;
}

void BM_JsonTechnique_SimdjsonOnDemand(benchmark::State& state) {
  const auto& records = Records();
  simdjson::ondemand::parser parser;
  std::string padded;
  int64_t matches = 0;
  for (auto _ : state) {
    for (const auto& r : records) {
      if (padded.size() < r.size() + simdjson::SIMDJSON_PADDING)
        padded.resize(r.size() + simdjson::SIMDJSON_PADDING);
      std::memcpy(padded.data(), r.data(), r.size());
      simdjson::ondemand::document doc;
      if (parser.iterate(padded.data(), r.size(), padded.size()).get(doc)) continue;
      std::string_view type, name;
      if (doc["userIdentity"]["type"].get_string().get(type)) continue;
      if (doc["eventName"].get_string().get(name)) continue;
      matches += SeedPredicate(type, name);
    }
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(TotalBytes()));
}
BENCHMARK(BM_JsonTechnique_SimdjsonOnDemand);

void BM_JsonTechnique_NlohmannDom(benchmark::State& state) {
  const auto& records = Records();
  int64_t matches = 0;
  for (auto _ : state) {
    for (const auto& r : records) {
      auto j = nlohmann::json::parse(r, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      auto ui = j.find("userIdentity");
      auto en = j.find("eventName");
      if (ui == j.end() || en == j.end() || !ui->is_object() || !en->is_string()) continue;
      auto t = ui->find("type");
      if (t == ui->end() || !t->is_string()) continue;
      matches += SeedPredicate(t->get_ref<const std::string&>(), en->get_ref<const std::string&>());
    }
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(TotalBytes()));
}
BENCHMARK(BM_JsonTechnique_NlohmannDom);

// SAX: tracks the key path, keeps only the two strings of interest.
struct SeedSax : nlohmann::json_sax<nlohmann::json> {
  int depth = 0;
  bool in_identity = false;
  std::string current_key, type, name;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& s) override {
    if (depth == 1 && current_key == "eventName") name = s;
    if (depth == 2 && in_identity && current_key == "type") type = s;
    return true;
  }
  bool start_object(std::size_t) override {
    ++depth;
    if (depth == 2) in_identity = current_key == "userIdentity";
    return true;
  }
  bool key(string_t& k) override {
    current_key = k;
    return true;
  }
  bool end_object() override {
    if (depth == 2) in_identity = false;
    --depth;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth;
    return true;
  }
  bool end_array() override {
    --depth;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }
};

void BM_JsonTechnique_NlohmannSax(benchmark::State& state) {
  const auto& records = Records();
  int64_t matches = 0;
  for (auto _ : state) {
    for (const auto& r : records) {
      SeedSax sax;
      if (!nlohmann::json::sax_parse(r, &sax)) continue;
      matches += SeedPredicate(sax.type, sax.name);
    }
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(TotalBytes()));
}
BENCHMARK(BM_JsonTechnique_NlohmannSax);

}  // namespace
