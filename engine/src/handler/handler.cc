// decode → ignore rules → render → deliver, with a bounded memory of what
// was delivered so that Lambda's redeliveries do not post alerts twice.
#include "iam_audit/handler.h"

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "iam_audit/cloudtrail.h"

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
  return j.dump();
}

namespace {

// Ids of delivered events, oldest evicted first once `capacity` is reached.
class DeliveredIds {
 public:
  explicit DeliveredIds(size_t capacity) : capacity_(capacity) {}
  bool Contains(const std::string& id) const { return set_.count(id) != 0; }
  void Add(const std::string& id) {
    if (capacity_ == 0 || !set_.insert(id).second) return;
    order_.push_back(id);
    if (order_.size() > capacity_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  size_t capacity_;
  std::unordered_set<std::string> set_;
  std::deque<std::string> order_;
};

}  // namespace

struct Handler::State {
  HandlerConfig config;
  std::unique_ptr<HttpClient> owned_client;
  HttpClient* client = nullptr;
  Clock* clock = nullptr;
  std::shared_ptr<const EventRules> rules;
  std::unique_ptr<SlackWebhook> webhook;
  std::mutex mu;  // guards delivered
  std::unique_ptr<DeliveredIds> delivered;
};

Handler::Handler() : state_(std::make_unique<State>()) {}
Handler::~Handler() = default;

StatusOr<std::unique_ptr<Handler>> Handler::Create(const HandlerConfig& config, HttpClient* client,
                                                   Clock* clock, std::shared_ptr<const EventRules> rules) {
  std::unique_ptr<Handler> handler(new Handler());
  State& s = *handler->state_;
  s.config = config;
  auto url = ParseHttpUrl(config.webhook_url);
  if (!url.ok()) return url.status().WithPrefix("SLACK_WEBHOOK_URL");
  if (rules == nullptr) {
    auto compiled = IgnoreRules::Compile(config.ignore_rules);
    if (!compiled.ok()) return compiled.status();
    rules = std::make_shared<IgnoreRules>(std::move(compiled).value());
  }
  s.rules = std::move(rules);
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
  s.webhook = std::make_unique<SlackWebhook>(*url, *s.client, *s.clock, config.retry);
  s.delivered = std::make_unique<DeliveredIds>(config.remembered_ids);
  return handler;
}

InvocationResult Handler::Handle(std::string_view event, int64_t deadline_ms) {
  State& s = *state_;
  InvocationResult result;
  InvocationSummary& sum = result.summary;
  for (const std::string& name : s.rules->RuleNames()) sum.ignored[name] = 0;

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

  Status first_failure;
  for (const LogEvent& log_event : batch->log_events) {
    if (auto rule = s.rules->IgnoredBy(log_event.message)) {
      ++sum.ignored[std::string(*rule)];
      continue;
    }
    ++sum.matched;
    auto record = ParseCloudTrailRecord(log_event.message);
    std::string id = record.ok() && !record->event_id.empty() ? "event:" + record->event_id
                                                                : "log:" + log_event.id;
    {
      std::lock_guard<std::mutex> lock(s.mu);
      if (s.delivered->Contains(id)) {
        ++sum.duplicates;
        continue;
      }
    }
    std::string message = record.ok() ? RenderRecordMessage(*record, s.config.render)
                                      : RenderRawMessage(log_event.message, s.config.render);
    DeliveryOutcome outcome = s.webhook->Post(message, deadline_ms);
    if (outcome.status.ok()) {
      ++sum.delivered;
      std::lock_guard<std::mutex> lock(s.mu);
      s.delivered->Add(id);
    } else {
      ++sum.failed;
      if (first_failure.ok()) first_failure = outcome.status;
    }
  }
  if (sum.failed > 0) {
    result.status = Status(first_failure.code(), std::to_string(sum.failed) + " of " +
                                                     std::to_string(sum.matched) +
                                                     " alerts not delivered; first: " +
                                                     first_failure.message());
    result.error_type = "Function.DeliveryFailed";
  }
  return result;
}

}  // namespace iam_audit
