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
// The listing streams (memory does not grow with the archive): units are
// read in batches of max(1024, 64 × jobs) as the listing finds them, each
// batch on --jobs threads (default: the CPUs this process may use; with s3://
// sources 4 per CPU and at least 8, as S3 reads wait on the network); the
// output is the same for any --jobs: units are reported in source order.
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
// line (files, events, MB/s; the total and an ETA once a second listing on
// its own thread, sources::UnitCount, has counted the files: with s3://
// its ListObjectsV2 pages are requested twice) is drawn only when stderr is
// a terminal.
//
// Exit status: 0 every file was read; 1 some file could not be read (or
// only partly); 2 bad usage, a bad pattern, a patterns file or a source that
// cannot be read or listed (a listing that fails after its first batch was
// read leaves the answer unfinished: no count, no closing bracket).
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
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "event_sources.h"
#include "iam_audit/filter.h"
#include "iam_audit/ordered_pool.h"
#include "progress.h"
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

// What the matching added up: per pattern matches, and the archive's counts.
struct MatchTotals {
  std::vector<uint64_t> matches;
  uint64_t files = 0, events = 0, bytes = 0, bad = 0, skipped_by_time = 0;
  unsigned jobs_used = 1;
};

// Checks the options that do not depend on the sources and compiles the
// patterns (-p, --patterns FILE); false after printing why not.
bool CompilePatterns(TestFilterArgs& args, const std::vector<std::string>& sources,
                     std::vector<Filter>* filters) {
  if (args.messages_given == !sources.empty()) {
    std::cerr << "iam-audit test-filter: give --log-event-messages, or sources (files, folders, "
                 "--file FILE, - for standard input), not both\n";
    return false;
  }
  if (args.messages_given) {
    if (const std::string bad = CheckMessages(args.messages); !bad.empty()) {
      std::cerr << "iam-audit test-filter: " << bad;
      return false;
    }
  }
  std::vector<std::string> where(args.patterns.size());
  if (!args.patterns_file.empty()) {
    if (Status st = ReadPatternsFile(args.patterns_file, &args.patterns, &where); !st.ok()) {
      std::cerr << "iam-audit test-filter: " << st.message() << "\n";
      return false;
    }
  }
  if (args.patterns.empty()) {
    std::cerr << "iam-audit test-filter: give --filter-pattern PATTERN (-p) or --patterns FILE "
                 "with at least one pattern\n";
    return false;
  }
  for (size_t k = 0; k < args.patterns.size(); ++k) {
    FilterError error;
    auto filter = Filter::Compile(args.patterns[k], &error);
    if (!filter.ok()) {
      PrintPatternError(filter.status(), error, args.patterns[k], where[k]);
      return false;
    }
    filters->push_back(*std::move(filter));
  }
  return true;
}

// Sources: the listing streamed in batches (BatchUnits), each batch's units
// read and matched on --jobs threads, the outcomes written and counted in
// unit order across batches. Returns what the listing skipped, or its
// error (the batches before it were read and written).
StatusOr<sources::SourceList> MatchUnits(const TestFilterArgs& args,
                                         const std::vector<Filter>& filters, const FilterSet& set,
                                         const sources::SourceOptions& options,
                                         const std::vector<std::string>& specs, bool archive,
                                         MatchWriter& writer, MatchTotals& t) {
  const size_t n_patterns = filters.size();
  const bool several_patterns = n_patterns > 1;
  const OrderedPoolOptions pool{args.jobs ? args.jobs : DefaultJobs(specs), 0};
  t.jobs_used = EffectiveJobs(pool);
  const bool tty = args.progress && isatty(STDERR_FILENO);
  // The totals of the progress line come from a counting listing of its own.
  std::optional<sources::UnitCount> count;
  if (tty && archive) count.emplace(specs, options);
  ArchiveProgress progress(tty && archive);
  FileProgress file_progress(tty && !archive);

  return sources::ListSourceBatches(
      specs, options, BatchUnits(t.jobs_used),
      [&](size_t first, std::vector<sources::SourceUnit>& units) {
        const bool sequential = t.jobs_used == 1 || units.size() <= 1;
        auto produce = [&](size_t i) {
          const sources::SourceUnit& unit = units[i];
          UnitOutcome out;
          out.matches.assign(n_patterns, 0);
          EventMatcher matcher(filters, set, args.count, several_patterns,
                               archive ? &unit.name : nullptr);
          out.stats = ReadUnitEvents(
              unit, options,
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
          for (size_t k = 0; k < n_patterns; ++k) t.matches[k] += out.matches[k];
          ++t.files;
          t.events += out.stats.events;
          t.bytes += out.stats.bytes != 0 ? out.stats.bytes : units[i].size;
          t.skipped_by_time += out.stats.skipped_by_time;
          if (!out.stats.errors.empty()) {
            ++t.bad;
            progress.Clear();
            for (const std::string& error : out.stats.errors)
              std::cerr << "iam-audit test-filter: " << error << "\n";
          }
          if (count && !progress.totals_known() && count->done()) {
            progress.SetTotals(count->units(), count->all_sizes_known() ? count->bytes() : 0);
          }
          progress.Update(first + i + 1, t.events, t.bytes);
          return true;
        };
        RunOrdered<UnitOutcome>(units.size(), pool, produce, consume);
        return true;
      });
}

// The counts (--count) or the end of the JSON answer on standard output.
void FinishOutput(const TestFilterArgs& args, bool archive, const MatchTotals& t,
                  MatchWriter& writer) {
  const size_t n_patterns = t.matches.size();
  const bool several_patterns = n_patterns > 1;
  if (args.count) {
    if (!several_patterns) {
      // A single file that failed prints no count (its events are not all in).
      if (archive || t.bad == 0)
        std::printf("%llu\n", static_cast<unsigned long long>(t.matches[0]));
    } else {
      for (size_t k = 0; k < n_patterns; ++k)
        std::printf("%llu\t%s\n", static_cast<unsigned long long>(t.matches[k]),
                    args.patterns[k].c_str());
    }
  } else if (several_patterns) {
    std::string tail = ",\n    \"filters\": [";
    for (size_t k = 0; k < n_patterns; ++k) {
      tail += k ? ",\n" : "\n";
      tail += "        {\n            \"filter\": " + std::to_string(k + 1) +
              ",\n            \"filterPattern\": " + Quote(args.patterns[k]) +
              ",\n            \"matchCount\": " + std::to_string(t.matches[k]) + "\n        }";
    }
    tail += "\n    ]";
    writer.Finish(tail);
  } else {
    writer.Finish();
  }
  std::fflush(stdout);
}

// --summary over an archive or several patterns: the counts on standard error.
void PrintSummary(const TestFilterArgs& args, const sources::SourceList& listing,
                  const MatchTotals& t, double secs) {
  const std::string also = sources::DescribeSkipped(listing, t.skipped_by_time);
  std::fprintf(stderr,
               "iam-audit test-filter: %llu files, %llu events, %.1f MB in %.2f s (%u jobs); "
               "%llu bad files%s%s\n",
               static_cast<unsigned long long>(t.files), static_cast<unsigned long long>(t.events),
               static_cast<double>(t.bytes) / 1e6, secs, t.jobs_used,
               static_cast<unsigned long long>(t.bad), also.empty() ? "" : "; ", also.c_str());
  for (size_t k = 0; k < t.matches.size(); ++k)
    std::fprintf(stderr, "  pattern %zu: %llu matches  %s\n", k + 1,
                 static_cast<unsigned long long>(t.matches[k]), args.patterns[k].c_str());
}

int RunTestFilter(TestFilterArgs& args) {
  std::vector<std::string> sources = args.files;
  sources.insert(sources.end(), args.positional.begin(), args.positional.end());
  std::vector<Filter> filters;
  if (!CompilePatterns(args, sources, &filters)) return kExitBadInput;
  const FilterSet set(filters);

  auto options = MakeSourceOptions(args.selection);
  if (!options.ok()) {
    std::cerr << "iam-audit test-filter: " << options.status().message() << "\n";
    return kExitBadInput;
  }
  const bool archive = !args.messages_given && SeveralSources(sources);
  sources::SourceList listing;  // what the listing skipped
  const auto started = std::chrono::steady_clock::now();

  MatchWriter writer(stdout);
  MatchTotals totals;
  totals.matches.assign(filters.size(), 0);
  if (args.messages_given) {  // each message is one event, numbered from 1
    UnitOutcome out;
    out.matches.assign(filters.size(), 0);
    EventMatcher matcher(filters, set, args.count, filters.size() > 1, nullptr);
    for (size_t i = 0; i < args.messages.size(); ++i) matcher.Run(i + 1, args.messages[i], out);
    writer.Add(out.text);
    totals.matches = out.matches;
    totals.events = args.messages.size();
  } else {
    auto listed = MatchUnits(args, filters, set, *options, sources, archive, writer, totals);
    if (!listed.ok()) {
      // Nothing is printed when the listing fails in its first batch; later,
      // the answer so far stays unfinished (no count, no closing bracket).
      std::fflush(stdout);
      std::cerr << "iam-audit test-filter: " << listed.status().message() << "\n";
      return kExitBadInput;
    }
    listing = *std::move(listed);
  }

  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  FinishOutput(args, archive, totals, writer);
  if (args.summary && (archive || filters.size() > 1)) PrintSummary(args, listing, totals, secs);
  return totals.bad ? kExitFailure : kExitOk;
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
