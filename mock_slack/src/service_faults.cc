// Serving an armed fault (faults.h) to a request, for both endpoints: the
// Slack webhook and the Telegram Bot API. The fault table decides whether a
// fault fires; this routine turns the fault into the endpoint's answer (its
// error and 429 wording, a connection drop or hang) and counts it, or hands
// a delay back for the request to be handled as usual and answered late.
#include <string>

#include "mock_slack/service.h"

namespace mock_slack {

std::optional<Reply> Service::ServeFault(Dialect dialect, std::string_view target,
                                         const std::string& key, std::string_view body,
                                         Delay* delay) {
  auto fired = faults_.Next(target, body);
  if (!fired) return std::nullopt;
  const FaultSpec& f = fired->spec;
  std::string_view kind = FaultKindName(f.kind);
  const bool telegram = dialect == Dialect::kTelegram;
  Reply r;
  switch (f.kind) {
    case FaultKind::kError:
      if (telegram) {
        r = TelegramError(f.status, f.body == "rollup_error" ? "Internal Server Error" : f.body,
                          "fault: error");
      } else {
        r.status = f.status;
        r.body = f.body;
        r.log_note = "fault: error";
      }
      break;
    case FaultKind::kRateLimit:
      r = telegram ? TelegramTooMany(f.retry_after_seconds, "fault: rate_limit")
                   : RateLimited(f.retry_after_seconds, "fault: rate_limit");
      break;
    case FaultKind::kDrop:
      r.action = Reply::Action::kDrop;
      r.log_note = "fault: drop";
      break;
    case FaultKind::kHang:
      r.action = Reply::Action::kHang;
      r.hang_ms = f.millis;
      r.log_note = "fault: hang";
      break;
    case FaultKind::kDelay:
      // Handled like any request; only the answer waits. The message is
      // stored before the client hears back, as with a slow Slack.
      delay->ms = f.millis;
      delay->kind = kind;
      return std::nullopt;
  }
  std::lock_guard<std::mutex> lock(mu_);
  CountLocked(key, r, false, kind);
  return r;
}

}  // namespace mock_slack
