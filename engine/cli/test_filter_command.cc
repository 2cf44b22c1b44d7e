// iam-audit test-filter: what `aws logs test-metric-filter` answers, offline.
//
//   iam-audit test-filter --filter-pattern P --log-event-messages M1 M2 …
//   iam-audit test-filter --filter-pattern P --file events.jsonl[.gz]
//   iam-audit test-filter --filter-pattern P -            (standard input)
//
// Output is the aws CLI's JSON (4-space indent): {"matches":[{"eventNumber",
// "eventMessage","extractedValues"}]}. eventNumber is 1-based as the aws CLI
// prints it (the API reference samples start at 0); for file input it is the
// line number, and blank lines are not events. Files are streamed: memory
// does not grow with the input. --count prints only the number of matches.
// A bad pattern exits 2 with the error and a caret under its column.
//
// --log-event-messages takes TestMetricFilter's logEventMessages as the aws
// CLI passes them: each argument is one message, byte for byte (`[x y]` and
// `[a,b]` included: space-delimited logs often start with `[`); the last
// occurrence of the option wins; 1 to 50 messages of at least 1 character,
// else exit 2 with the aws CLI's wording (botocore's "Parameter validation
// failed" for the minimums, the service's ValidationException for the 51st).
// --file and standard input have no such limits.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "iam_audit/filter.h"
#include "input.h"

namespace iam_audit::cli {
namespace {

struct TestFilterArgs {
  std::string pattern;
  bool messages_given = false;
  std::vector<std::string> messages;
  std::string file;
  std::string positional;
  bool count = false;
  bool progress = true;
};

// TestMetricFilter's logEventMessages: 1 to 50 items, each at least 1
// character long (API reference).
constexpr size_t kMaxMessages = 50;
// Arguments one --log-event-messages takes: more than kMaxMessages, so that
// the 51st is reported with AWS's wording rather than as a stray argument.
constexpr int kMaxMessageArgs = 1 << 20;
// What CLI11 hands the option's callback for an occurrence with no argument;
// no argv element can contain a NUL byte.
const std::string kNoMessages(1, '\0');

// Files at least this large get a progress bar when stderr is a terminal.
constexpr uint64_t kProgressMinBytes = 64ull << 20;

std::string Quote(std::string_view s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Writes the aws CLI's layout incrementally so that large inputs stream.
class MatchWriter {
 public:
  explicit MatchWriter(std::FILE* out) : out_(out) {}
  void Add(uint64_t event_number, std::string_view message, const MatchResult& r) {
    buf_ += first_ ? "{\n    \"matches\": [\n" : ",\n";
    first_ = false;
    buf_ += "        {\n            \"eventNumber\": " + std::to_string(event_number) +
            ",\n            \"eventMessage\": " + Quote(message) +
            ",\n            \"extractedValues\": ";
    if (r.extracted_values.empty()) {
      buf_ += "{}";
    } else {
      buf_ += "{";
      for (size_t i = 0; i < r.extracted_values.size(); ++i) {
        buf_ += i ? ",\n" : "\n";
        buf_ += "                " + Quote(r.extracted_values[i].first) + ": " +
                Quote(r.extracted_values[i].second);
      }
      buf_ += "\n            }";
    }
    buf_ += "\n        }";
    if (buf_.size() > (1u << 16)) Flush();
  }
  void Finish() {
    buf_ += first_ ? "{\n    \"matches\": []\n}\n" : "\n    ]\n}\n";
    Flush();
  }

 private:
  void Flush() {
    std::fwrite(buf_.data(), 1, buf_.size(), out_);
    buf_.clear();
  }
  std::FILE* out_;
  std::string buf_;
  bool first_ = true;
};

// The aws CLI's answers to logEventMessages outside TestMetricFilter's
// limits: botocore checks the minimums before sending; the service rejects
// more than 50 messages. Empty when the messages are within the limits.
std::string CheckMessages(const std::vector<std::string>& messages) {
  constexpr const char* kTooShort = "Invalid length for parameter logEventMessages";
  std::string report;
  if (messages.empty()) report = std::string(kTooShort) + ", value: 0, valid min length: 1\n";
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].empty())
      report +=
          std::string(kTooShort) + "[" + std::to_string(i) + "], value: 0, valid min length: 1\n";
  }
  if (!report.empty()) return "Parameter validation failed:\n" + report;
  if (messages.size() <= kMaxMessages) return {};
  std::string list;  // the service shows the list as Java prints one
  for (const std::string& m : messages) list += (list.empty() ? "" : ", ") + m;
  return "1 validation error detected: Value '[" + list +
         "]' at 'logEventMessages' failed to satisfy constraint: Member must have length less than "
         "or equal to " +
         std::to_string(kMaxMessages) + "\n";
}

// 1-based display column of byte column `column` (counts UTF-8 code points).
void PrintPatternError(const Status& status, const FilterError& error, const std::string& pattern) {
  std::cerr << "iam-audit test-filter: " << FormatPatternError(pattern, status, error);
}

class Progress {
 public:
  Progress(const LineReader& reader, bool enabled)
      : reader_(reader),
        enabled_(enabled && isatty(STDERR_FILENO) && reader.file_size() >= kProgressMinBytes),
        start_(std::chrono::steady_clock::now()) {}
  void Tick() {
    if (!enabled_ || (++ticks_ & 0xFFFF) != 0) return;
    const double total = static_cast<double>(reader_.file_size());
    const double done = static_cast<double>(reader_.bytes_read());
    const double frac = total > 0 ? std::min(1.0, done / total) : 0;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const int width = 30, filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r[%s%s] %3.0f%%  %.0f/%.0f MB  %.0f MB/s ",
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                 frac * 100, done / 1e6, total / 1e6, secs > 0 ? done / 1e6 / secs : 0.0);
    shown_ = true;
  }
  ~Progress() {
    if (shown_) std::fprintf(stderr, "\r%80s\r", "");
  }

 private:
  const LineReader& reader_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  uint64_t ticks_ = 0;
  bool shown_ = false;
};

int RunTestFilter(const TestFilterArgs& args) {
  const int sources = args.messages_given + !args.file.empty() + !args.positional.empty();
  if (sources != 1) {
    std::cerr << "iam-audit test-filter: give exactly one of --log-event-messages, --file FILE "
                 "or - (standard input)\n";
    return kExitBadInput;
  }
  if (!args.positional.empty() && args.positional != "-") {
    std::cerr << "iam-audit test-filter: unexpected argument '" << args.positional
              << "' (use --file FILE, or - for standard input)\n";
    return kExitBadInput;
  }
  if (args.messages_given) {
    if (const std::string bad = CheckMessages(args.messages); !bad.empty()) {
      std::cerr << "iam-audit test-filter: " << bad;
      return kExitBadInput;
    }
  }
  FilterError error;
  auto filter = Filter::Compile(args.pattern, &error);
  if (!filter.ok()) {
    PrintPatternError(filter.status(), error, args.pattern);
    return kExitBadInput;
  }
  MatchWriter writer(stdout);
  uint64_t matches = 0;
  auto handle = [&](uint64_t number, std::string_view message) {
    if (args.count) {
      matches += filter->Matches(message);
      return;
    }
    MatchResult r = filter->Match(message);
    if (!r.matched) return;
    ++matches;
    writer.Add(number, message, r);
  };
  if (args.messages_given) {
    for (size_t i = 0; i < args.messages.size(); ++i) handle(i + 1, args.messages[i]);
  } else {
    const std::string path = args.file.empty() ? "-" : args.file;
    auto reader = LineReader::Open(path);
    if (!reader.ok()) {
      std::cerr << "iam-audit test-filter: " << reader.status().message() << "\n";
      return kExitBadInput;
    }
    LineReader& r = **reader;
    Progress progress(r, args.progress);
    std::string_view line;  // valid until the next Next(); handle() does not keep it
    while (r.Next(line)) {
      progress.Tick();
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // not an event
      handle(r.line_number(), line);
    }
    if (!r.status().ok()) {
      if (!args.count) writer.Finish();
      std::cerr << "iam-audit test-filter: " << r.status().message() << "\n";
      return kExitFailure;
    }
  }
  if (args.count) {
    std::printf("%llu\n", static_cast<unsigned long long>(matches));
  } else {
    writer.Finish();
  }
  return kExitOk;
}

}  // namespace

void RegisterTestFilterCommand(CLI::App& app) {
  auto args = std::make_shared<TestFilterArgs>();
  CLI::App* cmd = app.add_subcommand(
      "test-filter",
      "Test a CloudWatch Logs filter pattern against log events, as `aws logs test-metric-filter` "
      "does (offline)");
  cmd->add_option("--filter-pattern", args->pattern, "The filter pattern to test")->required();
  // Each argument is one message, verbatim. CLI11 splits `[a,b]` into a list
  // (and unwraps `[x y]`) on options that allow extra arguments, so this one
  // does not: it takes up to kMaxMessageArgs arguments per occurrence, with
  // no delimiter, and the callback copies them as they are. trigger_on_parse:
  // the callback runs per occurrence with that occurrence's arguments only,
  // so the last occurrence wins, as in the aws CLI.
  cmd->add_option(
         "--log-event-messages",
         [args](const CLI::results_t& results) {
           args->messages_given = true;
           args->messages = results;
           if (args->messages.size() == 1 && args->messages[0] == kNoMessages)
             args->messages.clear();
           return true;
         },
         "Log event messages to test: 1 to 50 arguments, one message each, taken verbatim")
      ->expected(0, kMaxMessageArgs)
      ->allow_extra_args(false)
      ->default_str(kNoMessages)
      ->option_text("MESSAGE ...")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->trigger_on_parse();
  cmd->add_option("--file", args->file,
                  "Events, one per line (JSON Lines or plain text, optionally .gz); - for stdin");
  cmd->add_option("INPUT", args->positional, "- to read events from standard input");
  cmd->add_flag("--count", args->count, "Print only the number of matching events");
  cmd->add_flag("!--no-progress", args->progress, "Never draw a progress bar on stderr");
  cmd->callback([args] { ExitCode() = RunTestFilter(*args); });
}

}  // namespace iam_audit::cli
