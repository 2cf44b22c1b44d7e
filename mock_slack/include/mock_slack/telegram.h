// Telegram Bot API sendMessage, as mock-slack emulates it.
//
// A bot is configured by its token ("<bot id>:<secret>", e.g.
// "123456:AAE-x") and the chats it may post to. The token is a credential:
// nothing here logs, stores or echoes it; the bot is named "telegram/<bot id>"
// (the bot id is public in Telegram too) and each chat
// "telegram/<bot id>/<chat id>" in stored messages, stats, faults and the
// rate limiter.
//
// ParseTelegramHtml() is the HTML parse mode: the tags Telegram supports
// (b strong i em u ins s strike del span.tg-spoiler tg-spoiler a[href] code
// pre blockquote tg-emoji), the entities &lt; &gt; &amp; &quot; and numeric
// ones, and Telegram's errors for anything else ("Unsupported start tag
// \"x\" at byte offset N", "Can't find end tag corresponding to start tag
// \"b\"", …). It returns the plain text and the message entities (offsets and
// lengths in UTF-16 code units, as the Bot API counts them).
//
// All functions are pure and thread-safe, and bounded on hostile input.
#ifndef MOCK_SLACK_TELEGRAM_H_
#define MOCK_SLACK_TELEGRAM_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mock_slack/expected.h"

namespace mock_slack {

// Telegram's limit for a message text after entity parsing (UTF-16 units).
inline constexpr std::size_t kTelegramMaxText = 4096;

struct TelegramChat {
  std::string id;    // as the client sends it: "-1001234", "42" or "@channel"
  std::string name;  // shown on the page; default "telegram-<id>"
};

struct TelegramBotConfig {
  std::string token;   // never logged
  std::string bot_id;  // the digits before ':'
  std::vector<TelegramChat> chats;
  std::string Id() const { return "telegram/" + bot_id; }
  std::string ChatKey(std::string_view chat) const { return Id() + "/" + std::string(chat); }
};

// Parses --telegram-bot "TOKEN[,chat=ID[:NAME]]…". Errors never quote the token.
Expected<TelegramBotConfig> ParseTelegramBotFlag(std::string_view flag);

// "/bot123:SECRET/sendMessage" → "/bot123:***/sendMessage"; other paths unchanged.
std::string RedactTelegramPath(std::string_view path);

// True for a Bot API path ("/bot<anything>/<method>").
bool IsTelegramPath(std::string_view path);

struct TelegramEntity {
  std::string type;  // bold italic underline strikethrough spoiler text_link code pre blockquote
                     // custom_emoji
  std::size_t offset = 0;  // UTF-16 code units
  std::size_t length = 0;
  std::string url;       // text_link
  std::string language;  // pre
};

struct TelegramText {
  std::string text;  // UTF-8, entities removed and decoded
  std::vector<TelegramEntity> entities;
};

// HTML parse mode. Error: the text after "Bad Request: can't parse entities: ".
Expected<TelegramText> ParseTelegramHtml(std::string_view html);

// Length in UTF-16 code units (invalid UTF-8 bytes count one each).
std::size_t Utf16Length(std::string_view utf8);

// A stored Telegram message (the Bot API Message object as JSON) → an HTML
// fragment for the page: the text escaped, the entities as safe markup
// (links only for http/https/mailto/tg).
std::string RenderTelegramMessageHtml(std::string_view message_json);

}  // namespace mock_slack

#endif  // MOCK_SLACK_TELEGRAM_H_
