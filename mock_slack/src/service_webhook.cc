// The Slack incoming-webhook endpoint: the --webhook flag, the redaction of
// webhook paths for the request log, Slack's error and 429 answers, and a
// post to /services/<team>/<bot>/<secret> taken through the order service.h
// gives (webhook look-up, standing error, fault, rate limit, validation,
// storage).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "mock_slack/service.h"
#include "service_json.h"
#include "text_util.h"

namespace mock_slack {
namespace {

bool ValidSegment(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The three segments after "/services/", or false when the path is not one.
bool SplitServicePath(std::string_view path, std::string_view* team, std::string_view* bot,
                      std::string_view* secret) {
  constexpr std::string_view kPrefix = "/services/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = path.substr(kPrefix.size());
  std::size_t first = rest.find('/');
  if (first == std::string_view::npos) return false;
  std::size_t second = rest.find('/', first + 1);
  if (second == std::string_view::npos || rest.find('/', second + 1) != std::string_view::npos) {
    return false;
  }
  *team = rest.substr(0, first);
  *bot = rest.substr(first + 1, second - first - 1);
  *secret = rest.substr(second + 1);
  return true;
}

}  // namespace

Expected<WebhookConfig> ParseWebhookFlag(std::string_view flag) {
  auto options = Split(flag, ',');
  auto parts = Split(options[0], '/');
  if (parts.size() != 3 || !ValidSegment(parts[0]) || !ValidSegment(parts[1]) ||
      !ValidSegment(parts[2])) {
    // The flag holds a secret: name the shape, not the text.
    return Error{"--webhook: expected TEAM/BOT/SECRET (letters, digits, '_' or '-'), got " +
                 std::to_string(parts.size()) + " segment(s)"};
  }
  WebhookConfig w;
  w.team = std::string(parts[0]);
  w.bot = std::string(parts[1]);
  w.secret = std::string(parts[2]);
  for (std::size_t i = 1; i < options.size(); ++i) {
    std::string_view opt = options[i];
    std::size_t eq = opt.find('=');
    std::string_view key = opt.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : opt.substr(eq + 1);
    if (key == "channel" && !value.empty()) {
      w.channel = std::string(value);
    } else if (key == "archived" && eq == std::string_view::npos) {
      w.error = "channel_is_archived";
    } else if (key == "error" && ValidSegment(value)) {
      w.error = std::string(value);
    } else {
      return Error{"--webhook " + w.Id() + ": unknown option '" + std::string(key) + "'"};
    }
  }
  if (w.channel.empty()) w.channel = "alerts-" + w.bot;
  return w;
}

namespace {

// Slack team and bot IDs are upper-case letters and digits ("T0001",
// "B0001"); webhook secrets are mixed case. A segment that is not an ID may
// be a secret in the wrong place (a missing '/', a mangled URL).
bool LooksLikeSlackId(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// A route name such as "services" or "hooks".
bool LooksLikeRoute(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

std::string RedactPath(std::string_view path) {
  if (path.substr(0, 4) == "/bot") return RedactTelegramPath(path);
  if (path == "/" || path.substr(0, 5) == "/api/" || path == "/healthz" || path == "/page.js") {
    return std::string(path);
  }
  // Everything else is shown up to the first segment that could be a secret:
  // /services/<team>/<bot> when they look like IDs, then "***".
  auto parts = Split(path.substr(path.empty() ? 0 : 1), '/');
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool shown = i == 0 ? LooksLikeRoute(parts[0])
                              : i <= 2 && parts[0] == "services" && LooksLikeSlackId(parts[i]);
    out += "/";
    if (!shown) {
      out += "***";
      break;
    }
    out += std::string(parts[i]);
  }
  return out.empty() ? "/" : out;
}

Reply Service::Error(std::string_view code, std::string note) {
  Reply r;
  r.status = statuses_.StatusFor(code);
  r.body = std::string(code);
  r.log_note = std::move(note);
  return r;
}

Reply Service::RateLimited(int retry_after, std::string note) {
  Reply r;
  r.status = 429;
  r.headers.emplace_back("Retry-After", std::to_string(retry_after));
  r.content_type = "application/json";
  if (options_.legacy_rate_limit_body) {
    // The shape Slack's old docs promised; counts are ours.
    r.body = Dump(
        {{"ok", false}, {"count_hour_ago", 0}, {"count_minute_ago", 0}, {"count_second_ago", 0}});
  } else {
    r.body = Dump({{"retry_after", retry_after}, {"ok", false}, {"error", "rate_limited"}});
  }
  r.log_note = std::move(note);
  return r;
}

Reply Service::HandleWebhook(std::string_view path, std::string_view content_type,
                             std::string_view body) {
  return HandleWebhookPost(path, content_type, body, nullptr);
}

Reply Service::HandleWebhookForm(std::string_view path, std::string_view content_type,
                                 const std::vector<FormPart>& parts) {
  std::string_view payload_field;
  for (const FormPart& part : parts) {
    if (part.name == "payload") {
      payload_field = part.content;
      break;
    }
  }
  return HandleWebhookPost(path, content_type, payload_field, &parts);
}

Reply Service::HandleWebhookPost(std::string_view path, std::string_view content_type,
                                 std::string_view body, const std::vector<FormPart>* parts) {
  std::string_view team, bot, secret;
  const WebhookConfig* hook = nullptr;
  bool team_bot_known = false;
  if (SplitServicePath(path, &team, &bot, &secret)) {
    for (const WebhookConfig& w : webhooks_) {
      if (w.team == team && w.bot == bot) {
        team_bot_known = true;
        if (w.secret == secret) hook = &w;
      }
    }
  }
  if (hook == nullptr) {
    Reply r = team_bot_known ? Error("invalid_token", "wrong secret")
                             : Error("no_service", "no such webhook");
    std::lock_guard<std::mutex> lock(mu_);
    CountLocked(team_bot_known ? std::string(team) + "/" + std::string(bot) : std::string(), r,
                false, "");
    return r;
  }
  const std::string id = hook->Id();
  if (!hook->error.empty()) {
    Reply r = Error(hook->error, "standing error of the webhook");
    std::lock_guard<std::mutex> lock(mu_);
    CountLocked(id, r, false, "");
    return r;
  }
  Delay delay;
  if (auto fault = ServeFault(Dialect::kSlack, id, id, body, &delay)) return *fault;

  Reply r;
  bool accepted = false;
  if (RateDecision d = limiter_.Acquire(id); !d.allowed) {
    r = RateLimited(d.retry_after_seconds, "rate limited");
  } else {
    PayloadVerdict v = parts != nullptr ? ValidateFormParts(*parts, options_.limits)
                                        : ValidatePayload(body, content_type, options_.limits);
    if (!v.accepted) {
      r = Error(v.error, v.detail);
    } else {
      accepted = true;
      r.status = 200;
      r.body = "ok";
      r.log_note = v.text_truncated ? "accepted (text truncated)" : "accepted";
      StoredMessage m;
      m.webhook = id;
      m.channel = hook->channel;
      m.received_ms = clock_->WallMillis();
      m.content_type = std::string(content_type.substr(0, 200));
      m.text = std::move(v.text);
      m.text_truncated = v.text_truncated;
      m.payload_json = std::move(v.payload_json);
      std::lock_guard<std::mutex> lock(mu_);
      m.seq = next_seq_++;
      StoreLocked(std::move(m));
    }
  }
  r.delay_ms = delay.ms;
  CountOutcome(id, r, accepted, delay);
  return r;
}

}  // namespace mock_slack
