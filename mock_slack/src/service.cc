// The Service's core, shared by its endpoints: construction, the statistics
// counters (CountLocked, CountOutcome, transport rejects), the message store
// (StoreLocked, Messages) and the answer to a wrong method on a webhook path.
// The endpoints live beside it: the Slack webhook in service_webhook.cc, the
// Telegram Bot API in service_telegram.cc, the control API and channel page
// in service_api.cc, and the one fault-serving routine both endpoints call in
// service_faults.cc.
#include "mock_slack/service.h"

namespace mock_slack {

Service::Service(std::vector<WebhookConfig> webhooks, const ServiceOptions& options,
                 ErrorStatusTable statuses, const Clock* clock)
    : webhooks_(std::move(webhooks)),
      options_(options),
      statuses_(std::move(statuses)),
      clock_(clock),
      limiter_(options.rate, clock) {}

void Service::CountLocked(const std::string& webhook, const Reply& reply, bool accepted,
                          std::string_view fault_kind, std::string_view reject_key) {
  Counters* targets[2] = {&total_, webhook.empty() ? nullptr : &per_webhook_[webhook]};
  for (Counters* c : targets) {
    if (c == nullptr) continue;
    ++c->requests;
    if (!fault_kind.empty()) ++c->faults_served[std::string(fault_kind)];
    if (accepted) {
      ++c->accepted;
    } else if (fault_kind.empty() && reply.status == 429) {
      ++c->rate_limited;
    } else if (fault_kind.empty() && reply.action == Reply::Action::kRespond) {
      ++c->rejected[reject_key.empty() ? reply.body : std::string(reject_key)];
    }
  }
}

void Service::CountOutcome(const std::string& key, const Reply& reply, bool accepted,
                           const Delay& delay, std::string_view reject_key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!delay.kind.empty()) {
    // Count the fault served, and the outcome as usual.
    Counters* targets[2] = {&total_, &per_webhook_[key]};
    for (Counters* c : targets) ++c->faults_served[std::string(delay.kind)];
  }
  CountLocked(key, reply, accepted, "", reject_key);
}

void Service::StoreLocked(StoredMessage m) {
  messages_.push_back(std::move(m));
  while (messages_.size() > options_.max_messages) messages_.pop_front();
}

Reply Service::HandleWrongMethod(std::string_view path) {
  // Slack's answer to a GET on a webhook URL is undocumented; we answer as
  // for a body that is not a payload (our choice, docs/mock_slack.md).
  Reply r = Error("invalid_payload", "method is not POST");
  (void)path;
  std::lock_guard<std::mutex> lock(mu_);
  CountLocked("", r, false, "");
  return r;
}

void Service::CountTransportReject(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++transport_rejects_[std::string(reason)];
}

std::vector<StoredMessage> Service::Messages(std::string_view webhook, uint64_t since) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredMessage> out;
  for (const StoredMessage& m : messages_) {
    if (m.seq > since && (webhook.empty() || m.webhook == webhook)) out.push_back(m);
  }
  return out;
}

}  // namespace mock_slack
