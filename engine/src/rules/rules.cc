// Rules (iam_audit/rules.h): the rule file's reader with positioned errors,
// the default rule pack, ParseRuleConfig and LoadRuleConfigFile, and
// RuleSet's compilation and per-event evaluation (ignore, alert, route).
#include "iam_audit/rules.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/json_error.h"

namespace iam_audit {
namespace {

using nlohmann::json;

using internal::CleanJsonError;

// Reads a configuration document with JSON-path error messages.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  Status Fail(const std::string& path, const std::string& what) const {
    return InvalidArgumentError(source_ + ": " + path + ": " + what);
  }

  Status CheckKeys(const json& obj, const std::string& path,
                   std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (std::string_view a : allowed) list.append(list.empty() ? "" : ", ").append(a);
        std::string where = path;
        if (!where.empty()) where += '.';
        where += key;
        return Fail(where, "unknown key (expected one of: " + list.append(")"));
      }
    }
    return Status::Ok();
  }

  Status String(const json& obj, const std::string& path, const char* key, std::string& out,
                bool required) const {
    auto it = obj.find(key);
    const std::string here = Join(path, key);
    if (it == obj.end()) return required ? Fail(here, "required") : Status::Ok();
    if (!it->is_string())
      return Fail(here, std::string("expected a string, got ") + it->type_name());
    out = it->get<std::string>();
    if (required && out.empty()) return Fail(here, "must not be empty");
    return Status::Ok();
  }

  Status Strings(const json& obj, const std::string& path, const char* key,
                 std::vector<std::string>& out) const {
    auto it = obj.find(key);
    const std::string here = Join(path, key);
    if (it == obj.end()) return Status::Ok();
    if (!it->is_array())
      return Fail(here, std::string("expected an array of strings, got ") + it->type_name());
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        return Fail(here + "[" + std::to_string(i) + "]",
                    std::string("expected a string, got ") + (*it)[i].type_name());
      }
      out.push_back((*it)[i].get<std::string>());
    }
    return Status::Ok();
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

 private:
  std::string source_;
};

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// A POSIX environment variable name, as Lambda accepts them.
bool ValidEnvName(std::string_view name) {
  if (name.empty() || name.size() > 128 || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

Status ReadRule(const Reader& r, const json& item, const std::string& path, bool ignore_rule,
                RuleSpec& rule) {
  if (!item.is_object())
    return r.Fail(path, std::string("expected an object, got ") + item.type_name());
  if (ignore_rule) {
    if (Status s = r.CheckKeys(item, path, {"name", "pattern", "description"}); !s.ok()) return s;
  } else {
    if (Status s = r.CheckKeys(
            item, path, {"name", "pattern", "severity", "destinations", "title", "description"});
        !s.ok()) {
      return s;
    }
  }
  if (Status s = r.String(item, path, "name", rule.name, true); !s.ok()) return s;
  if (!ValidName(rule.name)) {
    return r.Fail(
        path + ".name",
        "\"" + rule.name + "\" is not a valid name (letters, digits, '-', '_', '.'; at most 64)");
  }
  // A pattern may legitimately be empty (matches everything), so only its
  // presence is required.
  if (!item.contains("pattern")) return r.Fail(path + ".pattern", "required");
  if (Status s = r.String(item, path, "pattern", rule.pattern, false); !s.ok()) return s;
  if (Status s = r.String(item, path, "description", rule.description, false); !s.ok()) return s;
  if (ignore_rule) return Status::Ok();
  std::string severity = "info";
  if (Status s = r.String(item, path, "severity", severity, false); !s.ok()) return s;
  auto parsed = ParseSeverity(severity);
  if (!parsed)
    return r.Fail(path + ".severity", "\"" + severity + "\" is not one of info, warning, critical");
  rule.severity = *parsed;
  if (Status s = r.Strings(item, path, "destinations", rule.destinations); !s.ok()) return s;
  return r.String(item, path, "title", rule.title, false);
}

StatusOr<Filter> CompilePattern(const std::string& where, const std::string& pattern) {
  auto filter = Filter::Compile(pattern);
  if (!filter.ok()) return filter.status().WithPrefix(where);
  return filter;
}

std::string AccountsPattern(const std::vector<std::string>& accounts) {
  std::string pattern = "{ ";
  for (size_t i = 0; i < accounts.size(); ++i) {
    if (i) pattern += " || ";
    pattern += "($.recipientAccountId = \"" + accounts[i] + "\")";
  }
  return pattern + " }";
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "info";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  if (name == "info") return Severity::kInfo;
  if (name == "warning") return Severity::kWarning;
  if (name == "critical") return Severity::kCritical;
  return std::nullopt;
}

std::vector<RuleSpec> DefaultRulePack(std::string_view notifier_function) {
  const std::string fn(notifier_function);
  return {
      {"root-activity",
       R"({ ($.userIdentity.type = "Root") && (($.readOnly IS FALSE) || ($.readOnly NOT EXISTS)) && ($.userIdentity.invokedBy NOT EXISTS) })",
       Severity::kCritical,
       {},
       "Root account activity",
       "The root user did something other than a read (root sign-ins included)."},
      {"console-login-without-mfa",
       R"({ ($.eventName = "ConsoleLogin") && ($.responseElements.ConsoleLogin = "Success") && (($.userIdentity.type = "IAMUser") || ($.userIdentity.type = "Root")) && ($.additionalEventData.MFAUsed != "Yes") && ($.additionalEventData.MFAUsed != "YES") })",
       Severity::kWarning,
       {},
       "Console login without MFA",
       "A successful console sign-in by an IAM user or root without MFA. Federated and SSO "
       "sign-ins "
       "(AssumedRole, FederatedUser) carry no MFA flag and are left out."},
      {"console-login-failure",
       R"({ ($.eventName = "ConsoleLogin") && ($.responseElements.ConsoleLogin = "Failure") })",
       Severity::kWarning,
       {},
       "Failed console login",
       "A console sign-in that failed."},
      {"cloudtrail-tampering",
       R"({ ($.eventSource = "cloudtrail.amazonaws.com") && (($.eventName = "StopLogging") || ($.eventName = "DeleteTrail") || ($.eventName = "UpdateTrail") || ($.eventName = "PutEventSelectors")) })",
       Severity::kCritical,
       {},
       "CloudTrail tampering",
       "Logging stopped, a trail deleted or changed, or its event selectors replaced."},
      {"iam-changes",
       R"({ ($.eventSource = "iam.amazonaws.com") && (($.eventName = "CreateAccessKey") || ($.eventName = "UpdateAccessKey") || ($.eventName = "CreateUser") || ($.eventName = "DeleteUser") || ($.eventName = "CreateLoginProfile") || ($.eventName = "UpdateLoginProfile") || ($.eventName = "Attach*") || ($.eventName = "Put*") || ($.eventName = "CreatePolicyVersion") || ($.eventName = "SetDefaultPolicyVersion") || ($.eventName = "AddUserToGroup") || ($.eventName = "UpdateAssumeRolePolicy") || ($.eventName = "DeactivateMFADevice") || ($.eventName = "DeleteVirtualMFADevice")) && ($.errorCode NOT EXISTS) })",
       Severity::kWarning,
       {},
       "IAM credential or policy change",
       "Access keys, users, login profiles, MFA devices, attached or inline policies changed."},
      {"access-denied",
       R"({ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.errorCode = "Client.UnauthorizedOperation") })",
       Severity::kWarning,
       {},
       "Access denied",
       "A call refused with AccessDenied or UnauthorizedOperation."},
      {"notifier-changes",
       R"({ (($.eventSource = "lambda.amazonaws.com") && ($.requestParameters.functionName = ")" +
           fn +
           R"(*") && ($.readOnly IS FALSE)) || (($.eventSource = "logs.amazonaws.com") && (($.eventName = "DeleteSubscriptionFilter") || ($.eventName = "PutSubscriptionFilter"))) })",
       Severity::kCritical,
       {},
       "Audit notifier changed",
       "The audit Lambda itself or a log subscription filter was changed or removed."},
      {"iam-user-activity",
       R"({ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") })",
       Severity::kInfo,
       {},
       "",
       "The original iam-audit behaviour: every IAM-user call that is not Get*/Describe*."},
  };
}

namespace {

// The sections of the configuration file, in the order ParseRuleConfig reads
// them (docs/configuration.md, "Top level"); each fills its part of *config.

// "default_rules": true, false or {"enabled", "disable", "notifier_function"}.
Status ReadDefaultRules(const Reader& r, const json& doc, RuleConfig& config) {
  if (auto d = doc.find("default_rules"); d != doc.end()) {
    if (d->is_boolean()) {
      config.default_rules = d->get<bool>();
    } else if (d->is_object()) {
      if (Status s = r.CheckKeys(*d, "default_rules", {"enabled", "disable", "notifier_function"});
          !s.ok())
        return s;
      auto en = d->find("enabled");
      if (en != d->end() && !en->is_boolean())
        return r.Fail("default_rules.enabled", "expected true or false");
      config.default_rules = en == d->end() ? true : en->get<bool>();
      if (Status s = r.Strings(*d, "default_rules", "disable", config.disabled_rules); !s.ok())
        return s;
      std::vector<std::string> known;
      for (const RuleSpec& rule : DefaultRulePack()) known.push_back(rule.name);
      for (size_t i = 0; i < config.disabled_rules.size(); ++i) {
        if (std::find(known.begin(), known.end(), config.disabled_rules[i]) == known.end()) {
          return r.Fail("default_rules.disable[" + std::to_string(i) + "]",
                        "no built-in rule named \"" + config.disabled_rules[i] + "\"");
        }
      }
    } else {
      return r.Fail("default_rules", "expected true, false or an object");
    }
  }
  return Status::Ok();
}

// "ignore" and "rules": arrays of rules.
Status ReadRuleLists(const Reader& r, const json& doc, RuleConfig& config) {
  for (const char* key : {"ignore", "rules"}) {
    auto it = doc.find(key);
    if (it == doc.end()) continue;
    if (!it->is_array())
      return r.Fail(key, std::string("expected an array, got ") + it->type_name());
    auto& out = std::string_view(key) == "ignore" ? config.ignore : config.rules;
    for (size_t i = 0; i < it->size(); ++i) {
      RuleSpec rule;
      const std::string path = std::string(key) + "[" + std::to_string(i) + "]";
      if (Status s = ReadRule(r, (*it)[i], path, std::string_view(key) == "ignore", rule);
          !s.ok()) {
        return s;
      }
      out.push_back(std::move(rule));
    }
  }
  return Status::Ok();
}

// "destinations": named Slack or Telegram destinations, secrets by variable name.
Status ReadDestinations(const Reader& r, const json& doc, RuleConfig& config) {
  if (auto it = doc.find("destinations"); it != doc.end()) {
    if (!it->is_object())
      return r.Fail("destinations", std::string("expected an object, got ") + it->type_name());
    for (const auto& [name, dest] : it->items()) {
      const std::string path = "destinations." + name;
      if (!ValidName(name)) return r.Fail(path, "not a valid destination name");
      if (!dest.is_object())
        return r.Fail(path, std::string("expected an object, got ") + dest.type_name());
      DestinationSpec spec;
      spec.name = name;
      std::string type;
      if (Status s = r.String(dest, path, "type", type, true); !s.ok()) return s;
      if (type == "slack") {
        if (Status s = r.CheckKeys(dest, path, {"type", "webhook_url_env"}); !s.ok()) return s;
        if (Status s = r.String(dest, path, "webhook_url_env", spec.secret_env, true); !s.ok())
          return s;
      } else if (type == "telegram") {
        spec.type = DestinationSpec::Type::kTelegram;
        if (Status s = r.CheckKeys(dest, path, {"type", "bot_token_env", "chat_id"}); !s.ok())
          return s;
        if (Status s = r.String(dest, path, "bot_token_env", spec.secret_env, true); !s.ok())
          return s;
        if (auto chat = dest.find("chat_id"); chat != dest.end() && chat->is_number_integer()) {
          spec.chat_id = chat->dump();
        } else if (Status s = r.String(dest, path, "chat_id", spec.chat_id, true); !s.ok()) {
          return s;
        }
      } else {
        return r.Fail(path + ".type", "\"" + type + "\" is not one of slack, telegram");
      }
      // Only a variable name is accepted: anything else may be the secret
      // itself pasted in (a webhook URL, a bot token "123:AA…"), and later
      // errors quote this field. The value is never repeated here.
      if (!ValidEnvName(spec.secret_env)) {
        return r.Fail(path,
                      "secrets never go in the file: name the environment variable that holds it "
                      "(letters, digits and '_', not starting with a digit)");
      }
      config.destinations.push_back(std::move(spec));
    }
  }
  return Status::Ok();
}

// "routes": which alerts go to which destinations.
Status ReadRoutes(const Reader& r, const json& doc, RuleConfig& config) {
  if (auto it = doc.find("routes"); it != doc.end()) {
    if (!it->is_array())
      return r.Fail("routes", std::string("expected an array, got ") + it->type_name());
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string path = "routes[" + std::to_string(i) + "]";
      const json& item = (*it)[i];
      if (!item.is_object())
        return r.Fail(path, std::string("expected an object, got ") + item.type_name());
      if (Status s = r.CheckKeys(item, path, {"rules", "min_severity", "accounts", "destinations"});
          !s.ok())
        return s;
      RouteSpec route;
      if (Status s = r.Strings(item, path, "rules", route.rules); !s.ok()) return s;
      if (Status s = r.Strings(item, path, "accounts", route.accounts); !s.ok()) return s;
      if (Status s = r.Strings(item, path, "destinations", route.destinations); !s.ok()) return s;
      if (route.destinations.empty()) return r.Fail(path + ".destinations", "required");
      std::string sev;
      if (Status s = r.String(item, path, "min_severity", sev, false); !s.ok()) return s;
      if (!sev.empty()) {
        route.min_severity = ParseSeverity(sev);
        if (!route.min_severity)
          return r.Fail(path + ".min_severity",
                        "\"" + sev + "\" is not one of info, warning, critical");
      }
      for (size_t a = 0; a < route.accounts.size(); ++a) {
        const std::string& acct = route.accounts[a];
        if (acct.size() != 12 || !std::all_of(acct.begin(), acct.end(), ::isdigit)) {
          return r.Fail(path + ".accounts[" + std::to_string(a) + "]",
                        "\"" + acct + "\" is not a 12-digit account id");
        }
      }
      config.routes.push_back(std::move(route));
    }
  }
  return Status::Ok();
}

// "digest": {"threshold", "max_links"}.
Status ReadDigest(const Reader& r, const json& doc, RuleConfig& config) {
  if (auto it = doc.find("digest"); it != doc.end()) {
    if (!it->is_object()) return r.Fail("digest", "expected an object");
    if (Status s = r.CheckKeys(*it, "digest", {"threshold", "max_links"}); !s.ok()) return s;
    for (auto [key, out] : {std::pair{"threshold", &config.digest.threshold},
                            std::pair{"max_links", &config.digest.max_links}}) {
      if (auto v = it->find(key); v != it->end()) {
        if (!v->is_number_unsigned() || v->get<size_t>() < 1 || v->get<size_t>() > 1000) {
          return r.Fail(std::string("digest.") + key, "expected a whole number from 1 to 1000");
        }
        *out = v->get<size_t>();
      }
    }
  }
  return Status::Ok();
}

// Rule names are unique and not taken by the built-in pack.
Status CheckRuleNames(const Reader& r, const RuleConfig& config) {
  std::set<std::string> names;
  for (const auto* list : {&config.ignore, &config.rules}) {
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string& name = (*list)[i].name;
      const std::string path =
          (list == &config.ignore ? "ignore[" : "rules[") + std::to_string(i) + "].name";
      if (!names.insert(name).second) return r.Fail(path, "duplicate rule name \"" + name + "\"");
    }
  }
  if (config.default_rules) {
    for (const RuleSpec& rule : DefaultRulePack()) {
      if (names.count(rule.name)) {
        return r.Fail("rules", "rule name \"" + rule.name + "\" is taken by the built-in pack");
      }
    }
  }
  return Status::Ok();
}

// Every destination a rule, a route or default_destinations names exists.
Status CheckDestinationNames(const Reader& r, const RuleConfig& config) {
  std::set<std::string> dests;
  for (const DestinationSpec& d : config.destinations) dests.insert(d.name);
  auto check_dests = [&](const std::vector<std::string>& list, const std::string& path) -> Status {
    for (size_t i = 0; i < list.size(); ++i) {
      if (!dests.count(list[i])) {
        return r.Fail(path + "[" + std::to_string(i) + "]",
                      "no destination named \"" + list[i] + "\"");
      }
    }
    return Status::Ok();
  };
  for (size_t i = 0; i < config.rules.size(); ++i) {
    if (Status s = check_dests(config.rules[i].destinations,
                               "rules[" + std::to_string(i) + "].destinations");
        !s.ok())
      return s;
  }
  for (size_t i = 0; i < config.routes.size(); ++i) {
    if (Status s = check_dests(config.routes[i].destinations,
                               "routes[" + std::to_string(i) + "].destinations");
        !s.ok())
      return s;
  }
  if (Status s = check_dests(config.default_destinations, "default_destinations"); !s.ok())
    return s;
  return Status::Ok();
}

}  // namespace

StatusOr<RuleConfig> ParseRuleConfig(std::string_view text, std::string_view source) {
  const Reader r{std::string(source)};
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string(source) + ": " + CleanJsonError(e));
  }
  if (!doc.is_object())
    return r.Fail("(top level)", std::string("expected an object, got ") + doc.type_name());
  if (Status s =
          r.CheckKeys(doc, "",
                      {"$schema", "version", "default_rules", "ignore", "rules", "destinations",
                       "routes", "default_destinations", "digest", "time_zone", "console_url"});
      !s.ok()) {
    return s;
  }
  RuleConfig config;
  if (auto v = doc.find("version");
      v != doc.end() && !(v->is_number_integer() && v->get<int>() == 1)) {
    return r.Fail("version", "only version 1 is known");
  }
  if (Status s = ReadDefaultRules(r, doc, config); !s.ok()) return s;
  if (Status s = ReadRuleLists(r, doc, config); !s.ok()) return s;
  if (Status s = ReadDestinations(r, doc, config); !s.ok()) return s;
  if (Status s = r.Strings(doc, "", "default_destinations", config.default_destinations); !s.ok())
    return s;
  if (Status s = ReadRoutes(r, doc, config); !s.ok()) return s;
  if (Status s = ReadDigest(r, doc, config); !s.ok()) return s;
  if (Status s = r.String(doc, "", "time_zone", config.time_zone, false); !s.ok()) return s;
  if (Status s = r.String(doc, "", "console_url", config.console_url, false); !s.ok()) return s;

  // Names unique; destinations referenced exist.
  if (Status s = CheckRuleNames(r, config); !s.ok()) return s;
  if (Status s = CheckDestinationNames(r, config); !s.ok()) return s;

  // Every pattern compiles: report it here, with the path.
  auto compiled = RuleSet::Compile(config);
  if (!compiled.ok()) return compiled.status().WithPrefix(std::string(source));
  return config;
}

StatusOr<RuleConfig> LoadRuleConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseRuleConfig(buffer.str(), path);
}

StatusOr<RuleSet> RuleSet::Compile(const RuleConfig& config) {
  RuleSet set;
  set.config_ = config;
  auto add = [](std::vector<CompiledRule>& out, const RuleSpec& spec,
                const std::string& where) -> Status {
    auto filter = CompilePattern(where, spec.pattern);
    if (!filter.ok()) return filter.status();
    out.push_back(CompiledRule{spec, *std::move(filter)});
    return Status::Ok();
  };
  for (size_t i = 0; i < config.ignore.size(); ++i) {
    const RuleSpec& spec = config.ignore[i];
    if (Status s =
            add(set.ignore_, spec, "ignore[" + std::to_string(i) + "] (" + spec.name + ").pattern");
        !s.ok()) {
      return s;
    }
  }
  if (config.default_rules) {
    for (const RuleSpec& spec : DefaultRulePack()) {
      if (std::find(config.disabled_rules.begin(), config.disabled_rules.end(), spec.name) !=
          config.disabled_rules.end()) {
        continue;
      }
      if (Status s = add(set.alert_, spec, "default rule " + spec.name); !s.ok()) return s;
    }
  }
  for (size_t i = 0; i < config.rules.size(); ++i) {
    const RuleSpec& spec = config.rules[i];
    if (Status s =
            add(set.alert_, spec, "rules[" + std::to_string(i) + "] (" + spec.name + ").pattern");
        !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < config.routes.size(); ++i) {
    const RouteSpec& route = config.routes[i];
    if (route.accounts.empty()) {
      set.route_accounts_.emplace_back(std::nullopt);
      continue;
    }
    auto filter = CompilePattern("routes[" + std::to_string(i) + "].accounts",
                                 AccountsPattern(route.accounts));
    if (!filter.ok()) return filter.status();
    set.route_accounts_.emplace_back(*std::move(filter));
  }
  std::vector<Filter> filters;
  for (const CompiledRule& rule : set.ignore_) filters.push_back(rule.filter);
  for (const CompiledRule& rule : set.alert_) filters.push_back(rule.filter);
  for (const std::optional<Filter>& accounts : set.route_accounts_) {
    set.route_filter_.push_back(accounts ? static_cast<ptrdiff_t>(filters.size()) : -1);
    if (accounts) filters.push_back(*accounts);
  }
  set.filters_ = FilterSet(std::move(filters));
  return set;
}

Verdict RuleSet::Evaluate(std::string_view message) const {
  Verdict verdict;
  FilterSet::Evaluation matches = filters_.Evaluate(message);
  for (size_t i = 0; i < ignore_.size(); ++i) {
    if (matches.Matches(i)) {
      verdict.ignored_by = ignore_[i].spec.name;
      return verdict;
    }
  }
  std::vector<const CompiledRule*> hits;
  for (size_t i = 0; i < alert_.size(); ++i) {
    if (matches.Matches(ignore_.size() + i)) hits.push_back(&alert_[i]);
  }
  if (hits.empty()) return verdict;
  std::stable_sort(hits.begin(), hits.end(), [](const CompiledRule* a, const CompiledRule* b) {
    return a->spec.severity > b->spec.severity;
  });
  std::set<std::string> dests;
  verdict.severity = hits.front()->spec.severity;
  for (const CompiledRule* rule : hits) {
    verdict.rules.push_back(rule->spec.name);
    if (verdict.title.empty()) verdict.title = rule->spec.title;
    dests.insert(rule->spec.destinations.begin(), rule->spec.destinations.end());
  }
  for (size_t i = 0; i < config_.routes.size(); ++i) {
    const RouteSpec& route = config_.routes[i];
    if (route.min_severity && verdict.severity < *route.min_severity) continue;
    if (!route.rules.empty() &&
        std::none_of(route.rules.begin(), route.rules.end(), [&](const std::string& name) {
          return std::find(verdict.rules.begin(), verdict.rules.end(), name) != verdict.rules.end();
        })) {
      continue;
    }
    if (route_filter_[i] >= 0 && !matches.Matches(static_cast<size_t>(route_filter_[i]))) continue;
    dests.insert(route.destinations.begin(), route.destinations.end());
  }
  if (dests.empty())
    dests.insert(config_.default_destinations.begin(), config_.default_destinations.end());
  verdict.destinations.assign(dests.begin(), dests.end());
  return verdict;
}

std::vector<std::string> RuleSet::IgnoreRuleNames() const {
  std::vector<std::string> names;
  for (const CompiledRule& rule : ignore_) names.push_back(rule.spec.name);
  return names;
}

std::vector<std::string> RuleSet::AlertRuleNames() const {
  std::vector<std::string> names;
  for (const CompiledRule& rule : alert_) names.push_back(rule.spec.name);
  return names;
}

}  // namespace iam_audit
