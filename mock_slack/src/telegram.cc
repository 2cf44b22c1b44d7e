// The Telegram side of mock-slack that needs no Service (telegram.h): the
// --telegram-bot flag, the redaction of bot paths, UTF-16 lengths, the HTML
// parse mode (tags, attributes, entities and Telegram's errors), and a stored
// Message rendered for the channel page.
#include "mock_slack/telegram.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "mock_slack/render.h"
#include "text_util.h"

namespace mock_slack {
namespace {

using nlohmann::json;

// Deeper nesting than this is refused (ours: Telegram's bound is undocumented).
constexpr std::size_t kMaxDepth = 64;

bool AllOf(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWord(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

bool ValidChatId(std::string_view id) {
  if (id.size() > 65) return false;
  if (!id.empty() && id[0] == '@') return AllOf(id.substr(1), IsWord);
  if (!id.empty() && id[0] == '-') id.remove_prefix(1);
  return id.size() <= 18 && AllOf(id, IsDigit);
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes "&lt;" "&gt;" "&amp;" "&quot;" "&#NNN;" "&#xHH;" at html[i]; returns
// the bytes consumed, 0 when it is no entity Telegram knows (then '&' is text).
std::size_t DecodeEntity(std::string_view html, std::size_t i, std::string* out) {
  std::size_t semi = html.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  std::string_view name = html.substr(i + 1, semi - i - 1);
  if (name == "lt")
    *out += '<';
  else if (name == "gt")
    *out += '>';
  else if (name == "amp")
    *out += '&';
  else if (name == "quot")
    *out += '"';
  else if (name.size() >= 2 && name[0] == '#') {
    uint32_t cp = 0;
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char c : digits) {
      int v = IsDigit(c)                      ? c - '0'
              : (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (hex && c >= 'A' && c <= 'F') ? c - 'A' + 10
                                              : -1;
      if (v < 0) return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
      if (cp > 0x10FFFF) return 0;
    }
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    AppendUtf8(cp, out);
  } else {
    return 0;
  }
  return semi - i + 1;
}

std::string_view EntityType(std::string_view tag) {
  if (tag == "b" || tag == "strong") return "bold";
  if (tag == "i" || tag == "em") return "italic";
  if (tag == "u" || tag == "ins") return "underline";
  if (tag == "s" || tag == "strike" || tag == "del") return "strikethrough";
  if (tag == "span" || tag == "tg-spoiler") return "spoiler";
  if (tag == "a") return "text_link";
  if (tag == "code") return "code";
  if (tag == "pre") return "pre";
  if (tag == "blockquote") return "blockquote";
  if (tag == "tg-emoji") return "custom_emoji";
  return {};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string At(std::size_t byte) { return " at byte offset " + std::to_string(byte); }

}  // namespace

std::size_t Utf16Length(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    n += c >= 0xF0 ? 2 : 1;            // 4-byte sequences are surrogate pairs
  }
  return n;
}

Expected<TelegramBotConfig> ParseTelegramBotFlag(std::string_view flag) {
  auto options = Split(flag, ',');
  std::string_view token = options[0];
  std::size_t colon = token.find(':');
  if (colon == std::string_view::npos || !AllOf(token.substr(0, colon), IsDigit) || colon > 15 ||
      !AllOf(token.substr(colon + 1), IsWord) || token.size() - colon > 65) {
    // The flag holds a secret: name the shape, not the text.
    return Error{
        "--telegram-bot: expected a token BOTID:SECRET (digits, ':', then letters, "
        "digits, '_' or '-')"};
  }
  TelegramBotConfig bot;
  bot.token = std::string(token);
  bot.bot_id = std::string(token.substr(0, colon));
  for (std::size_t i = 1; i < options.size(); ++i) {
    std::string_view opt = options[i];
    if (opt.substr(0, 5) != "chat=") {
      return Error{"--telegram-bot " + bot.Id() + ": unknown option '" +
                   std::string(opt.substr(0, opt.find('='))) + "'"};
    }
    std::string_view value = opt.substr(5);
    std::size_t sep = value.find(':');
    TelegramChat chat;
    chat.id = std::string(value.substr(0, sep));
    if (sep != std::string_view::npos) chat.name = std::string(value.substr(sep + 1));
    if (!ValidChatId(chat.id) || (sep != std::string_view::npos && !AllOf(chat.name, IsWord))) {
      return Error{"--telegram-bot " + bot.Id() + ": chat '" + std::string(value.substr(0, 70)) +
                   "': expected an id (-100123, 42 or @name) and an optional :NAME"};
    }
    if (chat.name.empty()) chat.name = "telegram-" + chat.id;
    bot.chats.push_back(std::move(chat));
  }
  return bot;
}

bool IsTelegramPath(std::string_view path) {
  return path.substr(0, 4) == "/bot" && path.find('/', 4) != std::string_view::npos;
}

std::string RedactTelegramPath(std::string_view path) {
  if (path.substr(0, 4) != "/bot") return std::string(path);
  std::size_t slash = path.find('/', 4);
  std::string_view token = path.substr(4, slash == std::string_view::npos ? path.npos : slash - 4);
  std::size_t colon = token.find(':');
  std::string out = "/bot";
  // The bot id (digits before ':') is public; anything else may be the secret.
  if (colon != std::string_view::npos && colon > 0 && colon <= 15 &&
      token.substr(0, colon).find_first_not_of("0123456789") == std::string_view::npos) {
    out += std::string(token.substr(0, colon)) + ":";
  }
  out += "***";
  if (slash != std::string_view::npos) out += std::string(path.substr(slash, 100));
  return out;
}

namespace {

// A start tag not closed yet.
struct OpenTag {
  std::string tag;
  std::size_t start = 0;  // UTF-16 offset in the text
  std::string url;
  std::string language;
};

// Reads an attribute's optional "= value" (quoted, with entities decoded, or
// bare) from html[*j], moving *j past it. Returns Telegram's error, or "".
std::string ReadAttributeValue(std::string_view html, std::size_t* j, std::size_t tag_at,
                               std::string* value) {
  const std::size_t n = html.size();
  while (*j < n && IsSpace(html[*j])) ++*j;
  if (*j >= n || html[*j] != '=') return "";
  ++*j;
  while (*j < n && IsSpace(html[*j])) ++*j;
  if (*j >= n) return "Unclosed start tag" + At(tag_at);
  if (html[*j] == '"' || html[*j] == '\'') {
    char quote = html[*j];
    std::size_t end = html.find(quote, *j + 1);
    if (end == std::string_view::npos) return "Unclosed start tag" + At(tag_at);
    std::string_view raw = html.substr(*j + 1, end - *j - 1);
    for (std::size_t k = 0; k < raw.size();) {
      std::size_t used = raw[k] == '&' ? DecodeEntity(raw, k, value) : 0;
      if (used == 0)
        *value += raw[k++];
      else
        k += used;
    }
    *j = end + 1;
  } else {
    std::size_t a2 = *j;
    while (*j < n && !IsSpace(html[*j]) && html[*j] != '>') ++*j;
    *value = std::string(html.substr(a2, *j - a2));
  }
  return "";
}

// Reads the start tag at html[tag_at] ('<'), its name then attributes up to
// '>', into *open (starting at UTF-16 offset `u16`); *end is the index of its
// '>'. Returns Telegram's error, or "".
std::string ReadStartTag(std::string_view html, std::size_t tag_at, std::size_t u16, OpenTag* open,
                         std::size_t* end) {
  const std::size_t n = html.size();
  std::size_t j = tag_at + 1;
  while (j < n && (IsWord(html[j]))) ++j;
  std::string name = Lower(html.substr(tag_at + 1, j - tag_at - 1));
  if (EntityType(name).empty()) {
    return "Unsupported start tag \"" + name.substr(0, 40) + "\"" + At(tag_at);
  }
  open->tag = name;
  open->start = u16;
  std::string span_class;
  while (true) {
    while (j < n && IsSpace(html[j])) ++j;
    if (j >= n) return "Unclosed start tag" + At(tag_at);
    if (html[j] == '>') break;
    if (html[j] == '/' && j + 1 < n && html[j + 1] == '>') {
      ++j;
      break;
    }
    std::size_t a = j;
    while (j < n && IsWord(html[j])) ++j;
    if (j == a) return "Empty attribute name in the tag \"" + name + "\"" + At(tag_at);
    std::string attr = Lower(html.substr(a, j - a));
    std::string value;
    if (std::string e = ReadAttributeValue(html, &j, tag_at, &value); !e.empty()) return e;
    if (name == "a" && attr == "href") open->url = value;
    if (name == "code" && attr == "class" && value.substr(0, 9) == "language-")
      open->language = value.substr(9);
    if (name == "span" && attr == "class") span_class = value;
  }
  if (name == "span" && span_class != "tg-spoiler") {
    return "Tag \"span\" must have class \"tg-spoiler\"" + At(tag_at);
  }
  *end = j;
  return "";
}

// Reads the end tag at html[tag_at] ("</"), closes the innermost open tag
// (at UTF-16 offset `u16`) and adds its entity to *out; *end is the index of
// its '>'. Returns Telegram's error, or "".
std::string CloseTag(std::string_view html, std::size_t tag_at, std::size_t u16,
                     std::vector<OpenTag>* stack, TelegramText* out, std::size_t* end) {
  std::size_t gt = html.find('>', tag_at);
  if (gt == std::string_view::npos) return "Can't find end of the tag" + At(tag_at);
  std::string name = Lower(html.substr(tag_at + 2, gt - tag_at - 2));
  while (!name.empty() && IsSpace(name.back())) name.pop_back();
  if (stack->empty()) return "Unexpected end tag" + At(tag_at);
  if (name != stack->back().tag) {
    return "Unmatched end tag" + At(tag_at) + ", expected \"</" + stack->back().tag +
           ">\", found \"</" + name.substr(0, 40) + ">\"";
  }
  OpenTag open = std::move(stack->back());
  stack->pop_back();
  TelegramEntity e;
  e.type = std::string(EntityType(open.tag));
  e.offset = open.start;
  e.length = u16 - open.start;
  e.url = open.url;
  e.language = open.language;
  bool keep = e.length > 0 && !(e.type == "text_link" && e.url.empty());
  // <pre><code class="language-x"> is one pre entity with a language.
  if (keep && e.type == "code" && !stack->empty() && stack->back().tag == "pre" &&
      !e.language.empty()) {
    stack->back().language = e.language;
    keep = false;
  }
  if (keep) out->entities.push_back(std::move(e));
  *end = gt;
  return "";
}

}  // namespace

Expected<TelegramText> ParseTelegramHtml(std::string_view html) {
  TelegramText out;
  std::vector<OpenTag> stack;
  std::size_t u16 = 0;
  auto append = [&](std::string_view bytes) {
    out.text += bytes;
    u16 += Utf16Length(bytes);
  };
  std::size_t i = 0;
  const std::size_t n = html.size();
  while (i < n) {
    char c = html[i];
    if (c == '&') {
      std::string decoded;
      std::size_t used = DecodeEntity(html, i, &decoded);
      if (used == 0) {
        append("&");
        ++i;
      } else {
        append(decoded);
        i += used;
      }
      continue;
    }
    if (c != '<') {
      std::size_t next = html.find_first_of("&<", i);
      if (next == std::string_view::npos) next = n;
      append(html.substr(i, next - i));
      i = next;
      continue;
    }
    std::size_t end = 0;
    if (i + 1 < n && html[i + 1] == '/') {
      if (std::string e = CloseTag(html, i, u16, &stack, &out, &end); !e.empty()) return Error{e};
      i = end + 1;
      continue;
    }
    OpenTag open;
    if (std::string e = ReadStartTag(html, i, u16, &open, &end); !e.empty()) return Error{e};
    if (stack.size() >= kMaxDepth) return Error{"Too deeply nested entities" + At(i)};
    stack.push_back(std::move(open));
    i = end + 1;
  }
  if (!stack.empty()) {
    return Error{"Can't find end tag corresponding to start tag \"" + stack.back().tag + "\""};
  }
  std::stable_sort(out.entities.begin(), out.entities.end(),
                   [](const TelegramEntity& a, const TelegramEntity& b) {
                     return a.offset != b.offset ? a.offset < b.offset : a.length > b.length;
                   });
  return out;
}

namespace {

// The page's markup around a message entity of a known type (a text_link
// gets an href only for http, https, mailto and tg URLs); false for other
// types, which are shown as plain text.
bool EntityMarkup(const json& e, std::string* open, std::string* close) {
  static constexpr std::pair<std::string_view, std::string_view> kTags[] = {
      {"bold", "b"},    {"italic", "i"}, {"underline", "u"},           {"strikethrough", "s"},
      {"code", "code"}, {"pre", "pre"},  {"blockquote", "blockquote"},
  };
  std::string type = e.value("type", std::string());
  for (const auto& [entity, tag] : kTags) {
    if (type == entity) {
      *open = "<" + std::string(tag) + ">";
      *close = "</" + std::string(tag) + ">";
      return true;
    }
  }
  if (type == "spoiler") {
    *open = "<span class=\"tg-spoiler\">", *close = "</span>";
  } else if (type == "text_link") {
    std::string url = e.value("url", std::string());
    std::string scheme =
        Lower(url.substr(0, url.find(':') == std::string::npos ? 0 : url.find(':')));
    if (scheme == "http" || scheme == "https" || scheme == "mailto" || scheme == "tg") {
      *open = "<a href=\"" + HtmlEscape(url) + "\" rel=\"noopener noreferrer nofollow\">";
      *close = "</a>";
    } else {
      *open = "<span class=\"link\">", *close = "</span>";
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string RenderTelegramMessageHtml(std::string_view message_json) {
  json m = json::parse(message_json, nullptr, false);
  if (m.is_discarded() || !m.is_object() || !m.contains("text") || !m["text"].is_string()) {
    return "<span class=\"note\">(unreadable Telegram message)</span>";
  }
  const std::string text = m["text"].get<std::string>();
  struct Span {
    std::size_t start, end;
    std::string open, close;
  };
  std::vector<Span> spans;
  if (m.contains("entities") && m["entities"].is_array()) {
    for (const json& e : m["entities"]) {
      if (!e.is_object() || !e.value("offset", json()).is_number_unsigned() ||
          !e.value("length", json()).is_number_unsigned())
        continue;
      std::size_t off = e["offset"].get<std::size_t>();
      std::size_t len = e["length"].get<std::size_t>();
      std::string open, close;
      if (!EntityMarkup(e, &open, &close)) continue;
      spans.push_back({off, off + len, open, close});
    }
  }
  // Entities from our own parser nest properly; anything crossing is dropped.
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  std::string html;
  std::vector<const Span*> stack;
  std::size_t next_span = 0, pos = 0;
  auto boundary = [&] {
    while (!stack.empty() && stack.back()->end <= pos) {
      html += stack.back()->close;
      stack.pop_back();
    }
    while (next_span < spans.size() && spans[next_span].start <= pos) {
      const Span& s = spans[next_span++];
      if (s.start < pos || (!stack.empty() && s.end > stack.back()->end)) continue;
      html += s.open;
      stack.push_back(&s);
    }
  };
  for (std::size_t i = 0; i < text.size();) {
    boundary();
    unsigned char c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    std::string_view ch = std::string_view(text).substr(i, len);
    html += ch == "\n" ? std::string("<br>") : HtmlEscape(ch);
    pos += c >= 0xF0 ? 2 : 1;
    i += len;
  }
  boundary();
  while (!stack.empty()) {
    html += stack.back()->close;
    stack.pop_back();
  }
  return html;
}

}  // namespace mock_slack
