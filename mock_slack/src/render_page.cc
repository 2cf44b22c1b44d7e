// The channel page (GET /): its HTML with one scrolling column per channel,
// each message as an item (sender, badge, time, body), its style sheet, and
// the script (/page.js) that polls /api/page and appends new items. Message
// bodies come from the Slack renderer (render_blocks.cc) or, for Telegram
// chats, from telegram.cc.
#include <cstdint>
#include <ctime>
#include <string>

#include "mock_slack/render.h"
#include "mock_slack/telegram.h"

namespace mock_slack {
namespace {

std::string FormatTime(int64_t millis) {
  std::time_t secs = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  char full[40];
  std::strftime(full, sizeof full, "%Y-%m-%dT%H:%M:%S", &tm);
  return "<time datetime=\"" + std::string(full) + "Z\">" + buf + " UTC</time>";
}

constexpr std::string_view kStyle = R"(
body{font-family:Lato,"Helvetica Neue",Arial,sans-serif;margin:0;background:#f8f8f8;color:#1d1c1d}
header.top{background:#3f0e40;color:#fff;padding:10px 16px;font-weight:bold}
main{display:flex;flex-wrap:wrap;gap:16px;padding:16px}
section.channel{background:#fff;border:1px solid #ddd;border-radius:6px;flex:1 1 480px;min-width:360px}
section.channel>h2{font-size:16px;margin:0;padding:10px 14px;border-bottom:1px solid #ddd}
section.channel>h2 .id{color:#888;font-weight:normal;font-size:12px;margin-left:8px}
.messages{padding:6px 0;overflow-y:auto;max-height:max(240px,calc(100vh - 130px))}
.emoji{font-family:"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji",sans-serif}
.message{padding:6px 14px}
.message:hover{background:#f6f6f6}
.meta{font-size:13px;margin-bottom:2px}
.meta .sender{font-weight:bold;margin-right:6px}
.meta .badge{background:#e8e8e8;color:#555;font-size:10px;padding:1px 3px;border-radius:2px;margin-right:6px}
.meta time{color:#888}
.body{font-size:15px;line-height:1.46;word-wrap:break-word}
.empty{color:#888;padding:6px 14px;font-style:italic}
code{font-family:Monaco,Menlo,Consolas,monospace;font-size:12px;color:#e01e5a;background:#f6f6f6;border:1px solid #ddd;border-radius:3px;padding:0 3px}
pre{font-family:Monaco,Menlo,Consolas,monospace;font-size:12px;background:#f8f8f8;border:1px solid #ddd;border-radius:4px;padding:8px;white-space:pre-wrap;margin:4px 0}
blockquote{border-left:4px solid #ddd;margin:2px 0;padding-left:10px}
a{color:#1264a3;text-decoration:none}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.block{margin:4px 0}
.header{font-size:18px;font-weight:900}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px}
.context{font-size:12px;color:#616061}
.context .item{margin-right:8px}
.button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:2px 10px;font-size:13px;font-weight:bold;margin-right:6px}
.attachment{border-left:4px solid #ddd;padding:2px 10px;margin:4px 0}
.attachment .title{font-weight:bold}
.attachment .field-title{font-weight:bold;font-size:13px}
.attachment .footer{font-size:12px;color:#616061}
hr.divider{border:0;border-top:1px solid #ddd}
)";

}  // namespace

std::string RenderMessageItem(const PageMessage& m) {
  // Telegram chats ("telegram/<bot>/<chat>") store the Bot API Message object.
  const bool telegram = m.webhook.rfind("telegram/", 0) == 0;
  return "<div class=\"message\" data-seq=\"" + std::to_string(m.seq) +
         "\"><div class=\"meta\"><span class=\"sender\">" +
         (telegram ? "Telegram Bot" : "Incoming Webhook") + "</span><span class=\"badge\">" +
         (telegram ? "BOT" : "APP") + "</span>" + FormatTime(m.received_ms) +
         "</div><div class=\"body\">" +
         (telegram ? RenderTelegramMessageHtml(m.payload_json)
                   : RenderMessageHtml(m.payload_json)) +
         "</div></div>";
}

std::string RenderChannelPage(const std::vector<PageChannel>& channels,
                              const std::vector<PageMessage>& messages, uint64_t last_seq,
                              uint64_t generation) {
  std::string out =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>mock-slack</title><style>";
  out += kStyle;
  out += "</style></head><body data-last-seq=\"" + std::to_string(last_seq) +
         "\" data-generation=\"" + std::to_string(generation) +
         "\"><header class=\"top\">mock-slack</header><main>";
  if (channels.empty()) out += "<p class=\"empty\">No webhooks configured (--webhook).</p>";
  for (const PageChannel& c : channels) {
    out += "<section class=\"channel\" data-webhook=\"" + HtmlEscape(c.webhook) + "\"><h2>#" +
           HtmlEscape(c.channel) + "<span class=\"id\">" + HtmlEscape(c.webhook) +
           "</span></h2><div class=\"messages\">";
    bool any = false;
    for (const PageMessage& m : messages) {
      if (m.webhook != c.webhook) continue;
      out += RenderMessageItem(m);
      any = true;
    }
    if (!any) out += "<div class=\"empty\">No messages yet.</div>";
    out += "</div></section>";
  }
  out += "</main><script src=\"/page.js\"></script></body></html>";
  return out;
}

std::string_view ChannelPageScript() {
  // Each channel's message list scrolls on its own and opens at its newest
  // message, as Slack's does. Polls for new messages once a second and
  // appends the server-rendered items; a list the reader left at its bottom
  // follows them (scrolled to the new bottom), one scrolled up to read older
  // messages stays where it is. A DELETE /api/messages (new generation)
  // reloads the page.
  return R"JS('use strict';
(function () {
  let lastSeq = Number(document.body.dataset.lastSeq || 0);
  const generation = Number(document.body.dataset.generation || 0);
  // Within a few pixels of the bottom counts as at the bottom.
  function atBottom(list) {
    return list.scrollHeight - list.scrollTop - list.clientHeight <= 8;
  }
  function toBottom(list) { list.scrollTop = list.scrollHeight; }
  function allToBottom() {
    for (const list of document.querySelectorAll('section.channel .messages')) toBottom(list);
  }
  allToBottom();
  window.addEventListener('load', allToBottom);  // again once fonts and layout settled
  async function poll() {
    try {
      const r = await fetch('/api/page?since=' + lastSeq, {cache: 'no-store'});
      const j = await r.json();
      if (j.generation !== generation) { location.reload(); return; }
      for (const it of j.items) {
        if (it.seq <= lastSeq) continue;
        for (const s of document.querySelectorAll('section.channel')) {
          if (s.dataset.webhook !== it.webhook) continue;
          const list = s.querySelector('.messages');
          const follow = atBottom(list);
          const empty = list.querySelector('.empty');
          if (empty) empty.remove();
          list.insertAdjacentHTML('beforeend', it.html);
          if (follow) toBottom(list);
        }
        lastSeq = it.seq;
      }
      if (j.last_seq > lastSeq) lastSeq = j.last_seq;
    } catch (e) { /* server gone or restarting: keep trying */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
)JS";
}

}  // namespace mock_slack
