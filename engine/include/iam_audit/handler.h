// The audit handler: one CloudWatch Logs subscription event in, Slack alerts
// out, and a JSON summary of what happened. This is what the Lambda bootstrap
// runs per invocation and what `iam-audit simulate --handle` can run in
// process.
//
//   decode (payload.h) → ignore rules → render (slack_message.h)
//     → deliver (delivery.h) → InvocationSummary
//
// Configuration comes from environment variables (LoadHandlerConfig), checked
// once at start-up: a bad value is an init error naming the variable (and the
// column, for a pattern). SLACK_WEBHOOK_URL is a secret: nothing here prints
// it; DescribeConfig() and every Status show its host only.
//
// Delivery: with or without a configuration file, one plan: posts to one
// destination (SLACK_WEBHOOK_URL alone without a file) are paced at
// min_post_interval_ms, and when they cannot all fit before the deadline at
// that pace, alerts are merged into digests per identity (and first rule).
//
// Redelivery: Lambda retries a failed asynchronous invocation with the same
// payload, and may deliver a payload twice even without a failure. The
// handler remembers the ids of the events it delivered (CloudTrail eventID,
// or the log event id when the message has no eventID), up to a bounded
// number, oldest forgotten first, and does not post them again while the
// same process lives; an eventID seen twice in one payload is posted once.
// A new container (cold start) starts with an empty memory, so a duplicate
// there is posted again: at-least-once, not exactly-once.
//
// Thread-safety: Handle() may be called from several threads; the delivered-id
// memory is guarded by a mutex, but the HttpClient and Clock given to Create()
// must be thread-safe for that (the real ones are).
#ifndef IAM_AUDIT_HANDLER_H_
#define IAM_AUDIT_HANDLER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/clock.h"
#include "iam_audit/delivery.h"
#include "iam_audit/filter.h"
#include "iam_audit/http_client.h"
#include "iam_audit/payload.h"
#include "iam_audit/rules.h"
#include "iam_audit/slack_message.h"
#include "iam_audit/status.h"

namespace iam_audit {

// ---------------------------------------------------------------- rules

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

// ---------------------------------------------------------------- config

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
};

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
// Errors name the variable and never quote the webhook URL or a token.
StatusOr<HandlerConfig> LoadHandlerConfig(const EnvMap& env);

// One line, safe to log: webhook host, time zone, rule names, limits.
std::string DescribeConfig(const HandlerConfig& config);

// ---------------------------------------------------------------- handler

struct InvocationSummary {
  size_t received = 0;  // log events in the payload
  size_t matched = 0;   // not ignored: alerts due (delivered + digested + duplicates + failed)
  std::map<std::string, size_t> ignored;  // per rule
  size_t delivered = 0;                   // posted now
  size_t duplicates = 0;  // already delivered earlier by this process: not posted again
  size_t failed = 0;      // could not be posted
  size_t control = 0;     // 1 for a CONTROL_MESSAGE payload (no alerts)
  // Every received event is one of: delivered (individually), digested,
  // duplicates, failed, ignored[rule], no_alert_rule (matched = delivered +
  // digested + duplicates + failed).
  size_t digested = 0;       // delivered inside a digest message
  size_t digests = 0;        // digest messages posted
  size_t no_alert_rule = 0;  // matched no alert rule: not posted (rules configuration only)
  size_t messages = 0;       // messages posted (all destinations)

  size_t IgnoredTotal() const;
  // {"received":…,"matched":…,"ignored":{…},"delivered":…,"duplicates":…,"failed":…,"control":…,
  //  "digested":…,"digests":…,"no_alert_rule":…,"messages":…}
  std::string ToJson() const;
};

struct InvocationResult {
  InvocationSummary summary;
  // OK, or why the invocation must be reported as failed (so that Lambda
  // retries it): a payload that cannot be decoded, or alerts not delivered.
  Status status;
  // For the Lambda-Runtime-Function-Error-Type header when !status.ok():
  // "Function.InvalidPayload" or "Function.DeliveryFailed".
  std::string error_type;
};

class Handler {
 public:
  // Builds the handler: compiles the ignore rules, parses the webhook URL,
  // finds the CA bundle (only when `client` is null and the real HTTPS client
  // is made). `client`/`clock` null: the real ones. When given, they must
  // outlive the handler.
  static StatusOr<std::unique_ptr<Handler>> Create(const HandlerConfig& config,
                                                   HttpClient* client = nullptr,
                                                   Clock* clock = nullptr);
  ~Handler();

  // Handles one Lambda event (the JSON document Lambda passes). All network
  // work ends before `deadline_ms` (Unix epoch ms) minus the reserve. Never
  // throws for bad input; allocation failure may still throw.
  InvocationResult Handle(std::string_view event, int64_t deadline_ms);

 private:
  Handler();
  struct State;
  // The delivery plan of both set-ups: ignore/alert rules, duplicates,
  // grouping, pacing, digests, posts and the summary.
  void Deliver(const LogBatch& batch, int64_t deadline_ms, InvocationResult& result);
  std::unique_ptr<State> state_;
};

}  // namespace iam_audit

#endif  // IAM_AUDIT_HANDLER_H_
