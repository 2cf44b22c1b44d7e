#include "mock_slack/service.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "mock_slack/render.h"

namespace mock_slack {
namespace {

using nlohmann::json;

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (true) {
    std::size_t end = s.find(sep, pos);
    parts.push_back(
        s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return parts;
}

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

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string FormDecodeTelegram(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
               HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Reply JsonReply(int status, const json& body) {
  Reply r;
  r.status = status;
  r.body = Dump(body);
  r.content_type = "application/json";
  return r;
}

Reply ApiError(int status, std::string message) {
  return JsonReply(status, {{"ok", false}, {"error", std::move(message)}});
}

bool ParseU64(std::string_view s, uint64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string QueryValue(const std::multimap<std::string, std::string>& query,
                       const std::string& key) {
  auto it = query.find(key);
  return it == query.end() ? std::string() : it->second;
}

json MessageToJson(const StoredMessage& m) {
  json payload = json::parse(m.payload_json, nullptr, false);
  return {{"seq", m.seq},
          {"webhook", m.webhook},
          {"channel", m.channel},
          {"received_ms", m.received_ms},
          {"content_type", m.content_type},
          {"text", m.text},
          {"text_truncated", m.text_truncated},
          {"payload", payload.is_discarded() ? json(nullptr) : payload}};
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

Service::Service(std::vector<WebhookConfig> webhooks, ServiceOptions options,
                 ErrorStatusTable statuses, const Clock* clock)
    : webhooks_(std::move(webhooks)),
      options_(options),
      statuses_(std::move(statuses)),
      clock_(clock),
      limiter_(options.rate, clock) {}

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
  auto count = [&](const Reply& r, bool accepted, std::string_view fault_kind) {
    std::lock_guard<std::mutex> lock(mu_);
    CountLocked(id, r, accepted, fault_kind);
  };
  if (!hook->error.empty()) {
    Reply r = Error(hook->error, "standing error of the webhook");
    count(r, false, "");
    return r;
  }

  int delay_ms = 0;
  std::string_view delay_kind;
  if (auto fired = faults_.Next(id, body)) {
    const FaultSpec& f = fired->spec;
    std::string_view kind = FaultKindName(f.kind);
    Reply r;
    switch (f.kind) {
      case FaultKind::kError:
        r.status = f.status;
        r.body = f.body;
        r.log_note = "fault: error";
        count(r, false, kind);
        return r;
      case FaultKind::kRateLimit:
        r = RateLimited(f.retry_after_seconds, "fault: rate_limit");
        count(r, false, kind);
        return r;
      case FaultKind::kDrop:
        r.action = Reply::Action::kDrop;
        r.log_note = "fault: drop";
        count(r, false, kind);
        return r;
      case FaultKind::kHang:
        r.action = Reply::Action::kHang;
        r.hang_ms = f.millis;
        r.log_note = "fault: hang";
        count(r, false, kind);
        return r;
      case FaultKind::kDelay:
        // Handled like any request below; only the answer waits. The message
        // is stored before the client hears back, as with a slow Slack.
        delay_ms = f.millis;
        delay_kind = kind;
        break;
    }
  }

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
      messages_.push_back(std::move(m));
      while (messages_.size() > options_.max_messages) messages_.pop_front();
    }
  }
  r.delay_ms = delay_ms;
  std::lock_guard<std::mutex> lock(mu_);
  if (!delay_kind.empty()) {
    // Count the fault served, and the outcome as usual.
    Counters* targets[2] = {&total_, &per_webhook_[id]};
    for (Counters* c : targets) ++c->faults_served[std::string(delay_kind)];
  }
  CountLocked(id, r, accepted, "");
  return r;
}

Reply Service::TelegramError(int code, std::string description, std::string note, int retry_after) {
  json body = {{"ok", false}, {"error_code", code}, {"description", std::move(description)}};
  if (retry_after > 0) body["parameters"] = {{"retry_after", retry_after}};
  Reply r = JsonReply(code, body);
  r.log_note = std::move(note);
  return r;
}

Reply Service::HandleTelegram(std::string_view path, std::string_view content_type,
                              std::string_view body) {
  // "/bot<token>/<method>"
  std::size_t slash = path.find('/', 4);
  std::string_view token = path.substr(4, slash == std::string_view::npos ? 0 : slash - 4);
  std::string_view method = slash == std::string_view::npos ? "" : path.substr(slash + 1);
  const TelegramBotConfig* bot = nullptr;
  for (const TelegramBotConfig& b : options_.telegram_bots) {
    if (b.token == token) bot = &b;
  }
  auto count = [&](const std::string& key, const Reply& r, bool accepted,
                   std::string_view fault_kind) {
    std::string reject;
    if (!accepted && r.status != 429) {
      json j = json::parse(r.body, nullptr, false);
      if (!j.is_discarded() && j.is_object()) reject = j.value("description", std::string());
      reject = reject.substr(0, reject.find(':', reject.find(':') + 1));  // drop the detail
    }
    std::lock_guard<std::mutex> lock(mu_);
    CountLocked(key, r, accepted, fault_kind, reject);
  };
  if (bot == nullptr) {
    Reply r = TelegramError(401, "Unauthorized", "unknown bot token");
    count("", r, false, "");
    return r;
  }
  if (method != "sendMessage" && method != "sendmessage") {
    Reply r = TelegramError(404, "Not Found", "method not emulated");
    count(bot->Id(), r, false, "");
    return r;
  }

  // Parameters: a JSON object, or a form body (what curl -d sends).
  std::map<std::string, std::string> params;
  const bool json_body =
      content_type.find("json") != std::string_view::npos || (!body.empty() && body.front() == '{');
  if (json_body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      Reply r = TelegramError(400, "Bad Request: can't parse JSON", "body is not a JSON object");
      count(bot->Id(), r, false, "");
      return r;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      params[it.key()] = it->is_string() ? it->get<std::string>() : Dump(*it);
    }
  } else {
    for (std::string_view pair : Split(body, '&')) {
      if (pair.empty()) continue;
      std::size_t eq = pair.find('=');
      params[FormDecodeTelegram(pair.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : FormDecodeTelegram(pair.substr(eq + 1));
    }
  }
  const std::string chat_id = params["chat_id"];
  if (chat_id.empty()) {
    Reply r = TelegramError(400, "Bad Request: chat_id is empty", "no chat_id");
    count(bot->Id(), r, false, "");
    return r;
  }
  const TelegramChat* chat = nullptr;
  for (const TelegramChat& c : bot->chats) {
    if (c.id == chat_id) chat = &c;
  }
  if (chat == nullptr) {
    Reply r = TelegramError(400, "Bad Request: chat not found", "unknown chat");
    count(bot->Id(), r, false, "");
    return r;
  }
  const std::string key = bot->ChatKey(chat->id);

  int delay_ms = 0;
  std::string_view delay_kind;
  if (auto fired = faults_.Next(bot->Id(), body)) {
    const FaultSpec& f = fired->spec;
    std::string_view kind = FaultKindName(f.kind);
    Reply r;
    switch (f.kind) {
      case FaultKind::kError:
        r = TelegramError(f.status, f.body == "rollup_error" ? "Internal Server Error" : f.body,
                          "fault: error");
        count(key, r, false, kind);
        return r;
      case FaultKind::kRateLimit:
        r = TelegramError(429,
                          "Too Many Requests: retry after " + std::to_string(f.retry_after_seconds),
                          "fault: rate_limit", f.retry_after_seconds);
        count(key, r, false, kind);
        return r;
      case FaultKind::kDrop:
        r.action = Reply::Action::kDrop;
        r.log_note = "fault: drop";
        count(key, r, false, kind);
        return r;
      case FaultKind::kHang:
        r.action = Reply::Action::kHang;
        r.hang_ms = f.millis;
        r.log_note = "fault: hang";
        count(key, r, false, kind);
        return r;
      case FaultKind::kDelay:
        delay_ms = f.millis;
        delay_kind = kind;
        break;
    }
  }

  Reply r;
  bool accepted = false;
  if (RateDecision d = limiter_.Acquire(key); !d.allowed) {
    r = TelegramError(429,
                      "Too Many Requests: retry after " + std::to_string(d.retry_after_seconds),
                      "rate limited", d.retry_after_seconds);
  } else {
    const std::string raw = params["text"];
    std::string mode = params["parse_mode"];
    for (char& c : mode) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    TelegramText parsed;
    std::string problem;
    if (mode == "html") {
      auto p = ParseTelegramHtml(raw);
      if (p.ok()) {
        parsed = std::move(*p);
      } else {
        problem = "Bad Request: can't parse entities: " + p.error();
      }
    } else if (mode.empty() || mode == "markdownv2" || mode == "markdown") {
      parsed.text = raw;  // Markdown modes are not parsed (docs/mock_slack.md)
    } else {
      problem = "Bad Request: unsupported parse_mode";
    }
    if (problem.empty() && parsed.text.find_first_not_of(" \t\r\n") == std::string::npos) {
      problem = "Bad Request: message text is empty";
    } else if (problem.empty() && Utf16Length(parsed.text) > kTelegramMaxText) {
      problem = "Bad Request: message is too long";
    }
    if (!problem.empty()) {
      r = TelegramError(400, problem, problem.substr(13));
    } else {
      accepted = true;
      StoredMessage m;
      m.webhook = key;
      m.channel = chat->name;
      m.received_ms = clock_->WallMillis();
      m.content_type = std::string(content_type.substr(0, 200));
      m.text = parsed.text;
      json entities = json::array();
      for (const TelegramEntity& e : parsed.entities) {
        json je = {{"offset", e.offset}, {"length", e.length}, {"type", e.type}};
        if (!e.url.empty()) je["url"] = e.url;
        if (!e.language.empty()) je["language"] = e.language;
        entities.push_back(std::move(je));
      }
      json chat_json = {{"type", chat->id[0] == '-'   ? "supergroup"
                                 : chat->id[0] == '@' ? "channel"
                                                      : "private"}};
      if (chat->id[0] == '@') {
        chat_json["id"] = -1000000000000LL;
        chat_json["username"] = chat->id.substr(1);
      } else {
        chat_json["id"] = std::stoll(chat->id);
      }
      json message = {{"from",
                       {{"id", std::stoll(bot->bot_id)},
                        {"is_bot", true},
                        {"first_name", "mock-slack"},
                        {"username", "mock_slack_bot"}}},
                      {"chat", chat_json},
                      {"date", m.received_ms / 1000},
                      {"text", parsed.text}};
      if (!entities.empty()) message["entities"] = std::move(entities);
      std::lock_guard<std::mutex> lock(mu_);
      m.seq = next_seq_++;
      message["message_id"] = m.seq;
      m.payload_json = Dump(message);
      messages_.push_back(std::move(m));
      while (messages_.size() > options_.max_messages) messages_.pop_front();
      r = JsonReply(200, {{"ok", true}, {"result", std::move(message)}});
      r.log_note = "accepted";
    }
  }
  r.delay_ms = delay_ms;
  if (!delay_kind.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    Counters* targets[2] = {&total_, &per_webhook_[key]};
    for (Counters* c : targets) ++c->faults_served[std::string(delay_kind)];
  }
  count(key, r, accepted, "");
  return r;
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

std::string Service::MessagesJson(std::string_view webhook, uint64_t since) const {
  json list = json::array();
  uint64_t last_seq;
  {
    // One snapshot, so last_seq and the list agree.
    std::lock_guard<std::mutex> lock(mu_);
    last_seq = next_seq_ - 1;
    for (const StoredMessage& m : messages_) {
      if (m.seq > since && (webhook.empty() || m.webhook == webhook))
        list.push_back(MessageToJson(m));
    }
  }
  return Dump({{"ok", true}, {"last_seq", last_seq}, {"messages", std::move(list)}});
}

std::string Service::StatsJson() const {
  auto counters = [](const Counters& c) {
    return json{{"requests", c.requests},
                {"accepted", c.accepted},
                {"rate_limited", c.rate_limited},
                {"rejected", c.rejected},
                {"faults_served", c.faults_served}};
  };
  std::lock_guard<std::mutex> lock(mu_);
  json out = counters(total_);
  out["ok"] = true;
  out["transport_rejected"] = transport_rejects_;
  out["stored"] = messages_.size();
  out["last_seq"] = next_seq_ - 1;
  json hooks = json::object();
  for (const WebhookConfig& w : webhooks_) {
    auto it = per_webhook_.find(w.Id());
    json h = counters(it == per_webhook_.end() ? Counters() : it->second);
    h["channel"] = w.channel;
    if (!w.error.empty()) h["standing_error"] = w.error;
    hooks[w.Id()] = std::move(h);
  }
  for (const TelegramBotConfig& bot : options_.telegram_bots) {
    for (const TelegramChat& chat : bot.chats) {
      auto it = per_webhook_.find(bot.ChatKey(chat.id));
      json h = counters(it == per_webhook_.end() ? Counters() : it->second);
      h["channel"] = chat.name;
      hooks[bot.ChatKey(chat.id)] = std::move(h);
    }
  }
  out["webhooks"] = std::move(hooks);
  return Dump(out);
}

std::string Service::PageUpdateJson(uint64_t since) const {
  std::vector<PageMessage> page;
  uint64_t last_seq, generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_seq = next_seq_ - 1;
    generation = generation_;
    for (const StoredMessage& m : messages_) {
      if (m.seq > since)
        page.push_back({m.seq, m.webhook, m.channel, m.received_ms, m.payload_json});
    }
  }
  json items = json::array();
  for (const PageMessage& pm : page) {
    items.push_back({{"seq", pm.seq}, {"webhook", pm.webhook}, {"html", RenderMessageItem(pm)}});
  }
  return Dump({{"last_seq", last_seq}, {"generation", generation}, {"items", items}});
}

Reply Service::HandleApi(std::string_view method, std::string_view path,
                         const std::multimap<std::string, std::string>& query,
                         std::string_view body) {
  if (path == "/healthz") {
    if (method != "GET" && method != "HEAD") return ApiError(405, "use GET");
    return JsonReply(200, {{"ok", true}});
  }
  if (path == "/api/messages") {
    if (method == "DELETE") {
      std::lock_guard<std::mutex> lock(mu_);
      std::size_t n = messages_.size();
      messages_.clear();
      ++generation_;
      return JsonReply(200, {{"ok", true}, {"deleted", n}});
    }
    if (method != "GET") return ApiError(405, "use GET or DELETE");
    uint64_t since = 0;
    std::string since_text = QueryValue(query, "since");
    if (!since_text.empty() && !ParseU64(since_text, &since))
      return ApiError(400, "messages: since='" + since_text.substr(0, 40) + "' is not a number");
    Reply r;
    r.content_type = "application/json";
    r.body = MessagesJson(QueryValue(query, "webhook"), since);
    return r;
  }
  if (path == "/api/stats") {
    if (method != "GET") return ApiError(405, "use GET");
    Reply r;
    r.content_type = "application/json";
    r.body = StatsJson();
    return r;
  }
  if (path == "/api/faults") {
    if (method == "GET") {
      Reply r;
      r.content_type = "application/json";
      r.body = "{\"ok\":true,\"faults\":" + faults_.ToJson() + "}";
      return r;
    }
    if (method == "DELETE") {
      std::string webhook = QueryValue(query, "webhook");
      int removed = 0;
      if (webhook.empty()) {
        faults_.ClearAll();
      } else {
        removed = faults_.Clear(webhook);
      }
      return JsonReply(200, {{"ok", true}, {"removed", removed}});
    }
    if (method != "POST") return ApiError(405, "use GET, POST or DELETE");
    auto specs = ParseFaultJson(body);
    if (!specs.ok()) return ApiError(400, specs.error());
    for (const FaultSpec& s : *specs) faults_.Add(s);
    Reply r;
    r.content_type = "application/json";
    r.body = "{\"ok\":true,\"faults\":" + faults_.ToJson() + "}";
    return r;
  }
  if (path == "/api/page") {
    if (method != "GET") return ApiError(405, "use GET");
    uint64_t since = 0;
    if (!ParseU64(QueryValue(query, "since"), &since)) since = 0;
    Reply r;
    r.content_type = "application/json";
    r.body = PageUpdateJson(since);
    return r;
  }
  return ApiError(404, "no such endpoint: " + std::string(path.substr(0, 100)));
}

Reply Service::ChannelPage(uint64_t upto) {
  std::vector<PageChannel> channels;
  for (const WebhookConfig& w : webhooks_) channels.push_back({w.Id(), w.channel});
  for (const TelegramBotConfig& bot : options_.telegram_bots) {
    for (const TelegramChat& chat : bot.chats)
      channels.push_back({bot.ChatKey(chat.id), chat.name});
  }
  std::vector<PageMessage> page;
  uint64_t last_seq, generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_seq = std::min(next_seq_ - 1, upto);
    generation = generation_;
    for (const StoredMessage& m : messages_) {
      if (m.seq > upto) break;
      page.push_back({m.seq, m.webhook, m.channel, m.received_ms, m.payload_json});
    }
  }
  Reply r;
  r.content_type = "text/html; charset=utf-8";
  r.body = RenderChannelPage(channels, page, last_seq, generation);
  return r;
}

}  // namespace mock_slack
