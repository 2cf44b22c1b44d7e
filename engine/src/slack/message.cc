// Owns the single-event Slack message (slack_message.h): the plain alert of a
// record, the raw-message fallback, and the console URL template check. The
// text rules (UTF-8 repair, control and bidirectional characters, entities,
// mrkdwn formatting characters, budgets) are inert_text.h's; the record's
// lines and the JSON writer are message_parts.h's, shared with the alert
// renderers. Every text object sets "verbatim": true, so Slack does not
// auto-link bare URLs, #channel names or @here in values.
#include <string>
#include <string_view>

#include "iam_audit/slack_message.h"
#include "inert_text.h"
#include "message_parts.h"

namespace iam_audit {

namespace {

using inert::Markup;

constexpr size_t kEventIdBudget = 200;
constexpr size_t kMaxUrlTemplate = 1024;
constexpr size_t kNotificationBudget = 1000;
constexpr std::string_view kRawNotification = "CloudTrail log event that is not a valid record";

// Section 2: the event ID, in italics, linked to the console when a usable
// URL can be built.
std::string EventLinkText(const CloudTrailRecord& record, const RenderOptions& options) {
  if (inert::IsBlank(record.event_id)) return "_no eventID in the record_";
  const std::string label = inert::Text(record.event_id, Markup::kMrkdwn, kEventIdBudget);
  const std::string url = ConsoleUrl(record, options.console_url_template);
  if (url.empty()) return "_" + label + "_";
  std::string text = "_<" + url + "|" + label + ">_";
  if (inert::Units(text) > kSlackMaxSectionText) return "_" + label + "_";
  return text;
}

// "identity (ip): EventName (ErrorCode)", inert: Slack parses the
// notification text for mentions and links too.
std::string NotificationText(const CloudTrailRecord& record) {
  std::string text;
  text.reserve(256);
  text += inert::IsBlank(record.display_identity) ? std::string_view("unknown identity")
                                                  : std::string_view(record.display_identity);
  if (!inert::IsBlank(record.source_ip_address)) {
    text += " (";
    text += record.source_ip_address;
    text += ')';
  }
  text += ": ";
  text += !record.event_name.empty()   ? std::string_view(record.event_name)
          : !record.event_type.empty() ? std::string_view(record.event_type)
                                       : std::string_view("CloudTrail event");
  if (!inert::IsBlank(record.error_code)) {
    text += " (";
    text += record.error_code;
    text += ')';
  } else if (record.console_login == "Failure") {
    text += " (Failure)";
  }
  return inert::Text(text, Markup::kMrkdwn, kNotificationBudget);
}

// Adds the record's two sections (slack_message.h) and returns the notification.
std::string AddRecordSections(const CloudTrailRecord& record, const RenderOptions& options,
                              SlackBlocks* blocks) {
  // 512 bytes hold the usual record; the budgets keep it within one section.
  std::string text;
  text.reserve(512);
  text += '*';
  AppendRecordHeading(record, Markup::kMrkdwn, &text);
  text += '*';
  AppendRecordLines(record, options, Markup::kMrkdwn, &text);
  blocks->Section(text);
  blocks->Section(EventLinkText(record, options));
  if (std::string line = LogFileLine(options, Markup::kMrkdwn); !line.empty()) {
    blocks->Section(line);
  }
  return NotificationText(record);
}

// Adds the raw message's code block and returns the notification.
std::string AddRawSection(std::string_view raw_message, SlackBlocks* blocks) {
  if (raw_message.empty()) {
    blocks->Section("_empty log event message_");
    return std::string(kRawNotification);
  }
  constexpr std::string_view kFence = "```";
  const std::string note =
      "\n_truncated: the message has " + std::to_string(raw_message.size()) + " bytes_";
  const size_t budget = kSlackMaxSectionText - 2 * kFence.size() - note.size();
  std::string text(kFence);
  const bool truncated = inert::Append(raw_message, Markup::kCodeBlock, budget, &text);
  text += kFence;
  if (truncated) text += note;
  blocks->Section(text);
  return std::string(kRawNotification);
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
  inert::AppendEntities(text, /*quote=*/false, &out);
  return out;
}

std::string RenderRecordMessage(const CloudTrailRecord& record, const RenderOptions& options) {
  SlackBlocks blocks;
  const std::string notification = AddRecordSections(record, options, &blocks);
  return blocks.Message(notification);
}

std::string RenderRawMessage(std::string_view raw_message, const RenderOptions& options) {
  SlackBlocks blocks;
  const std::string notification = AddRawSection(raw_message, &blocks);
  if (std::string line = LogFileLine(options, Markup::kMrkdwn); !line.empty()) {
    blocks.Section(line);
  }
  return blocks.Message(notification);
}

std::string AddEventSections(std::string_view message, const RenderOptions& options,
                             SlackBlocks* blocks) {
  StatusOr<CloudTrailRecord> record = ParseCloudTrailRecord(message);
  if (!record.ok() || !LooksLikeRecord(*record)) {
    std::string notification = AddRawSection(message, blocks);
    if (std::string line = LogFileLine(options, Markup::kMrkdwn); !line.empty()) {
      blocks->Section(line);
    }
    return notification;
  }
  return AddRecordSections(*record, options, blocks);
}

std::string RenderMessage(std::string_view message, const RenderOptions& options) {
  SlackBlocks blocks;
  const std::string notification = AddEventSections(message, options, &blocks);
  return blocks.Message(notification);
}

}  // namespace iam_audit
