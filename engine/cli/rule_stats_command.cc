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

int RunRuleStats(const RuleStatsArgs& args) {
  RuleConfig config;
  if (!args.config.empty()) {
    auto loaded = LoadRuleConfigFile(args.config);
    if (!loaded.ok()) {
      std::cerr << "iam-audit rule-stats: " << loaded.status().message() << "\n";
      return kExitBadInput;
    }
    config = *std::move(loaded);
  }
  if (args.default_rules) config.default_rules = true;
  auto rules = RuleSet::Compile(config);
  if (!rules.ok()) {
    std::cerr << "iam-audit rule-stats: " << rules.status().message() << "\n";
    return kExitBadInput;
  }
  auto options = MakeSourceOptions(args.selection);
  if (!options.ok()) {
    std::cerr << "iam-audit rule-stats: " << options.status().message() << "\n";
    return kExitBadInput;
  }
  auto listed = sources::ListSources(args.inputs, *options);
  if (!listed.ok()) {
    std::cerr << "iam-audit rule-stats: " << listed.status().message() << "\n";
    return kExitBadInput;
  }

  std::map<std::string, RuleCount> counts;
  for (const std::string& name : rules->IgnoreRuleNames()) counts[name];
  for (const std::string& name : rules->AlertRuleNames()) counts[name];
  size_t records = 0, failed = 0, unmatched = 0, alerts = 0, undated = 0;
  int64_t first_time = INT64_MAX, last_time = INT64_MIN;
  // (window, identity, first rule) → event count, for digests.
  std::map<std::tuple<int64_t, std::string, std::string>, size_t> groups;

  // Each file is evaluated on a worker thread (RuleSet::Evaluate is const
  // and thread-safe); the totals are added up, and errors printed, in file
  // order on this thread, so the output does not depend on --jobs.
  struct Outcome {
    bool ignored = false;  // by `rule`
    std::string rule;      // the ignore rule, or the first alert rule
    std::vector<std::string> alert_rules;
    int64_t when = 0;  // eventTime in s, 0 when unreadable
    std::string who;
  };
  struct FileOutcome {
    std::vector<Outcome> records;  // alerts and ignores; unmatched ones only counted
    size_t unmatched = 0;
    size_t records_read = 0;
    std::vector<std::string> errors;
    sources::UnitStats stats;
  };
  const std::vector<sources::SourceUnit>& units = listed->units;
  uint64_t skipped_by_time = 0;
  auto produce = [&](size_t i) {
    FileOutcome out;
    out.stats = sources::ReadUnit(
        units[i], *options,
        [&](std::string_view json, const sources::SourcePosition&) {
          ++out.records_read;
          const std::string compact = nlohmann::json::parse(json).dump(
              -1, ' ', false, nlohmann::json::error_handler_t::replace);
          const Verdict verdict = rules->Evaluate(compact);
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
  };
  auto consume = [&](size_t, FileOutcome&& out) {
    records += out.records_read;
    unmatched += out.unmatched;
    skipped_by_time += out.stats.skipped_by_time;
    for (const std::string& error : out.errors) {
      std::cerr << error << "\n";
      ++failed;
    }
    for (const Outcome& o : out.records) {
      if (o.ignored) {
        ++counts[o.rule].ignored;
        continue;
      }
      ++alerts;
      for (const std::string& rule : o.alert_rules) ++counts[rule].alerts;
      if (o.when == 0) {
        ++undated;
      } else {
        first_time = std::min(first_time, o.when);
        last_time = std::max(last_time, o.when);
      }
      ++groups[{o.when / args.window_seconds, o.who, o.rule}];
    }
    return true;
  };
  RunOrdered<FileOutcome>(units.size(),
                          OrderedPoolOptions{args.jobs ? args.jobs : DefaultJobs(units), 0},
                          produce, consume);
  sources::ReadTotals skipped;
  skipped.skipped_digests = listed->skipped_digests;
  skipped.skipped_by_key = listed->skipped_by_key;
  skipped.skipped_by_time = skipped_by_time;
  if (const std::string also = sources::DescribeSkipped(skipped); !also.empty())
    std::cerr << "iam-audit rule-stats: " << also << "\n";
  size_t messages = 0, digests = 0;
  for (const auto& [key, n] : groups) {
    RuleCount& c = counts[std::get<2>(key)];
    if (n > config.digest.threshold) {
      c.in_digests += n;
      ++c.messages;
      ++digests;
      ++messages;
    } else {
      c.messages += n;
      messages += n;
    }
  }
  const double hours = first_time <= last_time
                           ? std::max(1.0, static_cast<double>(last_time - first_time) / 3600.0)
                           : 1.0;

  if (args.json) {
    nlohmann::ordered_json out;
    out["records"] = records;
    out["failed"] = failed;
    out["alerts"] = alerts;
    out["messages"] = messages;
    out["digests"] = digests;
    out["unmatched"] = unmatched;
    out["hours"] = hours;
    out["messages_per_hour"] = static_cast<double>(messages) / hours;
    auto& list = out["rules"] = nlohmann::ordered_json::array();
    for (const std::string& name : rules->IgnoreRuleNames()) {
      list.push_back({{"rule", name}, {"kind", "ignore"}, {"ignored", counts[name].ignored}});
    }
    for (const std::string& name : rules->AlertRuleNames()) {
      const RuleCount& c = counts[name];
      list.push_back({{"rule", name},
                      {"kind", "alert"},
                      {"alerts", c.alerts},
                      {"in_digests", c.in_digests},
                      {"messages", c.messages},
                      {"messages_per_hour", static_cast<double>(c.messages) / hours}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << std::left << std::setw(28) << "rule" << std::right << std::setw(9) << "alerts"
              << std::setw(9) << "ignored" << std::setw(12) << "in digests" << std::setw(10)
              << "messages" << std::setw(11) << "msgs/hour"
              << "\n";
    auto row = [&](const std::string& label, const std::string& alerts_col,
                   const std::string& ignored_col, const std::string& digest_col,
                   const std::string& msg_col, double per_hour) {
      std::cout << std::left << std::setw(28) << label << std::right << std::setw(9) << alerts_col
                << std::setw(9) << ignored_col << std::setw(12) << digest_col << std::setw(10)
                << msg_col << std::setw(11) << std::fixed << std::setprecision(2) << per_hour
                << "\n";
    };
    for (const std::string& name : rules->IgnoreRuleNames()) {
      row("ignore: " + name, "-", std::to_string(counts[name].ignored), "-", "0", 0.0);
    }
    for (const std::string& name : rules->AlertRuleNames()) {
      const RuleCount& c = counts[name];
      row(name, std::to_string(c.alerts), "-", std::to_string(c.in_digests),
          std::to_string(c.messages), static_cast<double>(c.messages) / hours);
    }
    row(std::string(kNoRuleName), "-", std::to_string(unmatched), "-", "0", 0.0);
    std::cout << records << " records over " << std::setprecision(1) << hours << " h: " << alerts
              << " alert, " << unmatched << " match no alert rule; " << messages << " messages ("
              << digests << " digests), " << std::setprecision(2)
              << static_cast<double>(messages) / hours << " per hour";
    if (undated) std::cout << "; " << undated << " alerts without a readable eventTime";
    std::cout << "\n";
  }
  if (failed) {
    std::cerr << "iam-audit rule-stats: " << failed << " inputs failed\n";
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
