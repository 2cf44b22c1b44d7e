// The handler's configuration, read from environment variables once at start.
#include <charconv>
#include <cstdlib>

#include "iam_audit/handler_config.h"

extern char** environ;

namespace iam_audit {

EnvMap ProcessEnvironment() {
  EnvMap env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

namespace {

constexpr std::string_view kIgnorePrefix = "IAM_AUDIT_IGNORE_";

const std::string* Find(const EnvMap& env, const std::string& key) {
  auto it = env.find(key);
  if (it == env.end() || it->second.empty()) return nullptr;
  return &it->second;
}

// Reads an integer variable within [lo, hi]; absent keeps `value`.
Status ReadInt(const EnvMap& env, const std::string& key, int64_t lo, int64_t hi, int64_t& value) {
  const std::string* text = Find(env, key);
  if (text == nullptr) return Status::Ok();
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    return InvalidArgumentError(key + ": not an integer: '" + text->substr(0, 40) + "'");
  }
  if (v < lo || v > hi) {
    return InvalidArgumentError(key + ": " + std::to_string(v) + " is outside " +
                                std::to_string(lo) + ".." + std::to_string(hi));
  }
  value = v;
  return Status::Ok();
}

std::string RuleName(std::string_view suffix) {
  std::string name;
  for (char c : suffix) {
    if (c == '_') {
      name += '-';
    } else {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return name;
}

}  // namespace

StatusOr<std::map<std::string, std::string>> ParseAccountAliases(std::string_view text) {
  std::map<std::string, std::string> aliases;
  size_t n = 0;
  for (size_t start = 0; start <= text.size(); ++n) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view entry = text.substr(start, end - start);
    start = end + 1;
    const std::string where = "entry " + std::to_string(n + 1);
    if (entry.empty()) return InvalidArgumentError(where + " is empty");
    const std::string quoted = " ('" + std::string(entry.substr(0, 80)) + "')";
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgumentError(where + quoted + ": expected ACCOUNT=ALIAS");
    }
    const std::string_view account = entry.substr(0, eq);
    const std::string_view alias = entry.substr(eq + 1);
    if (account.size() != 12 || account.find_first_not_of("0123456789") != std::string_view::npos) {
      return InvalidArgumentError(where + quoted + ": the account must be 12 digits");
    }
    if (alias.empty() || alias.size() > 64) {
      return InvalidArgumentError(where + quoted + ": the alias must be 1 to 64 characters");
    }
    for (char c : alias) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f || c == '=') {
        return InvalidArgumentError(where + quoted +
                                    ": the alias may not hold '=' or control characters");
      }
    }
    if (!aliases.emplace(std::string(account), std::string(alias)).second) {
      return InvalidArgumentError(where + quoted + ": account " + std::string(account) +
                                  " is given twice");
    }
  }
  return aliases;
}

namespace {

// IAM_AUDIT_CONFIG, the rules configuration (a path, or inline JSON), with
// the secret of each of its destinations.
Status ReadRuleConfig(const EnvMap& env, HandlerConfig& config) {
  const std::string* cfg = Find(env, "IAM_AUDIT_CONFIG");
  if (cfg == nullptr || cfg->empty()) return Status::Ok();
  size_t first = cfg->find_first_not_of(" \t\r\n");
  auto parsed = first != std::string::npos && (*cfg)[first] == '{'
                    ? ParseRuleConfig(*cfg, "IAM_AUDIT_CONFIG")
                    : LoadRuleConfigFile(*cfg);
  if (!parsed.ok()) return parsed.status().WithPrefix("IAM_AUDIT_CONFIG");
  // Compile now: a bad pattern is an init error, not a failure per invocation.
  if (auto compiled = RuleSet::Compile(*parsed); !compiled.ok()) {
    return compiled.status().WithPrefix("IAM_AUDIT_CONFIG");
  }
  for (const DestinationSpec& d : parsed->destinations) {
    const std::string* secret = Find(env, d.secret_env);
    if (secret == nullptr || secret->empty()) {
      return InvalidArgumentError("IAM_AUDIT_CONFIG: destination '" + d.name +
                                  "': " + d.secret_env + " is not set");
    }
    if (d.type == DestinationSpec::Type::kSlack) {
      auto durl = ParseHttpUrl(*secret);
      if (!durl.ok()) return durl.status().WithPrefix(d.secret_env);
      if (durl->scheme != "https") {
        return InvalidArgumentError(d.secret_env + ": must be an https:// URL (host " + durl->host +
                                    ")");
      }
    }
    config.destination_secrets[d.name] = *secret;
  }
  // The file's time zone and console URL, unless the variables set them
  // (ReadRender, after this).
  if (!parsed->time_zone.empty()) {
    auto zone = TimeZone::Parse(parsed->time_zone);
    if (!zone.ok()) return zone.status().WithPrefix("IAM_AUDIT_CONFIG: time_zone");
    config.render.time_zone = *zone;
  }
  if (!parsed->console_url.empty()) {
    Status s = ValidateConsoleUrlTemplate(parsed->console_url);
    if (!s.ok()) return s.WithPrefix("IAM_AUDIT_CONFIG: console_url");
    config.render.console_url_template = parsed->console_url;
  }
  config.rule_config = std::make_shared<const RuleConfig>(std::move(parsed).value());
  return Status::Ok();
}

// Where alerts go: the Telegram API base, the interval between posts and
// SLACK_WEBHOOK_URL (required without a rules configuration).
Status ReadDelivery(const EnvMap& env, HandlerConfig& config) {
  if (const std::string* base = Find(env, "IAM_AUDIT_TELEGRAM_API_BASE")) {
    auto burl = ParseHttpUrl(*base);
    if (!burl.ok()) return burl.status().WithPrefix("IAM_AUDIT_TELEGRAM_API_BASE");
    if (burl->scheme != "https") {
      return InvalidArgumentError("IAM_AUDIT_TELEGRAM_API_BASE: must be an https:// URL");
    }
    config.telegram_api_base = *base;
  }
  if (Status s = ReadInt(env, "IAM_AUDIT_POST_INTERVAL_MS", 0, 60'000, config.min_post_interval_ms);
      !s.ok()) {
    return s;
  }

  const std::string* webhook = Find(env, "SLACK_WEBHOOK_URL");
  if (webhook == nullptr && config.rule_config == nullptr) {
    return InvalidArgumentError("SLACK_WEBHOOK_URL: required, not set");
  }
  if (webhook != nullptr) {
    auto url = ParseHttpUrl(*webhook);
    if (!url.ok()) return url.status().WithPrefix("SLACK_WEBHOOK_URL");
    if (url->scheme != "https") {
      return InvalidArgumentError("SLACK_WEBHOOK_URL: must be an https:// URL (host " + url->host +
                                  ")");
    }
    config.webhook_url = *webhook;
    config.webhook_host = url->host;
  }
  return Status::Ok();
}

// How alerts are written: IAM_AUDIT_TIME_ZONE and IAM_AUDIT_CONSOLE_URL.
Status ReadRender(const EnvMap& env, HandlerConfig& config) {
  if (const std::string* tz = Find(env, "IAM_AUDIT_TIME_ZONE")) {
    auto zone = TimeZone::Parse(*tz);
    if (!zone.ok()) return zone.status().WithPrefix("IAM_AUDIT_TIME_ZONE");
    config.render.time_zone = *zone;
  }
  if (const std::string* console = Find(env, "IAM_AUDIT_CONSOLE_URL")) {
    Status s = ValidateConsoleUrlTemplate(*console);
    if (!s.ok()) return s.WithPrefix("IAM_AUDIT_CONSOLE_URL");
    config.render.console_url_template = *console;
  }
  return Status::Ok();
}

// One rule per IAM_AUDIT_IGNORE_<NAME>, in variable-name order (EnvMap is sorted).
Status ReadIgnoreRules(const EnvMap& env, HandlerConfig& config) {
  for (const auto& [key, value] : env) {
    if (key.size() <= kIgnorePrefix.size() ||
        key.compare(0, kIgnorePrefix.size(), kIgnorePrefix) != 0) {
      continue;
    }
    if (value.empty()) continue;  // an empty variable switches a rule off
    config.ignore_rules.push_back(
        {RuleName(std::string_view(key).substr(kIgnorePrefix.size())), value, key});
  }
  // Compile now so that a bad pattern is an init error naming variable and column.
  auto rules = IgnoreRules::Compile(config.ignore_rules);
  if (!rules.ok()) return rules.status();
  return Status::Ok();
}

// The S3 and EventBridge inputs: their filter pattern and the account aliases.
Status ReadInputs(const EnvMap& env, HandlerConfig& config) {
  // The filter pattern of the S3 and EventBridge inputs. Set, it always
  // applies (set empty, it is off); unset, the default applies only without
  // a configuration (with one, its rules decide).
  if (auto it = env.find("IAM_AUDIT_FILTER_PATTERN"); it != env.end()) {
    config.filter_pattern = it->second;
  } else if (config.rule_config == nullptr) {
    config.filter_pattern = kDefaultFilterPattern;
    config.filter_pattern_is_default = true;
  }
  if (!config.filter_pattern.empty()) {
    if (auto f = Filter::Compile(config.filter_pattern); !f.ok()) {
      return f.status().WithPrefix("IAM_AUDIT_FILTER_PATTERN");
    }
  }
  if (const std::string* aliases = Find(env, "IAM_AUDIT_ACCOUNT_ALIASES")) {
    auto parsed = ParseAccountAliases(*aliases);
    if (!parsed.ok()) return parsed.status().WithPrefix("IAM_AUDIT_ACCOUNT_ALIASES");
    config.account_aliases = std::move(parsed).value();
    config.render.account_aliases = config.account_aliases;
  }
  return Status::Ok();
}

// The limits (payload size, attempts, timeouts, remembered ids) and the CA
// bundle.
Status ReadLimits(const EnvMap& env, HandlerConfig& config) {
  int64_t v = static_cast<int64_t>(config.decode.max_inflated_bytes);
  if (Status s = ReadInt(env, "IAM_AUDIT_MAX_PAYLOAD_BYTES", 1024, int64_t{1} << 30, v); !s.ok())
    return s;
  config.decode.max_inflated_bytes = static_cast<size_t>(v);
  v = config.retry.max_attempts;
  if (Status s = ReadInt(env, "IAM_AUDIT_MAX_ATTEMPTS", 1, 20, v); !s.ok()) return s;
  config.retry.max_attempts = static_cast<int>(v);
  if (Status s =
          ReadInt(env, "IAM_AUDIT_HTTP_TIMEOUT_MS", 100, 900'000, config.retry.request_timeout_ms);
      !s.ok()) {
    return s;
  }
  if (Status s = ReadInt(env, "IAM_AUDIT_MAX_BACKOFF_MS", 0, 900'000, config.retry.max_backoff_ms);
      !s.ok()) {
    return s;
  }
  v = static_cast<int64_t>(config.remembered_ids);
  if (Status s = ReadInt(env, "IAM_AUDIT_REMEMBERED_IDS", 0, 10'000'000, v); !s.ok()) return s;
  config.remembered_ids = static_cast<size_t>(v);
  if (const std::string* ca = Find(env, "IAM_AUDIT_CA_BUNDLE")) {
    config.ca_bundle = *ca;
  } else if (const std::string* ssl = Find(env, "SSL_CERT_FILE")) {
    config.ca_bundle = *ssl;
  }
  return Status::Ok();
}

}  // namespace

StatusOr<HandlerConfig> LoadHandlerConfig(const EnvMap& env) {
  HandlerConfig config;
  // In this order: the first error found is the one returned, and later
  // groups depend on earlier ones (the rules configuration decides whether
  // SLACK_WEBHOOK_URL is required and the default filter pattern applies;
  // the variables override its time zone and console URL).
  if (Status s = ReadRuleConfig(env, config); !s.ok()) return s;
  if (Status s = ReadDelivery(env, config); !s.ok()) return s;
  if (Status s = ReadRender(env, config); !s.ok()) return s;
  if (Status s = ReadIgnoreRules(env, config); !s.ok()) return s;
  if (Status s = ReadInputs(env, config); !s.ok()) return s;
  if (Status s = ReadLimits(env, config); !s.ok()) return s;
  return config;
}

std::string DescribeConfig(const HandlerConfig& config) {
  std::string rules;
  for (const IgnoreRuleSpec& rule : config.ignore_rules) {
    if (!rules.empty()) rules += ",";
    rules += rule.name;
  }
  std::string routing;
  if (config.rule_config != nullptr) {
    routing = " rules_config=yes destinations=[";
    for (size_t i = 0; i < config.rule_config->destinations.size(); ++i) {
      const DestinationSpec& d = config.rule_config->destinations[i];
      routing += (i ? "," : "") + d.name + ":" +
                 (d.type == DestinationSpec::Type::kTelegram ? "telegram" : "slack");
    }
    routing += "]";
  }
  return "webhook_host=" + (config.webhook_host.empty() ? std::string("-") : config.webhook_host) +
         routing + " time_zone=" + config.render.time_zone.name() + " ignore=[" + rules +
         "] max_attempts=" + std::to_string(config.retry.max_attempts) +
         " http_timeout_ms=" + std::to_string(config.retry.request_timeout_ms) +
         " remembered_ids=" + std::to_string(config.remembered_ids) +
         " max_payload_bytes=" + std::to_string(config.decode.max_inflated_bytes) +
         " filter_pattern=" +
         (config.filter_pattern.empty()      ? std::string("none")
          : config.filter_pattern_is_default ? std::string("default")
                                             : std::string("set")) +
         " account_aliases=" + std::to_string(config.account_aliases.size());
}

}  // namespace iam_audit
