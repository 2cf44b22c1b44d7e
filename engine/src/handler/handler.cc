// The handler (handler.h): decode the event, evaluate each log event
// (ignore rules, alert rules, duplicates), run the delivery plan
// (delivery_plan.h) and post it through the destinations (destination.h),
// then account for every event in the summary.
#include "iam_audit/handler.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>

#include "handler/delivered_ids.h"
#include "handler/delivery_plan.h"
#include "handler/destination.h"
#include "handler/lambda_input.h"
#include "iam_audit/cloudtrail.h"
#include "iam_audit/cloudtrail_log.h"
#include "iam_audit/telegram.h"

namespace iam_audit {

size_t InvocationSummary::IgnoredTotal() const {
  size_t total = 0;
  for (const auto& [rule, count] : ignored) total += count;
  return total;
}

std::string InvocationSummary::ToJson() const {
  nlohmann::ordered_json j;
  j["input"] = input;
  j["received"] = received;
  j["matched"] = matched;
  j["ignored"] = nlohmann::ordered_json::object();
  for (const auto& [rule, count] : ignored) j["ignored"][rule] = count;
  j["delivered"] = delivered;
  j["duplicates"] = duplicates;
  j["failed"] = failed;
  j["control"] = control;
  j["digested"] = digested;
  j["digests"] = digests;
  j["no_alert_rule"] = no_alert_rule;
  j["messages"] = messages;
  if (input != "cloudwatch-logs") {
    j["objects"] = objects;
    j["object_failures"] = object_failures;
    j["skipped"] = nlohmann::ordered_json::object();
    for (const auto& [reason, count] : skipped) j["skipped"][reason] = count;
  }
  return j.dump();
}

std::string InvocationResult::ResponseBody() const {
  if (!batch_response) return summary.ToJson();
  // AWS Lambda Developer Guide, "Handling errors for an SQS event source in
  // Lambda": {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]}.
  nlohmann::ordered_json j;
  j["batchItemFailures"] = nlohmann::ordered_json::array();
  for (const std::string& id : batch_item_failures) {
    j["batchItemFailures"].push_back({{"itemIdentifier", id}});
  }
  return j.dump();
}

namespace {

// Alerts whose rules and routes name no destination go to SLACK_WEBHOOK_URL.
constexpr const char* kFallback = "SLACK_WEBHOOK_URL";

// One alert due: what its messages say, its redelivery key, and how its
// posts went.
struct Alert {
  const LogEvent* event;
  std::string id;  // "event:<eventID>", or "log:<id>" when the message has no eventID
  Verdict verdict;
  std::optional<CloudTrailRecord> record;  // when the message parses as one
  std::string identity;
  int posts = 0, ok = 0, failed = 0;
  bool digested = false;
  internal::AlertContent Content() const {
    return {event->message, record ? &*record : nullptr, identity, &verdict};
  }
};

}  // namespace

struct Handler::State {
  HandlerConfig config;
  std::unique_ptr<HttpClient> owned_client;
  HttpClient* client = nullptr;
  Clock* clock = nullptr;
  IgnoreRules rules;                 // config.ignore_rules, compiled
  std::unique_ptr<RuleSet> ruleset;  // null without a configuration
  std::unique_ptr<internal::DeliveredIds> delivered;
  std::optional<Filter> pattern;  // config.filter_pattern, compiled; none when empty
  std::unique_ptr<LogObjectSource> owned_objects;
  LogObjectSource* objects = nullptr;
  std::mutex objects_mu;  // one S3 read at a time (a LogObjectSource is not thread-safe)
  // Where alerts go, by name: the configuration's destinations, and kFallback
  // (SLACK_WEBHOOK_URL) when it is set, the only one without a configuration.
  std::map<std::string, std::unique_ptr<internal::Destination>, std::less<>> destinations;

  Status AddConfiguredDestinations();
  // Evaluates `events`: counts the ignored, the duplicates and the events no
  // alert rule matched in `sum`, and returns the alerts due with their plan
  // entries (group, destinations).
  std::vector<Alert> Evaluate(const std::vector<LogEvent>& events, InvocationSummary& sum,
                              std::vector<internal::PlannedAlert>& planned, const Verdict* forced);
  // Posts `posts` in order, counting each alert's posts; returns the first failure.
  Status Post(const std::vector<internal::PlannedPost>& posts, std::vector<Alert>& alerts,
              const internal::MessageOptions& options, int64_t deadline_ms, InvocationSummary& sum);
};

Handler::Handler() : state_(std::make_unique<State>()) {}
Handler::~Handler() = default;

Status Handler::State::AddConfiguredDestinations() {
  const int64_t interval = config.min_post_interval_ms;
  for (const DestinationSpec& d : config.rule_config->destinations) {
    auto secret = config.destination_secrets.find(d.name);
    if (secret == config.destination_secrets.end()) {
      return InvalidArgumentError("IAM_AUDIT_CONFIG: destination '" + d.name +
                                  "': " + d.secret_env + " is not set");
    }
    std::unique_ptr<internal::Destination> dest;
    if (d.type == DestinationSpec::Type::kTelegram) {
      auto bot = TelegramBot::Create(secret->second, d.chat_id, *client, *clock, config.retry,
                                     config.telegram_api_base);
      if (!bot.ok()) return bot.status().WithPrefix("destination '" + d.name + "'");
      dest = std::make_unique<internal::Destination>(
          d.name, std::make_unique<TelegramBot>(std::move(bot).value()), clock, interval,
          config.retry);
    } else {
      auto url = ParseHttpUrl(secret->second);
      if (!url.ok()) return url.status().WithPrefix(d.secret_env);
      dest = std::make_unique<internal::Destination>(
          d.name, std::make_unique<SlackWebhook>(*url, *client, *clock, config.retry), clock,
          interval, config.retry);
    }
    destinations.emplace(d.name, std::move(dest));
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<Handler>> Handler::Create(const HandlerConfig& config, HttpClient* client,
                                                   Clock* clock, LogObjectSource* objects) {
  std::unique_ptr<Handler> handler(new Handler());
  State& s = *handler->state_;
  s.config = config;
  StatusOr<HttpUrl> url = InvalidArgumentError("SLACK_WEBHOOK_URL: not set");
  if (config.rule_config == nullptr || !config.webhook_url.empty()) {
    url = ParseHttpUrl(config.webhook_url);
    if (!url.ok()) return url.status().WithPrefix("SLACK_WEBHOOK_URL");
  }
  auto compiled = IgnoreRules::Compile(config.ignore_rules);
  if (!compiled.ok()) return compiled.status();
  s.rules = std::move(compiled).value();
  if (client == nullptr) {
    auto ca = FindCaBundle(config.ca_bundle);
    if (!ca.ok()) return ca.status();
    HttpClientOptions options;
    options.ca_bundle_path = *ca;
    options.connect_timeout_ms = std::min<int64_t>(3000, config.retry.request_timeout_ms);
    s.owned_client = MakeHttpClient(options);
    client = s.owned_client.get();
  }
  s.client = client;
  s.clock = clock != nullptr ? clock : &SystemClock();
  s.delivered = std::make_unique<internal::DeliveredIds>(config.remembered_ids);
  if (config.rule_config != nullptr) {
    auto ruleset = RuleSet::Compile(*config.rule_config);
    if (!ruleset.ok()) return ruleset.status().WithPrefix("IAM_AUDIT_CONFIG");
    s.ruleset = std::make_unique<RuleSet>(std::move(ruleset).value());
    if (Status added = s.AddConfiguredDestinations(); !added.ok()) return added;
  }
  if (url.ok()) {
    s.destinations.emplace(
        kFallback,
        std::make_unique<internal::Destination>(
            kFallback, std::make_unique<SlackWebhook>(*url, *s.client, *s.clock, config.retry),
            s.clock, config.min_post_interval_ms, config.retry));
  }
  if (!config.filter_pattern.empty()) {
    auto pattern = Filter::Compile(config.filter_pattern);
    if (!pattern.ok()) return pattern.status().WithPrefix("IAM_AUDIT_FILTER_PATTERN");
    s.pattern = std::move(pattern).value();
  }
  if (objects == nullptr) {
    s.owned_objects = MakeS3LogObjectSourceFromEnvironment();
    objects = s.owned_objects.get();
  }
  s.objects = objects;
  return handler;
}

namespace {

// True when `event` starts as the CloudWatch Logs subscription envelope,
// {"awslogs": (the common case: no need to look for other shapes).
bool StartsAsAwsLogs(std::string_view event) {
  size_t i = event.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || event[i] != '{') return false;
  i = event.find_first_not_of(" \t\r\n", i + 1);
  return i != std::string_view::npos && event.substr(i, 9) == "\"awslogs\"";
}

}  // namespace

InvocationResult Handler::Handle(std::string_view event, int64_t deadline_ms) {
  State& s = *state_;
  InvocationResult result;
  InvocationSummary& sum = result.summary;
  for (const std::string& name : s.rules.RuleNames()) sum.ignored[name] = 0;

  if (!StartsAsAwsLogs(event)) {
    // Maybe S3 (direct, SNS, SQS), or EventBridge (lambda_event.h).
    auto input = DecodeLambdaEvent(event);
    if (!input.ok()) {
      result.status = input.status();
      result.error_type = "Function.InvalidPayload";
      return result;
    }
    if (input->input != LambdaInput::kAwsLogs) {
      HandleInput(*input, deadline_ms, result);
      return result;
    }
  }
  auto batch = DecodeSubscriptionEvent(event, s.config.decode);
  if (!batch.ok()) {
    result.status = batch.status();
    result.error_type = "Function.InvalidPayload";
    return result;
  }
  if (batch->IsControl()) {
    // A reachability check: acknowledge, alert nobody.
    sum.control = 1;
    return result;
  }
  sum.received = batch->log_events.size();
  Deliver(batch->log_events, deadline_ms, result);
  return result;
}

void Handler::HandleInput(const LambdaEvent& input, int64_t deadline_ms, InvocationResult& result) {
  State& s = *state_;
  internal::InputRun run;
  run.pattern = s.pattern ? &*s.pattern : nullptr;
  run.source = s.objects;
  run.clock = s.clock;
  run.deadline_ms = deadline_ms;
  run.reserve_ms = s.config.retry.reserve_ms;
  // The alerts of a log file link to its page in the S3 console (the
  // bucket's region, else the file's).
  const auto render_for = [&](const S3ObjectRef& object) {
    RenderOptions render = s.config.render;
    render.show_account = true;
    std::string region = object.region;
    if (LogFileName name;
        region.empty() && ClassifyLogObjectKey(object.key, &name) == LogObjectKind::kLogFile) {
      region = name.region;
    }
    render.log_file_url = internal::S3ConsoleObjectUrl(object.bucket, region, object.key);
    const size_t slash = object.key.rfind('/');
    render.log_file_name = slash == std::string::npos ? object.key : object.key.substr(slash + 1);
    return render;
  };
  // Alerts of the S3 and EventBridge inputs name the event's account: the
  // function runs in another account than most of the events it reads.
  RenderOptions org_render = s.config.render;
  org_render.show_account = true;
  run.deliver = [&](const LogBatch& batch, const S3ObjectRef* object, InvocationResult& r) {
    if (object == nullptr) {
      Deliver(batch.log_events, deadline_ms, r, nullptr, &org_render);
      return;
    }
    const RenderOptions render = render_for(*object);
    Deliver(batch.log_events, deadline_ms, r, nullptr, &render);
  };
  // A removed log file: one critical alert of its own rule, to
  // SLACK_WEBHOOK_URL when it is set, else to every configured destination.
  std::vector<std::string> everywhere;
  if (!s.destinations.count(kFallback)) {
    for (const auto& [name, dest] : s.destinations) everywhere.push_back(name);
  }
  run.deliver_deleted = [&](const S3ObjectRef& object, const LogEvent& event, InvocationResult& r) {
    Verdict deleted;
    deleted.rules = {internal::kLogFileDeletedRule};
    deleted.severity = Severity::kCritical;
    // The file's name first: a Slack header holds 150 characters.
    const size_t slash = object.key.rfind('/');
    deleted.title = "Log file deleted: " +
                    (slash == std::string::npos ? object.key : object.key.substr(slash + 1)) +
                    " in " + object.bucket;
    deleted.destinations = everywhere;
    const RenderOptions render = render_for(object);
    Deliver({event}, deadline_ms, r, &deleted, &render);
  };
  std::lock_guard<std::mutex> lock(s.objects_mu);
  internal::RunLambdaInput(input, run, result);
}

// Redelivery: an alert is keyed by its CloudTrail eventID ("event:<id>"), or
// by its log event id ("log:<id>") when the message has no eventID. A key
// delivered earlier by this process, or already seen in this payload, is a
// duplicate: counted, not posted.
std::vector<Alert> Handler::State::Evaluate(const std::vector<LogEvent>& events,
                                            InvocationSummary& sum,
                                            std::vector<internal::PlannedAlert>& planned,
                                            const Verdict* forced) {
  const bool with_rules = ruleset != nullptr;
  std::vector<Alert> alerts;
  internal::AlertGroups groups;
  std::unordered_set<std::string> seen;  // keys of this payload's alerts
  for (const LogEvent& log_event : events) {
    Verdict v;
    if (forced != nullptr) {
      v = *forced;
    } else if (auto rule = rules.IgnoredBy(log_event.message)) {
      ++sum.ignored[std::string(*rule)];
      continue;
    } else if (with_rules) {
      v = ruleset->Evaluate(log_event.message);
      if (!v.ignored_by.empty()) {
        ++sum.ignored[v.ignored_by];
        continue;
      }
      if (!v.alert()) {
        ++sum.no_alert_rule;
        continue;
      }
    }
    ++sum.matched;
    auto parsed = ParseCloudTrailRecord(log_event.message);
    std::optional<CloudTrailRecord> record;
    if (parsed.ok()) record = std::move(parsed).value();
    std::string id =
        record && !record->event_id.empty() ? "event:" + record->event_id : "log:" + log_event.id;
    if (delivered->Contains(id) || !seen.insert(id).second) {
      ++sum.duplicates;
      continue;
    }
    if (v.destinations.empty() && destinations.count(kFallback))
      v.destinations.push_back(kFallback);
    std::string identity =
        record && !record->display_identity.empty() ? record->display_identity : "unknown identity";
    const size_t group = groups.GroupOf(identity, v.rules.empty() ? "" : v.rules.front());
    planned.push_back(internal::PlannedAlert{group, std::move(v.destinations)});
    alerts.push_back(
        Alert{&log_event, std::move(id), std::move(v), std::move(record), std::move(identity)});
  }
  return alerts;
}

Status Handler::State::Post(const std::vector<internal::PlannedPost>& posts,
                            std::vector<Alert>& alerts, const internal::MessageOptions& options,
                            int64_t deadline_ms, InvocationSummary& sum) {
  Status first_failure;
  std::vector<internal::AlertContent> contents;
  std::vector<const internal::AlertContent*> members;
  for (const internal::PlannedPost& post : posts) {
    const internal::PlanItem& item = *post.item;
    for (size_t m : item.members) ++alerts[m].posts;
    auto dest = destinations.find(post.destination);
    DeliveryOutcome outcome;
    if (dest == destinations.end()) {
      outcome.status = InvalidArgumentError("destination '" + std::string(post.destination) +
                                            "' is not configured");
    } else {
      contents.clear();
      members.clear();
      for (size_t m : item.members) contents.push_back(alerts[m].Content());
      for (const internal::AlertContent& c : contents) members.push_back(&c);
      outcome = dest->second->Send(members, item.digest, options, deadline_ms);
    }
    const bool as_digest = item.digest && item.members.size() > 1;
    if (outcome.status.ok()) {
      ++sum.messages;
      if (as_digest) ++sum.digests;
    } else if (first_failure.ok()) {
      first_failure = outcome.status;
    }
    for (size_t m : item.members) {
      if (outcome.status.ok()) {
        ++alerts[m].ok;
        if (as_digest) alerts[m].digested = true;
      } else {
        ++alerts[m].failed;
      }
    }
  }
  return first_failure;
}

// One delivery plan for both set-ups: evaluate, group, pace, post to every
// destination, account. Without a configuration file every alert that no
// ignore rule stops goes to SLACK_WEBHOOK_URL, with no rule names, no
// threshold digests and the plain single-event message; the pace and the
// folding before the deadline are the same (delivery_plan.h). What cannot
// be posted in time fails, so Lambda retries the invocation.
void Handler::Deliver(const std::vector<LogEvent>& events, int64_t deadline_ms,
                      InvocationResult& result, const Verdict* forced,
                      const RenderOptions* render) {
  State& s = *state_;
  InvocationSummary& sum = result.summary;
  const bool with_rules = s.ruleset != nullptr;
  if (with_rules) {
    for (const std::string& name : s.ruleset->IgnoreRuleNames()) sum.ignored.emplace(name, 0);
  }
  const DigestSpec digest_spec =
      with_rules ? s.config.rule_config->digest
                 : DigestSpec{std::numeric_limits<size_t>::max(), DigestSpec{}.max_links};

  std::vector<internal::PlannedAlert> planned;
  std::vector<Alert> alerts = s.Evaluate(events, sum, planned, forced);
  internal::DestinationItems plan = internal::BuildItems(planned, digest_spec.threshold);
  const RetryPolicy& retry = s.config.retry;
  internal::FoldToFit(plan, planned, s.config.min_post_interval_ms, retry.min_request_ms,
                      deadline_ms - retry.reserve_ms - s.clock->NowMs());
  const internal::MessageOptions options{render != nullptr ? render : &s.config.render,
                                         digest_spec.max_links, with_rules};
  Status first_failure = s.Post(internal::OrderPosts(plan), alerts, options, deadline_ms, sum);

  for (Alert& a : alerts) {
    if (a.failed > 0 || a.posts == 0) {
      ++sum.failed;  // no destination at all is a failure too: never silently lost
      if (a.posts == 0 && first_failure.ok()) {
        const std::string rule =
            a.verdict.rules.empty() ? std::string("alert") : a.verdict.rules.front();
        first_failure = InvalidArgumentError(
            "an alert (" + rule + ") has no destination and SLACK_WEBHOOK_URL is not set");
      }
      continue;
    }
    if (a.digested) {
      ++sum.digested;
    } else {
      ++sum.delivered;
    }
    s.delivered->Add(a.id);
  }
  if (sum.failed > 0) {
    result.status = Status(first_failure.code(),
                           std::to_string(sum.failed) + " of " + std::to_string(sum.matched) +
                               " alerts not delivered; first: " + first_failure.message());
    result.error_type = "Function.DeliveryFailed";
  }
}

}  // namespace iam_audit
