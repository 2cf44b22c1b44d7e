// decode → ignore rules → render → deliver, with a bounded memory of what
// was delivered so that Lambda's redeliveries do not post alerts twice.
#include "iam_audit/handler.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>

#include "handler/delivered_ids.h"
#include "iam_audit/alert_message.h"
#include "iam_audit/cloudtrail.h"
#include "iam_audit/telegram.h"

namespace iam_audit {

size_t InvocationSummary::IgnoredTotal() const {
  size_t total = 0;
  for (const auto& [rule, count] : ignored) total += count;
  return total;
}

std::string InvocationSummary::ToJson() const {
  nlohmann::ordered_json j;
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
  return j.dump();
}

struct Handler::State {
  HandlerConfig config;
  std::unique_ptr<HttpClient> owned_client;
  HttpClient* client = nullptr;
  Clock* clock = nullptr;
  IgnoreRules rules;  // config.ignore_rules, compiled
  std::mutex mu;      // guards the destinations' last_post_ms
  std::unique_ptr<internal::DeliveredIds> delivered;

  // Where alerts go: the configuration's destinations, and kFallback
  // (SLACK_WEBHOOK_URL) when it is set, the only one without a configuration.
  struct Destination {
    std::string name;
    std::unique_ptr<SlackWebhook> slack;  // one of these two
    std::unique_ptr<TelegramBot> telegram;
    int64_t last_post_ms = 0;  // pacing
  };
  std::unique_ptr<RuleSet> ruleset;                 // null without a configuration
  std::map<std::string, Destination> destinations;  // by name; kFallback = SLACK_WEBHOOK_URL
};

namespace {
// Alerts whose rules and routes name no destination go to SLACK_WEBHOOK_URL.
constexpr const char* kFallback = "SLACK_WEBHOOK_URL";
}  // namespace

Handler::Handler() : state_(std::make_unique<State>()) {}
Handler::~Handler() = default;

StatusOr<std::unique_ptr<Handler>> Handler::Create(const HandlerConfig& config, HttpClient* client,
                                                   Clock* clock) {
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
    for (const DestinationSpec& d : config.rule_config->destinations) {
      auto secret = config.destination_secrets.find(d.name);
      if (secret == config.destination_secrets.end()) {
        return InvalidArgumentError("IAM_AUDIT_CONFIG: destination '" + d.name +
                                    "': " + d.secret_env + " is not set");
      }
      State::Destination dest;
      dest.name = d.name;
      if (d.type == DestinationSpec::Type::kTelegram) {
        auto bot = TelegramBot::Create(secret->second, d.chat_id, *s.client, *s.clock, config.retry,
                                       config.telegram_api_base);
        if (!bot.ok()) return bot.status().WithPrefix("destination '" + d.name + "'");
        dest.telegram = std::make_unique<TelegramBot>(std::move(bot).value());
      } else {
        auto durl = ParseHttpUrl(secret->second);
        if (!durl.ok()) return durl.status().WithPrefix(d.secret_env);
        dest.slack = std::make_unique<SlackWebhook>(*durl, *s.client, *s.clock, config.retry);
      }
      s.destinations.emplace(d.name, std::move(dest));
    }
  }
  if (url.ok()) {
    State::Destination fallback;
    fallback.name = kFallback;
    fallback.slack = std::make_unique<SlackWebhook>(*url, *s.client, *s.clock, config.retry);
    s.destinations.emplace(kFallback, std::move(fallback));
  }
  return handler;
}

InvocationResult Handler::Handle(std::string_view event, int64_t deadline_ms) {
  State& s = *state_;
  InvocationResult result;
  InvocationSummary& sum = result.summary;
  for (const std::string& name : s.rules.RuleNames()) sum.ignored[name] = 0;

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
  Deliver(*batch, deadline_ms, result);
  return result;
}

// One delivery plan for both set-ups: evaluate, group, pace, post to every
// destination, account. Without a configuration file every alert that no
// ignore rule stops goes to SLACK_WEBHOOK_URL, with no rule names, no
// threshold digests and the plain single-event message; the pace and the
// folding before the deadline are the same.
//
// Grouping: alerts are grouped by (display identity, first rule name). A
// group larger than digest.threshold is posted as one digest per destination.
// Pacing: posts to one destination are at least min_post_interval_ms apart.
// When a destination's posts cannot all fit before the deadline at that
// pace, its individual alerts are folded into per-group digests (a group of
// one stays a single alert): merged, not dropped. What still cannot be posted
// in time fails, so Lambda retries the invocation.
//
// Redelivery: an alert is keyed by its CloudTrail eventID ("event:<id>"), or
// by its log event id ("log:<id>") when the message has no eventID. A key
// delivered earlier by this process, or already seen in this payload, is a
// duplicate: counted, not posted.
void Handler::Deliver(const LogBatch& batch, int64_t deadline_ms, InvocationResult& result) {
  State& s = *state_;
  InvocationSummary& sum = result.summary;
  const bool with_rules = s.ruleset != nullptr;
  if (with_rules) {
    for (const std::string& name : s.ruleset->IgnoreRuleNames()) sum.ignored.emplace(name, 0);
  }
  const DigestSpec digest_spec =
      with_rules ? s.config.rule_config->digest
                 : DigestSpec{std::numeric_limits<size_t>::max(), DigestSpec{}.max_links};

  struct Alert {
    const LogEvent* event;
    std::string id;
    Verdict verdict;
    std::optional<CloudTrailRecord> record;  // when the message parses as one
    std::string identity;
    size_t group;
    int posts = 0, ok = 0, failed = 0;
    bool digested = false;
  };
  std::vector<Alert> alerts;
  std::map<std::string, size_t> group_index;  // (identity, first rule) → group
  std::vector<size_t> group_size;
  std::unordered_set<std::string> seen;  // keys of this payload's alerts
  for (const LogEvent& log_event : batch.log_events) {
    if (auto rule = s.rules.IgnoredBy(log_event.message)) {
      ++sum.ignored[std::string(*rule)];
      continue;
    }
    Verdict v;
    if (with_rules) {
      v = s.ruleset->Evaluate(log_event.message);
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
    if (s.delivered->Contains(id)) {
      ++sum.duplicates;
      continue;
    }
    if (!seen.insert(id).second) {
      ++sum.duplicates;
      continue;
    }
    if (v.destinations.empty() && s.destinations.count(kFallback))
      v.destinations.push_back(kFallback);
    std::string identity =
        record && !record->display_identity.empty() ? record->display_identity : "unknown identity";
    std::string key = identity + '\x1f' + (v.rules.empty() ? std::string() : v.rules.front());
    auto [it, inserted] = group_index.emplace(std::move(key), group_size.size());
    if (inserted) group_size.push_back(0);
    ++group_size[it->second];
    alerts.push_back(Alert{&log_event, std::move(id), std::move(v), std::move(record),
                           std::move(identity), it->second});
  }

  // What each destination gets, in order of the first event of each item.
  struct Item {
    std::vector<size_t> members;  // indexes into alerts
    bool digest = false;
  };
  std::map<std::string, std::vector<Item>> plan;
  for (size_t i = 0; i < alerts.size(); ++i) {
    for (const std::string& d : alerts[i].verdict.destinations) {
      std::vector<Item>& items = plan[d];
      if (group_size[alerts[i].group] > digest_spec.threshold) {
        auto found = std::find_if(items.begin(), items.end(), [&](const Item& item) {
          return item.digest && alerts[item.members.front()].group == alerts[i].group;
        });
        if (found != items.end()) {
          found->members.push_back(i);
          continue;
        }
        items.push_back(Item{{i}, true});
      } else {
        items.push_back(Item{{i}, false});
      }
    }
  }
  const int64_t interval = s.config.min_post_interval_ms;
  const int64_t usable = deadline_ms - s.config.retry.reserve_ms - s.clock->NowMs();
  for (auto& [name, items] : plan) {
    const int64_t per_post = interval + s.config.retry.min_request_ms;
    if (items.size() <= 1 || static_cast<int64_t>(items.size()) * per_post <= usable) continue;
    // Too many for the time left at this pace: fold the individual alerts of
    // this destination into per-group digests.
    std::vector<Item> folded;
    for (Item& item : items) {
      auto found = std::find_if(folded.begin(), folded.end(), [&](const Item& f) {
        return alerts[f.members.front()].group == alerts[item.members.front()].group;
      });
      if (found == folded.end()) {
        folded.push_back(std::move(item));
      } else {
        found->members.insert(found->members.end(), item.members.begin(), item.members.end());
        found->digest = true;
      }
    }
    items = std::move(folded);
  }

  // Post in event order across destinations, so that the waits of one
  // destination's pace overlap with posts to the others.
  struct Post {
    size_t first;
    std::string destination;
    const Item* item;
  };
  std::vector<Post> posts;
  for (const auto& [name, items] : plan) {
    for (const Item& item : items) posts.push_back(Post{item.members.front(), name, &item});
  }
  std::stable_sort(posts.begin(), posts.end(),
                   [](const Post& a, const Post& b) { return a.first < b.first; });

  Status first_failure;
  for (const Post& post : posts) {
    const Item& item = *post.item;
    for (size_t m : item.members) ++alerts[m].posts;
    auto dest_it = s.destinations.find(post.destination);
    DeliveryOutcome outcome;
    if (dest_it == s.destinations.end()) {
      outcome.status =
          InvalidArgumentError("destination '" + post.destination + "' is not configured");
    } else {
      State::Destination& dest = dest_it->second;
      int64_t wait = 0;
      {
        std::lock_guard<std::mutex> lock(s.mu);
        if (dest.last_post_ms > 0) wait = dest.last_post_ms + interval - s.clock->NowMs();
      }
      if (wait > 0 && s.clock->NowMs() + wait + s.config.retry.min_request_ms >
                          deadline_ms - s.config.retry.reserve_ms) {
        outcome.status =
            DeadlineExceededError("destination '" + dest.name +
                                  "': no time left to post at its pace before the deadline");
      } else {
        if (wait > 0) s.clock->SleepMs(wait);
        std::string text;
        const Alert& first = alerts[item.members.front()];
        if (item.digest && item.members.size() > 1) {
          DigestInput d;
          d.identity = first.identity;
          d.alert.rules = first.verdict.rules;
          d.alert.severity = first.verdict.severity;
          d.alert.title = first.verdict.title;
          for (size_t m : item.members) {
            d.messages.push_back(alerts[m].event->message);
            if (alerts[m].verdict.severity > d.alert.severity)
              d.alert.severity = alerts[m].verdict.severity;
          }
          text = dest.telegram ? RenderTelegramDigest(d, s.config.render, digest_spec.max_links)
                               : RenderSlackDigest(d, s.config.render, digest_spec.max_links);
        } else if (!with_rules) {
          // The environment-only alert: the record's message, or the raw
          // text when the message is not one.
          text = first.record ? RenderRecordMessage(*first.record, s.config.render)
                              : RenderRawMessage(first.event->message, s.config.render);
        } else {
          AlertInfo info{first.verdict.rules, first.verdict.severity, first.verdict.title};
          text = dest.telegram ? RenderTelegramAlert(first.event->message, s.config.render, info)
                               : RenderSlackAlert(first.event->message, s.config.render, info);
        }
        outcome = dest.telegram ? dest.telegram->Send(text, deadline_ms)
                                : dest.slack->Post(text, deadline_ms);
        std::lock_guard<std::mutex> lock(s.mu);
        dest.last_post_ms = s.clock->NowMs();
      }
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
