// Alerts with their rules, digests, and Telegram messages.
//
// The single-event Slack layout of slack_message.h stays the golden format;
// RenderSlackAlert() adds what the rules decided: a header block with the
// severity and title, and a context line with every matched rule name. With
// no rules it returns exactly RenderMessage().
//
// A digest folds many alerts of one identity and rule into one message:
// count, event names with their counts (most frequent first, then by name),
// first and last event time, and links to the first `max_links` events.
// Slack digests keep Block Kit's limits (≤ 50 blocks, section text ≤ 3000,
// header ≤ 150); Telegram messages keep ≤ 4096 UTF-16 units.
//
// Telegram messages use parse_mode HTML. Every value taken from a record, a
// digest or a rule goes through the same rules as the Slack messages
// (engine/src/slack/inert_text.h): UTF-8 repaired, control characters made
// spaces, bidirectional ones U+FFFD, & < > " escaped as entities (Slack: the
// mrkdwn rules of slack_message.h), and each value truncated with "…" to a
// budget in UTF-16 units so the message fits whatever the record holds.
//
// Pure functions, thread-safe.
#ifndef IAM_AUDIT_ALERT_MESSAGE_H_
#define IAM_AUDIT_ALERT_MESSAGE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/rules.h"
#include "iam_audit/slack_message.h"

namespace iam_audit {

inline constexpr size_t kTelegramMaxText = 4096;  // UTF-16 units after entity parsing
inline constexpr size_t kSlackMaxHeaderText = 150;

// What the rules said about an alert.
struct AlertInfo {
  std::vector<std::string> rules;  // display order (rules.h)
  Severity severity = Severity::kInfo;
  std::string title;  // may be empty
};

// A group of alerts for one identity and first rule.
struct DigestInput {
  std::string identity;               // display identity (plain text)
  AlertInfo alert;                    // rules of the group; severity the highest
  std::vector<std::string> messages;  // the log event messages, in arrival order
};

// The Slack alert for one event: RenderMessage() plus, when `alert.rules` is
// non-empty, a header "<SEVERITY>: <title or first rule>" first and a context
// block "Rules: a, b · severity critical" last.
std::string RenderSlackAlert(std::string_view message, const RenderOptions& options,
                             const AlertInfo& alert);

// One Slack message summarising `digest` (compact JSON {"text","blocks"}).
std::string RenderSlackDigest(const DigestInput& digest, const RenderOptions& options,
                              size_t max_links);

// Escapes text for Telegram's HTML parse mode: & → &amp;, < → &lt;, > → &gt;,
// " → &quot;.
std::string EscapeTelegramHtml(std::string_view text);

// The Telegram alert (HTML) for one event: severity/title and rules when
// given, the same lines as the Slack message, a link to the console.
std::string RenderTelegramAlert(std::string_view message, const RenderOptions& options,
                                const AlertInfo& alert);

// The Telegram digest (HTML).
std::string RenderTelegramDigest(const DigestInput& digest, const RenderOptions& options,
                                 size_t max_links);

// Length in UTF-16 code units of the text Telegram shows for `html` (tags
// removed, entities counted as one character). For tests and guards.
size_t TelegramVisibleLength(std::string_view html);

}  // namespace iam_audit

#endif  // IAM_AUDIT_ALERT_MESSAGE_H_
