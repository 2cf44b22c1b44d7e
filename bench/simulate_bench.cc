// Payload generation throughput: how fast `iam-audit simulate` turns
// CloudTrail records into subscription payloads, compared in the same run
// with a bare zlib deflate (gzip wrapper, same level) of the same decoded
// batch bytes. The question: is building the payloads (JSON, ids, batching,
// base64, envelope) cheap next to the compression it cannot avoid?
// Target: >= 0.8x the bare deflate throughput.
//
// simulate compresses with libdeflate (same level, a standard gzip member,
// ~1% smaller than zlib's here), which is about twice as fast as zlib; the
// baseline stays zlib, what a user would otherwise call. For the cost of
// payload building alone, the bench also times a bare libdeflate pass and
// prints the pipeline's ratio to it, and prints both compressed sizes.
//
//   build/bin/iam_audit_simulate_bench [--benchmark_min_time=2]
//
// Prints Google Benchmark's table, then the ratios.
#include <benchmark/benchmark.h>
#include <libdeflate.h>
#include <zlib.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "iam_audit/simulator/cloudwatch.h"
#include "iam_audit/simulator/generator.h"
#include "iam_audit/simulator/simulator.h"

namespace {

using namespace iam_audit::simulator;

constexpr int kLevel = 6;
constexpr size_t kRecords = 20000;
constexpr size_t kEventsPerPayload = 500;

struct Keep : Sink {
  std::vector<Payload> payloads;
  iam_audit::Status OnPayload(const Payload& p) override {
    payloads.push_back(p);
    return iam_audit::Status::Ok();
  }
  void OnRecord(const RecordOutcome&) override {}
};
struct Discard : Sink {
  size_t bytes = 0;
  iam_audit::Status OnPayload(const Payload& p) override {
    bytes += p.lambda_event_json.size();
    return iam_audit::Status::Ok();
  }
  void OnRecord(const RecordOutcome&) override {}
};

SimulateOptions Options() {
  SimulateOptions o;
  o.max_batch_events = kEventsPerPayload;
  o.window_ms = 0;
  o.gzip_level = kLevel;
  return o;
}

struct Data {
  std::vector<std::string> records;
  std::vector<Payload> payloads;
  size_t record_bytes = 0;
  size_t batch_bytes = 0;  // decoded DATA_MESSAGE bytes: what deflate sees
  Data() {
    GenerateOptions g;
    g.seed = 1;
    g.events = kRecords;
    g.accounts = 1;
    g.regions = {"us-east-1"};  // one stream: batches of exactly kEventsPerPayload
    auto gen = Generator::Create(g);
    GeneratedRecord r;
    while ((*gen)->Next(r)) {
      records.push_back(r.json);
      record_bytes += r.json.size();
    }
    Keep keep;
    auto sim = Simulator::Create(Options(), nullptr, {&keep});
    for (size_t i = 0; i < records.size(); ++i)
      (*sim)->AddRecord(records[i], SourcePosition{"bench", i + 1, 1, i});
    (void)(*sim)->Finish();
    payloads = std::move(keep.payloads);
    for (const auto& p : payloads) batch_bytes += p.batch_json.size();
  }
};

const Data& TheData() {
  static const Data data;
  return data;
}

// Baseline: zlib deflate of the same decoded batches, gzip wrapper, same level.
void BM_BareDeflate(benchmark::State& state) {
  const Data& d = TheData();
  std::string out;
  for (auto _ : state) {
    for (const auto& p : d.payloads) {
      z_stream zs{};
      deflateInit2(&zs, kLevel, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
      out.resize(deflateBound(&zs, p.batch_json.size()));
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(p.batch_json.data()));
      zs.avail_in = static_cast<uInt>(p.batch_json.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      deflate(&zs, Z_FINISH);
      benchmark::DoNotOptimize(zs.total_out);
      deflateEnd(&zs);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.batch_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.records.size()));
}

// For comparison, not the target's baseline: libdeflate (what simulate
// compresses with) on the same batches, gzip wrapper, same level. The
// pipeline's ratio to this one is what payload building costs on top of the
// compression it does.
void BM_BareLibdeflate(benchmark::State& state) {
  const Data& d = TheData();
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(kLevel);
  std::string out;
  for (auto _ : state) {
    for (const auto& p : d.payloads) {
      out.resize(libdeflate_gzip_compress_bound(compressor, p.batch_json.size()));
      const size_t n = libdeflate_gzip_compress(compressor, p.batch_json.data(),
                                                p.batch_json.size(), out.data(), out.size());
      benchmark::DoNotOptimize(n);
    }
  }
  libdeflate_free_compressor(compressor);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.batch_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.records.size()));
}

// Encoding only: LogBatch → DATA_MESSAGE JSON → gzip → base64 → envelope.
void BM_EncodePayloads(benchmark::State& state) {
  const Data& d = TheData();
  for (auto _ : state) {
    for (const auto& p : d.payloads) {
      std::string event = LambdaEventJson(LogBatchJson(p.batch), kLevel);
      benchmark::DoNotOptimize(event.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.batch_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.records.size()));
}

// The whole simulate pipeline: record text → validated compact log event,
// stream, id, batch → Lambda event (no filter; output discarded).
void BM_SimulatePipeline(benchmark::State& state) {
  const Data& d = TheData();
  for (auto _ : state) {
    Discard sink;
    auto sim = Simulator::Create(Options(), nullptr, {&sink});
    for (size_t i = 0; i < d.records.size(); ++i)
      (*sim)->AddRecord(d.records[i], SourcePosition{"bench", i + 1, 1, i});
    (void)(*sim)->Finish();
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.batch_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.records.size()));
}

BENCHMARK(BM_BareDeflate)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_BareLibdeflate)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_EncodePayloads)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_SimulatePipeline)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Console table as usual, plus the CPU seconds per iteration of each
// benchmark (CPU time: the machine may be shared, wall time would lie).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration && run.iterations > 0) {
        seconds[run.run_name.function_name] =
            run.cpu_accumulated_time / static_cast<double>(run.iterations);
      }
    }
  }
  std::map<std::string, double> seconds;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const Data& d = TheData();
  const double mb = static_cast<double>(d.batch_bytes) / 1e6;
  std::printf(
      "\n%zu records (%.1f MB of record JSON) in %zu payloads of %zu events; %.1f MB decoded batch "
      "JSON; gzip level %d\n",
      d.records.size(), static_cast<double>(d.record_bytes) / 1e6, d.payloads.size(),
      kEventsPerPayload, mb, kLevel);
  const auto line = [&](const char* label, const std::string& name) {
    auto it = reporter.seconds.find(name);
    if (it == reporter.seconds.end()) return 0.0;
    std::printf("  %-40s %10.0f records/s %8.1f MB/s\n", label,
                static_cast<double>(d.records.size()) / it->second, mb / it->second);
    return it->second;
  };
  // The compressed sizes, so a faster compressor cannot hide a worse one.
  size_t zlib_bytes = 0, libdeflate_bytes = 0;
  {
    libdeflate_compressor* compressor = libdeflate_alloc_compressor(kLevel);
    std::string out;
    for (const auto& p : d.payloads) {
      uLongf n = compressBound(static_cast<uLong>(p.batch_json.size())) + 32;
      out.resize(n);
      z_stream zs{};
      deflateInit2(&zs, kLevel, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(p.batch_json.data()));
      zs.avail_in = static_cast<uInt>(p.batch_json.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      deflate(&zs, Z_FINISH);
      zlib_bytes += zs.total_out;
      deflateEnd(&zs);
      libdeflate_bytes += libdeflate_gzip_compress(compressor, p.batch_json.data(),
                                                   p.batch_json.size(), out.data(), out.size());
    }
    libdeflate_free_compressor(compressor);
  }
  std::printf("  gzip bytes at level %d: zlib %zu, libdeflate %zu (%.3fx zlib's)\n", kLevel,
              zlib_bytes, libdeflate_bytes,
              static_cast<double>(libdeflate_bytes) / static_cast<double>(zlib_bytes));
  const double base = line("bare zlib deflate (baseline)", "BM_BareDeflate");
  const double libdeflate = line("bare libdeflate (for comparison)", "BM_BareLibdeflate");
  const double encode = line("payload encoding (JSON+gzip+base64)", "BM_EncodePayloads");
  const double pipeline = line("simulate pipeline (records → payloads)", "BM_SimulatePipeline");
  if (base > 0 && encode > 0)
    std::printf("  ratio encoding / bare deflate:  %.2fx (target >= 0.8x)\n", base / encode);
  if (base > 0 && pipeline > 0)
    std::printf("  ratio pipeline / bare deflate:  %.2fx (target >= 0.8x)\n", base / pipeline);
  if (libdeflate > 0 && pipeline > 0) {
    std::printf("  pipeline / bare libdeflate (the compressor simulate uses): %.2fx\n",
                libdeflate / pipeline);
  }
  return 0;
}
