// Inert text: the one place that turns attacker-controlled text (CloudTrail
// fields: user names, error messages, request parameters, whole log events)
// into text a Slack or Telegram message can show without it acting as markup.
// Every renderer (slack_message.h, alert_message.h) goes through it.
//
// The rules, for every kind of output (Markup below):
//
//  1. UTF-8 is repaired: an invalid or overlong sequence, a surrogate or a
//     value past U+10FFFF becomes U+FFFD, one per bad byte. What we measure
//     is what the channel gets, and no JSON writer meets a bad byte.
//  2. Control characters: C0, DEL, C1 (U+0080–U+009F; U+0085 is NEL, a line
//     break to some renderers) and U+2028/U+2029 (line and paragraph
//     separators). In a one-line value each becomes a space, so a value can
//     never start a forged line ("Error: …", a "&gt;" quote); in a block of
//     raw text (kCodeBlock, kHtmlPre) newline and tab are kept, CR is dropped
//     and the others are shown as U+FFFD.
//  3. Bidirectional formatting characters (U+061C, U+200E/F, U+202A–E,
//     U+2066–9) become U+FFFD, visibly: they could reorder the rest of a line
//     (show an IP address reversed, move text across fields).
//  4. Entities: '&', '<', '>' in Slack (no value can open a link, a mention
//     or a channel reference); '&', '<', '>', '"' in Telegram HTML.
//  5. Slack mrkdwn has no escape for its formatting characters. '`' becomes
//     U+02CB (MODIFIER LETTER GRAVE ACCENT, a look-alike): Slack opens inline
//     code at any pair of backticks, so no fence would do. Each '*', '_' and
//     '~' gets a ZERO WIDTH SPACE (U+200B) on both sides: whether Slack reads
//     U+200B as a boundary or a word character, a delimiter fenced so can
//     neither open nor close bold, italics or strike. In a code block only the
//     backtick is fenced (U+200B on both sides), so no run of three closes it.
//  6. One-line values are trimmed (of everything rule 2 turns into a space)
//     and an empty one reads "-" (kMrkdwn, kHtml).
//  7. Budgets count UTF-16 code units of the text as sent (entities and
//     fences included): Slack's limits are in characters, and UTF-16 units are
//     never fewer than code points, so a budget holds whichever Slack means.
//     A value over its budget is cut before a whole piece (a code point, an
//     entity, a fenced character: never inside one) and ends with "…", the
//     ellipsis inside the budget.
//
// Where the two earlier copies of these rules disagreed, the safer one won:
//  - '_' between two ASCII letters or digits ("ci_deploy") was left bare in
//    plain alerts; it is fenced like every '_' now: whether Slack formats
//    intraword underscores is Slack's choice to change, a fence holds either
//    way.
//  - C1 control characters passed through plain alerts; they are controls
//    everywhere now (rule 2).
//  - U+2028/U+2029 passed through rules alerts, digests and Telegram; they are
//    controls everywhere now (rule 2).
//  - Budgets counted bytes (plain alerts) or UTF-16 units of the text before
//    escaping (rules alerts, Telegram), which let "&" count 1 where Slack
//    counts 5; they count UTF-16 units of the escaped text now (rule 7).
//
// Pure functions, thread-safe.
#ifndef IAM_AUDIT_SLACK_INERT_TEXT_H_
#define IAM_AUDIT_SLACK_INERT_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace iam_audit::inert {

enum class Markup {
  kMrkdwn,     // a one-line value in a Slack mrkdwn text object
  kCodeBlock,  // raw text between ``` fences in Slack mrkdwn
  kHtml,       // a one-line value in Telegram HTML parse mode
  kHtmlPre,    // raw text inside Telegram's <pre>
  kPlain,      // a one-line value in a Slack plain_text object (rules 1–3 only)
};

inline constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

// Appends `value` made inert for `markup` (rules 1–7) to `*out`, within
// `budget` UTF-16 units (counting only what is appended). Returns true when
// the value was cut.
bool Append(std::string_view value, Markup markup, size_t budget, std::string* out);

// Append() into a new string.
std::string Text(std::string_view value, Markup markup, size_t budget);

// Appends `text` with '&', '<', '>' (and '"' when `quote`) as entities, byte
// by byte and nothing else: for text that is ours or already inert.
void AppendEntities(std::string_view text, bool quote, std::string* out);

// The length in UTF-16 code units of valid UTF-8 `text` (rule 7's unit).
size_t Units(std::string_view text);

// `text` with every invalid UTF-8 sequence replaced as rule 1 says.
std::string RepairUtf8(std::string_view text);

// True when `value` is empty or only ASCII white space (" \t\r\n\v\f").
bool IsBlank(std::string_view value);

}  // namespace iam_audit::inert

#endif  // IAM_AUDIT_SLACK_INERT_TEXT_H_
