// Ignore rules as compiled filter patterns, and the original's four exceptions.
#include "iam_audit/ignore_rules.h"

namespace iam_audit {

StatusOr<IgnoreRules> IgnoreRules::Compile(const std::vector<IgnoreRuleSpec>& specs) {
  IgnoreRules rules;
  for (const IgnoreRuleSpec& spec : specs) {
    auto filter = Filter::Compile(spec.pattern);
    if (!filter.ok()) {
      return filter.status().WithPrefix(spec.source.empty() ? "ignore rule " + spec.name
                                                            : spec.source);
    }
    rules.rules_.push_back(Rule{spec.name, std::move(filter).value()});
  }
  std::vector<Filter> filters;
  filters.reserve(rules.rules_.size());
  for (const Rule& rule : rules.rules_) filters.push_back(rule.filter);
  rules.set_ = FilterSet(std::move(filters));
  return rules;
}

std::optional<std::string_view> IgnoreRules::IgnoredBy(std::string_view message) const {
  const size_t i = set_.FirstMatch(message);
  if (i == rules_.size()) return std::nullopt;
  return std::string_view(rules_[i].name);
}

std::vector<std::string> IgnoreRules::RuleNames() const {
  std::vector<std::string> names;
  names.reserve(rules_.size());
  for (const Rule& rule : rules_) names.push_back(rule.name);
  return names;
}

namespace {

// A JSON string literal for a filter pattern value.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::vector<IgnoreRuleSpec> OriginalIgnoreRules(const std::vector<std::string>& ignored_users) {
  std::vector<IgnoreRuleSpec> specs;
  if (!ignored_users.empty()) {
    std::string pattern = "{ ";
    for (size_t i = 0; i < ignored_users.size(); ++i) {
      if (i) pattern += " || ";
      pattern += "($.userIdentity.userName = " + Quote(ignored_users[i]) + ")";
    }
    pattern += " }";
    specs.push_back({"ignored-users", pattern, "IAM_AUDIT_IGNORE_IGNORED_USERS"});
  }
  specs.push_back({"aws-health", R"({ $.eventSource = "health.amazonaws.com" })",
                   "IAM_AUDIT_IGNORE_AWS_HEALTH"});
  specs.push_back({"aws-internal", R"({ $.sourceIPAddress = "AWS Internal" })",
                   "IAM_AUDIT_IGNORE_AWS_INTERNAL"});
  specs.push_back({"get-bucket-location", R"({ $.eventName = "GetBucketLocation" })",
                   "IAM_AUDIT_IGNORE_GET_BUCKET_LOCATION"});
  return specs;
}

}  // namespace iam_audit
