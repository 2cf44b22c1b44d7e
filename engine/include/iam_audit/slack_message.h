// Slack Block Kit messages for CloudTrail events, in the layout of the
// original Python Lambda, plus lines the original lacked:
//
//   {"text": "alice (203.0.113.5): ConsoleLogin (Failure)",   <- notification fallback
//    "blocks": [section 1, section 2]}
//
//   section 1:  *alice (203.0.113.5)*            (" (ip)" left out when there is none)
//               Time: 2022.06.21 22:25:23       (RenderOptions::time_zone; an unreadable
//               Type: AwsConsoleSignIn           eventTime is shown as written)
//               Source: signin.amazonaws.com
//               Name: ConsoleLogin
//               Region: ap-northeast-2
//               [Error: <errorCode>: <errorMessage>]   (code or message alone when only one
//                                                       is present: ConsoleLogin failures
//                                                       carry only an errorMessage)
//               [Login: Success|Failure]        (responseElements.ConsoleLogin)
//               [MFA: Yes|No]                   (additionalEventData.MFAUsed, "YES" → "Yes")
//   section 2:  _<console URL|eventID>_         (plain _eventID_ when no URL can be built)
//
// Missing values read "-". Every value taken from the record is made inert
// by one set of rules, shared with alert_message.h (engine/src/slack/
// inert_text.h): invalid UTF-8 → U+FFFD; control characters (C0, DEL, C1,
// U+2028/9) → space (no forged lines); bidirectional formatting characters
// → U+FFFD (no reordered line); '&', '<', '>' → entities (no link or
// mention); each mrkdwn formatting character '*', '_', '~' gets U+200B
// (zero-width space) on both sides (no bold, italics or strike); '`' →
// U+02CB, a look-alike (Slack opens code at any backtick pair, so no fence
// would do); and every text object carries "verbatim": true (no auto-linked
// URLs, #channels or @here). Values are truncated with "…" to budgets in
// UTF-16 units (Slack's limits are in characters) so each section stays ≤
// kSlackMaxSectionText characters; a message has at most 2 blocks.
// Pure functions, thread-safe.
#ifndef IAM_AUDIT_SLACK_MESSAGE_H_
#define IAM_AUDIT_SLACK_MESSAGE_H_

#include <map>
#include <string>
#include <string_view>

#include "iam_audit/cloudtrail.h"
#include "iam_audit/status.h"
#include "iam_audit/time_zone.h"

namespace iam_audit {

inline constexpr std::string_view kDefaultConsoleUrlTemplate =
    "https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}#/events/{eventID}";

// Slack limits we keep to (Block Kit reference).
inline constexpr size_t kSlackMaxSectionText = 3000;
inline constexpr size_t kSlackMaxBlocks = 50;

struct RenderOptions {
  TimeZone time_zone;  // default UTC
  // Placeholders: {region}, {eventID} (URL-encoded on substitution).
  std::string console_url_template = std::string(kDefaultConsoleUrlTemplate);
  // IAM_AUDIT_ACCOUNT_ALIASES, account id → alias. When not empty, or when
  // show_account is set, every alert's lines end with "Account: 111122223333
  // (prod)" (the record's recipientAccountId, else userIdentity.accountId; no
  // alias part for an account without one). Otherwise no Account line.
  std::map<std::string, std::string> account_aliases;
  // The Account line even without aliases: the handler sets it for the S3 and
  // EventBridge inputs, which carry an organisation's accounts to a Lambda in
  // another (logging or security) account.
  bool show_account = false;
  // The CloudTrail log file the alert's records were read from (S3 inputs):
  // a link to its S3 console page, labelled with the file's name, in a block
  // of its own after the record's. "" for none.
  std::string log_file_url;
  std::string log_file_name;
};

// Checks a console URL template: must be http(s), at most 1024 bytes, printable
// ASCII without spaces, '<', '>', '|' or '"', and use only {region} and {eventID}.
// Errors: "console URL template: unknown placeholder '{x}' at offset 20 ...".
// RenderRecordMessage never links with a template that fails this check.
Status ValidateConsoleUrlTemplate(std::string_view url_template);

// Escapes Slack's three control characters: & → &amp;, < → &lt;, > → &gt;.
// Only those: the message renderer adds the formatting neutralisation above.
std::string EscapeMrkdwn(std::string_view text);

// The alert for one parsed record, as compact JSON {"text":…,"blocks":[…]}.
std::string RenderRecordMessage(const CloudTrailRecord& record, const RenderOptions& options);

// The fallback alert for a message that is not a valid record: the raw text
// in a code block (entities escaped, backticks fenced with U+200B so the block
// cannot be closed early, control characters other than newline and tab shown
// as U+FFFD, CR dropped), truncated with a note "_truncated: the message has N bytes_" to
// fit one section. Top-level text: "CloudTrail log event that is not a valid record".
std::string RenderRawMessage(std::string_view raw_message, const RenderOptions& options);

// Parses `message` as a CloudTrail record and renders it, falling back to
// RenderRawMessage when it is not one: not JSON, not an object, or an object
// with none of eventVersion, eventTime, eventType, eventSource, eventName,
// eventID and the userIdentity fields (an alert of dashes would hide it).
std::string RenderMessage(std::string_view message, const RenderOptions& options);

}  // namespace iam_audit

#endif  // IAM_AUDIT_SLACK_MESSAGE_H_
