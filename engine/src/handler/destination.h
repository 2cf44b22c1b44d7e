// Internal: one place alerts are posted to (a Slack webhook or a Telegram
// chat) as the handler's delivery plan uses it: it keeps its pace, chooses
// the message (digest, rule alert, or the environment-only record/raw
// message; Slack or Telegram) and posts it.
#ifndef IAM_AUDIT_SRC_HANDLER_DESTINATION_H_
#define IAM_AUDIT_SRC_HANDLER_DESTINATION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/clock.h"
#include "iam_audit/cloudtrail.h"
#include "iam_audit/delivery.h"
#include "iam_audit/rules.h"
#include "iam_audit/slack_message.h"
#include "iam_audit/telegram.h"

namespace iam_audit::internal {

// What a message says about one alert.
struct AlertContent {
  std::string_view message;                  // the log event's message
  const CloudTrailRecord* record = nullptr;  // when the message parses as one
  std::string_view identity;                 // the record's display identity, or "unknown identity"
  const Verdict* verdict = nullptr;          // rules, severity, title (empty without rules)
};

// How messages are written.
struct MessageOptions {
  const RenderOptions* render = nullptr;
  size_t max_links = 0;     // digest links
  bool with_rules = false;  // false: the environment-only set-up's messages
};

class Destination {
 public:
  // `clock` must outlive the destination; posts are `interval_ms` apart.
  Destination(std::string name, std::unique_ptr<SlackWebhook> slack, Clock* clock,
              int64_t interval_ms, const RetryPolicy& retry);
  Destination(std::string name, std::unique_ptr<TelegramBot> telegram, Clock* clock,
              int64_t interval_ms, const RetryPolicy& retry);

  const std::string& name() const { return name_; }

  // Posts one message about `alerts` (in event order): a digest when
  // `digest` and there are several, otherwise the first alert's message.
  // Waits for the pace first; when that wait leaves no time for a request
  // before the deadline (minus the reserve), fails without posting.
  // Thread-safe when the client and clock are.
  DeliveryOutcome Send(const std::vector<const AlertContent*>& alerts, bool digest,
                       const MessageOptions& options, int64_t deadline_ms);

 private:
  std::string Render(const std::vector<const AlertContent*>& alerts, bool digest,
                     const MessageOptions& options) const;

  std::string name_;
  std::unique_ptr<SlackWebhook> slack_;  // one of these two
  std::unique_ptr<TelegramBot> telegram_;
  Clock* clock_;
  int64_t interval_ms_;
  RetryPolicy retry_;
  std::mutex mu_;
  int64_t last_post_ms_ = 0;  // guarded by mu_; 0: never posted
};

}  // namespace iam_audit::internal

#endif  // IAM_AUDIT_SRC_HANDLER_DESTINATION_H_
