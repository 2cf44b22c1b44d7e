// The Telegram Bot API endpoint (POST /bot<token>/sendMessage): the Bot API's
// error answers, reading the parameters from a JSON or form body, the
// parse_mode and length checks of the text, and the Message object stored
// and sent back, in the order service.h gives for HandleTelegram.
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "mock_slack/service.h"
#include "service_json.h"
#include "text_util.h"

namespace mock_slack {
namespace {

using nlohmann::json;

// The request's parameters: a JSON object, or a form body (what curl -d
// sends). False when a JSON body is not an object.
bool ReadParams(std::string_view content_type, std::string_view body,
                std::map<std::string, std::string>* params) {
  const bool json_body =
      content_type.find("json") != std::string_view::npos || (!body.empty() && body.front() == '{');
  if (json_body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return false;
    for (auto it = j.begin(); it != j.end(); ++it) {
      (*params)[it.key()] = it->is_string() ? it->get<std::string>() : Dump(*it);
    }
    return true;
  }
  for (std::string_view pair : Split(body, '&')) {
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    (*params)[FormDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : FormDecode(pair.substr(eq + 1));
  }
  return true;
}

// The message text after its parse_mode, or the Bot API's description of
// why it is refused ("Bad Request: …") in *problem.
TelegramText ParseText(const std::string& raw, std::string mode, std::string* problem) {
  for (char& c : mode) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  TelegramText parsed;
  if (mode == "html") {
    auto p = ParseTelegramHtml(raw);
    if (p.ok()) {
      parsed = *p;
    } else {
      *problem = "Bad Request: can't parse entities: " + p.error();
    }
  } else if (mode.empty() || mode == "markdownv2" || mode == "markdown") {
    parsed.text = raw;  // Markdown modes are not parsed (docs/mock_slack.md)
  } else {
    *problem = "Bad Request: unsupported parse_mode";
  }
  if (problem->empty() && parsed.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    *problem = "Bad Request: message text is empty";
  } else if (problem->empty() && Utf16Length(parsed.text) > kTelegramMaxText) {
    *problem = "Bad Request: message is too long";
  }
  return parsed;
}

// The Bot API Message object for `parsed` sent by `bot` to `chat` at
// `received_ms`, all but its message_id.
json MessageObject(const TelegramBotConfig& bot, const TelegramChat& chat,
                   const TelegramText& parsed, int64_t received_ms) {
  json entities = json::array();
  for (const TelegramEntity& e : parsed.entities) {
    json je = {{"offset", e.offset}, {"length", e.length}, {"type", e.type}};
    if (!e.url.empty()) je["url"] = e.url;
    if (!e.language.empty()) je["language"] = e.language;
    entities.push_back(std::move(je));
  }
  json chat_json = {{"type", chat.id[0] == '-'   ? "supergroup"
                             : chat.id[0] == '@' ? "channel"
                                                 : "private"}};
  if (chat.id[0] == '@') {
    chat_json["id"] = -1000000000000LL;
    chat_json["username"] = chat.id.substr(1);
  } else {
    chat_json["id"] = std::stoll(chat.id);
  }
  json message = {{"from",
                   {{"id", std::stoll(bot.bot_id)},
                    {"is_bot", true},
                    {"first_name", "mock-slack"},
                    {"username", "mock_slack_bot"}}},
                  {"chat", chat_json},
                  {"date", received_ms / 1000},
                  {"text", parsed.text}};
  if (!entities.empty()) message["entities"] = std::move(entities);
  return message;
}

// How a refused request is named in the stats: its description without the
// detail after a second ':' ("Bad Request: can't parse entities").
std::string RejectKey(const Reply& r, bool accepted) {
  std::string reject;
  if (!accepted && r.status != 429) {
    json j = json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.is_object()) reject = j.value("description", std::string());
    reject = reject.substr(0, reject.find(':', reject.find(':') + 1));  // drop the detail
  }
  return reject;
}

}  // namespace

Reply Service::TelegramError(int code, std::string description, std::string note, int retry_after) {
  json body = {{"ok", false}, {"error_code", code}, {"description", std::move(description)}};
  if (retry_after > 0) body["parameters"] = {{"retry_after", retry_after}};
  Reply r = JsonReply(code, body);
  r.log_note = std::move(note);
  return r;
}

Reply Service::TelegramTooMany(int retry_after, std::string note) {
  return TelegramError(429, "Too Many Requests: retry after " + std::to_string(retry_after),
                       std::move(note), retry_after);
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
  // A request refused before the rate limiter.
  auto refuse = [&](const std::string& key, Reply r) {
    CountOutcome(key, r, false, Delay(), RejectKey(r, false));
    return r;
  };
  if (bot == nullptr) return refuse("", TelegramError(401, "Unauthorized", "unknown bot token"));
  if (method != "sendMessage" && method != "sendmessage") {
    return refuse(bot->Id(), TelegramError(404, "Not Found", "method not emulated"));
  }
  std::map<std::string, std::string> params;
  if (!ReadParams(content_type, body, &params)) {
    return refuse(bot->Id(),
                  TelegramError(400, "Bad Request: can't parse JSON", "body is not a JSON object"));
  }
  const std::string chat_id = params["chat_id"];
  if (chat_id.empty()) {
    return refuse(bot->Id(), TelegramError(400, "Bad Request: chat_id is empty", "no chat_id"));
  }
  const TelegramChat* chat = nullptr;
  for (const TelegramChat& c : bot->chats) {
    if (c.id == chat_id) chat = &c;
  }
  if (chat == nullptr) {
    return refuse(bot->Id(), TelegramError(400, "Bad Request: chat not found", "unknown chat"));
  }
  const std::string key = bot->ChatKey(chat->id);
  Delay delay;
  if (auto fault = ServeFault(Dialect::kTelegram, bot->Id(), key, body, &delay)) return *fault;

  Reply r;
  bool accepted = false;
  std::string problem;
  if (RateDecision d = limiter_.Acquire(key); !d.allowed) {
    r = TelegramTooMany(d.retry_after_seconds, "rate limited");
  } else if (TelegramText parsed = ParseText(params["text"], params["parse_mode"], &problem);
             !problem.empty()) {
    r = TelegramError(400, problem, problem.substr(13));
  } else {
    accepted = true;
    StoredMessage m;
    m.webhook = key;
    m.channel = chat->name;
    m.received_ms = clock_->WallMillis();
    m.content_type = std::string(content_type.substr(0, 200));
    m.text = parsed.text;
    json message = MessageObject(*bot, *chat, parsed, m.received_ms);
    {
      std::lock_guard<std::mutex> lock(mu_);
      m.seq = next_seq_++;
      message["message_id"] = m.seq;
      m.payload_json = Dump(message);
      StoreLocked(std::move(m));
    }
    r = JsonReply(200, {{"ok", true}, {"result", std::move(message)}});
    r.log_note = "accepted";
  }
  r.delay_ms = delay.ms;
  CountOutcome(key, r, accepted, delay, RejectKey(r, accepted));
  return r;
}

}  // namespace mock_slack
