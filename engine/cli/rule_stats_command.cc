// iam-audit rule-stats: how noisy would these rules be? Runs the rules over
// CloudTrail records and prints, per rule, the events it would alert on,
// ignore, or fold into digests, and the messages per hour that means at the
// records' own pace.
//
// Model (stated in --help and docs/configuration.md): one invocation is all
// the records of one --window-seconds slice of eventTime (60 s by default:
// CloudWatch Logs batches a subscription's events over a short window); in an
// invocation, more than digest.threshold alerts for the same identity and
// first rule become one digest message.
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "commands.h"
#include "event_sources.h"
#include "iam_audit/cloudtrail.h"
#include "iam_audit/ordered_pool.h"
#include "iam_audit/rules.h"
#include "iam_audit/sources/sources.h"
#include "iam_audit/time_zone.h"
#include "source_options.h"

namespace iam_audit::cli {
namespace {

struct RuleStatsArgs {
  std::string config;
  bool default_rules = false;
  std::vector<std::string> inputs;
  bool json = false;
  int64_t window_seconds = 60;
  unsigned jobs = 0;  // 0: the CPUs available
  SourceSelectionArgs selection;
};

struct RuleCount {
  size_t alerts = 0;      // events the rule matched (an event may count for several rules)
  size_t ignored = 0;     // ignore rules only
  size_t in_digests = 0;  // alerts folded into digests (counted for the event's first rule)
  size_t messages = 0;    // messages posted for events whose first rule this is
};

// One record's verdict, as a worker thread saw it.
struct Outcome {
  bool ignored = false;  // by `rule`
  std::string rule;      // the ignore rule, or the first alert rule
  std::vector<std::string> alert_rules;
  int64_t when = 0;  // eventTime in s, 0 when unreadable
  std::string who;
};

// One file's verdicts and errors.
struct FileOutcome {
  std::vector<Outcome> records;  // alerts and ignores; unmatched ones only counted
  size_t unmatched = 0;
  size_t records_read = 0;
  std::vector<std::string> errors;
  sources::UnitStats stats;
};

// What the report prints, added up in file order.
struct RuleStatsTotals {
  std::map<std::string, RuleCount> counts;
  size_t records = 0, failed = 0, unmatched = 0, alerts = 0, undated = 0;
  int64_t first_time = INT64_MAX, last_time = INT64_MIN;
  // (window, identity, first rule) → event count, for digests.
  std::map<std::tuple<int64_t, std::string, std::string>, size_t> groups;
  uint64_t skipped_by_time = 0;
  size_t messages = 0, digests = 0;
  double hours = 1.0;
};

// The rules of --config (or none) with --default-rules applied; *config
// keeps the configuration for its digest threshold.
StatusOr<RuleSet> LoadRules(const RuleStatsArgs& args, RuleConfig* config) {
  if (!args.config.empty()) {
    auto loaded = LoadRuleConfigFile(args.config);
    if (!loaded.ok()) return loaded.status();
    *config = *std::move(loaded);
  }
  if (args.default_rules) config->default_rules = true;
  return RuleSet::Compile(*config);
}

// Runs the rules over one unit's records (on a worker thread).
FileOutcome EvaluateUnit(const sources::SourceUnit& unit, const sources::SourceOptions& options,
                         const RuleSet& rules) {
  FileOutcome out;
  out.stats = sources::ReadUnit(
      unit, options,
      [&](std::string_view json, const sources::SourcePosition&) {
        ++out.records_read;
        const std::string compact = nlohmann::json::parse(json).dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
        const Verdict verdict = rules.Evaluate(compact);
        if (!verdict.ignored_by.empty()) {
          out.records.push_back({true, verdict.ignored_by, {}, 0, {}});
          return;
        }
        if (!verdict.alert()) {
          ++out.unmatched;
          return;
        }
        auto record = ParseCloudTrailRecord(compact);
        int64_t when = 0;
        if (record.ok()) {
          if (auto t = ParseIso8601(record->event_time); t.ok()) when = *t;
        }
        out.records.push_back({false, verdict.rules.front(), verdict.rules, when,
                               record.ok() ? record->display_identity : "?"});
      },
      [&](const sources::SourcePosition& where, const std::string& message) {
        out.errors.push_back(where.ToString() + ": " + message);
      });
  return out;
}

// Adds one file's outcome to the totals and prints its errors (in file order).
void AddFile(FileOutcome&& out, int64_t window_seconds, RuleStatsTotals& t) {
  t.records += out.records_read;
  t.unmatched += out.unmatched;
  t.skipped_by_time += out.stats.skipped_by_time;
  for (const std::string& error : out.errors) {
    std::cerr << error << "\n";
    ++t.failed;
  }
  for (const Outcome& o : out.records) {
    if (o.ignored) {
      ++t.counts[o.rule].ignored;
      continue;
    }
    ++t.alerts;
    for (const std::string& rule : o.alert_rules) ++t.counts[rule].alerts;
    if (o.when == 0) {
      ++t.undated;
    } else {
      t.first_time = std::min(t.first_time, o.when);
      t.last_time = std::max(t.last_time, o.when);
    }
    ++t.groups[{o.when / window_seconds, o.who, o.rule}];
  }
}

// Messages and digests per rule from the groups, and the hours the records span.
void CountMessages(const RuleConfig& config, RuleStatsTotals& t) {
  for (const auto& [key, n] : t.groups) {
    RuleCount& c = t.counts[std::get<2>(key)];
    if (n > config.digest.threshold) {
      c.in_digests += n;
      ++c.messages;
      ++t.digests;
      ++t.messages;
    } else {
      c.messages += n;
      t.messages += n;
    }
  }
  t.hours = t.first_time <= t.last_time
                ? std::max(1.0, static_cast<double>(t.last_time - t.first_time) / 3600.0)
                : 1.0;
}

void PrintJson(const RuleSet& rules, RuleStatsTotals& t) {
  const double hours = t.hours;
  nlohmann::ordered_json out;
  out["records"] = t.records;
  out["failed"] = t.failed;
  out["alerts"] = t.alerts;
  out["messages"] = t.messages;
  out["digests"] = t.digests;
  out["unmatched"] = t.unmatched;
  out["hours"] = hours;
  out["messages_per_hour"] = static_cast<double>(t.messages) / hours;
  auto& list = out["rules"] = nlohmann::ordered_json::array();
  for (const std::string& name : rules.IgnoreRuleNames()) {
    list.push_back({{"rule", name}, {"kind", "ignore"}, {"ignored", t.counts[name].ignored}});
  }
  for (const std::string& name : rules.AlertRuleNames()) {
    const RuleCount& c = t.counts[name];
    list.push_back({{"rule", name},
                    {"kind", "alert"},
                    {"alerts", c.alerts},
                    {"in_digests", c.in_digests},
                    {"messages", c.messages},
                    {"messages_per_hour", static_cast<double>(c.messages) / hours}});
  }
  std::cout << out.dump(2) << "\n";
}

void PrintTable(const RuleSet& rules, RuleStatsTotals& t) {
  const double hours = t.hours;
  std::cout << std::left << std::setw(28) << "rule" << std::right << std::setw(9) << "alerts"
            << std::setw(9) << "ignored" << std::setw(12) << "in digests" << std::setw(10)
            << "messages" << std::setw(11) << "msgs/hour"
            << "\n";
  auto row = [&](const std::string& label, const std::string& alerts_col,
                 const std::string& ignored_col, const std::string& digest_col,
                 const std::string& msg_col, double per_hour) {
    std::cout << std::left << std::setw(28) << label << std::right << std::setw(9) << alerts_col
              << std::setw(9) << ignored_col << std::setw(12) << digest_col << std::setw(10)
              << msg_col << std::setw(11) << std::fixed << std::setprecision(2) << per_hour << "\n";
  };
  for (const std::string& name : rules.IgnoreRuleNames()) {
    row("ignore: " + name, "-", std::to_string(t.counts[name].ignored), "-", "0", 0.0);
  }
  for (const std::string& name : rules.AlertRuleNames()) {
    const RuleCount& c = t.counts[name];
    row(name, std::to_string(c.alerts), "-", std::to_string(c.in_digests),
        std::to_string(c.messages), static_cast<double>(c.messages) / hours);
  }
  row(std::string(kNoRuleName), "-", std::to_string(t.unmatched), "-", "0", 0.0);
  std::cout << t.records << " records over " << std::setprecision(1) << hours << " h: " << t.alerts
            << " alert, " << t.unmatched << " match no alert rule; " << t.messages << " messages ("
            << t.digests << " digests), " << std::setprecision(2)
            << static_cast<double>(t.messages) / hours << " per hour";
  if (t.undated) std::cout << "; " << t.undated << " alerts without a readable eventTime";
  std::cout << "\n";
}

int RunRuleStats(const RuleStatsArgs& args) {
  RuleConfig config;
  auto rules = LoadRules(args, &config);
  if (!rules.ok()) {
    std::cerr << "iam-audit rule-stats: " << rules.status().message() << "\n";
    return kExitBadInput;
  }
  auto options = MakeSourceOptions(args.selection);
  if (!options.ok()) {
    std::cerr << "iam-audit rule-stats: " << options.status().message() << "\n";
    return kExitBadInput;
  }
  RuleStatsTotals totals;
  for (const std::string& name : rules->IgnoreRuleNames()) totals.counts[name];
  for (const std::string& name : rules->AlertRuleNames()) totals.counts[name];
  // The listing streams in batches; each batch's files are evaluated on
  // worker threads (RuleSet::Evaluate is const and thread-safe); the totals
  // are added up, and errors printed, in file order on this thread, so the
  // output does not depend on --jobs.
  const OrderedPoolOptions pool{args.jobs ? args.jobs : DefaultJobs(args.inputs), 0};
  auto listed = sources::ListSourceBatches(
      args.inputs, *options, BatchUnits(EffectiveJobs(pool)),
      [&](size_t, std::vector<sources::SourceUnit>& units) {
        RunOrdered<FileOutcome>(
            units.size(), pool, [&](size_t i) { return EvaluateUnit(units[i], *options, *rules); },
            [&](size_t, FileOutcome&& out) {
              AddFile(std::move(out), args.window_seconds, totals);
              return true;
            });
        return true;
      });
  if (!listed.ok()) {
    std::cerr << "iam-audit rule-stats: " << listed.status().message() << "\n";
    return kExitBadInput;
  }
  if (const std::string also = sources::DescribeSkipped(*listed, totals.skipped_by_time);
      !also.empty())
    std::cerr << "iam-audit rule-stats: " << also << "\n";
  CountMessages(config, totals);

  if (args.json) {
    PrintJson(*rules, totals);
  } else {
    PrintTable(*rules, totals);
  }
  if (totals.failed) {
    std::cerr << "iam-audit rule-stats: " << totals.failed << " inputs failed\n";
    return kExitBadInput;
  }
  return kExitOk;
}

}  // namespace

void RegisterRuleStatsCommand(CLI::App& app) {
  auto args = std::make_shared<RuleStatsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "rule-stats",
      "Run rules over CloudTrail records and print, per rule, the events it would alert on, ignore "
      "or "
      "fold into digests, and the messages per hour at the records' own pace. An invocation is "
      "modelled as one --window-seconds slice of eventTime.");
  auto* config =
      cmd->add_option("--config", args->config, "Rule configuration file (docs/configuration.md)");
  auto* pack = cmd->add_flag("--default-rules", args->default_rules, "Use the built-in rule pack");
  config->excludes(pack);
  cmd->add_option("RECORDS", args->inputs, kSourcesHelp)->required();
  AddSourceSelectionOptions(cmd, &args->selection);
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  cmd->add_option("--jobs,-j", args->jobs,
                  "Files read at once (default: the CPUs available; with s3:// sources 4 per CPU, "
                  "at least 8); the output does not depend on it")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--window-seconds", args->window_seconds, "Length of one modelled invocation")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  cmd->callback([args] {
    if (args->config.empty() && !args->default_rules) {
      std::cerr << "iam-audit rule-stats: give --config FILE or --default-rules\n";
      ExitCode() = kExitBadInput;
      return;
    }
    ExitCode() = RunRuleStats(*args);
  });
}

}  // namespace iam_audit::cli
