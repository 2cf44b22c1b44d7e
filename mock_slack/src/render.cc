// Slack's mrkdwn, rendered as the Slack client shows it: the escaping every
// renderer here shares, Slack's entities, <…> control sequences (links,
// mentions, dates), *bold* _italic_ ~strike~ `code` spans, "> " quotes and
// ```code blocks```. Slack's mrkdwn is not CommonMark: the only entities are
// &amp; &lt; &gt;, a raw '<' always opens a control sequence, and the
// emphasis marks need word boundaries around them. Every byte of input ends
// up HTML-escaped: the renderer only ever emits markup it wrote itself.
#include "mock_slack/render.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "render_internal.h"

namespace mock_slack {
namespace {

// Slack's three entities pass through (they already are the HTML we want);
// any other '&' is literal.
std::size_t AppendEntityOrAmp(std::string* out, std::string_view s, std::size_t i) {
  for (std::string_view e : {"&amp;", "&lt;", "&gt;"}) {
    if (s.substr(i, e.size()) == e) {
      *out += e;
      return e.size();
    }
  }
  *out += "&amp;";
  return 1;
}

}  // namespace

namespace render_internal {

void AppendEscaped(std::string* out, char c) {
  switch (c) {
    case '&':
      *out += "&amp;";
      break;
    case '<':
      *out += "&lt;";
      break;
    case '>':
      *out += "&gt;";
      break;
    case '"':
      *out += "&quot;";
      break;
    case '\'':
      *out += "&#39;";
      break;
    default:
      *out += c;
  }
}

// Text where only entities are interpreted (link labels, code).
std::string RenderEntities(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      i += AppendEntityOrAmp(&out, s, i);
    } else {
      AppendEscaped(&out, s[i]);
      ++i;
    }
  }
  return out;
}

std::string DecodeEntities(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, 5) == "&amp;") {
      out += '&';
      i += 5;
    } else if (s.substr(i, 4) == "&lt;") {
      out += '<';
      i += 4;
    } else if (s.substr(i, 4) == "&gt;") {
      out += '>';
      i += 4;
    } else {
      out += s[i++];
    }
  }
  return out;
}

bool SafeUrl(std::string_view url) {
  std::string lower;
  for (char c : url.substr(0, 8))
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0 ||
         lower.rfind("mailto:", 0) == 0;
}

std::string Anchor(std::string_view url, std::string_view label_html) {
  return "<a href=\"" + HtmlEscape(url) + "\" target=\"_blank\" rel=\"noopener noreferrer\">" +
         std::string(label_html) + "</a>";
}

std::string Link(std::string_view url_raw, std::string_view label_html) {
  std::string url = DecodeEntities(url_raw);
  if (!SafeUrl(url)) return std::string(label_html);
  return Anchor(url, label_html);
}

}  // namespace render_internal

namespace {

using render_internal::AppendEmoji;
using render_internal::AppendEscaped;
using render_internal::Link;
using render_internal::RenderEntities;

constexpr int kMaxInlineDepth = 4;
// How far a closing *, _ or ~ is looked for; keeps rendering linear on a
// 40,000-character line of unmatched delimiters.
constexpr std::size_t kMaxSpan = 4000;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
}

// The inside of <...>.
std::string RenderControl(std::string_view c) {
  std::size_t bar = c.find('|');
  std::string_view head = c.substr(0, bar);
  std::string_view label = bar == std::string_view::npos ? std::string_view() : c.substr(bar + 1);
  auto span = [](std::string_view cls, const std::string& html) {
    return "<span class=\"" + std::string(cls) + "\">" + html + "</span>";
  };
  if (!head.empty() && head[0] == '@') {
    return span("mention", "@" + RenderEntities(label.empty() ? head.substr(1) : label));
  }
  if (!head.empty() && head[0] == '#') {
    return span("mention", "#" + RenderEntities(label.empty() ? head.substr(1) : label));
  }
  if (!head.empty() && head[0] == '!') {
    std::string_view cmd = head.substr(1);
    if (cmd == "here" || cmd == "channel" || cmd == "everyone") {
      return span("mention", "@" + std::string(cmd));
    }
    if (cmd.rfind("date^", 0) == 0) return span("date", RenderEntities(label));
    if (cmd.rfind("subteam^", 0) == 0) {
      return span("mention",
                  label.empty() ? "@" + RenderEntities(cmd.substr(8)) : RenderEntities(label));
    }
    return RenderEntities(label.empty() ? cmd : label);
  }
  std::string label_html = RenderEntities(label.empty() ? head : label);
  return Link(head, label_html);
}

// Position just past the '>' closing a control sequence opened at `i`, or 0.
std::size_t ControlEnd(std::string_view s, std::size_t i) {
  std::size_t j = s.find('>', i + 1);
  if (j == std::string_view::npos || j == i + 1) return 0;
  if (s.substr(i + 1, j - i - 1).find('\n') != std::string_view::npos) return 0;
  return j + 1;
}

std::size_t CodeEnd(std::string_view s, std::size_t i) {
  std::size_t j = s.find('`', i + 1);
  if (j == std::string_view::npos || j == i + 1) return 0;
  return j + 1;
}

bool IsDelimiter(char c) { return c == '*' || c == '_' || c == '~'; }

// Index of the delimiter closing one opened at `i`, or npos. Skips links and
// code spans, which are atoms.
std::size_t FindClose(std::string_view s, std::size_t i) {
  char d = s[i];
  const std::size_t limit = std::min(s.size(), i + kMaxSpan);
  for (std::size_t k = i + 1; k < limit; ++k) {
    if (s[k] == '<') {
      if (std::size_t e = ControlEnd(s, k)) k = e - 1;
      continue;
    }
    if (s[k] == '`') {
      if (std::size_t e = CodeEnd(s, k)) k = e - 1;
      continue;
    }
    if (s[k] != d || k == i + 1 || IsSpace(s[k - 1])) continue;
    if (k + 1 < s.size() && IsWordChar(s[k + 1])) continue;
    return k;
  }
  return std::string_view::npos;
}

std::string RenderInline(std::string_view s, int depth) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '`') {
      if (std::size_t e = CodeEnd(s, i)) {
        out += "<code>" + RenderEntities(s.substr(i + 1, e - i - 2)) + "</code>";
        i = e;
        continue;
      }
    } else if (c == '<') {
      if (std::size_t e = ControlEnd(s, i)) {
        out += RenderControl(s.substr(i + 1, e - i - 2));
        i = e;
        continue;
      }
    } else if (c == '&') {
      i += AppendEntityOrAmp(&out, s, i);
      continue;
    } else if (c == ':') {
      if (std::size_t n = AppendEmoji(&out, s, i)) {
        i += n;
        continue;
      }
    } else if (IsDelimiter(c) && depth < kMaxInlineDepth && (i == 0 || !IsWordChar(s[i - 1])) &&
               i + 1 < s.size() && !IsSpace(s[i + 1]) && s[i + 1] != c) {
      std::size_t k = FindClose(s, i);
      if (k != std::string_view::npos) {
        const char* tag = c == '*' ? "b" : c == '_' ? "i" : "s";
        out += std::string("<") + tag + ">" + RenderInline(s.substr(i + 1, k - i - 1), depth + 1) +
               "</" + tag + ">";
        i = k + 1;
        continue;
      }
    }
    AppendEscaped(&out, c);
    ++i;
  }
  return out;
}

// Lines outside code blocks: quotes ("> " or "&gt; " at line start) grouped.
std::string RenderLines(std::string_view s) {
  std::string out;
  bool in_quote = false;
  bool first = true;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t end = s.find('\n', pos);
    if (end == std::string_view::npos) end = s.size();
    std::string_view line = s.substr(pos, end - pos);
    bool quote = false;
    if (line.substr(0, 1) == ">") {
      line.remove_prefix(1);
      quote = true;
    } else if (line.substr(0, 4) == "&gt;") {
      line.remove_prefix(4);
      quote = true;
    }
    if (quote && line.substr(0, 1) == " ") line.remove_prefix(1);
    if (quote && !in_quote) {
      out += "<blockquote>";
      in_quote = true;
    } else if (!quote && in_quote) {
      out += "</blockquote>";
      in_quote = false;
    } else if (!first) {
      out += "<br>";
    }
    out += RenderInline(line, 0);
    first = false;
    pos = end + 1;
  }
  if (in_quote) out += "</blockquote>";
  return out;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) AppendEscaped(&out, c);
  return out;
}

std::string RenderPlainText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "<br>";
    } else {
      AppendEscaped(&out, c);
    }
  }
  return out;
}

std::string RenderMrkdwn(std::string_view s) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t open = s.find("```", pos);
    std::size_t close =
        open == std::string_view::npos ? std::string_view::npos : s.find("```", open + 3);
    if (close == std::string_view::npos) {
      out += RenderLines(s.substr(pos));
      break;
    }
    if (open > pos) {
      std::string_view before = s.substr(pos, open - pos);
      if (!before.empty() && before.back() == '\n') before.remove_suffix(1);
      out += RenderLines(before);
    }
    std::string_view code = s.substr(open + 3, close - open - 3);
    if (!code.empty() && code.front() == '\n') code.remove_prefix(1);
    out += "<pre>" + RenderEntities(code) + "</pre>";
    pos = close + 3;
    if (pos < s.size() && s[pos] == '\n') ++pos;
    if (pos >= s.size()) break;
  }
  return out;
}

}  // namespace mock_slack
