// Rendering Slack messages to HTML the way the Slack client shows them, for
// the channel page (GET /).
//
// RenderMrkdwn() follows Slack's mrkdwn ("Formatting text for app surfaces"), not CommonMark:
// *bold*, _italic_, ~strike~, `code`, ```code blocks```, "> " quotes,
// <url|label> and <url> links, <@U…>/<#C…|name>/<!here> mentions and
// <!date^…|fallback>, and :shortcode: emoji (a table of common ones; unknown
// names, and names inside code, stay literal). Only &amp; &lt; &gt; are
// entities; everything else, including "&quot;", is shown literally. plain_text
// objects show emoji too unless they say "emoji": false; RenderPlainText()
// itself never does. The output is always safe HTML:
// every character of the input is escaped, and links get an href only for
// http, https and mailto URLs.
//
// All functions are pure and thread-safe, and bounded on hostile input.
#ifndef MOCK_SLACK_RENDER_H_
#define MOCK_SLACK_RENDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mock_slack {

// Escapes & < > " ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

// mrkdwn text → HTML fragment (inline elements, <br>, <pre>, <blockquote>).
std::string RenderMrkdwn(std::string_view mrkdwn);

// plain_text → HTML fragment: escaped, newlines as <br>.
std::string RenderPlainText(std::string_view text);

// A whole message (the stored payload JSON) → HTML fragment: its blocks when
// present (text is then only the notification), else its text (as mrkdwn
// unless "mrkdwn": false), then its attachments. Unparseable JSON renders as
// an escaped note, never as markup.
std::string RenderMessageHtml(std::string_view payload_json);

// One message as the page shows it.
struct PageMessage {
  uint64_t seq = 0;
  std::string webhook;  // "T…/B…"
  std::string channel;
  int64_t received_ms = 0;
  std::string payload_json;
};

struct PageChannel {
  std::string webhook;
  std::string channel;
};

// One message as an HTML <div class="message"> (time, sender, body).
std::string RenderMessageItem(const PageMessage& message);

// The full page: one column per channel with its messages in order, each
// list scrolling on its own, and a small script that opens every list at its
// newest message and polls /api/page?since=<seq> to append new items, so the
// page follows new messages without a reload.
std::string RenderChannelPage(const std::vector<PageChannel>& channels,
                              const std::vector<PageMessage>& messages, uint64_t last_seq,
                              uint64_t generation);

// The page's script (served as /page.js so the page can forbid inline
// scripts with its Content-Security-Policy).
std::string_view ChannelPageScript();

}  // namespace mock_slack

#endif  // MOCK_SLACK_RENDER_H_
