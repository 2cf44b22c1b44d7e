// iam-audit generate: synthetic CloudTrail as JSON Lines or as CloudTrail
// log files laid out as CloudTrail writes them to S3.
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "iam_audit/payload.h"
#include "iam_audit/simulator/generator.h"
#include "iam_audit/time_zone.h"

namespace iam_audit::cli {
namespace {

namespace fs = std::filesystem;
using simulator::GeneratedRecord;

struct GenerateArgs {
  simulator::GenerateOptions options;
  std::string regions = "us-east-1,us-west-2,eu-west-1,ap-northeast-2";
  std::string start = "2024-01-01T00:00:00Z";
  double days = 30;
  std::string format = "jsonl";
  std::string out;
  size_t records_per_file = 1000;
};

// CloudTrail log files: one file per account, region and 5-minute slice
// (CloudTrail delivers about every 5 minutes), at most records_per_file each.
class LogFileWriter {
 public:
  LogFileWriter(fs::path root, size_t per_file, uint64_t seed)
      : root_(std::move(root)), per_file_(per_file), seed_(seed) {}

  bool Add(const GeneratedRecord& r) {
    const int64_t slice = r.timestamp_ms / 300000;
    Buffer& b = buffers_[r.account + "\n" + r.region];
    if (!b.records.empty() && (b.slice != slice || b.count >= per_file_)) {
      if (!Flush(b)) return false;
    }
    if (b.records.empty()) {
      b.account = r.account;
      b.region = r.region;
      b.slice = slice;
      b.records = "{\"Records\":[";
    } else {
      b.records += ',';
    }
    b.records += r.json;
    ++b.count;
    return true;
  }

  bool Finish() {
    for (auto& [key, b] : buffers_) {
      if (!b.records.empty() && !Flush(b)) return false;
    }
    return true;
  }
  size_t files() const { return files_; }
  const std::string& error() const { return error_; }

 private:
  struct Buffer {
    std::string account, region, records;
    int64_t slice = 0;
    size_t count = 0;
  };

  bool Flush(Buffer& b) {
    b.records += "]}";
    const std::string stamp = simulator::FormatEventTime(b.slice * 300000);  // YYYY-MM-DDThh:mm:ssZ
    const std::string compact = stamp.substr(0, 4) + stamp.substr(5, 2) + stamp.substr(8, 2) + "T" +
                                stamp.substr(11, 2) + stamp.substr(14, 2) + "Z";
    static constexpr char kChars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint64_t h = seed_ ^ (++counter_ * 0x9e3779b97f4a7c15ULL);
    std::string suffix;
    for (int i = 0; i < 16; ++i) {
      h = h * 6364136223846793005ULL + 1442695040888963407ULL;
      suffix += kChars[(h >> 33) % 62];
    }
    const fs::path dir = root_ / "AWSLogs" / b.account / "CloudTrail" / b.region /
                         stamp.substr(0, 4) / stamp.substr(5, 2) / stamp.substr(8, 2);
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path file =
        dir / (b.account + "_CloudTrail_" + b.region + "_" + compact + "_" + suffix + ".json.gz");
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << GzipDeflate(b.records, 6);
    if (!out) {
      error_ = file.string() + ": write failed";
      return false;
    }
    ++files_;
    b.records.clear();
    b.count = 0;
    return true;
  }

  fs::path root_;
  size_t per_file_;
  uint64_t seed_;
  uint64_t counter_ = 0;
  size_t files_ = 0;
  std::string error_;
  std::map<std::string, Buffer> buffers_;
};

int RunGenerate(GenerateArgs& args) {
  const char* me = "iam-audit generate";
  args.options.regions.clear();
  for (size_t pos = 0; pos <= args.regions.size();) {
    size_t comma = args.regions.find(',', pos);
    if (comma == std::string::npos) comma = args.regions.size();
    if (comma > pos) args.options.regions.push_back(args.regions.substr(pos, comma - pos));
    pos = comma + 1;
  }
  auto start = ParseIso8601(args.start);
  if (!start.ok()) {
    std::cerr << me << ": --start: " << start.status().message() << "\n";
    return kExitBadInput;
  }
  args.options.start_ms = *start * 1000;
  args.options.duration_ms = static_cast<int64_t>(args.days * 86400.0 * 1000.0);
  auto generator = simulator::Generator::Create(args.options);
  if (!generator.ok()) {
    std::cerr << me << ": " << generator.status().message() << "\n";
    return kExitBadInput;
  }
  const auto began = std::chrono::steady_clock::now();
  GeneratedRecord record;
  uint64_t count = 0, bytes = 0;
  if (args.format == "cloudtrail") {
    if (args.out.empty()) {
      std::cerr << me << ": --format cloudtrail needs --out DIR\n";
      return kExitBadInput;
    }
    LogFileWriter writer(args.out, args.records_per_file, args.options.seed);
    while ((*generator)->Next(record)) {
      if (!writer.Add(record)) {
        std::cerr << me << ": " << writer.error() << "\n";
        return kExitFailure;
      }
      ++count;
      bytes += record.json.size();
    }
    if (!writer.Finish()) {
      std::cerr << me << ": " << writer.error() << "\n";
      return kExitFailure;
    }
    std::cerr << me << ": " << writer.files() << " log files under " << args.out << "/AWSLogs\n";
  } else {
    const bool gz = args.out.size() > 3 && args.out.compare(args.out.size() - 3, 3, ".gz") == 0;
    FILE* plain = nullptr;
    gzFile zipped = nullptr;
    if (args.out.empty() || args.out == "-") {
      plain = stdout;
    } else if (gz) {
      zipped = gzopen(args.out.c_str(), "wb6");
    } else {
      plain = std::fopen(args.out.c_str(), "wb");
    }
    if (plain == nullptr && zipped == nullptr) {
      std::cerr << me << ": " << args.out << ": cannot create\n";
      return kExitFailure;
    }
    std::string buffer;
    buffer.reserve(1 << 20);
    bool ok = true;
    auto drain = [&] {
      if (buffer.empty()) return;
      if (zipped) {
        ok = ok && gzwrite(zipped, buffer.data(), static_cast<unsigned>(buffer.size())) ==
                       static_cast<int>(buffer.size());
      } else {
        ok = ok && std::fwrite(buffer.data(), 1, buffer.size(), plain) == buffer.size();
      }
      buffer.clear();
    };
    while ((*generator)->Next(record)) {
      buffer += record.json;
      buffer += '\n';
      ++count;
      bytes += record.json.size() + 1;
      if (buffer.size() >= (1 << 20)) drain();
    }
    drain();
    if (zipped)
      ok = gzclose(zipped) == Z_OK && ok;
    else if (plain != stdout)
      ok = std::fclose(plain) == 0 && ok;
    else
      ok = std::fflush(stdout) == 0 && ok;
    if (!ok) {
      std::cerr << me << ": " << (args.out.empty() ? "standard output" : args.out)
                << ": write failed\n";
      return kExitFailure;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::fprintf(stderr, "%s: %llu records, %.1f MB in %.2f s (%.0f records/s)\n", me,
               static_cast<unsigned long long>(count), static_cast<double>(bytes) / 1e6, secs,
               secs > 0 ? static_cast<double>(count) / secs : 0.0);
  return kExitOk;
}

}  // namespace

void RegisterGenerateCommand(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "Generate synthetic CloudTrail records (JSON Lines, or CloudTrail log files as in S3)");
  cmd->add_option("--seed", args->options.seed, "Random seed: the same seed gives the same records")
      ->capture_default_str();
  cmd->add_option("--events,-n", args->options.events, "Number of records")->capture_default_str();
  cmd->add_option("--users", args->options.users, "IAM users per account")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--accounts", args->options.accounts, "Number of accounts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--regions", args->regions, "Comma-separated regions")->capture_default_str();
  cmd->add_option("--start", args->start, "eventTime of the first record (ISO-8601)")
      ->capture_default_str();
  cmd->add_option("--days", args->days, "Spread the records over this many days")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--format", args->format,
                  "jsonl: one record per line; cloudtrail: {\"Records\":[…]} .json.gz files under "
                  "--out/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/")
      ->check(CLI::IsMember({"jsonl", "cloudtrail"}))
      ->capture_default_str();
  cmd->add_option("--out,-o", args->out,
                  "Output file (jsonl; .gz compresses; default stdout) or folder (cloudtrail)");
  cmd->add_option("--records-per-file", args->records_per_file,
                  "cloudtrail: most records per log file")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([args] { ExitCode() = RunGenerate(*args); });
}

}  // namespace iam_audit::cli
