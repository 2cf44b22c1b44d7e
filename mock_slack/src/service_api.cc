// The control and inspection API (/api/messages, /api/stats, /api/faults,
// /api/page, /healthz) and the channel page (GET /): what the Service has
// stored and counted, as JSON or as the page's HTML (render.h).
#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "mock_slack/render.h"
#include "mock_slack/service.h"
#include "service_json.h"

namespace mock_slack {
namespace {

using nlohmann::json;

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

// A reply whose body is JSON text already.
Reply JsonText(std::string body) {
  Reply r;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

}  // namespace

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
  auto faults_json = [this] { return "{\"ok\":true,\"faults\":" + faults_.ToJson() + "}"; };
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
    return JsonText(MessagesJson(QueryValue(query, "webhook"), since));
  }
  if (path == "/api/stats") {
    if (method != "GET") return ApiError(405, "use GET");
    return JsonText(StatsJson());
  }
  if (path == "/api/faults") {
    if (method == "GET") {
      return JsonText(faults_json());
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
    return JsonText(faults_json());
  }
  if (path == "/api/page") {
    if (method != "GET") return ApiError(405, "use GET");
    uint64_t since = 0;
    if (!ParseU64(QueryValue(query, "since"), &since)) since = 0;
    return JsonText(PageUpdateJson(since));
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
