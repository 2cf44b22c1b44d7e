// Alerts with rules, digests and Telegram messages (alert_message.h).
#include "iam_audit/alert_message.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "iam_audit/cloudtrail.h"
#include "iam_audit/time_zone.h"

namespace iam_audit {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kZwsp = "\xE2\x80\x8B";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
constexpr size_t kMaxNamesListed = 20;  // distinct event names in a digest
constexpr size_t kMaxLinksCap = 20;     // links in a digest, whatever the config says
constexpr size_t kValueBudget = 200;    // most values, in code points / UTF-16 units
constexpr size_t kErrorBudget = 800;
constexpr size_t kRawBudget = 2500;

// Decodes UTF-8 into code points; invalid bytes become U+FFFD, control
// characters (but newline when `keep_newline`) a space, bidirectional
// formatting characters U+FFFD (they could reorder the rest of a line).
std::u32string Clean(std::string_view s, bool keep_newline = false) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp = 0xFFFD;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xE0) == 0xC0 || (c & 0xF0) == 0xE0 || (c & 0xF8) == 0xF0) {
      len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
      char32_t v = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
      bool ok = i + len <= s.size();
      for (size_t k = 1; ok && k < len; ++k) {
        unsigned char cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) ok = false;
        v = (v << 6) | (cc & 0x3F);
      }
      const char32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
      if (ok && v >= min && v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF)) {
        cp = v;
      } else {
        len = 1;
      }
    }
    if ((cp < 0x20 && !(keep_newline && cp == '\n')) || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
      cp = ' ';
    if (cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069)) {
      cp = 0xFFFD;
    }
    out += cp;
    i += len;
  }
  return out;
}

void Append(char32_t cp, std::string* out) {
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

// Trimmed, cleaned and cut to `budget` UTF-16 units (an ellipsis included);
// each kept code point goes through `piece`.
template <typename PieceFn>
std::string Bounded(std::string_view value, size_t budget, PieceFn piece,
                    bool keep_newline = false) {
  std::u32string cps = Clean(value, keep_newline);
  while (!cps.empty() && cps.back() == ' ') cps.pop_back();
  size_t first = 0;
  while (first < cps.size() && cps[first] == ' ') ++first;
  std::string out;
  size_t units = 0;
  for (size_t i = first; i < cps.size(); ++i) {
    size_t u = cps[i] >= 0x10000 ? 2 : 1;
    if (units + u + 1 > budget && i + 1 < cps.size()) {
      out += kEllipsis;
      return out;
    }
    units += u;
    out += piece(cps[i]);
  }
  return out;
}

// Slack mrkdwn: entities escaped, '*', '_', '~' fenced by U+200B, '`' shown as U+02CB.
std::string SlackValue(std::string_view value, size_t budget = kValueBudget) {
  std::string out = Bounded(value, budget, [](char32_t c) -> std::string {
    switch (c) {
      case '&':
        return "&amp;";
      case '<':
        return "&lt;";
      case '>':
        return "&gt;";
      case '`':
        return std::string("\xCB\x8B");  // U+02CB: Slack opens code at any backtick pair
      case '*':
      case '_':
      case '~': {
        std::string s(kZwsp);
        s += static_cast<char>(c);
        s += kZwsp;
        return s;
      }
      default: {
        std::string s;
        Append(c, &s);
        return s;
      }
    }
  });
  return out.empty() ? "-" : out;
}

// Slack plain_text (header): no escaping, only cleaned and bounded.
std::string PlainValue(std::string_view value, size_t budget) {
  return Bounded(value, budget, [](char32_t c) {
    std::string s;
    Append(c, &s);
    return s;
  });
}

std::string HtmlValue(std::string_view value, size_t budget = kValueBudget,
                      bool keep_newline = false) {
  std::string out = Bounded(
      value, budget,
      [](char32_t c) -> std::string {
        switch (c) {
          case '&':
            return "&amp;";
          case '<':
            return "&lt;";
          case '>':
            return "&gt;";
          case '"':
            return "&quot;";
          default: {
            std::string s;
            Append(c, &s);
            return s;
          }
        }
      },
      keep_newline);
  return out.empty() ? "-" : out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? std::string(sep) : "") + items[i];
  return out;
}

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

// The console URL of a record, or empty when none can be built.
std::string ConsoleUrl(const CloudTrailRecord& r, const RenderOptions& options) {
  const std::string& tmpl = options.console_url_template;
  if (r.event_id.empty() || r.event_id.size() > 200 || !ValidateConsoleUrlTemplate(tmpl).ok())
    return {};
  if (tmpl.find("{region}") != std::string::npos && r.aws_region.empty()) return {};
  std::string url = ReplaceAll(tmpl, "{region}", UrlEncode(r.aws_region.substr(0, 100)));
  return ReplaceAll(std::move(url), "{eventID}", UrlEncode(r.event_id));
}

std::string TimeText(const CloudTrailRecord& r, const TimeZone& tz) {
  auto seconds = ParseIso8601(r.event_time);
  return seconds.ok() ? tz.Format(*seconds) : r.event_time;
}

std::string AlertHeading(const AlertInfo& alert) {
  return Upper(SeverityName(alert.severity)) + ": " +
         (alert.title.empty() ? alert.rules.front() : alert.title);
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json MrkdwnSection(std::string text) {
  return Json{{"type", "section"},
              {"text", {{"type", "mrkdwn"}, {"text", std::move(text)}, {"verbatim", true}}}};
}

Json Header(std::string_view text) {
  return Json{
      {"type", "header"},
      {"text", {{"type", "plain_text"}, {"text", PlainValue(text, kSlackMaxHeaderText - 2)}}}};
}

// What a digest says, computed once for both renderers.
struct DigestFacts {
  std::vector<std::pair<std::string, size_t>> names;  // by count desc, then name
  std::string first_time, last_time;
  std::vector<CloudTrailRecord> linked;  // the first few parseable records with an eventID
};

DigestFacts Summarise(const DigestInput& d, const RenderOptions& options, size_t max_links) {
  DigestFacts f;
  std::map<std::string, size_t> counts;
  std::optional<int64_t> first, last;
  std::string first_raw, last_raw;
  for (const std::string& m : d.messages) {
    auto r = ParseCloudTrailRecord(m);
    if (!r.ok()) {
      ++counts["(not a CloudTrail record)"];
      continue;
    }
    ++counts[r->event_name.empty() ? std::string("(no eventName)") : r->event_name];
    if (auto t = ParseIso8601(r->event_time); t.ok()) {
      if (!first || *t < *first) first = *t;
      if (!last || *t > *last) last = *t;
    }
    if (f.linked.size() < std::min(max_links, kMaxLinksCap) && !r->event_id.empty())
      f.linked.push_back(*r);
  }
  f.names.assign(counts.begin(), counts.end());
  std::stable_sort(f.names.begin(), f.names.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  f.first_time = first ? options.time_zone.Format(*first) : "-";
  f.last_time = last ? options.time_zone.Format(*last) : "-";
  return f;
}

}  // namespace

std::string RenderSlackAlert(std::string_view message, const RenderOptions& options,
                             const AlertInfo& alert) {
  std::string base = RenderMessage(message, options);
  if (alert.rules.empty()) return base;
  Json j = Json::parse(base, nullptr, false);
  if (j.is_discarded() || !j.contains("blocks")) return base;
  Json blocks = Json::array();
  blocks.push_back(Header(AlertHeading(alert)));
  for (auto& b : j["blocks"]) blocks.push_back(std::move(b));
  std::vector<std::string> names;
  for (const std::string& r : alert.rules) names.push_back(SlackValue(r, 100));
  std::string rules = "Rules: " + Join(names, ", ");
  if (rules.size() > 1500) rules = SlackValue(Join(alert.rules, ", "), 1500);
  blocks.push_back(Json{
      {"type", "context"},
      {"elements", Json::array({Json{
                       {"type", "mrkdwn"},
                       {"text", rules + " · severity " + std::string(SeverityName(alert.severity))},
                       {"verbatim", true}}})}});
  j["text"] = Upper(SeverityName(alert.severity)) + ": " + j["text"].get<std::string>();
  j["blocks"] = std::move(blocks);
  return Dump(j);
}

std::string RenderSlackDigest(const DigestInput& d, const RenderOptions& options,
                              size_t max_links) {
  DigestFacts f = Summarise(d, options, max_links);
  const std::string rule = d.alert.rules.empty() ? std::string("alert") : d.alert.rules.front();
  const size_t n = d.messages.size();
  Json blocks = Json::array();
  blocks.push_back(Header(Upper(SeverityName(d.alert.severity)) + ": " + std::to_string(n) +
                          " alerts for " + d.identity));
  // Bytes bound characters in any unit: every line is added only while the
  // section stays within Slack's 3000.
  constexpr size_t kRoom = kSlackMaxSectionText - 100;  // the "… and N more" line
  std::string text = "*" + SlackValue(d.identity, 100) + "*: " + std::to_string(n) + " alerts";
  auto add = [&text](const std::string& line) {
    if (text.size() + line.size() > kRoom) return false;
    text += line;
    return true;
  };
  add("\nRule: " + SlackValue(rule, 100) + " (" + std::string(SeverityName(d.alert.severity)) +
      ")");
  if (d.alert.rules.size() > 1) {
    std::vector<std::string> others;
    for (size_t i = 1; i < d.alert.rules.size() && i < 10; ++i)
      others.push_back(SlackValue(d.alert.rules[i], 60));
    add("\nAlso matched: " + Join(others, ", "));
  }
  add("\nFirst: " + SlackValue(f.first_time, 80));
  add("\nLast: " + SlackValue(f.last_time, 80));
  add("\nEvents:");
  size_t listed = 0;
  for (const auto& [name, count] : f.names) {
    if (listed == kMaxNamesListed ||
        !add("\n• " + SlackValue(name, 100) + " × " + std::to_string(count)))
      break;
    ++listed;
  }
  if (f.names.size() > listed)
    text += "\n… and " + std::to_string(f.names.size() - listed) + " more event names";
  blocks.push_back(MrkdwnSection(std::move(text)));  // ≤ ~2900 bytes by the budgets above
  if (!f.linked.empty()) {
    std::string links = "First events:";
    for (const CloudTrailRecord& r : f.linked) {
      std::string url = ConsoleUrl(r, options);
      std::string label = SlackValue(r.event_name, 60) + " " + SlackValue(r.event_id, 80);
      std::string line = "\n• " + (url.empty() ? label : "<" + url + "|" + label + ">");
      if (links.size() + line.size() > kSlackMaxSectionText) break;
      links += line;
    }
    blocks.push_back(MrkdwnSection(std::move(links)));
  }
  Json j = Json::object();
  j["text"] = PlainValue(Upper(SeverityName(d.alert.severity)) + ": " + std::to_string(n) +
                             " alerts for " + d.identity + " (" + rule + ")",
                         1000);
  j["blocks"] = std::move(blocks);
  return Dump(j);
}

std::string EscapeTelegramHtml(std::string_view text) {
  std::string out;
  for (char c : text) {
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
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderTelegramAlert(std::string_view message, const RenderOptions& options,
                                const AlertInfo& alert) {
  std::string out;
  if (!alert.rules.empty()) out += "<b>" + HtmlValue(AlertHeading(alert), 200) + "</b>\n";
  auto parsed = ParseCloudTrailRecord(message);
  const bool record = parsed.ok() && (!parsed->event_name.empty() || !parsed->event_id.empty() ||
                                      !parsed->event_time.empty() || !parsed->event_source.empty());
  if (!record) {
    out += "<b>CloudTrail log event that is not a valid record</b>\n<pre>" +
           HtmlValue(message, kRawBudget, true) + "</pre>";
  } else {
    const CloudTrailRecord& r = *parsed;
    out += "<b>" +
           HtmlValue(r.display_identity.empty() ? "unknown identity" : r.display_identity, 300);
    if (!r.source_ip_address.empty()) out += " (" + HtmlValue(r.source_ip_address, 100) + ")";
    out += "</b>";
    out += "\nTime: " + HtmlValue(TimeText(r, options.time_zone), 80);
    out += "\nType: " + HtmlValue(r.event_type, 100);
    out += "\nSource: " + HtmlValue(r.event_source, 200);
    out += "\nName: " + HtmlValue(r.event_name, 200);
    out += "\nRegion: " + HtmlValue(r.aws_region, 100);
    if (!r.error_code.empty() || !r.error_message.empty()) {
      std::string err = r.error_code;
      if (!r.error_code.empty() && !r.error_message.empty()) err += ": ";
      err += r.error_message;
      out += "\nError: " + HtmlValue(err, kErrorBudget);
    }
    if (!r.console_login.empty()) out += "\nLogin: " + HtmlValue(r.console_login, 50);
    if (!r.mfa_used.empty())
      out += "\nMFA: " + HtmlValue(r.mfa_used == "YES" ? "Yes" : r.mfa_used, 50);
    const std::string url = ConsoleUrl(r, options);
    const std::string id =
        HtmlValue(r.event_id.empty() ? "no eventID in the record" : r.event_id, 200);
    out += "\n" + (url.empty() ? "<i>" + id + "</i>"
                               : "<a href=\"" + EscapeTelegramHtml(url) + "\">" + id + "</a>");
  }
  if (!alert.rules.empty()) {
    std::vector<std::string> names;
    for (const std::string& n : alert.rules) names.push_back(HtmlValue(n, 100));
    std::string rules = Join(names, ", ");
    if (rules.size() > 1500) rules = HtmlValue(Join(alert.rules, ", "), 600);
    out += "\nRules: " + rules + " · severity " + std::string(SeverityName(alert.severity));
  }
  return out;
}

std::string RenderTelegramDigest(const DigestInput& d, const RenderOptions& options,
                                 size_t max_links) {
  DigestFacts f = Summarise(d, options, max_links);
  const std::string rule = d.alert.rules.empty() ? std::string("alert") : d.alert.rules.front();
  std::string out = "<b>" + Upper(SeverityName(d.alert.severity)) + ": " +
                    std::to_string(d.messages.size()) + " alerts for " +
                    HtmlValue(d.identity, 300) + "</b>";
  out +=
      "\nRule: " + HtmlValue(rule, 100) + " (" + std::string(SeverityName(d.alert.severity)) + ")";
  out += "\nFirst: " + HtmlValue(f.first_time, 80) + "\nLast: " + HtmlValue(f.last_time, 80);
  out += "\nEvents:";
  size_t listed = 0;
  for (const auto& [name, count] : f.names) {
    if (listed == kMaxNamesListed) break;
    out += "\n• " + HtmlValue(name, 100) + " × " + std::to_string(count);
    ++listed;
  }
  if (f.names.size() > listed)
    out += "\n… and " + std::to_string(f.names.size() - listed) + " more event names";
  if (!f.linked.empty()) out += "\nFirst events:";
  for (const CloudTrailRecord& r : f.linked) {
    std::string url = ConsoleUrl(r, options);
    std::string label = HtmlValue(r.event_name, 60) + " " + HtmlValue(r.event_id, 80);
    std::string line =
        "\n• " +
        (url.empty() ? label : "<a href=\"" + EscapeTelegramHtml(url) + "\">" + label + "</a>");
    if (TelegramVisibleLength(out + line) > kTelegramMaxText) break;
    out += line;
  }
  return out;
}

size_t TelegramVisibleLength(std::string_view html) {
  size_t n = 0;
  bool in_tag = false;
  for (size_t i = 0; i < html.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(html[i]);
    if (in_tag) {
      if (c == '>') in_tag = false;
      continue;
    }
    if (c == '<') {
      in_tag = true;
      continue;
    }
    if (c == '&') {
      size_t semi = html.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10) i = semi;
      ++n;
      continue;
    }
    if ((c & 0xC0) == 0x80) continue;
    n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

}  // namespace iam_audit
