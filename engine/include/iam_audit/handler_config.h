// The handler's configuration (HandlerConfig), read from environment
// variables by LoadHandlerConfig and checked once at start-up: a bad value is
// an init error naming the variable (and the column, for a pattern).
// SLACK_WEBHOOK_URL is a secret: nothing here prints it; DescribeConfig() and
// every Status show its host only.
#ifndef IAM_AUDIT_HANDLER_CONFIG_H_
#define IAM_AUDIT_HANDLER_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/delivery.h"
#include "iam_audit/ignore_rules.h"
#include "iam_audit/payload.h"
#include "iam_audit/rules.h"
#include "iam_audit/slack_message.h"
#include "iam_audit/status.h"

namespace iam_audit {

using EnvMap = std::map<std::string, std::string>;

// The current process environment.
EnvMap ProcessEnvironment();

struct HandlerConfig {
  std::string webhook_url;   // secret: never print
  std::string webhook_host;  // safe to print
  RenderOptions render;
  std::vector<IgnoreRuleSpec> ignore_rules;
  DecodeOptions decode;
  RetryPolicy retry;
  size_t remembered_ids = 10000;  // delivered eventIDs kept for redelivery
  std::string ca_bundle;          // explicit override; empty: FindCaBundle defaults

  // Rules and routing; null: the environment-only set-up above.
  // With a configuration, the rules decide what alerts and where it goes
  // (rules.h); webhook_url (optional then) receives alerts whose rules name no
  // destination.
  std::shared_ptr<const RuleConfig> rule_config;
  // Secret per destination name (webhook URL or bot token), read from the
  // variables the configuration names. Never printed.
  std::map<std::string, std::string> destination_secrets;
  std::string telegram_api_base = "https://api.telegram.org";  // IAM_AUDIT_TELEGRAM_API_BASE
  // Pacing: at most one post per destination per this interval (Slack: about
  // 1 message/s per webhook). When the posts due cannot all fit before the
  // deadline at this pace, alerts are merged into digests rather than dropped.
  int64_t min_post_interval_ms = 1000;  // IAM_AUDIT_POST_INTERVAL_MS
  // Applied to the records of S3 log files and EventBridge events (no
  // subscription filter ran for them; CloudWatch Logs events are not
  // filtered again); "" for none. Without IAM_AUDIT_CONFIG it defaults to
  // kDefaultFilterPattern; with it, only an explicit IAM_AUDIT_FILTER_PATTERN
  // applies (the rules decide).
  std::string filter_pattern;  // IAM_AUDIT_FILTER_PATTERN
  bool filter_pattern_is_default = false;
  // Account id (12 digits) → alias, shown beside the account in alerts.
  std::map<std::string, std::string> account_aliases;  // IAM_AUDIT_ACCOUNT_ALIASES
};

// The deploy templates' subscription filter: IAM users' calls but Get* and
// Describe*.
inline constexpr const char* kDefaultFilterPattern =
    R"({ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") })";

// IAM_AUDIT_ACCOUNT_ALIASES: "111122223333=prod,444455556666=dev". Strict:
// entries separated by ',', each a 12-digit account, '=', an alias of 1 to 64
// printable characters without ',' or '='; no empty entry, no account twice.
// Errors name the variable and the entry.
StatusOr<std::map<std::string, std::string>> ParseAccountAliases(std::string_view text);

// The environment variables, documented in README.md and docs/deploy.md:
//   SLACK_WEBHOOK_URL            required, https://…, secret
//   IAM_AUDIT_TIME_ZONE          IANA name or ±hh:mm (default UTC)
//   IAM_AUDIT_CONSOLE_URL        console link template ({region}, {eventID})
//   IAM_AUDIT_IGNORE_<NAME>      one ignore rule per variable, a filter pattern;
//                                rule name = <NAME> lower-cased, '_' → '-'
//   IAM_AUDIT_MAX_PAYLOAD_BYTES  inflated payload cap (default 64 MiB)
//   IAM_AUDIT_MAX_ATTEMPTS       HTTP attempts per alert (default 5, 1..20)
//   IAM_AUDIT_HTTP_TIMEOUT_MS    one request's cap (default 5000)
//   IAM_AUDIT_MAX_BACKOFF_MS     backoff cap (default 5000)
//   IAM_AUDIT_REMEMBERED_IDS     delivered ids remembered (default 10000)
//   IAM_AUDIT_CA_BUNDLE          CA file (default: Amazon Linux, then Debian path)
//   IAM_AUDIT_CONFIG             rules configuration (docs/configuration.md): a
//                                path, or the JSON itself when it starts with '{';
//                                SLACK_WEBHOOK_URL is then optional
//   IAM_AUDIT_TELEGRAM_API_BASE  Bot API base URL (default https://api.telegram.org)
//   IAM_AUDIT_POST_INTERVAL_MS   pacing per destination (default 1000, 0..60000)
//   IAM_AUDIT_FILTER_PATTERN     filter pattern for the S3 and EventBridge inputs
//                                (default kDefaultFilterPattern without
//                                IAM_AUDIT_CONFIG, none with it; set empty: none)
//   IAM_AUDIT_ACCOUNT_ALIASES    account=alias,… shown beside accounts in alerts
// Errors name the variable and never quote the webhook URL or a token.
StatusOr<HandlerConfig> LoadHandlerConfig(const EnvMap& env);

// One line, safe to log: webhook host, time zone, rule names, limits.
std::string DescribeConfig(const HandlerConfig& config);

}  // namespace iam_audit

#endif  // IAM_AUDIT_HANDLER_CONFIG_H_
