// The mock Slack service, independent of HTTP: webhooks, what Slack answers
// to each post, the messages received, statistics, faults and the control
// API. The HTTP front end (mock_slack/server/) only turns requests into calls
// here and Replies back into responses, so everything below can be tested
// and fuzzed in-process.
//
// A post to /services/<team>/<bot>/<secret> is answered in this order:
//   1. unknown team/bot or malformed path → no_service (404);
//      known team/bot with the wrong secret → invalid_token (403);
//   2. a webhook configured with a standing error (e.g. channel_is_archived)
//      answers with it;
//   3. an armed fault for the webhook fires (error, 429, delay, drop, hang);
//   4. the rate limiter takes a token, or answers 429 with Retry-After;
//   5. the payload is validated (payload.h) and, if accepted, stored → 200 ok.
// Secrets are never logged, stored, or echoed; webhooks are named "T…/B…".
//
// Service is thread-safe: every public method may be called concurrently.
#ifndef MOCK_SLACK_SERVICE_H_
#define MOCK_SLACK_SERVICE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mock_slack/clock.h"
#include "mock_slack/expected.h"
#include "mock_slack/faults.h"
#include "mock_slack/payload.h"
#include "mock_slack/rate_limiter.h"
#include "mock_slack/slack_errors.h"
#include "mock_slack/telegram.h"

namespace mock_slack {

struct WebhookConfig {
  std::string team;     // "T…"
  std::string bot;      // "B…"
  std::string secret;   // never logged
  std::string channel;  // shown on the page; default "alerts-<bot>"
  std::string error;    // standing answer, e.g. "channel_is_archived"; empty = none
  std::string Id() const { return team + "/" + bot; }
};

// Parses --webhook "T…/B…/secret[,channel=name][,archived][,error=code]".
// Errors never quote the secret.
Expected<WebhookConfig> ParseWebhookFlag(std::string_view flag);

// For the request log: "/services/T1/B1/s3cr3t" → "/services/T1/B1/***".
// The API and page paths are unchanged; any other path is shown up to the
// first segment that is neither a lower-case route name nor (in /services/)
// an upper-case Slack ID, which becomes "***" with everything after it.
std::string RedactPath(std::string_view path);

struct ServiceOptions {
  PayloadLimits limits;
  RateLimit rate;
  std::size_t max_messages = 10000;     // oldest dropped beyond this
  bool legacy_rate_limit_body = false;  // {"ok":false,"count_…":…} instead of {"retry_after":…}
  // Telegram bots answered at /bot<token>/sendMessage (telegram.h). Their
  // chats share the rate limit settings (one bucket per chat) and the store.
  std::vector<TelegramBotConfig> telegram_bots;
};

// What to send back. kDrop resets the connection without an answer; kHang
// holds it silent for hang_ms, then resets it; kRespond sends status/body
// after delay_ms.
struct Reply {
  enum class Action { kRespond, kDrop, kHang };
  Action action = Action::kRespond;
  int status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;
  int hang_ms = 0;
  std::string log_note;  // why (e.g. "invalid_blocks: blocks[0].text: empty"), never secrets
};

struct StoredMessage {
  uint64_t seq = 0;
  std::string webhook;
  std::string channel;
  int64_t received_ms = 0;
  std::string content_type;
  std::string text;
  bool text_truncated = false;
  std::string payload_json;
};

class Service {
 public:
  Service(std::vector<WebhookConfig> webhooks, const ServiceOptions& options,
          ErrorStatusTable statuses, const Clock* clock);

  // A POST to `path` (starting "/services/") with the given body.
  Reply HandleWebhook(std::string_view path, std::string_view content_type, std::string_view body);

  // The same post with a multipart/form-data body, as the front end parsed
  // it into `parts`: answered in the same order, the payload read from the
  // `payload` field (ValidateFormParts). Faults' `match` looks at that field.
  Reply HandleWebhookForm(std::string_view path, std::string_view content_type,
                          const std::vector<FormPart>& parts);

  // A POST to /bot<token>/<method> (Telegram Bot API; only sendMessage is
  // emulated), JSON or form body. Answered in this order: unknown token → 401
  // Unauthorized; other method → 404 Not Found; unreadable body, missing
  // chat_id or text → 400; unknown chat → 400 "Bad Request: chat not found";
  // an armed fault of "telegram/<bot id>" or of the chat; the chat's rate
  // limit → 429 with parameters.retry_after; the text (parse_mode HTML
  // entities, empty, > 4096) → 400; else stored → 200 {"ok":true,"result":…}.
  Reply HandleTelegram(std::string_view path, std::string_view content_type, std::string_view body);

  // Any other method on a /services/ path: Slack accepts only POST.
  Reply HandleWrongMethod(std::string_view path);

  // The control API: GET /api/messages[?webhook=T/B&since=N], DELETE
  // /api/messages, GET /api/stats, GET|POST|DELETE /api/faults, GET /healthz,
  // GET /api/page?since=N. `query` holds decoded query parameters.
  Reply HandleApi(std::string_view method, std::string_view path,
                  const std::multimap<std::string, std::string>& query, std::string_view body);

  // GET /[?upto=N]: the channel page, with the messages up to sequence
  // number `upto` (all by default); its script then fetches the rest.
  Reply ChannelPage(uint64_t upto = UINT64_MAX);

  // Counts a request the front end refused before it reached us (413, 408…).
  void CountTransportReject(std::string_view reason);

  FaultTable& faults() { return faults_; }
  std::vector<StoredMessage> Messages(std::string_view webhook, uint64_t since) const;

 private:
  struct Counters {
    uint64_t requests = 0;
    uint64_t accepted = 0;
    uint64_t rate_limited = 0;
    std::map<std::string, uint64_t> rejected;       // by Slack error code
    std::map<std::string, uint64_t> faults_served;  // by fault kind
  };
  // How an endpoint words its answers: Slack's bare error codes, or the Bot
  // API's {"ok":false,"error_code":…,"description":…}.
  enum class Dialect { kSlack, kTelegram };
  // A delay fault that fired: the request is handled as usual, its answer
  // waits `ms`, and `kind` is counted among the faults served.
  struct Delay {
    int ms = 0;
    std::string_view kind;
  };
  // Both webhook posts: `parts` is null for a plain body.
  Reply HandleWebhookPost(std::string_view path, std::string_view content_type,
                          std::string_view body, const std::vector<FormPart>* parts);
  // The one place faults are served, for both endpoints (service_faults.cc):
  // the next armed fault of `target` for a request with `body`. An error,
  // rate_limit, drop or hang fault gives the Reply, already counted under
  // `key`; a delay fault fills `delay` and gives nothing, as does no fault.
  std::optional<Reply> ServeFault(Dialect dialect, std::string_view target, const std::string& key,
                                  std::string_view body, Delay* delay);
  Reply Error(std::string_view code, std::string note);
  Reply RateLimited(int retry_after, std::string note);
  Reply TelegramError(int code, std::string description, std::string note, int retry_after = 0);
  // Telegram's 429: "Too Many Requests: retry after N", with parameters.retry_after.
  Reply TelegramTooMany(int retry_after, std::string note);
  // `reject_key` names a rejection in the stats (default: the reply body,
  // which is the Slack error code).
  void CountLocked(const std::string& webhook, const Reply& reply, bool accepted,
                   std::string_view fault_kind, std::string_view reject_key = {});
  // Counts a request that reached the rate limiter: the delay fault served on
  // it (if any), then its outcome, under one lock.
  void CountOutcome(const std::string& key, const Reply& reply, bool accepted, const Delay& delay,
                    std::string_view reject_key = {});
  // Stores `m` (mu_ held; its seq already taken from next_seq_), dropping the
  // oldest messages beyond max_messages.
  void StoreLocked(StoredMessage m);
  std::string StatsJson() const;
  std::string MessagesJson(std::string_view webhook, uint64_t since) const;
  std::string PageUpdateJson(uint64_t since) const;

  const std::vector<WebhookConfig> webhooks_;
  const ServiceOptions options_;
  const ErrorStatusTable statuses_;
  const Clock* clock_;
  RateLimiter limiter_;
  FaultTable faults_;

  mutable std::mutex mu_;
  std::deque<StoredMessage> messages_;
  uint64_t next_seq_ = 1;
  uint64_t generation_ = 0;  // bumped by DELETE /api/messages
  Counters total_;
  std::map<std::string, Counters> per_webhook_;
  std::map<std::string, uint64_t> transport_rejects_;
};

}  // namespace mock_slack

#endif  // MOCK_SLACK_SERVICE_H_
