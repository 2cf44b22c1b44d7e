// A destination of the handler's delivery plan (destination.h): the pace
// between its posts, the choice of renderer, and the post itself.
#include "handler/destination.h"

#include <utility>

#include "iam_audit/alert_message.h"

namespace iam_audit::internal {

Destination::Destination(std::string name, std::unique_ptr<SlackWebhook> slack, Clock* clock,
                         int64_t interval_ms, const RetryPolicy& retry)
    : name_(std::move(name)),
      slack_(std::move(slack)),
      clock_(clock),
      interval_ms_(interval_ms),
      retry_(retry) {}

Destination::Destination(std::string name, std::unique_ptr<TelegramBot> telegram, Clock* clock,
                         int64_t interval_ms, const RetryPolicy& retry)
    : name_(std::move(name)),
      telegram_(std::move(telegram)),
      clock_(clock),
      interval_ms_(interval_ms),
      retry_(retry) {}

std::string Destination::Render(const std::vector<const AlertContent*>& alerts, bool digest,
                                const MessageOptions& options) const {
  const AlertContent& first = *alerts.front();
  const RenderOptions& render = *options.render;
  if (digest && alerts.size() > 1) {
    DigestInput d;
    d.identity = std::string(first.identity);
    d.alert.rules = first.verdict->rules;
    d.alert.severity = first.verdict->severity;
    d.alert.title = first.verdict->title;
    for (const AlertContent* a : alerts) {
      d.messages.push_back(std::string(a->message));
      if (a->verdict->severity > d.alert.severity) d.alert.severity = a->verdict->severity;
    }
    return telegram_ ? RenderTelegramDigest(d, render, options.max_links)
                     : RenderSlackDigest(d, render, options.max_links);
  }
  // The environment-only message, unless the handler gave the alert rules of
  // its own (log-file-deleted).
  if (!options.with_rules && (first.verdict == nullptr || first.verdict->rules.empty())) {
    // The environment-only alert: the record's message, or the raw text when
    // the message is not one.
    return first.record ? RenderRecordMessage(*first.record, render)
                        : RenderRawMessage(first.message, render);
  }
  AlertInfo info{first.verdict->rules, first.verdict->severity, first.verdict->title};
  return telegram_ ? RenderTelegramAlert(first.message, render, info)
                   : RenderSlackAlert(first.message, render, info);
}

DeliveryOutcome Destination::Send(const std::vector<const AlertContent*>& alerts, bool digest,
                                  const MessageOptions& options, int64_t deadline_ms) {
  int64_t wait = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (last_post_ms_ > 0) wait = last_post_ms_ + interval_ms_ - clock_->NowMs();
  }
  DeliveryOutcome outcome;
  if (wait > 0 &&
      clock_->NowMs() + wait + retry_.min_request_ms > deadline_ms - retry_.reserve_ms) {
    outcome.status = DeadlineExceededError(
        "destination '" + name_ + "': no time left to post at its pace before the deadline");
    return outcome;
  }
  if (wait > 0) clock_->SleepMs(wait);
  const std::string text = Render(alerts, digest, options);
  outcome = telegram_ ? telegram_->Send(text, deadline_ms) : slack_->Post(text, deadline_ms);
  std::lock_guard<std::mutex> lock(mu_);
  last_post_ms_ = clock_->NowMs();
  return outcome;
}

}  // namespace iam_audit::internal
