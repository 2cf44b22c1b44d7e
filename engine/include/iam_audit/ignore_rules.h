// Ignore rules: named filter patterns (filter.h) that suppress an event
// before any alert rule sees it. The environment-only set-up takes them from
// IAM_AUDIT_IGNORE_<NAME> variables (handler_config.h); OriginalIgnoreRules()
// spells out the original Python Lambda's four hard-coded exceptions.
#ifndef IAM_AUDIT_IGNORE_RULES_H_
#define IAM_AUDIT_IGNORE_RULES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/filter.h"
#include "iam_audit/status.h"

namespace iam_audit {

struct IgnoreRuleSpec {
  std::string name;     // e.g. "aws-health"
  std::string pattern;  // a filter pattern (filter.h)
  std::string source;   // where it came from, for errors: "IAM_AUDIT_IGNORE_AWS_HEALTH"
};

// Ignore rules as filter patterns: an event matching any of them is ignored,
// counted under the first that matched.
class IgnoreRules {
 public:
  // Errors: "IAM_AUDIT_IGNORE_X: pattern: <reason> at column N".
  static StatusOr<IgnoreRules> Compile(const std::vector<IgnoreRuleSpec>& specs);
  // The name of the rule that suppresses this log event message, or nullopt
  // when it must be alerted. The view points into this object.
  std::optional<std::string_view> IgnoredBy(std::string_view message) const;
  // Every rule name, in evaluation order (the summary lists each, even at 0).
  std::vector<std::string> RuleNames() const;

 private:
  struct Rule {
    std::string name;
    Filter filter;
  };
  std::vector<Rule> rules_;
  FilterSet set_;  // the rules' filters in order: one walk of an event for all
};

// The original Python Lambda's four hard-coded exceptions as ignore rules:
// ignored users (its IGNORE_USER list; here the given names), events from
// health.amazonaws.com, sourceIPAddress "AWS Internal", and GetBucketLocation.
// With no user names the "ignored-users" rule is left out.
std::vector<IgnoreRuleSpec> OriginalIgnoreRules(const std::vector<std::string>& ignored_users);

}  // namespace iam_audit

#endif  // IAM_AUDIT_IGNORE_RULES_H_
