// Helpers shared by the renderers of render.h (private to mock_slack_lib):
// render.cc (mrkdwn, escaping, links), render_emoji.cc (emoji) and
// render_blocks.cc (Block Kit and attachments).
#ifndef MOCK_SLACK_SRC_RENDER_INTERNAL_H_
#define MOCK_SLACK_SRC_RENDER_INTERNAL_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace mock_slack::render_internal {

// Appends `c` HTML-escaped (& < > " ').
void AppendEscaped(std::string* out, char c);

// Text where only Slack's entities (&amp; &lt; &gt;) are interpreted (link
// labels, code); everything else is escaped.
std::string RenderEntities(std::string_view s);

// Slack's three entities decoded to their characters.
std::string DecodeEntities(std::string_view s);

// Whether `url` is http, https or mailto: the only links given an href.
bool SafeUrl(std::string_view url);

// <a href="url"> (escaped) around `label_html`, opening in a new tab; the
// caller checked the URL with SafeUrl.
std::string Anchor(std::string_view url, std::string_view label_html);

// A link to `url_raw` (entities decoded) labelled `label_html`, or just the
// label when the URL is not safe.
std::string Link(std::string_view url_raw, std::string_view label_html);

// If a known :shortcode: starts at `i` (a ':'), appends its emoji to `out`
// and returns its length; else returns 0.
std::size_t AppendEmoji(std::string* out, std::string_view s, std::size_t i);

// Plain text with its known :shortcodes: as emoji: escaped, newlines as <br>.
std::string RenderPlainTextEmoji(std::string_view text);

// A rich_text "emoji" element: its name from the table, else its "unicode"
// code points ("1f389", "1f44d-1f3fb"), else the name as :text:.
std::string RichTextEmoji(std::string_view name, std::string_view unicode);

}  // namespace mock_slack::render_internal

#endif  // MOCK_SLACK_SRC_RENDER_INTERNAL_H_
