// Owns alerts with rules, digests and Telegram messages (alert_message.h).
// Values are made inert by inert_text.h; the record's lines, the console URL
// and the Block Kit writer are message_parts.h's, shared with the plain alert.
#include "iam_audit/alert_message.h"

#include <algorithm>
#include <map>
#include <optional>

#include "iam_audit/cloudtrail.h"
#include "iam_audit/time_zone.h"
#include "inert_text.h"
#include "message_parts.h"

namespace iam_audit {
namespace {

using inert::Markup;

constexpr size_t kMaxNamesListed = 20;  // distinct event names in a digest
constexpr size_t kMaxLinksCap = 20;     // links in a digest, whatever the config says
constexpr size_t kRawBudget = 2500;     // a raw message in Telegram's <pre>
constexpr size_t kRuleBudget = 100;     // a rule name
constexpr size_t kSlackRulesBudget = 1500;
// Telegram's 4096: heading 200 + record (≤ 2800, message_parts.cc) + event ID
// 200 + rules 600 stay within it.
constexpr size_t kTelegramRulesBudget = 600;
constexpr size_t kNotificationBudget = 1000;

// How long a text is for the limit it is held to (Slack's section, or what
// Telegram shows).
using Measure = size_t (*)(std::string_view);

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

std::string AlertHeading(const AlertInfo& alert) {
  return Upper(SeverityName(alert.severity)) + ": " +
         (alert.title.empty() ? alert.rules.front() : alert.title);
}

std::string FirstRule(const AlertInfo& alert) {
  return alert.rules.empty() ? std::string("alert") : alert.rules.front();
}

// "Rules: a, b · severity s", the names inert for `markup`; all of them cut to
// `budget` together when listing each would not fit.
std::string RulesLine(const AlertInfo& alert, Markup markup, size_t budget) {
  std::string names;
  for (const std::string& rule : alert.rules) {
    if (!names.empty()) names += ", ";
    inert::Append(rule, markup, kRuleBudget, &names);
  }
  if (inert::Units(names) > budget) names = inert::Text(Join(alert.rules, ", "), markup, budget);
  return "Rules: " + names + " · severity " + std::string(SeverityName(alert.severity));
}

// `label` linked to `url` (already encoded) in `markup`; the label alone when
// there is no URL.
void AppendLink(const std::string& url, std::string_view label, Markup markup, std::string* out) {
  if (url.empty()) {
    *out += label;
  } else if (markup == Markup::kMrkdwn) {
    *out += '<' + url + '|';
    *out += label;
    *out += '>';
  } else {
    *out += "<a href=\"";
    inert::AppendEntities(url, /*quote=*/true, out);
    *out += "\">";
    *out += label;
    *out += "</a>";
  }
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

// The digest's lines after its heading (Rule, Also matched, First, Last, the
// event names), in `markup`, each added only while `*text` stays within
// `room` by `measure`.
void AppendDigestLines(const DigestInput& d, const DigestFacts& f, Markup markup, Measure measure,
                       size_t room, std::string* text) {
  auto add = [&](const std::string& line) {
    if (measure(*text) + measure(line) > room) return false;
    *text += line;
    return true;
  };
  const std::string severity(SeverityName(d.alert.severity));
  add("\nRule: " + inert::Text(FirstRule(d.alert), markup, kRuleBudget) + " (" + severity + ")");
  if (d.alert.rules.size() > 1) {
    std::string others;
    for (size_t i = 1; i < d.alert.rules.size() && i < 10; ++i) {
      if (i > 1) others += ", ";
      inert::Append(d.alert.rules[i], markup, 60, &others);
    }
    add("\nAlso matched: " + others);
  }
  add("\nFirst: " + inert::Text(f.first_time, markup, 80));
  add("\nLast: " + inert::Text(f.last_time, markup, 80));
  add("\nEvents:");
  size_t listed = 0;
  for (const auto& [name, count] : f.names) {
    if (listed == kMaxNamesListed ||
        !add("\n• " + inert::Text(name, markup, 100) + " × " + std::to_string(count)))
      break;
    ++listed;
  }
  if (f.names.size() > listed)
    *text += "\n… and " + std::to_string(f.names.size() - listed) + " more event names";
}

// "\n• name id" lines, linked to the console, for the digest's first events,
// each added only while `*text` stays within `room` by `measure`.
void AppendDigestLinks(const DigestFacts& f, const RenderOptions& options, Markup markup,
                       Measure measure, size_t room, std::string* text) {
  for (const CloudTrailRecord& r : f.linked) {
    const std::string label =
        inert::Text(r.event_name, markup, 60) + " " + inert::Text(r.event_id, markup, 80);
    std::string line = "\n• ";
    AppendLink(ConsoleUrl(r, options.console_url_template), label, markup, &line);
    // A link too long for the room (a huge eventID) leaves its label unlinked.
    if (measure(*text) + measure(line) > room) line = "\n• " + label;
    if (measure(*text) + measure(line) > room) break;
    *text += line;
  }
}

// The Telegram text of one event: the record's heading, lines and console
// link, or the raw message in <pre>.
std::string TelegramEvent(std::string_view message, const RenderOptions& options) {
  StatusOr<CloudTrailRecord> record = ParseCloudTrailRecord(message);
  if (!record.ok() || !LooksLikeRecord(*record)) {
    std::string out = "<b>CloudTrail log event that is not a valid record</b>\n";
    if (message.empty()) return out + "<i>empty log event message</i>";
    out += "<pre>";
    inert::Append(message, Markup::kHtmlPre, kRawBudget, &out);
    return out + "</pre>";
  }
  const CloudTrailRecord& r = *record;
  std::string out = "<b>";
  AppendRecordHeading(r, Markup::kHtml, &out);
  out += "</b>";
  AppendRecordLines(r, options, Markup::kHtml, &out);
  out += '\n';
  if (inert::IsBlank(r.event_id)) return out + "<i>no eventID in the record</i>";
  const std::string url = ConsoleUrl(r, options.console_url_template);
  const std::string id = inert::Text(r.event_id, Markup::kHtml, 200);
  if (url.empty()) return out + "<i>" + id + "</i>";
  AppendLink(url, id, Markup::kHtml, &out);
  return out;
}

}  // namespace

std::string RenderSlackAlert(std::string_view message, const RenderOptions& options,
                             const AlertInfo& alert) {
  if (alert.rules.empty()) return RenderMessage(message, options);
  SlackBlocks blocks;
  blocks.Header(inert::Text(AlertHeading(alert), Markup::kPlain, kSlackMaxHeaderText - 2));
  const std::string notification = AddEventSections(message, options, &blocks);
  blocks.Context(RulesLine(alert, Markup::kMrkdwn, kSlackRulesBudget));
  return blocks.Message(Upper(SeverityName(alert.severity)) + ": " + notification);
}

std::string RenderSlackDigest(const DigestInput& d, const RenderOptions& options,
                              size_t max_links) {
  const DigestFacts f = Summarise(d, options, max_links);
  const std::string count = std::to_string(d.messages.size());
  const std::string severity = Upper(SeverityName(d.alert.severity));
  SlackBlocks blocks;
  blocks.Header(inert::Text(severity + ": " + count + " alerts for " + d.identity, Markup::kPlain,
                            kSlackMaxHeaderText - 2));
  std::string text =
      "*" + inert::Text(d.identity, Markup::kMrkdwn, 100) + "*: " + count + " alerts";
  constexpr size_t kRoom = kSlackMaxSectionText - 100;  // the "… and N more" line
  AppendDigestLines(d, f, Markup::kMrkdwn, inert::Units, kRoom, &text);
  blocks.Section(text);
  if (!f.linked.empty()) {
    std::string links = "First events:";
    AppendDigestLinks(f, options, Markup::kMrkdwn, inert::Units, kSlackMaxSectionText, &links);
    blocks.Section(links);
  }
  if (std::string line = LogFileLine(options, Markup::kMrkdwn); !line.empty()) {
    blocks.Section(line);
  }
  return blocks.Message(inert::Text(
      severity + ": " + count + " alerts for " + d.identity + " (" + FirstRule(d.alert) + ")",
      Markup::kMrkdwn, kNotificationBudget));
}

std::string EscapeTelegramHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  inert::AppendEntities(text, /*quote=*/true, &out);
  return out;
}

std::string RenderTelegramAlert(std::string_view message, const RenderOptions& options,
                                const AlertInfo& alert) {
  std::string out;
  if (!alert.rules.empty()) {
    out += "<b>" + inert::Text(AlertHeading(alert), Markup::kHtml, 200) + "</b>\n";
  }
  out += TelegramEvent(message, options);
  if (std::string line = LogFileLine(options, Markup::kHtml);
      !line.empty() && TelegramVisibleLength(out + "\n" + line) + 700 <= kTelegramMaxText) {
    out += "\n" + line;  // 700: room for the rules line
  }
  if (!alert.rules.empty()) out += "\n" + RulesLine(alert, Markup::kHtml, kTelegramRulesBudget);
  return out;
}

std::string RenderTelegramDigest(const DigestInput& d, const RenderOptions& options,
                                 size_t max_links) {
  const DigestFacts f = Summarise(d, options, max_links);
  std::string out = "<b>" + Upper(SeverityName(d.alert.severity)) + ": " +
                    std::to_string(d.messages.size()) + " alerts for " +
                    inert::Text(d.identity, Markup::kHtml, 300) + "</b>";
  constexpr size_t kRoom = kTelegramMaxText - 100;  // the "… and N more" line
  AppendDigestLines(d, f, Markup::kHtml, TelegramVisibleLength, kRoom, &out);
  if (!f.linked.empty()) out += "\nFirst events:";
  AppendDigestLinks(f, options, Markup::kHtml, TelegramVisibleLength, kTelegramMaxText, &out);
  if (std::string line = LogFileLine(options, Markup::kHtml);
      !line.empty() && TelegramVisibleLength(out + "\n" + line) <= kTelegramMaxText) {
    out += "\n" + line;
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
