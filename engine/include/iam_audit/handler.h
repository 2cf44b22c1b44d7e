// The audit handler: one CloudWatch Logs subscription event in, Slack alerts
// out, and a JSON summary of what happened. This is what the Lambda bootstrap
// runs per invocation and what `iam-audit simulate --handle` can run in
// process.
//
//   decode (payload.h) → ignore rules → render (slack_message.h)
//     → deliver (delivery.h) → InvocationSummary
//
// Configuration comes from environment variables (handler_config.h); the
// ignore rules are in ignore_rules.h. Both are included here, so including
// handler.h alone still gives the whole handler API.
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
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/clock.h"
#include "iam_audit/delivery.h"
#include "iam_audit/handler_config.h"
#include "iam_audit/http_client.h"
#include "iam_audit/ignore_rules.h"
#include "iam_audit/lambda_event.h"
#include "iam_audit/log_object_source.h"
#include "iam_audit/payload.h"
#include "iam_audit/status.h"

namespace iam_audit {

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
  // What invoked the function (lambda_event.h's LambdaInputName): "cloudwatch-logs",
  // "s3", "sns", "sqs" or "eventbridge".
  std::string input = "cloudwatch-logs";
  // Other inputs than cloudwatch-logs: log files read to the end, log files that
  // could not be read (each also fails its SQS message, or the invocation),
  // and the objects and events not read, by reason: "digest-file",
  // "not-a-log-file", "not-created-or-removed", "test-event".
  size_t objects = 0;
  size_t object_failures = 0;
  std::map<std::string, size_t> skipped;

  size_t IgnoredTotal() const;
  // {"received":…,"matched":…,"ignored":{…},"delivered":…,"duplicates":…,"failed":…,"control":…,
  //  "digested":…,"digests":…,"no_alert_rule":…,"messages":…}
  // Other inputs than cloudwatch-logs add "input", "objects", "object_failures" and
  // "skipped":{reason:count}; cloudwatch-logs adds "input" only.
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
  // SQS: the invocation succeeds and its response names the messages whose
  // records were not all delivered (Lambda retries only those):
  // batch_response is true, batch_item_failures lists their messageIds and
  // notes say why (for the log line).
  bool batch_response = false;
  std::vector<std::string> batch_item_failures;
  std::vector<std::string> notes;

  // The body of the response to Lambda when status is OK: for SQS
  // {"batchItemFailures":[{"itemIdentifier":"<messageId>"},…]}, else the
  // summary's JSON.
  std::string ResponseBody() const;
};

class Handler {
 public:
  // Builds the handler: compiles the ignore rules, parses the webhook URL,
  // finds the CA bundle (only when `client` is null and the real HTTPS client
  // is made). `client`/`clock` null: the real ones. When given, they must
  // outlive the handler.
  static StatusOr<std::unique_ptr<Handler>> Create(const HandlerConfig& config,
                                                   HttpClient* client = nullptr,
                                                   Clock* clock = nullptr,
                                                   LogObjectSource* objects = nullptr);
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
  // Takes a list of log events, so that it can run once per chunk of records.
  // `forced`: every event alerts with this verdict (no ignore rule, no rule
  // evaluation), for the handler's own alerts (log-file-deleted). `render`:
  // the messages' options (the configuration's when null).
  void Deliver(const std::vector<LogEvent>& events, int64_t deadline_ms, InvocationResult& result,
               const Verdict* forced = nullptr, const RenderOptions* render = nullptr);
  // S3, SNS, SQS and EventBridge inputs (src/handler/lambda_input.h).
  void HandleInput(const LambdaEvent& input, int64_t deadline_ms, InvocationResult& result);
  std::unique_ptr<State> state_;
};

}  // namespace iam_audit

#endif  // IAM_AUDIT_HANDLER_H_
