// How record values are made safe for Slack mrkdwn (see slack_message.h for
// the contract):
//
//  1. Invalid UTF-8 becomes U+FFFD, so what we measure is what Slack gets and
//     the JSON dump never meets a bad byte.
//  2. Control characters (C0, DEL, U+2028/9) become spaces in inline values: a
//     newline inside a user name must not start a forged "Error:" line or a
//     "&gt;" quote. Bidirectional formatting characters (U+061C, U+200E/F,
//     U+202A–E, U+2066–9) become U+FFFD, visibly: they could reorder the rest
//     of the line (show the IP address reversed, move text across fields).
//  3. '&', '<', '>' become entities: no value can open a link or a mention.
//  4. Slack has no escape for its formatting characters. A '`' becomes U+02CB
//     (MODIFIER LETTER GRAVE ACCENT, which looks the same): Slack opens inline
//     code at any pair of backticks, boundaries or not, so no fence makes one
//     inert. Each '*', '~' and '_' gets a ZERO WIDTH SPACE (U+200B) on both
//     sides: whether Slack reads U+200B as a word boundary or as a word
//     character, a delimiter with it on both sides can neither open nor close
//     bold, strike or italics (those need a boundary, code does not). The
//     character itself stays, so a copied value still contains it. An '_'
//     between two ASCII letters or digits ("ci_deploy") is already intraword,
//     hence inert, and is left alone so the common IAM names copy cleanly.
//  5. Every text object sets "verbatim": true, so Slack does not auto-link
//     bare URLs, #channel names or @here in values.
// Values are then truncated (at a code point and never inside an entity) to a
// per-field budget that keeps each section under kSlackMaxSectionText.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/json_string.h"
#include "iam_audit/slack_message.h"

namespace iam_audit {

namespace {

using Json = nlohmann::ordered_json;  // keeps "text" before "blocks", as Slack's docs show

constexpr std::string_view kZwsp = "\xE2\x80\x8B";         // U+200B
constexpr std::string_view kInertBacktick = "\xCB\x8B";    // U+02CB MODIFIER LETTER GRAVE ACCENT
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kMissing = "-";

// Per-value budgets in bytes of the escaped text (bytes bound characters in
// any unit Slack may count). With the labels they add up to < 2800 bytes, so
// the first section always fits in 3000.
constexpr size_t kIdentityBudget = 300;
constexpr size_t kIpBudget = 100;
constexpr size_t kTimeBudget = 80;
constexpr size_t kTypeBudget = 100;
constexpr size_t kSourceBudget = 200;
constexpr size_t kNameBudget = 200;
constexpr size_t kRegionBudget = 100;
constexpr size_t kErrorCodeBudget = 300;
constexpr size_t kErrorMessageBudget = 1200;
constexpr size_t kLoginBudget = 100;
constexpr size_t kMfaBudget = 50;
constexpr size_t kEventIdBudget = 200;
constexpr size_t kMaxUrlTemplate = 1024;
constexpr size_t kNotificationBudget = 1000;

// The code point at byte `i` of `s` and its length in bytes (`*len`); an
// invalid or overlong sequence, a surrogate or a value past U+10FFFF is
// U+FFFD of length 1 (one per bad byte).
char32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  *len = 1;
  if (c < 0x80) return c;
  size_t n = 0;
  char32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0xFFFD;
  }
  if (i + n > s.size()) return 0xFFFD;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0xFFFD;
  }
  *len = n;
  return cp;
}

// Decodes UTF-8 as DecodeAt does, the whole string.
std::vector<char32_t> DecodeUtf8(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0, len = 0; i < s.size(); i += len) out.push_back(DecodeAt(s, i, &len));
  return out;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsBidiControl(char32_t c) {
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

bool IsAsciiAlnum(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Appends the output for code point `c` of an inline value; `intraword`:
// it stands between two ASCII letters or digits.
void AppendInlinePiece(char32_t c, bool intraword, std::string* out) {
  switch (c) {
    case '&':
      *out += "&amp;";
      return;
    case '<':
      *out += "&lt;";
      return;
    case '>':
      *out += "&gt;";
      return;
    case '`':
      // No fence makes a backtick safe: Slack opens inline code at a pair of
      // backticks whatever surrounds them (mock-slack renders it so, too).
      *out += kInertBacktick;
      return;
    case '_':
      if (intraword) {
        *out += '_';
        return;
      }
      [[fallthrough]];
    case '*':
    case '~':
      *out += kZwsp;
      *out += static_cast<char>(c);
      *out += kZwsp;
      return;
    default:
      break;
  }
  if (c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029) {
    *out += ' ';
  } else if (IsBidiControl(c)) {
    *out += kReplacement;
  } else {
    AppendUtf8(c, out);
  }
}

// The output for code point `c` of a raw message shown in a code block:
// entities only (a code block shows formatting characters literally), line
// breaks and tabs kept, other control and bidi characters shown as U+FFFD, and every
// backtick fenced by U+200B so no run of three can close the block early.
std::string CodeBlockPiece(char32_t c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '`':
      return std::string(kZwsp) + "`" + std::string(kZwsp);
    case '\n':
    case '\t':
      return std::string(1, static_cast<char>(c));
    case '\r':
      return "";
    default:
      break;
  }
  if (c < 0x20 || c == 0x7F || IsBidiControl(c)) return std::string(kReplacement);
  std::string out;
  AppendUtf8(c, &out);
  return out;
}

// Concatenates pieces while the total stays within `budget` bytes; when not
// all fit, stops early enough to end with "…" inside the budget. Pieces are
// whole (an entity or a fenced character is never cut).
template <typename PieceFn>
std::string Bounded(size_t count, size_t budget, PieceFn piece, bool* truncated = nullptr) {
  if (truncated != nullptr) *truncated = false;
  std::string out;
  size_t cut = 0;  // the longest prefix so far that still leaves room for "…"
  for (size_t i = 0; i < count; ++i) {
    const std::string p = piece(i);
    if (out.size() + p.size() > budget) {
      out.resize(cut);
      if (budget >= kEllipsis.size()) out += kEllipsis;
      if (truncated != nullptr) *truncated = true;
      return out;
    }
    out += p;
    if (out.size() + kEllipsis.size() <= budget) cut = out.size();
  }
  return out;
}

constexpr std::string_view kBlank = " \t\r\n\v\f";

// c is one of kBlank (a test, not a search of kBlank per byte).
constexpr bool IsBlankChar(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static_assert(
    [] {
      int n = 0;
      for (int c = 0; c < 256; ++c) n += IsBlankChar(static_cast<char>(c)) ? 1 : 0;
      for (const char c : kBlank) n -= IsBlankChar(c) ? 1 : 0;
      return n == 0;
    }(),
    "IsBlankChar is exactly kBlank");

// `value` without leading and trailing kBlank characters.
std::string_view TrimBlank(std::string_view value) {
  size_t b = 0, e = value.size();
  while (b < e && IsBlankChar(value[b])) ++b;
  while (e > b && IsBlankChar(value[e - 1])) --e;
  return value.substr(b, e - b);
}

bool IsBlank(std::string_view value) { return TrimBlank(value).empty(); }

// True when every piece of `value` would be the byte itself: printable ASCII
// without '&', '<', '>', '*', '~', '`', and '_' only between two ASCII
// letters or digits. Most record values (names, regions, IPs) are.
bool IsInertAscii(std::string_view value) {
  // 0: the byte is its own piece; 1: never; 2: '_', it depends on its neighbours.
  static constexpr auto kClass = [] {
    std::array<uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) t[c] = (c < 0x20 || c >= 0x7F) ? 1 : 0;
    for (const unsigned char c : {'&', '<', '>', '*', '~', '`'}) t[c] = 1;
    t['_'] = 2;
    return t;
  }();
  for (size_t i = 0; i < value.size(); ++i) {
    const uint8_t k = kClass[static_cast<unsigned char>(value[i])];
    if (k == 0) continue;
    if (k == 1) return false;
    if (i == 0 || i + 1 == value.size() ||
        !IsAsciiAlnum(static_cast<unsigned char>(value[i - 1])) ||
        !IsAsciiAlnum(static_cast<unsigned char>(value[i + 1]))) {
      return false;
    }
  }
  return true;
}

// A record value ready for a mrkdwn line: trimmed, neutralised, escaped,
// bounded. Empty values read as "-". (Leading or trailing blanks would also
// stop the header's "*…*" from turning bold.)
// Appended to `*out`, which may hold text already (the budget counts only
// what is appended here).
void AppendInline(std::string_view value, size_t budget, std::string* out) {
  value = TrimBlank(value);
  if (value.empty()) {
    out->append(kMissing);
    return;
  }
  if (value.size() <= budget && IsInertAscii(value)) {
    out->append(value);
    return;
  }
  // Bounded() over the code points, streamed: decoded one ahead (for the
  // intraword '_'), each piece appended in place, no vector, no temporaries.
  const size_t base = out->size();
  size_t cut = base;  // the longest prefix so far that still leaves room for "…"
  size_t len = 0;
  char32_t prev = 0;
  char32_t c = DecodeAt(value, 0, &len);
  for (size_t i = 0; i < value.size();) {
    const size_t next_at = i + len;
    size_t next_len = 0;
    const bool has_next = next_at < value.size();
    const char32_t next = has_next ? DecodeAt(value, next_at, &next_len) : 0;
    const bool intraword = i > 0 && has_next && IsAsciiAlnum(prev) && IsAsciiAlnum(next);
    AppendInlinePiece(c, intraword, out);
    if (out->size() - base > budget) {
      out->resize(cut);
      if (budget >= kEllipsis.size()) *out += kEllipsis;
      return;
    }
    if (out->size() - base + kEllipsis.size() <= budget) cut = out->size();
    prev = c;
    c = next;
    len = next_len;
    i = next_at;
  }
}

std::string Inline(std::string_view value, size_t budget) {
  std::string out;
  AppendInline(value, budget, &out);
  return out;
}

// Percent-encodes every byte but RFC 3986's unreserved ones.
void AppendUrlEncoded(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    const char escaped[3] = {'%', kHex[c >> 4], kHex[c & 0xF]};
    out->append(escaped, 3);
  }
  out->append(s.data() + run, s.size() - run);
}

Json Section(std::string text) {
  Json text_object = Json::object();
  text_object["type"] = "mrkdwn";
  text_object["text"] = std::move(text);
  text_object["verbatim"] = true;
  Json block = Json::object();
  block["type"] = "section";
  block["text"] = std::move(text_object);
  return block;
}

std::string Dump(const Json& message) {
  // Everything was made valid UTF-8 above; "replace" is the last line of
  // defence so that dump() can never throw.
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The message {"text":…,"blocks":[Section(…),…]}, as Dump() of the same
// ordered_json would print it. The values are valid UTF-8 by construction;
// should one not be, nlohmann's dump (with its U+FFFD replacement) writes it.
std::string MessageJson(std::string_view notification,
                        std::initializer_list<std::string_view> sections) {
  size_t size = notification.size() + 32;
  bool valid = simdjson::validate_utf8(notification.data(), notification.size());
  for (std::string_view section : sections) {
    size += section.size() + 80;
    valid = valid && simdjson::validate_utf8(section.data(), section.size());
  }
  if (!valid) {
    Json message = Json::object();
    message["text"] = std::string(notification);
    Json blocks = Json::array();
    for (std::string_view section : sections) blocks.push_back(Section(std::string(section)));
    message["blocks"] = std::move(blocks);
    return Dump(message);
  }
  std::string out;
  out.reserve(size + size / 8);
  out += "{\"text\":";
  AppendJsonString(out, notification);
  out += ",\"blocks\":[";
  bool first = true;
  for (std::string_view section : sections) {
    if (!first) out += ',';
    first = false;
    out += "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":";
    AppendJsonString(out, section);
    out += ",\"verbatim\":true}}";
  }
  out += "]}";
  return out;
}

std::string NormaliseYesNo(const std::string& value) {
  std::string lower;
  for (char c : value) lower += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  if (lower == "yes") return "Yes";
  if (lower == "no") return "No";
  return value;
}

void AppendTimeLine(const CloudTrailRecord& record, const TimeZone& tz, std::string* out) {
  if (IsBlank(record.event_time)) {
    out->append(kMissing);
    return;
  }
  const StatusOr<int64_t> seconds = ParseIso8601(record.event_time);
  if (!seconds.ok()) {
    AppendInline(record.event_time, kTimeBudget, out);  // shown as written
    return;
  }
  out->append(tz.Format(*seconds));
}

// ValidateConsoleUrlTemplate(tmpl).ok(), remembering the last template
// found valid: every message of a container uses the same one.
bool UsableTemplate(const std::string& tmpl) {
  thread_local std::string last_valid;
  thread_local bool has_last = false;
  if (has_last && tmpl == last_valid) return true;
  if (!ValidateConsoleUrlTemplate(tmpl).ok()) return false;
  last_valid = tmpl;
  has_last = true;
  return true;
}

// Section 2: the event ID, in italics, linked to the console when a usable
// URL can be built.
std::string EventLinkText(const CloudTrailRecord& record, const RenderOptions& options) {
  if (IsBlank(record.event_id)) return "_no eventID in the record_";
  const std::string label = Inline(record.event_id, kEventIdBudget);
  const std::string& tmpl = options.console_url_template;
  const bool needs_region = tmpl.find("{region}") != std::string::npos;
  if (!UsableTemplate(tmpl) || (needs_region && record.aws_region.empty())) {
    return "_" + label + "_";
  }
  // The template's placeholders filled in one pass (what replacing every
  // "{region}" and then every "{eventID}" gives: the encoded values hold no
  // brace, so neither replacement can make or break a placeholder).
  std::string text = "_<";
  text.reserve(tmpl.size() + record.aws_region.size() + record.event_id.size() + label.size() + 8);
  size_t run = 0;
  for (size_t i = tmpl.find('{'); i != std::string::npos; i = tmpl.find('{', i)) {
    const std::string_view rest = std::string_view(tmpl).substr(i);
    std::string_view value;
    size_t skip = 0;
    if (rest.substr(0, 8) == "{region}") {
      value = record.aws_region;
      skip = 8;
    } else if (rest.substr(0, 9) == "{eventID}") {
      value = record.event_id;
      skip = 9;
    } else {
      ++i;
      continue;
    }
    text.append(tmpl, run, i - run);
    AppendUrlEncoded(value, &text);
    i += skip;
    run = i;
  }
  text.append(tmpl, run, std::string::npos);
  text += '|';
  text += label;
  text += ">_";
  if (text.size() > kSlackMaxSectionText) return "_" + label + "_";
  return text;
}

std::string NotificationText(const CloudTrailRecord& record) {
  std::string text;
  text.reserve(256);
  text += IsBlank(record.display_identity) ? std::string_view("unknown identity")
                                           : std::string_view(record.display_identity);
  if (!IsBlank(record.source_ip_address)) {
    text += " (";
    text += record.source_ip_address;
    text += ')';
  }
  text += ": ";
  text += !record.event_name.empty()   ? std::string_view(record.event_name)
          : !record.event_type.empty() ? std::string_view(record.event_type)
                                       : std::string_view("CloudTrail event");
  if (!IsBlank(record.error_code)) {
    text += " (";
    text += record.error_code;
    text += ')';
  } else if (record.console_login == "Failure") {
    text += " (Failure)";
  }
  // Usually already inert and trimmed: then it is its own Inline() text.
  const unsigned char front = static_cast<unsigned char>(text.front());
  const unsigned char back = static_cast<unsigned char>(text.back());
  if (text.size() <= kNotificationBudget && !IsBlankChar(static_cast<char>(front)) &&
      !IsBlankChar(static_cast<char>(back)) && IsInertAscii(text)) {
    return text;
  }
  return Inline(text, kNotificationBudget);
}

bool LooksLikeRecord(const CloudTrailRecord& r) {
  return !r.event_version.empty() || !r.event_time.empty() || !r.event_name.empty() ||
         !r.event_source.empty() || !r.event_id.empty() || !r.event_type.empty() ||
         !r.identity_type.empty() || !r.user_name.empty() || !r.arn.empty() ||
         !r.principal_id.empty() || !r.invoked_by.empty() || !r.account_id.empty();
}

}  // namespace

Status ValidateConsoleUrlTemplate(std::string_view url_template) {
  if (url_template.size() > kMaxUrlTemplate) {
    return InvalidArgumentError("console URL template: longer than " +
                                std::to_string(kMaxUrlTemplate) + " bytes");
  }
  if (url_template.rfind("https://", 0) != 0 && url_template.rfind("http://", 0) != 0) {
    return InvalidArgumentError("console URL template: must start with https:// or http://");
  }
  for (size_t i = 0; i < url_template.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(url_template[i]);
    // '<', '>' and '|' would end or split the Slack link; spaces and control
    // characters are not valid in a URL.
    if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '|' || c == '"' || c >= 0x80) {
      return InvalidArgumentError(
          "console URL template: character not allowed in a URL at offset " + std::to_string(i));
    }
    if (c == '}') {
      return InvalidArgumentError("console URL template: unmatched '}' at offset " +
                                  std::to_string(i));
    }
    if (c == '{') {
      const size_t close = url_template.find('}', i);
      if (close == std::string_view::npos) {
        return InvalidArgumentError("console URL template: unmatched '{' at offset " +
                                    std::to_string(i));
      }
      const std::string_view name = url_template.substr(i + 1, close - i - 1);
      if (name != "region" && name != "eventID") {
        std::string shown(name.substr(0, 40));
        for (char& ch : shown) {
          if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7F)
            ch = '?';
        }
        return InvalidArgumentError("console URL template: unknown placeholder '{" + shown +
                                    "}' at offset " + std::to_string(i) +
                                    " (known: {region}, {eventID})");
      }
      i = close;
    }
  }
  return Status::Ok();
}

std::string EscapeMrkdwn(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderRecordMessage(const CloudTrailRecord& record, const RenderOptions& options) {
  const std::string_view identity = IsBlank(record.display_identity)
                                        ? std::string_view("unknown identity")
                                        : record.display_identity;
  // Every value appended in place (no temporaries); 512 bytes hold the usual record.
  std::string text;
  text.reserve(512);
  text += '*';
  AppendInline(identity, kIdentityBudget, &text);
  if (!IsBlank(record.source_ip_address)) {
    text += " (";
    AppendInline(record.source_ip_address, kIpBudget, &text);
    text += ')';
  }
  text += '*';
  text += "\nTime: ";
  AppendTimeLine(record, options.time_zone, &text);
  text += "\nType: ";
  AppendInline(record.event_type, kTypeBudget, &text);
  text += "\nSource: ";
  AppendInline(record.event_source, kSourceBudget, &text);
  text += "\nName: ";
  AppendInline(record.event_name, kNameBudget, &text);
  text += "\nRegion: ";
  AppendInline(record.aws_region, kRegionBudget, &text);
  // Error: "<code>: <message>"; ConsoleLogin failures carry only an
  // errorMessage ("Failed authentication"), so a message alone gets the line too.
  const bool has_code = !IsBlank(record.error_code);
  const bool has_message = !IsBlank(record.error_message);
  if (has_code || has_message) {
    text += "\nError: ";
    if (has_code) AppendInline(record.error_code, kErrorCodeBudget, &text);
    if (has_code && has_message) text += ": ";
    if (has_message) AppendInline(record.error_message, kErrorMessageBudget, &text);
  }
  if (!IsBlank(record.console_login)) {
    text += "\nLogin: ";
    AppendInline(record.console_login, kLoginBudget, &text);
  }
  if (!IsBlank(record.mfa_used)) {
    text += "\nMFA: ";
    AppendInline(NormaliseYesNo(record.mfa_used), kMfaBudget, &text);
  }
  // The budgets make this unreachable; it keeps the limit a guarantee.
  if (text.size() > kSlackMaxSectionText) {
    const std::vector<char32_t> cps = DecodeUtf8(text);
    text = Bounded(cps.size(), kSlackMaxSectionText, [&](size_t i) {
      std::string piece;
      AppendUtf8(cps[i], &piece);
      return piece;
    });
  }

  return MessageJson(NotificationText(record), {text, EventLinkText(record, options)});
}

std::string RenderRawMessage(std::string_view raw_message, const RenderOptions& /*options*/) {
  std::string text;
  if (raw_message.empty()) {
    text = "_empty log event message_";
  } else {
    constexpr std::string_view kFence = "```";
    const std::string note =
        "\n_truncated: the message has " + std::to_string(raw_message.size()) + " bytes_";
    const size_t budget = kSlackMaxSectionText - 2 * kFence.size() - note.size();
    const std::vector<char32_t> cps = DecodeUtf8(raw_message);
    bool truncated = false;
    const std::string body = Bounded(
        cps.size(), budget, [&](size_t i) { return CodeBlockPiece(cps[i]); }, &truncated);
    text = std::string(kFence) + body + std::string(kFence);
    if (truncated) text += note;
  }
  return MessageJson("CloudTrail log event that is not a valid record", {text});
}

std::string RenderMessage(std::string_view message, const RenderOptions& options) {
  StatusOr<CloudTrailRecord> record = ParseCloudTrailRecord(message);
  if (!record.ok() || !LooksLikeRecord(*record)) return RenderRawMessage(message, options);
  return RenderRecordMessage(*record, options);
}

}  // namespace iam_audit
