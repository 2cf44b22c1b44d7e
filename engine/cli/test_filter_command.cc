// iam-audit test-filter: what `aws logs test-metric-filter` answers, offline,
// and the same question over a whole CloudTrail archive.
//
//   iam-audit test-filter --filter-pattern P --log-event-messages M1 M2 …
//   iam-audit test-filter --filter-pattern P --file events.jsonl[.gz]
//   iam-audit test-filter --filter-pattern P -            (standard input)
//   iam-audit test-filter -p P1 -p P2 --patterns FILE [--jobs N] SOURCE…
//
// One pattern, one file (or standard input, or --log-event-messages): the
// output is the aws CLI's JSON (4-space indent): {"matches":[{"eventNumber",
// "eventMessage","extractedValues"}]}. eventNumber is 1-based as the aws CLI
// prints it (the API reference samples start at 0); for file input it is the
// line number, and blank lines are not events. Files are streamed: memory
// does not grow with the input. --count prints only the number of matches.
// A bad pattern exits 2 with the error and a caret under its column.
//
// Sources (positional arguments and --file, both repeatable) are files,
// folders, s3://bucket/prefix and "-", listed by the record sources library
// (iam_audit/sources/sources.h: folders recursively in sorted path order,
// names *.json, *.jsonl, *.ndjson, optionally .gz; digest files skipped and
// counted; --since/--until/--account/--region select log files by key and
// records by eventTime). What a file's events are is said in
// event_sources.h: a CloudTrail log file is its records, one event each
// (eventNumber = 1-based record number); any other local file one event per
// line (eventNumber = line number).
// Units are read on --jobs threads (default: the CPUs this process may use;
// with s3:// sources 4 per CPU and at least 8, as S3 reads wait on the network);
// the output is the same for any --jobs: units are reported in source order.
//
// Output for several sources or a folder: each match also has "file" (the
// file it came from) before "eventNumber". Several patterns (-p repeated,
// --patterns FILE: one per line, blank lines and lines starting with '#'
// skipped; -p patterns first): every pattern is matched against every event
// in one pass; each match has "filter" (the pattern's 1-based number) first;
// an event matching several patterns appears once per pattern, in pattern
// order; and after "matches" comes "filters": [{"filter", "filterPattern",
// "matchCount"}]. --count with several patterns prints one line per pattern:
// "<count>\t<pattern>".
//
// stderr: a bad file is reported with its name ("iam-audit test-filter:
// NAME: error") in source order, counted, and the run goes on (its events
// before the error count). A run over several sources, or with several
// patterns, ends with a summary (files, events, bad files, digest files
// skipped, matches per pattern, time); --no-summary drops it. A progress
// line (files, events, MB/s, ETA) is drawn only when stderr is a terminal.
//
// Exit status: 0 every file was read; 1 some file could not be read (or
// only partly); 2 bad usage, a bad pattern, a patterns file or a source that
// cannot be read or listed.
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
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "event_sources.h"
#include "iam_audit/filter.h"
#include "iam_audit/ordered_pool.h"
#include "source_options.h"

namespace iam_audit::cli {
namespace {

struct TestFilterArgs {
  std::vector<std::string> patterns;
  std::string patterns_file;
  bool messages_given = false;
  std::vector<std::string> messages;
  std::vector<std::string> files;
  std::vector<std::string> positional;
  bool count = false;
  bool progress = true;
  bool summary = true;
  unsigned jobs = 0;
  SourceSelectionArgs selection;
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

// A single file at least this large gets a progress bar when stderr is a terminal.
constexpr uint64_t kProgressMinBytes = 64ull << 20;
// Rendered matches held before they are written (single-threaded runs).
constexpr size_t kFlushBytes = 1u << 16;

std::string Quote(std::string_view s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One match object in the aws CLI's layout (8-space indent, no trailing
// newline). filter: 1-based pattern number, 0 for none; file: null for none.
void RenderMatch(std::string& out, size_t filter, const std::string* file, uint64_t event_number,
                 std::string_view message, const MatchResult& r) {
  out += "        {\n";
  if (filter) out += "            \"filter\": " + std::to_string(filter) + ",\n";
  if (file) out += "            \"file\": " + Quote(*file) + ",\n";
  out += "            \"eventNumber\": " + std::to_string(event_number) +
         ",\n            \"eventMessage\": " + Quote(message) +
         ",\n            \"extractedValues\": ";
  if (r.extracted_values.empty()) {
    out += "{}";
  } else {
    out += "{";
    for (size_t i = 0; i < r.extracted_values.size(); ++i) {
      out += i ? ",\n" : "\n";
      out += "                " + Quote(r.extracted_values[i].first) + ": " +
             Quote(r.extracted_values[i].second);
    }
    out += "\n            }";
  }
  out += "\n        }";
}

// Writes {"matches":[…]} incrementally so that large inputs stream. Matches
// arrive as rendered objects, several joined by ",\n".
class MatchWriter {
 public:
  explicit MatchWriter(std::FILE* out) : out_(out) {}
  void Add(std::string_view objects) {
    if (objects.empty()) return;
    buf_ += first_ ? "{\n    \"matches\": [\n" : ",\n";
    first_ = false;
    buf_ += objects;
    if (buf_.size() > kFlushBytes) Flush();
  }
  // tail: more members after "matches" (",\n    \"filters\": …"), or "".
  void Finish(std::string_view tail = {}) {
    buf_ += first_ ? "{\n    \"matches\": []" : "\n    ]";
    buf_ += tail;
    buf_ += "\n}\n";
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

void PrintPatternError(const Status& status, const FilterError& error, const std::string& pattern,
                       const std::string& where) {
  std::cerr << "iam-audit test-filter: " << where << FormatPatternError(pattern, status, error);
}

// The progress bar of a single large file (the line reader's bytes).
class FileProgress {
 public:
  explicit FileProgress(bool enabled) : enabled_(enabled), start_(Clock::now()) {}
  void Update(uint64_t done_bytes, uint64_t total_bytes) {
    if (!enabled_ || total_bytes < kProgressMinBytes) return;
    const double total = static_cast<double>(total_bytes);
    const double done = static_cast<double>(done_bytes);
    const double frac = total > 0 ? std::min(1.0, done / total) : 0;
    const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    const int width = 30, filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r[%s%s] %3.0f%%  %.0f/%.0f MB  %.0f MB/s ",
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                 frac * 100, done / 1e6, total / 1e6, secs > 0 ? done / 1e6 / secs : 0.0);
    shown_ = true;
  }
  ~FileProgress() {
    if (shown_) std::fprintf(stderr, "\r%80s\r", "");
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  Clock::time_point start_;
  bool shown_ = false;
};

// The progress line of an archive run: files, events, MB/s, ETA (by bytes
// when the sizes are known, else by files). At most ten redraws a second.
class ArchiveProgress {
 public:
  ArchiveProgress(bool enabled, size_t files, uint64_t total_bytes)
      : enabled_(enabled), files_(files), total_bytes_(total_bytes), start_(Clock::now()) {}
  void Update(size_t files_done, uint64_t events, uint64_t bytes_done) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(bytes_done) / secs : 0;
    double left = -1;
    if (total_bytes_ > 0 && rate > 0) {
      left = static_cast<double>(total_bytes_ - std::min(total_bytes_, bytes_done)) / rate;
    } else if (files_done > 0) {
      left = secs * static_cast<double>(files_ - files_done) / static_cast<double>(files_done);
    }
    char eta[32] = "--:--";
    if (left >= 0) {
      const long s = std::lround(left);
      std::snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    }
    std::fprintf(
        stderr, "\r%zu/%zu files %3.0f%%  %llu events  %.1f MB  %.1f MB/s  ETA %s   ", files_done,
        files_,
        files_ ? 100.0 * static_cast<double>(files_done) / static_cast<double>(files_) : 100.0,
        static_cast<unsigned long long>(events), static_cast<double>(bytes_done) / 1e6, rate / 1e6,
        eta);
    shown_ = true;
  }
  void Clear() {
    if (shown_) std::fprintf(stderr, "\r%100s\r", "");
    shown_ = false;
  }
  ~ArchiveProgress() { Clear(); }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  size_t files_;
  uint64_t total_bytes_;
  Clock::time_point start_, last_;
  bool shown_ = false;
};

// --patterns FILE: one pattern per line; blank lines and lines whose first
// non-blank character is '#' are skipped; a trailing '\r' is dropped.
Status ReadPatternsFile(const std::string& path, std::vector<std::string>* patterns,
                        std::vector<std::string>* where) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open the patterns file");
  std::string line;
  uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    patterns->push_back(line);
    where->push_back(path + ":" + std::to_string(number) + ": ");
  }
  if (in.bad()) return DataLossError(path + ": read error");
  return Status::Ok();
}

// What one unit gave: its matches rendered, its counts, its error.
struct UnitOutcome {
  std::string text;  // rendered match objects joined by ",\n"
  std::vector<uint64_t> matches;
  UnitReadStats stats;
};

// Matches events against the patterns; one per unit and thread.
class EventMatcher {
 public:
  EventMatcher(const std::vector<Filter>& filters, const FilterSet& set, bool count, bool numbered,
               const std::string* file)
      : filters_(filters), set_(set), count_(count), numbered_(numbered), file_(file) {}

  void Run(uint64_t number, std::string_view message, UnitOutcome& out) {
    if (filters_.size() == 1) {
      const Filter& f = filters_[0];
      if (count_) {
        out.matches[0] += f.Matches(message);
        return;
      }
      MatchResult r = f.Match(message);
      if (!r.matched) return;
      ++out.matches[0];
      Append(out, 0, number, message, r);
      return;
    }
    FilterSet::Evaluation ev = set_.Evaluate(message);
    for (size_t k = 0; k < filters_.size(); ++k) {
      if (!ev.Matches(k)) continue;
      ++out.matches[k];
      if (count_) continue;
      // Only space-delimited patterns extract values.
      MatchResult r;
      if (filters_[k].kind() == Filter::Kind::kDelimited) r = filters_[k].Match(message);
      Append(out, k, number, message, r);
    }
  }

 private:
  void Append(UnitOutcome& out, size_t k, uint64_t number, std::string_view message,
              const MatchResult& r) {
    if (!out.text.empty()) out.text += ",\n";
    RenderMatch(out.text, numbered_ ? k + 1 : 0, file_, number, message, r);
  }
  const std::vector<Filter>& filters_;
  const FilterSet& set_;
  bool count_, numbered_;
  const std::string* file_;
};

int RunTestFilter(TestFilterArgs& args) {
  std::vector<std::string> sources = args.files;
  sources.insert(sources.end(), args.positional.begin(), args.positional.end());
  if (args.messages_given == !sources.empty()) {
    std::cerr << "iam-audit test-filter: give --log-event-messages, or sources (files, folders, "
                 "--file FILE, - for standard input), not both\n";
    return kExitBadInput;
  }
  if (args.messages_given) {
    if (const std::string bad = CheckMessages(args.messages); !bad.empty()) {
      std::cerr << "iam-audit test-filter: " << bad;
      return kExitBadInput;
    }
  }
  std::vector<std::string> where(args.patterns.size());
  if (!args.patterns_file.empty()) {
    if (Status st = ReadPatternsFile(args.patterns_file, &args.patterns, &where); !st.ok()) {
      std::cerr << "iam-audit test-filter: " << st.message() << "\n";
      return kExitBadInput;
    }
  }
  if (args.patterns.empty()) {
    std::cerr << "iam-audit test-filter: give --filter-pattern PATTERN (-p) or --patterns FILE "
                 "with at least one pattern\n";
    return kExitBadInput;
  }
  std::vector<Filter> filters;
  for (size_t k = 0; k < args.patterns.size(); ++k) {
    FilterError error;
    auto filter = Filter::Compile(args.patterns[k], &error);
    if (!filter.ok()) {
      PrintPatternError(filter.status(), error, args.patterns[k], where[k]);
      return kExitBadInput;
    }
    filters.push_back(*std::move(filter));
  }
  const FilterSet set(filters);
  const size_t n_patterns = filters.size();
  const bool several_patterns = n_patterns > 1;

  auto options = MakeSourceOptions(args.selection);
  if (!options.ok()) {
    std::cerr << "iam-audit test-filter: " << options.status().message() << "\n";
    return kExitBadInput;
  }
  InputList inputs;
  if (!args.messages_given) {
    auto listed = ListInputUnits(sources, *options);
    if (!listed.ok()) {
      std::cerr << "iam-audit test-filter: " << listed.status().message() << "\n";
      return kExitBadInput;
    }
    inputs = *std::move(listed);
  }
  const bool archive = inputs.several;
  const auto started = std::chrono::steady_clock::now();

  MatchWriter writer(stdout);
  std::vector<uint64_t> matches(n_patterns, 0);
  uint64_t files = 0, events = 0, bytes = 0, bad = 0, skipped_by_time = 0;
  unsigned jobs_used = 1;

  if (args.messages_given) {
    UnitOutcome out;
    out.matches.assign(n_patterns, 0);
    EventMatcher matcher(filters, set, args.count, several_patterns, nullptr);
    for (size_t i = 0; i < args.messages.size(); ++i) matcher.Run(i + 1, args.messages[i], out);
    writer.Add(out.text);
    matches = out.matches;
    events = args.messages.size();
  } else {
    const std::vector<sources::SourceUnit>& units = inputs.units;
    const OrderedPoolOptions pool{args.jobs ? args.jobs : DefaultJobs(units), 0};
    jobs_used = EffectiveJobs(pool);
    const bool sequential = jobs_used == 1 || units.size() <= 1;
    const bool tty = args.progress && isatty(STDERR_FILENO);
    uint64_t total_bytes = 0;
    for (const sources::SourceUnit& u : units) total_bytes += u.size;
    ArchiveProgress progress(tty && archive, units.size(), total_bytes);
    FileProgress file_progress(tty && !archive);

    auto produce = [&](size_t i) {
      const sources::SourceUnit& unit = units[i];
      UnitOutcome out;
      out.matches.assign(n_patterns, 0);
      EventMatcher matcher(filters, set, args.count, several_patterns,
                           archive ? &unit.name : nullptr);
      out.stats = ReadUnitEvents(
          unit, *options,
          [&](uint64_t number, std::string_view message) {
            matcher.Run(number, message, out);
            // Single-threaded: the writer is ours, stream straight to it.
            if (sequential && out.text.size() > kFlushBytes) {
              writer.Add(out.text);
              out.text.clear();
            }
          },
          [&](uint64_t done, uint64_t size) {
            if (sequential && !archive) file_progress.Update(done, size);
          });
      return out;
    };
    auto consume = [&](size_t i, UnitOutcome&& out) {
      writer.Add(out.text);
      for (size_t k = 0; k < n_patterns; ++k) matches[k] += out.matches[k];
      ++files;
      events += out.stats.events;
      bytes += out.stats.bytes != 0 ? out.stats.bytes : units[i].size;
      skipped_by_time += out.stats.skipped_by_time;
      if (!out.stats.errors.empty()) {
        ++bad;
        progress.Clear();
        for (const std::string& error : out.stats.errors)
          std::cerr << "iam-audit test-filter: " << error << "\n";
      }
      progress.Update(i + 1, events, bytes);
      return true;
    };
    RunOrdered<UnitOutcome>(units.size(), pool, produce, consume);
  }

  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (args.count) {
    if (!several_patterns) {
      // A single file that failed prints no count (its events are not all in).
      if (archive || bad == 0) std::printf("%llu\n", static_cast<unsigned long long>(matches[0]));
    } else {
      for (size_t k = 0; k < n_patterns; ++k)
        std::printf("%llu\t%s\n", static_cast<unsigned long long>(matches[k]),
                    args.patterns[k].c_str());
    }
  } else if (several_patterns) {
    std::string tail = ",\n    \"filters\": [";
    for (size_t k = 0; k < n_patterns; ++k) {
      tail += k ? ",\n" : "\n";
      tail += "        {\n            \"filter\": " + std::to_string(k + 1) +
              ",\n            \"filterPattern\": " + Quote(args.patterns[k]) +
              ",\n            \"matchCount\": " + std::to_string(matches[k]) + "\n        }";
    }
    tail += "\n    ]";
    writer.Finish(tail);
  } else {
    writer.Finish();
  }
  std::fflush(stdout);
  if (args.summary && (archive || several_patterns)) {
    sources::ReadTotals skipped;
    skipped.skipped_digests = inputs.listing.skipped_digests;
    skipped.skipped_by_key = inputs.listing.skipped_by_key;
    skipped.skipped_by_time = skipped_by_time;
    const std::string also = sources::DescribeSkipped(skipped);
    std::fprintf(stderr,
                 "iam-audit test-filter: %llu files, %llu events, %.1f MB in %.2f s (%u jobs); "
                 "%llu bad files%s%s\n",
                 static_cast<unsigned long long>(files), static_cast<unsigned long long>(events),
                 static_cast<double>(bytes) / 1e6, secs, jobs_used,
                 static_cast<unsigned long long>(bad), also.empty() ? "" : "; ", also.c_str());
    for (size_t k = 0; k < n_patterns; ++k)
      std::fprintf(stderr, "  pattern %zu: %llu matches  %s\n", k + 1,
                   static_cast<unsigned long long>(matches[k]), args.patterns[k].c_str());
  }
  return bad ? kExitFailure : kExitOk;
}

}  // namespace

void RegisterTestFilterCommand(CLI::App& app) {
  auto args = std::make_shared<TestFilterArgs>();
  CLI::App* cmd = app.add_subcommand(
      "test-filter",
      "Test CloudWatch Logs filter patterns against log events, as `aws logs test-metric-filter` "
      "does (offline), or against files, folders and CloudTrail archives");
  // One pattern per occurrence, verbatim (no splitting of `[a,b]`).
  cmd->add_option("--filter-pattern,-p", args->patterns,
                  "A filter pattern to test (repeat for several: one pass, counts per pattern)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--patterns", args->patterns_file,
                  "File of filter patterns, one per line ('#' comments, blank lines skipped), "
                  "after the -p ones");
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
  cmd->add_option("--file", args->files,
                  "Events: one per line (JSON Lines or plain text), or a CloudTrail log file; "
                  "optionally .gz; - for stdin (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("SOURCE", args->positional,
                  "Files, folders (recursive: a CloudTrail archive; names *.json, *.jsonl, "
                  "*.ndjson, optionally .gz), s3://bucket/prefix (AWS_* variables) or - for "
                  "standard input");
  AddSourceSelectionOptions(cmd, &args->selection);
  cmd->add_option("--jobs,-j", args->jobs,
                  "Files read at once (default: the CPUs available; with s3:// sources 4 per CPU, "
                  "at least 8); the output does not depend on it")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_flag("--count", args->count,
                "Print only the number of matches (several patterns: one '<count>\\t<pattern>' "
                "line each)");
  cmd->add_flag("!--no-progress", args->progress, "Never draw a progress bar on stderr");
  cmd->add_flag("!--no-summary", args->summary,
                "No summary on stderr at the end of a run over several files or patterns");
  cmd->footer(
      "Exit status: 0 every file was read, 1 some file could not be read (reported with its "
      "name, the rest goes on), 2 bad usage, pattern or source.");
  cmd->callback([args] { ExitCode() = RunTestFilter(*args); });
}

}  // namespace iam_audit::cli
