// Owns what the Slack and Telegram renderers share (message_parts.h): the
// Block Kit JSON writer, a record's heading and lines with their budgets, and
// the console URL.
#include "message_parts.h"

#include <simdjson.h>

#include <array>

#include "iam_audit/json_string.h"

namespace iam_audit {
namespace {

using inert::Markup;

// Per-value budgets in UTF-16 units of the inert text (inert_text.h, rule 7).
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
constexpr size_t kAccountBudget = 100;  // 12 digits, " (", an alias of at most 64, ")"
constexpr size_t kLogFileNameBudget = 300;
constexpr size_t kLogFileUrlMax = 2400;  // with the name, within one section
// "*" "unknown identity" " (" ")" "*" and "\nLabel: " of every line, and ": "
// between error code and message, with room to spare.
constexpr size_t kLabelsAtMost = 150;
static_assert(kIdentityBudget + kIpBudget + kTimeBudget + kTypeBudget + kSourceBudget +
                      kNameBudget + kRegionBudget + kErrorCodeBudget + kErrorMessageBudget +
                      kLoginBudget + kMfaBudget + kAccountBudget + kLabelsAtMost <=
                  kSlackMaxSectionText,
              "a record's first section always fits in one Slack section");

// Writes `text` as a JSON string; valid UTF-8 by construction, repaired if not.
void AppendText(std::string& out, std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size())) {
    AppendJsonString(out, text);
  } else {
    AppendJsonString(out, inert::RepairUtf8(text));
  }
}

std::string NormaliseYesNo(const std::string& value) {
  std::string lower;
  for (char c : value) lower += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  if (lower == "yes") return "Yes";
  if (lower == "no") return "No";
  return value;
}

// Percent-encodes every byte but RFC 3986's unreserved ones.
void AppendUrlEncoded(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto unreserved = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
  };
  size_t run = 0;  // start of the unreserved bytes not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (unreserved(c)) continue;
    out->append(s.data() + run, i - run);
    const char escaped[3] = {'%', kHex[c >> 4], kHex[c & 0xF]};
    out->append(escaped, 3);
    run = i + 1;
  }
  out->append(s.data() + run, s.size() - run);
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

}  // namespace

void SlackBlocks::Next() {
  if (!blocks_.empty()) blocks_ += ',';
}

void SlackBlocks::Header(std::string_view plain_text) {
  Next();
  blocks_ += R"({"type":"header","text":{"type":"plain_text","text":)";
  AppendText(blocks_, plain_text);
  blocks_ += "}}";
}

void SlackBlocks::Section(std::string_view mrkdwn) {
  Next();
  blocks_ += R"({"type":"section","text":{"type":"mrkdwn","text":)";
  AppendText(blocks_, mrkdwn);
  blocks_ += R"(,"verbatim":true}})";
}

void SlackBlocks::Context(std::string_view mrkdwn) {
  Next();
  blocks_ += R"({"type":"context","elements":[{"type":"mrkdwn","text":)";
  AppendText(blocks_, mrkdwn);
  blocks_ += R"(,"verbatim":true}]})";
}

std::string SlackBlocks::Message(std::string_view notification) const {
  std::string out;
  out.reserve(notification.size() + blocks_.size() + 32);
  out += R"({"text":)";
  AppendText(out, notification);
  out += R"(,"blocks":[)";
  out += blocks_;
  out += "]}";
  return out;
}

void AppendRecordHeading(const CloudTrailRecord& record, Markup markup, std::string* out) {
  inert::Append(inert::IsBlank(record.display_identity) ? std::string_view("unknown identity")
                                                        : record.display_identity,
                markup, kIdentityBudget, out);
  if (!inert::IsBlank(record.source_ip_address)) {
    *out += " (";
    inert::Append(record.source_ip_address, markup, kIpBudget, out);
    *out += ')';
  }
}

void AppendRecordLines(const CloudTrailRecord& record, const RenderOptions& options, Markup markup,
                       std::string* out) {
  const TimeZone& time_zone = options.time_zone;
  auto line = [&](std::string_view label, std::string_view value, size_t budget) {
    *out += '\n';
    *out += label;
    *out += ": ";
    inert::Append(value, markup, budget, out);
  };
  // An eventTime that cannot be read is shown as written.
  const StatusOr<int64_t> seconds = ParseIso8601(record.event_time);
  line("Time", seconds.ok() ? time_zone.Format(*seconds) : record.event_time, kTimeBudget);
  line("Type", record.event_type, kTypeBudget);
  line("Source", record.event_source, kSourceBudget);
  line("Name", record.event_name, kNameBudget);
  line("Region", record.aws_region, kRegionBudget);
  // Error: "<code>: <message>"; ConsoleLogin failures carry only an
  // errorMessage ("Failed authentication"), so a message alone gets the line too.
  const bool has_code = !inert::IsBlank(record.error_code);
  const bool has_message = !inert::IsBlank(record.error_message);
  if (has_code) line("Error", record.error_code, kErrorCodeBudget);
  if (has_code && has_message) {
    *out += ": ";
    inert::Append(record.error_message, markup, kErrorMessageBudget, out);
  } else if (has_message) {
    line("Error", record.error_message, kErrorMessageBudget);
  }
  if (!inert::IsBlank(record.console_login)) line("Login", record.console_login, kLoginBudget);
  if (!inert::IsBlank(record.mfa_used)) line("MFA", NormaliseYesNo(record.mfa_used), kMfaBudget);
  if (options.show_account || !options.account_aliases.empty()) {
    const std::string& account = inert::IsBlank(record.recipient_account_id)
                                     ? record.account_id
                                     : record.recipient_account_id;
    if (!inert::IsBlank(account)) {
      auto alias = options.account_aliases.find(account);
      line("Account",
           alias == options.account_aliases.end() ? account : account + " (" + alias->second + ")",
           kAccountBudget);
    }
  }
}

std::string LogFileLine(const RenderOptions& options, Markup markup) {
  if (options.log_file_url.empty()) return {};
  const std::string name = inert::Text(
      options.log_file_name.empty() ? std::string_view("log file") : options.log_file_name, markup,
      kLogFileNameBudget);
  std::string out = "Log file: ";
  if (options.log_file_url.size() > kLogFileUrlMax) return out + name;
  if (markup == Markup::kMrkdwn) {
    out += '<' + options.log_file_url + '|' + name + '>';
  } else {
    out += "<a href=\"";
    inert::AppendEntities(options.log_file_url, /*quote=*/true, &out);
    out += "\">" + name + "</a>";
  }
  return out;
}

std::string ConsoleUrl(const CloudTrailRecord& record, const std::string& tmpl) {
  if (inert::IsBlank(record.event_id) || !UsableTemplate(tmpl)) return {};
  if (tmpl.find("{region}") != std::string::npos && record.aws_region.empty()) return {};
  // The placeholders filled in one pass (what replacing every "{region}" and
  // then every "{eventID}" gives: the encoded values hold no brace, so
  // neither replacement can make or break a placeholder).
  std::string url;
  url.reserve(tmpl.size() + record.aws_region.size() + record.event_id.size());
  size_t run = 0;
  for (size_t i = tmpl.find('{'); i != std::string::npos; i = tmpl.find('{', i)) {
    const std::string_view rest = std::string_view(tmpl).substr(i);
    const bool region = rest.substr(0, 8) == "{region}";
    const bool event_id = rest.substr(0, 9) == "{eventID}";
    if (!region && !event_id) {
      ++i;
      continue;
    }
    url.append(tmpl, run, i - run);
    AppendUrlEncoded(region ? record.aws_region : record.event_id, &url);
    i += region ? 8 : 9;
    run = i;
  }
  url.append(tmpl, run, std::string::npos);
  return url;
}

bool LooksLikeRecord(const CloudTrailRecord& r) {
  return !r.event_version.empty() || !r.event_time.empty() || !r.event_name.empty() ||
         !r.event_source.empty() || !r.event_id.empty() || !r.event_type.empty() ||
         !r.identity_type.empty() || !r.user_name.empty() || !r.arn.empty() ||
         !r.principal_id.empty() || !r.invoked_by.empty() || !r.account_id.empty();
}

}  // namespace iam_audit
