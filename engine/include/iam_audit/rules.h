// Rules, routing and noise control: which events are ignored, which alert,
// how severe they are and where they go.
//
// A RuleConfig comes from one JSON file (schema: docs/configuration.md) and
// is validated when it is loaded, with errors naming the JSON path and the
// column inside a pattern: `rules[3].pattern: pattern: Unbalanced '{' at
// column 17`. Patterns are CloudWatch Logs filter patterns (filter.h), the
// same language users already test with `iam-audit test-filter`.
//
// Evaluation of one event (RuleSet::Evaluate):
//   1. ignore rules, in file order: the first that matches ignores the event
//      (counted under its name);
//   2. alert rules: every rule that matches contributes its name; the alert's
//      severity is the highest among them; rule names are listed by severity
//      (critical first), then in file order, built-in pack before the file's
//      own rules;
//   3. an event that no alert rule matches is "unmatched" and counted under
//      kNoRuleName — never silently lost.
// Destinations of an alert: the union of its rules' destinations and of every
// route whose conditions (rule names, minimum severity, accounts) it meets;
// with none, the config's default destinations.
//
// Thread-safety: a RuleSet is immutable after Compile(); Evaluate() is const
// and safe to call from any number of threads.
#ifndef IAM_AUDIT_RULES_H_
#define IAM_AUDIT_RULES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/filter.h"
#include "iam_audit/status.h"

namespace iam_audit {

enum class Severity { kInfo = 0, kWarning = 1, kCritical = 2 };
std::string_view SeverityName(Severity severity);  // "info", "warning", "critical"
std::optional<Severity> ParseSeverity(std::string_view name);

// The name under which events that no alert rule matched are counted.
inline constexpr std::string_view kNoRuleName = "no-alert-rule";

struct RuleSpec {
  std::string name;
  std::string pattern;
  Severity severity = Severity::kInfo;
  std::vector<std::string> destinations;  // destination names; may be empty
  std::string title;                      // optional message title
  std::string description;                // what it is for (docs, rule-stats)
};

struct DestinationSpec {
  enum class Type { kSlack, kTelegram };
  std::string name;
  Type type = Type::kSlack;
  // Slack: the environment variable holding the webhook URL. Telegram: the
  // variable holding the bot token. Secrets never live in the file.
  std::string secret_env;
  std::string chat_id;  // Telegram only
};

struct RouteSpec {
  std::vector<std::string> rules;  // any of these rule names (empty: any)
  std::optional<Severity> min_severity;
  std::vector<std::string> accounts;  // recipientAccountId / userIdentity.accountId (empty: any)
  std::vector<std::string> destinations;
};

struct DigestSpec {
  // More than `threshold` alerts for the same identity and rule in one
  // invocation are posted as one digest message.
  size_t threshold = 5;
  size_t max_links = 5;  // event links listed in a digest
};

struct RuleConfig {
  std::vector<RuleSpec> ignore;  // severity/destinations unused
  std::vector<RuleSpec> rules;
  std::vector<DestinationSpec> destinations;
  std::vector<RouteSpec> routes;
  std::vector<std::string> default_destinations;
  DigestSpec digest;
  bool default_rules = false;               // include the built-in pack
  std::vector<std::string> disabled_rules;  // names of pack rules left out
  std::string time_zone;                    // empty: not set in the file
  std::string console_url;                  // empty: not set in the file
};

// The built-in default rule pack (docs/configuration.md lists each rule and
// what it fires on). `notifier_function` is the name (prefix) of the audit
// Lambda itself, watched by the "notifier-changes" rule.
std::vector<RuleSpec> DefaultRulePack(std::string_view notifier_function = "iam-audit");

// Parses and validates a configuration document. `source` names it in errors.
// Checks: JSON syntax (line/column), known keys at every level (an unknown
// key is an error: it is usually a typo), types, unique names, every
// destination referenced exists, every pattern compiles.
StatusOr<RuleConfig> ParseRuleConfig(std::string_view json, std::string_view source = "config");
StatusOr<RuleConfig> LoadRuleConfigFile(const std::string& path);

// What the rules decided for one event.
struct Verdict {
  std::string ignored_by;                 // non-empty: ignored by this rule
  std::vector<std::string> rules;         // alert rules that matched, in display order
  Severity severity = Severity::kInfo;    // highest of `rules`
  std::string title;                      // title of the first rule that has one
  std::vector<std::string> destinations;  // sorted, unique
  bool alert() const { return ignored_by.empty() && !rules.empty(); }
  // Where the event is counted when it does not alert: ignored_by, or kNoRuleName.
  std::string_view suppressed_by() const { return ignored_by.empty() ? kNoRuleName : ignored_by; }
};

class RuleSet {
 public:
  // Compiles every pattern of `config` (plus the pack when enabled). Errors
  // name the rule: "rules[2] (iam-changes).pattern: pattern: … at column 9".
  static StatusOr<RuleSet> Compile(const RuleConfig& config);

  Verdict Evaluate(std::string_view message) const;

  // All ignore-rule names then all alert-rule names, in evaluation order.
  std::vector<std::string> IgnoreRuleNames() const;
  std::vector<std::string> AlertRuleNames() const;
  const RuleConfig& config() const { return config_; }

 private:
  struct CompiledRule {
    RuleSpec spec;
    Filter filter;
  };
  RuleConfig config_;
  std::vector<CompiledRule> ignore_;
  std::vector<CompiledRule> alert_;                    // pack first, then the file's, in order
  std::vector<std::optional<Filter>> route_accounts_;  // per route; nullopt: any account
  // Every filter above, matched together (one walk of an event for all JSON
  // patterns): ignore_ then alert_ then the routes' account filters, whose
  // indexes are in route_filter_ (-1: any account).
  FilterSet filters_;
  std::vector<ptrdiff_t> route_filter_;
};

}  // namespace iam_audit

#endif  // IAM_AUDIT_RULES_H_
