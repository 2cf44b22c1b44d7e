// Slack-like rendering for the channel page. Slack's mrkdwn is not CommonMark:
// the only entities are &amp; &lt; &gt;, a raw '<' always opens a control
// sequence (link, mention, date), and *bold* _italic_ ~strike~ need word
// boundaries around them. Every byte of input ends up HTML-escaped: the
// renderer only ever emits markup it wrote itself.
#include "mock_slack/render.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <iterator>
#include <nlohmann/json.hpp>

#include "mock_slack/telegram.h"

namespace mock_slack {
namespace {

using nlohmann::json;

constexpr int kMaxInlineDepth = 4;
constexpr int kMaxRichTextDepth = 8;
// How far a closing *, _ or ~ is looked for; keeps rendering linear on a
// 40,000-character line of unmatched delimiters.
constexpr std::size_t kMaxSpan = 4000;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
}

void AppendEscaped(std::string* out, char c) {
  switch (c) {
    case '&':
      *out += "&amp;";
      break;
    case '<':
      *out += "&lt;";
      break;
    case '>':
      *out += "&gt;";
      break;
    case '"':
      *out += "&quot;";
      break;
    case '\'':
      *out += "&#39;";
      break;
    default:
      *out += c;
  }
}

// Slack's three entities pass through (they already are the HTML we want);
// any other '&' is literal.
std::size_t AppendEntityOrAmp(std::string* out, std::string_view s, std::size_t i) {
  for (std::string_view e : {"&amp;", "&lt;", "&gt;"}) {
    if (s.substr(i, e.size()) == e) {
      *out += e;
      return e.size();
    }
  }
  *out += "&amp;";
  return 1;
}

// Text where only entities are interpreted (link labels, code).
std::string RenderEntities(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      i += AppendEntityOrAmp(&out, s, i);
    } else {
      AppendEscaped(&out, s[i]);
      ++i;
    }
  }
  return out;
}

std::string DecodeEntities(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, 5) == "&amp;") {
      out += '&';
      i += 5;
    } else if (s.substr(i, 4) == "&lt;") {
      out += '<';
      i += 4;
    } else if (s.substr(i, 4) == "&gt;") {
      out += '>';
      i += 4;
    } else {
      out += s[i++];
    }
  }
  return out;
}

bool SafeUrl(std::string_view url) {
  std::string lower;
  for (char c : url.substr(0, 8))
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0 ||
         lower.rfind("mailto:", 0) == 0;
}

std::string Link(std::string_view url_raw, std::string_view label_html) {
  std::string url = DecodeEntities(url_raw);
  if (!SafeUrl(url)) return std::string(label_html);
  return "<a href=\"" + HtmlEscape(url) + "\" target=\"_blank\" rel=\"noopener noreferrer\">" +
         std::string(label_html) + "</a>";
}

// The inside of <...>.
std::string RenderControl(std::string_view c) {
  std::size_t bar = c.find('|');
  std::string_view head = c.substr(0, bar);
  std::string_view label = bar == std::string_view::npos ? std::string_view() : c.substr(bar + 1);
  auto span = [](std::string_view cls, const std::string& html) {
    return "<span class=\"" + std::string(cls) + "\">" + html + "</span>";
  };
  if (!head.empty() && head[0] == '@') {
    return span("mention", "@" + RenderEntities(label.empty() ? head.substr(1) : label));
  }
  if (!head.empty() && head[0] == '#') {
    return span("mention", "#" + RenderEntities(label.empty() ? head.substr(1) : label));
  }
  if (!head.empty() && head[0] == '!') {
    std::string_view cmd = head.substr(1);
    if (cmd == "here" || cmd == "channel" || cmd == "everyone") {
      return span("mention", "@" + std::string(cmd));
    }
    if (cmd.rfind("date^", 0) == 0) return span("date", RenderEntities(label));
    if (cmd.rfind("subteam^", 0) == 0) {
      return span("mention",
                  label.empty() ? "@" + RenderEntities(cmd.substr(8)) : RenderEntities(label));
    }
    return RenderEntities(label.empty() ? cmd : label);
  }
  std::string label_html = RenderEntities(label.empty() ? head : label);
  return Link(head, label_html);
}

// Position just past the '>' closing a control sequence opened at `i`, or 0.
std::size_t ControlEnd(std::string_view s, std::size_t i) {
  std::size_t j = s.find('>', i + 1);
  if (j == std::string_view::npos || j == i + 1) return 0;
  if (s.substr(i + 1, j - i - 1).find('\n') != std::string_view::npos) return 0;
  return j + 1;
}

std::size_t CodeEnd(std::string_view s, std::size_t i) {
  std::size_t j = s.find('`', i + 1);
  if (j == std::string_view::npos || j == i + 1) return 0;
  return j + 1;
}

// Emoji shortcodes Slack shows as emoji: the common ones (those of Slack's
// Block Kit examples, alert and CI messages), by Slack's names, with the
// Unicode emoji of each (code points in the comments). Sorted by name (byte
// order) for the binary search; a name not here stays literal text.
struct Emoji {
  std::string_view name;
  std::string_view utf8;
};
constexpr Emoji kEmoji[] = {
    {"+1", "👍"},                           // U+1F44D
    {"-1", "👎"},                           // U+1F44E
    {"100", "💯"},                          // U+1F4AF
    {"airplane", "✈️"},                // U+2708 U+FE0F
    {"alarm_clock", "⏰"},                  // U+23F0
    {"anchor", "⚓"},                       // U+2693
    {"arrow_down", "⬇️"},              // U+2B07 U+FE0F
    {"arrow_forward", "▶️"},           // U+25B6 U+FE0F
    {"arrow_left", "⬅️"},              // U+2B05 U+FE0F
    {"arrow_right", "➡️"},             // U+27A1 U+FE0F
    {"arrow_up", "⬆️"},                // U+2B06 U+FE0F
    {"arrows_counterclockwise", "🔄"},      // U+1F504
    {"astonished", "😲"},                   // U+1F632
    {"balloon", "🎈"},                      // U+1F388
    {"ballot_box_with_check", "☑️"},   // U+2611 U+FE0F
    {"bangbang", "‼️"},                // U+203C U+FE0F
    {"bank", "🏦"},                         // U+1F3E6
    {"bar_chart", "📊"},                    // U+1F4CA
    {"beers", "🍻"},                        // U+1F37B
    {"bell", "🔔"},                         // U+1F514
    {"black_circle", "⚫"},                 // U+26AB
    {"black_heart", "🖤"},               // U+1F5A4
    {"black_large_square", "⬛"},           // U+2B1B
    {"black_square_for_stop", "⏹️"},   // U+23F9 U+FE0F
    {"blue_heart", "💙"},                   // U+1F499
    {"blush", "😊"},                        // U+1F60A
    {"bomb", "💣"},                         // U+1F4A3
    {"book", "📖"},                         // U+1F4D6
    {"bookmark", "🔖"},                     // U+1F516
    {"books", "📚"},                        // U+1F4DA
    {"boom", "💥"},                         // U+1F4A5
    {"broken_heart", "💔"},                 // U+1F494
    {"bug", "🐛"},                          // U+1F41B
    {"bulb", "💡"},                         // U+1F4A1
    {"bust_in_silhouette", "👤"},           // U+1F464
    {"busts_in_silhouette", "👥"},          // U+1F465
    {"calendar", "📆"},                     // U+1F4C6
    {"card_index_dividers", "🗂️"},    // U+1F5C2 U+FE0F
    {"chart_with_downwards_trend", "📉"},   // U+1F4C9
    {"chart_with_upwards_trend", "📈"},     // U+1F4C8
    {"checkered_flag", "🏁"},               // U+1F3C1
    {"clap", "👏"},                         // U+1F44F
    {"clipboard", "📋"},                    // U+1F4CB
    {"clock1", "🕐"},                       // U+1F550
    {"closed_lock_with_key", "🔐"},         // U+1F510
    {"cloud", "☁️"},                   // U+2601 U+FE0F
    {"coffee", "☕"},                       // U+2615
    {"computer", "💻"},                     // U+1F4BB
    {"confetti_ball", "🎊"},                // U+1F38A
    {"confused", "😕"},                     // U+1F615
    {"construction", "🚧"},                 // U+1F6A7
    {"cool", "🆒"},                         // U+1F192
    {"cop", "👮"},                          // U+1F46E
    {"credit_card", "💳"},                  // U+1F4B3
    {"cry", "😢"},                          // U+1F622
    {"dart", "🎯"},                         // U+1F3AF
    {"date", "📅"},                         // U+1F4C5
    {"desktop_computer", "🖥️"},       // U+1F5A5 U+FE0F
    {"disappointed", "😞"},                 // U+1F61E
    {"dollar", "💵"},                       // U+1F4B5
    {"door", "🚪"},                         // U+1F6AA
    {"double_vertical_bar", "⏸️"},     // U+23F8 U+FE0F
    {"earth_americas", "🌎"},               // U+1F30E
    {"email", "✉️"},                   // U+2709 U+FE0F
    {"envelope", "✉️"},                // U+2709 U+FE0F
    {"exclamation", "❗"},                  // U+2757
    {"exploding_head", "🤯"},            // U+1F92F
    {"eyes", "👀"},                         // U+1F440
    {"face_palm", "🤦"},                 // U+1F926
    {"face_with_monocle", "🧐"},         // U+1F9D0
    {"face_with_rolling_eyes", "🙄"},    // U+1F644
    {"fast_forward", "⏩"},                 // U+23E9
    {"fearful", "😨"},                      // U+1F628
    {"file_folder", "📁"},                  // U+1F4C1
    {"fire", "🔥"},                         // U+1F525
    {"first_place_medal", "🥇"},         // U+1F947
    {"floppy_disk", "💾"},                  // U+1F4BE
    {"gear", "⚙️"},                    // U+2699 U+FE0F
    {"ghost", "👻"},                        // U+1F47B
    {"gift", "🎁"},                         // U+1F381
    {"globe_with_meridians", "🌐"},         // U+1F310
    {"green_heart", "💚"},                  // U+1F49A
    {"grey_exclamation", "❕"},             // U+2755
    {"grey_question", "❔"},                // U+2754
    {"grimacing", "😬"},                    // U+1F62C
    {"grinning", "😀"},                     // U+1F600
    {"hammer", "🔨"},                       // U+1F528
    {"hammer_and_wrench", "🛠️"},      // U+1F6E0 U+FE0F
    {"handshake", "🤝"},                 // U+1F91D
    {"heart", "❤️"},                   // U+2764 U+FE0F
    {"heart_eyes", "😍"},                   // U+1F60D
    {"heavy_check_mark", "✔️"},        // U+2714 U+FE0F
    {"heavy_minus_sign", "➖"},             // U+2796
    {"heavy_multiplication_x", "✖️"},  // U+2716 U+FE0F
    {"heavy_plus_sign", "➕"},              // U+2795
    {"hospital", "🏥"},                     // U+1F3E5
    {"hourglass", "⌛"},                    // U+231B
    {"hourglass_flowing_sand", "⏳"},       // U+23F3
    {"house", "🏠"},                        // U+1F3E0
    {"hugging_face", "🤗"},              // U+1F917
    {"hushed", "😯"},                       // U+1F62F
    {"inbox_tray", "📥"},                   // U+1F4E5
    {"incoming_envelope", "📨"},            // U+1F4E8
    {"information_source", "ℹ️"},      // U+2139 U+FE0F
    {"innocent", "😇"},                     // U+1F607
    {"interrobang", "⁉️"},             // U+2049 U+FE0F
    {"iphone", "📱"},                       // U+1F4F1
    {"joy", "😂"},                          // U+1F602
    {"key", "🔑"},                          // U+1F511
    {"label", "🏷️"},                  // U+1F3F7 U+FE0F
    {"large_blue_circle", "🔵"},            // U+1F535
    {"large_green_circle", "🟢"},        // U+1F7E2
    {"large_orange_circle", "🟠"},       // U+1F7E0
    {"large_purple_circle", "🟣"},       // U+1F7E3
    {"large_red_square", "🟥"},          // U+1F7E5
    {"large_yellow_circle", "🟡"},       // U+1F7E1
    {"laughing", "😆"},                     // U+1F606
    {"link", "🔗"},                         // U+1F517
    {"lock", "🔒"},                         // U+1F512
    {"lock_with_ink_pen", "🔏"},            // U+1F50F
    {"loudspeaker", "📢"},                  // U+1F4E2
    {"mag", "🔍"},                          // U+1F50D
    {"mag_right", "🔎"},                    // U+1F50E
    {"mailbox", "📫"},                      // U+1F4EB
    {"mask", "😷"},                         // U+1F637
    {"medal", "🎖️"},                  // U+1F396 U+FE0F
    {"mega", "📣"},                         // U+1F4E3
    {"memo", "📝"},                         // U+1F4DD
    {"microscope", "🔬"},                   // U+1F52C
    {"moneybag", "💰"},                     // U+1F4B0
    {"muscle", "💪"},                       // U+1F4AA
    {"negative_squared_cross_mark", "❎"},  // U+274E
    {"neutral_face", "😐"},                 // U+1F610
    {"new", "🆕"},                          // U+1F195
    {"no_bell", "🔕"},                      // U+1F515
    {"no_entry", "⛔"},                     // U+26D4
    {"no_entry_sign", "🚫"},                // U+1F6AB
    {"octagonal_sign", "🛑"},            // U+1F6D1
    {"office", "🏢"},                       // U+1F3E2
    {"ok_hand", "👌"},                      // U+1F44C
    {"old_key", "🗝️"},                // U+1F5DD U+FE0F
    {"open_file_folder", "📂"},             // U+1F4C2
    {"open_mouth", "😮"},                   // U+1F62E
    {"orange_heart", "🧡"},              // U+1F9E1
    {"outbox_tray", "📤"},                  // U+1F4E4
    {"package", "📦"},                      // U+1F4E6
    {"page_facing_up", "📄"},               // U+1F4C4
    {"paperclip", "📎"},                    // U+1F4CE
    {"partying_face", "🥳"},             // U+1F973
    {"pencil", "📝"},                       // U+1F4DD
    {"pencil2", "✏️"},                 // U+270F U+FE0F
    {"pill", "💊"},                         // U+1F48A
    {"pizza", "🍕"},                        // U+1F355
    {"point_down", "👇"},                   // U+1F447
    {"point_left", "👈"},                   // U+1F448
    {"point_right", "👉"},                  // U+1F449
    {"point_up", "☝️"},                // U+261D U+FE0F
    {"pray", "🙏"},                         // U+1F64F
    {"purple_heart", "💜"},                 // U+1F49C
    {"pushpin", "📌"},                      // U+1F4CC
    {"question", "❓"},                     // U+2753
    {"rage", "😡"},                         // U+1F621
    {"rainbow", "🌈"},                      // U+1F308
    {"raised_hands", "🙌"},                 // U+1F64C
    {"raising_hand", "🙋"},                 // U+1F64B
    {"recycle", "♻️"},                 // U+267B U+FE0F
    {"red_circle", "🔴"},                   // U+1F534
    {"repeat", "🔁"},                       // U+1F501
    {"rewind", "⏪"},                       // U+23EA
    {"robot_face", "🤖"},                // U+1F916
    {"rocket", "🚀"},                       // U+1F680
    {"rotating_light", "🚨"},               // U+1F6A8
    {"round_pushpin", "📍"},                // U+1F4CD
    {"satellite_antenna", "📡"},            // U+1F4E1
    {"scissors", "✂️"},                // U+2702 U+FE0F
    {"scream", "😱"},                       // U+1F631
    {"see_no_evil", "🙈"},                  // U+1F648
    {"shield", "🛡️"},                 // U+1F6E1 U+FE0F
    {"shrug", "🤷"},                     // U+1F937
    {"shushing_face", "🤫"},             // U+1F92B
    {"skin-tone-2", "🏻"},               // U+1F3FB
    {"skin-tone-3", "🏼"},               // U+1F3FC
    {"skin-tone-4", "🏽"},               // U+1F3FD
    {"skin-tone-5", "🏾"},               // U+1F3FE
    {"skin-tone-6", "🏿"},               // U+1F3FF
    {"skull", "💀"},                        // U+1F480
    {"sleuth_or_spy", "🕵️"},          // U+1F575 U+FE0F
    {"slightly_smiling_face", "🙂"},     // U+1F642
    {"smile", "😄"},                        // U+1F604
    {"smiley", "😃"},                       // U+1F603
    {"smirk", "😏"},                        // U+1F60F
    {"snowflake", "❄️"},               // U+2744 U+FE0F
    {"sob", "😭"},                          // U+1F62D
    {"sos", "🆘"},                          // U+1F198
    {"sparkles", "✨"},                     // U+2728
    {"speech_balloon", "💬"},               // U+1F4AC
    {"spiral_calendar_pad", "🗓️"},    // U+1F5D3 U+FE0F
    {"star", "⭐"},                         // U+2B50
    {"star2", "🌟"},                        // U+1F31F
    {"stopwatch", "⏱️"},               // U+23F1 U+FE0F
    {"sunglasses", "😎"},                   // U+1F60E
    {"sunny", "☀️"},                   // U+2600 U+FE0F
    {"sweat", "😓"},                        // U+1F613
    {"sweat_smile", "😅"},                  // U+1F605
    {"tada", "🎉"},                         // U+1F389
    {"thinking_face", "🤔"},             // U+1F914
    {"thumbsdown", "👎"},                   // U+1F44E
    {"thumbsup", "👍"},                     // U+1F44D
    {"ticket", "🎫"},                       // U+1F3AB
    {"tired_face", "😫"},                   // U+1F62B
    {"triangular_flag_on_post", "🚩"},      // U+1F6A9
    {"trophy", "🏆"},                       // U+1F3C6
    {"umbrella", "☂️"},                // U+2602 U+FE0F
    {"unamused", "😒"},                     // U+1F612
    {"unlock", "🔓"},                       // U+1F513
    {"up", "🆙"},                           // U+1F199
    {"upside_down_face", "🙃"},          // U+1F643
    {"v", "✌️"},                       // U+270C U+FE0F
    {"warning", "⚠️"},                 // U+26A0 U+FE0F
    {"wastebasket", "🗑️"},            // U+1F5D1 U+FE0F
    {"watch", "⌚"},                        // U+231A
    {"wave", "👋"},                         // U+1F44B
    {"weary", "😩"},                        // U+1F629
    {"white_check_mark", "✅"},             // U+2705
    {"white_circle", "⚪"},                 // U+26AA
    {"white_heart", "🤍"},               // U+1F90D
    {"white_large_square", "⬜"},           // U+2B1C
    {"wink", "😉"},                         // U+1F609
    {"worried", "😟"},                      // U+1F61F
    {"wrench", "🔧"},                       // U+1F527
    {"writing_hand", "✍️"},            // U+270D U+FE0F
    {"x", "❌"},                            // U+274C
    {"yellow_heart", "💛"},                 // U+1F49B
    {"zap", "⚡"},                          // U+26A1
    {"zzz", "💤"},                          // U+1F4A4
};
static_assert(std::is_sorted(std::begin(kEmoji), std::end(kEmoji),
                             [](const Emoji& a, const Emoji& b) { return a.name < b.name; }),
              "kEmoji must stay sorted by name");

// A run of more name characters than this after a ':' is never looked up (no
// name in the table is that long): bounds the scan on a hostile line.
constexpr std::size_t kMaxEmojiName = 100;

bool IsEmojiNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-';
}

// The emoji of `name` (without colons), or "" when it is not in the table.
std::string_view EmojiFor(std::string_view name) {
  const Emoji* end = std::end(kEmoji);
  const Emoji* it = std::lower_bound(std::begin(kEmoji), end, name,
                                     [](const Emoji& e, std::string_view n) { return e.name < n; });
  return it != end && it->name == name ? it->utf8 : std::string_view();
}

std::string EmojiHtml(std::string_view name, std::string_view utf8) {
  // A name from the table has only [a-z0-9_+-]; a rich_text one may have
  // anything: escaped.
  return "<span class=\"emoji\" title=\":" + HtmlEscape(name) + ":\">" + std::string(utf8) +
         "</span>";
}

// If a known :shortcode: starts at `i` (a ':'), appends its emoji to `out`
// and returns its length; else returns 0.
std::size_t AppendEmoji(std::string* out, std::string_view s, std::size_t i) {
  std::size_t j = i + 1;
  while (j < s.size() && j - i - 1 <= kMaxEmojiName && IsEmojiNameChar(s[j])) ++j;
  if (j == i + 1 || j >= s.size() || s[j] != ':') return 0;
  std::string_view name = s.substr(i + 1, j - i - 1);
  std::string_view utf8 = EmojiFor(name);
  if (utf8.empty()) return 0;
  *out += EmojiHtml(name, utf8);
  return j - i + 1;
}

// Plain text with its known :shortcodes: as emoji: escaped, newlines as <br>.
std::string RenderPlainTextEmoji(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == ':') {
      if (std::size_t n = AppendEmoji(&out, text, i)) {
        i += n;
        continue;
      }
    }
    if (text[i] == '\n') {
      out += "<br>";
    } else {
      AppendEscaped(&out, text[i]);
    }
    ++i;
  }
  return out;
}

// A rich_text "emoji" element: its name from the table, else its "unicode"
// code points ("1f389", "1f44d-1f3fb"), else the name as :text:.
std::string RichTextEmoji(std::string_view name, std::string_view unicode) {
  if (std::string_view utf8 = EmojiFor(name); !utf8.empty()) return EmojiHtml(name, utf8);
  std::string utf8;
  bool valid = !unicode.empty() && unicode.size() <= 64;
  for (std::size_t pos = 0; valid && pos <= unicode.size();) {
    std::size_t end = std::min(unicode.find('-', pos), unicode.size());
    uint32_t cp = 0;
    valid = end > pos && end - pos <= 6;
    for (std::size_t k = pos; valid && k < end; ++k) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(unicode[k])));
      valid = std::isxdigit(static_cast<unsigned char>(c)) != 0;
      cp = cp * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    // Control characters and anything outside the Unicode scalar values are refused.
    valid = valid && cp >= 0x20 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) &&
            !(cp >= 0x7F && cp < 0xA0);
    if (!valid) break;
    if (cp < 0x80) {
      AppendEscaped(&utf8, static_cast<char>(cp));
    } else if (cp < 0x800) {
      utf8 += static_cast<char>(0xC0 | (cp >> 6));
      utf8 += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      utf8 += static_cast<char>(0xE0 | (cp >> 12));
      utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      utf8 += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      utf8 += static_cast<char>(0xF0 | (cp >> 18));
      utf8 += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      utf8 += static_cast<char>(0x80 | (cp & 0x3F));
    }
    pos = end + 1;
  }
  if (valid) return EmojiHtml(name, utf8);
  return ":" + HtmlEscape(name) + ":";
}

bool IsDelimiter(char c) { return c == '*' || c == '_' || c == '~'; }

// Index of the delimiter closing one opened at `i`, or npos. Skips links and
// code spans, which are atoms.
std::size_t FindClose(std::string_view s, std::size_t i) {
  char d = s[i];
  const std::size_t limit = std::min(s.size(), i + kMaxSpan);
  for (std::size_t k = i + 1; k < limit; ++k) {
    if (s[k] == '<') {
      if (std::size_t e = ControlEnd(s, k)) k = e - 1;
      continue;
    }
    if (s[k] == '`') {
      if (std::size_t e = CodeEnd(s, k)) k = e - 1;
      continue;
    }
    if (s[k] != d || k == i + 1 || IsSpace(s[k - 1])) continue;
    if (k + 1 < s.size() && IsWordChar(s[k + 1])) continue;
    return k;
  }
  return std::string_view::npos;
}

std::string RenderInline(std::string_view s, int depth) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '`') {
      if (std::size_t e = CodeEnd(s, i)) {
        out += "<code>" + RenderEntities(s.substr(i + 1, e - i - 2)) + "</code>";
        i = e;
        continue;
      }
    } else if (c == '<') {
      if (std::size_t e = ControlEnd(s, i)) {
        out += RenderControl(s.substr(i + 1, e - i - 2));
        i = e;
        continue;
      }
    } else if (c == '&') {
      i += AppendEntityOrAmp(&out, s, i);
      continue;
    } else if (c == ':') {
      if (std::size_t n = AppendEmoji(&out, s, i)) {
        i += n;
        continue;
      }
    } else if (IsDelimiter(c) && depth < kMaxInlineDepth && (i == 0 || !IsWordChar(s[i - 1])) &&
               i + 1 < s.size() && !IsSpace(s[i + 1]) && s[i + 1] != c) {
      std::size_t k = FindClose(s, i);
      if (k != std::string_view::npos) {
        const char* tag = c == '*' ? "b" : c == '_' ? "i" : "s";
        out += std::string("<") + tag + ">" + RenderInline(s.substr(i + 1, k - i - 1), depth + 1) +
               "</" + tag + ">";
        i = k + 1;
        continue;
      }
    }
    AppendEscaped(&out, c);
    ++i;
  }
  return out;
}

// Lines outside code blocks: quotes ("> " or "&gt; " at line start) grouped.
std::string RenderLines(std::string_view s) {
  std::string out;
  bool in_quote = false;
  bool first = true;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t end = s.find('\n', pos);
    if (end == std::string_view::npos) end = s.size();
    std::string_view line = s.substr(pos, end - pos);
    bool quote = false;
    if (line.substr(0, 1) == ">") {
      line.remove_prefix(1);
      quote = true;
    } else if (line.substr(0, 4) == "&gt;") {
      line.remove_prefix(4);
      quote = true;
    }
    if (quote && line.substr(0, 1) == " ") line.remove_prefix(1);
    if (quote && !in_quote) {
      out += "<blockquote>";
      in_quote = true;
    } else if (!quote && in_quote) {
      out += "</blockquote>";
      in_quote = false;
    } else if (!first) {
      out += "<br>";
    }
    out += RenderInline(line, 0);
    first = false;
    pos = end + 1;
  }
  if (in_quote) out += "</blockquote>";
  return out;
}

const json* Find(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string Str(const json& j, const char* key) {
  const json* v = Find(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

// A text object. plain_text shows its :shortcodes: as emoji unless it says
// "emoji": false (Slack's default is true); mrkdwn always does.
std::string RenderTextObject(const json* t) {
  if (t == nullptr || !t->is_object()) return "";
  std::string text = Str(*t, "text");
  if (Str(*t, "type") != "plain_text") return RenderMrkdwn(text);
  const json* emoji = Find(*t, "emoji");
  const bool literal = emoji != nullptr && emoji->is_boolean() && !emoji->get<bool>();
  return literal ? RenderPlainText(text) : RenderPlainTextEmoji(text);
}

std::string Div(std::string_view cls, const std::string& inner) {
  return "<div class=\"" + std::string(cls) + "\">" + inner + "</div>";
}

std::string RenderElement(const json& e) {
  std::string type = Str(e, "type");
  if (type == "button")
    return "<span class=\"button\">" + RenderTextObject(Find(e, "text")) + "</span>";
  if (type == "image")
    return "<span class=\"image\">[image: " + HtmlEscape(Str(e, "alt_text")) + "]</span>";
  if (type == "mrkdwn" || type == "plain_text") return RenderTextObject(&e);
  return "<span class=\"element\">[" + HtmlEscape(type) + "]</span>";
}

std::string RenderRichElements(const json* elements, int depth);

std::string RenderRichInline(const json& e) {
  std::string type = Str(e, "type");
  std::string html;
  if (type == "text") {
    html = RenderPlainText(Str(e, "text"));
  } else if (type == "link") {
    std::string label = Str(e, "text").empty() ? Str(e, "url") : Str(e, "text");
    std::string url = Str(e, "url");
    html = SafeUrl(url) ? "<a href=\"" + HtmlEscape(url) +
                              "\" target=\"_blank\" rel=\"noopener noreferrer\">" +
                              HtmlEscape(label) + "</a>"
                        : HtmlEscape(label);
  } else if (type == "emoji") {
    html = RichTextEmoji(Str(e, "name"), Str(e, "unicode"));
  } else if (type == "user") {
    html = "<span class=\"mention\">@" + HtmlEscape(Str(e, "user_id")) + "</span>";
  } else if (type == "channel") {
    html = "<span class=\"mention\">#" + HtmlEscape(Str(e, "channel_id")) + "</span>";
  } else if (type == "usergroup") {
    html = "<span class=\"mention\">@" + HtmlEscape(Str(e, "usergroup_id")) + "</span>";
  } else if (type == "broadcast") {
    html = "<span class=\"mention\">@" + HtmlEscape(Str(e, "range")) + "</span>";
  } else {
    return "";
  }
  if (const json* style = Find(e, "style"); style != nullptr && style->is_object()) {
    auto on = [&](const char* k) { return style->value(k, false) == true; };
    if (on("code")) html = "<code>" + html + "</code>";
    if (on("bold")) html = "<b>" + html + "</b>";
    if (on("italic")) html = "<i>" + html + "</i>";
    if (on("strike")) html = "<s>" + html + "</s>";
  }
  return html;
}

std::string RenderRichElements(const json* elements, int depth) {
  if (elements == nullptr || !elements->is_array() || depth > kMaxRichTextDepth) return "";
  std::string out;
  for (const json& e : *elements) {
    std::string type = Str(e, "type");
    if (type == "rich_text_section") {
      std::string inner;
      if (const json* parts = Find(e, "elements"); parts != nullptr && parts->is_array()) {
        for (const json& p : *parts) inner += RenderRichInline(p);
      }
      out += Div("rich-section", inner);
    } else if (type == "rich_text_preformatted") {
      std::string inner;
      if (const json* parts = Find(e, "elements"); parts != nullptr && parts->is_array()) {
        for (const json& p : *parts) inner += RenderRichInline(p);
      }
      out += "<pre>" + inner + "</pre>";
    } else if (type == "rich_text_quote") {
      std::string inner;
      if (const json* parts = Find(e, "elements"); parts != nullptr && parts->is_array()) {
        for (const json& p : *parts) inner += RenderRichInline(p);
      }
      out += "<blockquote>" + inner + "</blockquote>";
    } else if (type == "rich_text_list") {
      const char* tag = Str(e, "style") == "ordered" ? "ol" : "ul";
      std::string items;
      if (const json* parts = Find(e, "elements"); parts != nullptr && parts->is_array()) {
        for (const json& p : *parts) {
          json one = json::array({p});
          items += "<li>" + RenderRichElements(&one, depth + 1) + "</li>";
        }
      }
      out += std::string("<") + tag + ">" + items + "</" + tag + ">";
    }
  }
  return out;
}

std::string RenderBlock(const json& b) {
  std::string type = Str(b, "type");
  if (type == "section") {
    std::string inner;
    if (const json* t = Find(b, "text")) inner += Div("section-text", RenderTextObject(t));
    if (const json* fields = Find(b, "fields"); fields != nullptr && fields->is_array()) {
      std::string f;
      for (const json& field : *fields) f += Div("field", RenderTextObject(&field));
      inner += Div("fields", f);
    }
    if (const json* a = Find(b, "accessory")) inner += Div("accessory", RenderElement(*a));
    return Div("block section", inner);
  }
  if (type == "header") return Div("block header", RenderTextObject(Find(b, "text")));
  if (type == "divider") return "<hr class=\"block divider\">";
  if (type == "context" || type == "actions") {
    std::string inner;
    if (const json* es = Find(b, "elements"); es != nullptr && es->is_array()) {
      for (const json& e : *es) inner += "<span class=\"item\">" + RenderElement(e) + "</span>";
    }
    return Div("block " + type, inner);
  }
  if (type == "image") {
    std::string inner = "[image: " + HtmlEscape(Str(b, "alt_text")) + "]";
    if (const json* t = Find(b, "title")) inner = RenderTextObject(t) + " " + inner;
    return Div("block image", inner);
  }
  if (type == "rich_text")
    return Div("block rich-text", RenderRichElements(Find(b, "elements"), 0));
  if (type == "markdown") return Div("block markdown", RenderMrkdwn(Str(b, "text")));
  return Div("block other", "[" + HtmlEscape(type) + " block]");
}

std::string RenderBlocks(const json* blocks) {
  std::string out;
  if (blocks == nullptr || !blocks->is_array()) return out;
  for (const json& b : *blocks) out += RenderBlock(b);
  return out;
}

// Legacy attachment colours: the three names Slack knows or #rgb/#rrggbb;
// anything else is dropped so it cannot reach the style attribute.
std::string AttachmentColor(const std::string& c) {
  if (c == "good") return "#2eb67d";
  if (c == "warning") return "#ecb22e";
  if (c == "danger") return "#e01e5a";
  std::string hex = c.rfind('#', 0) == 0 ? c.substr(1) : c;
  if (hex.size() != 3 && hex.size() != 6) return "#dddddd";
  for (char ch : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(ch))) return "#dddddd";
  }
  return "#" + hex;
}

std::string RenderAttachment(const json& a) {
  std::string inner;
  if (std::string s = Str(a, "author_name"); !s.empty()) inner += Div("author", RenderPlainText(s));
  if (std::string title = Str(a, "title"); !title.empty()) {
    std::string t = RenderEntities(title);
    std::string link = Str(a, "title_link");
    inner += Div("title", link.empty() ? t : Link(link, t));
  }
  if (std::string s = Str(a, "text"); !s.empty()) inner += Div("text", RenderMrkdwn(s));
  if (const json* fields = Find(a, "fields"); fields != nullptr && fields->is_array()) {
    std::string f;
    for (const json& field : *fields) {
      f += Div("field", Div("field-title", RenderPlainText(Str(field, "title"))) +
                            Div("field-value", RenderMrkdwn(Str(field, "value"))));
    }
    inner += Div("fields", f);
  }
  inner += RenderBlocks(Find(a, "blocks"));
  if (std::string s = Str(a, "footer"); !s.empty()) inner += Div("footer", RenderMrkdwn(s));
  if (inner.empty()) inner = Div("text", RenderPlainText(Str(a, "fallback")));
  std::string out;
  if (std::string s = Str(a, "pretext"); !s.empty()) out += Div("pretext", RenderMrkdwn(s));
  out += "<div class=\"attachment\" style=\"border-left-color:" + AttachmentColor(Str(a, "color")) +
         "\">" + inner + "</div>";
  return out;
}

std::string FormatTime(int64_t millis) {
  std::time_t secs = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  char full[40];
  std::strftime(full, sizeof full, "%Y-%m-%dT%H:%M:%S", &tm);
  return "<time datetime=\"" + std::string(full) + "Z\">" + buf + " UTC</time>";
}

constexpr std::string_view kStyle = R"(
body{font-family:Lato,"Helvetica Neue",Arial,sans-serif;margin:0;background:#f8f8f8;color:#1d1c1d}
header.top{background:#3f0e40;color:#fff;padding:10px 16px;font-weight:bold}
main{display:flex;flex-wrap:wrap;gap:16px;padding:16px}
section.channel{background:#fff;border:1px solid #ddd;border-radius:6px;flex:1 1 480px;min-width:360px}
section.channel>h2{font-size:16px;margin:0;padding:10px 14px;border-bottom:1px solid #ddd}
section.channel>h2 .id{color:#888;font-weight:normal;font-size:12px;margin-left:8px}
.messages{padding:6px 0;overflow-y:auto;max-height:max(240px,calc(100vh - 130px))}
.emoji{font-family:"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji",sans-serif}
.message{padding:6px 14px}
.message:hover{background:#f6f6f6}
.meta{font-size:13px;margin-bottom:2px}
.meta .sender{font-weight:bold;margin-right:6px}
.meta .badge{background:#e8e8e8;color:#555;font-size:10px;padding:1px 3px;border-radius:2px;margin-right:6px}
.meta time{color:#888}
.body{font-size:15px;line-height:1.46;word-wrap:break-word}
.empty{color:#888;padding:6px 14px;font-style:italic}
code{font-family:Monaco,Menlo,Consolas,monospace;font-size:12px;color:#e01e5a;background:#f6f6f6;border:1px solid #ddd;border-radius:3px;padding:0 3px}
pre{font-family:Monaco,Menlo,Consolas,monospace;font-size:12px;background:#f8f8f8;border:1px solid #ddd;border-radius:4px;padding:8px;white-space:pre-wrap;margin:4px 0}
blockquote{border-left:4px solid #ddd;margin:2px 0;padding-left:10px}
a{color:#1264a3;text-decoration:none}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.block{margin:4px 0}
.header{font-size:18px;font-weight:900}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px}
.context{font-size:12px;color:#616061}
.context .item{margin-right:8px}
.button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:2px 10px;font-size:13px;font-weight:bold;margin-right:6px}
.attachment{border-left:4px solid #ddd;padding:2px 10px;margin:4px 0}
.attachment .title{font-weight:bold}
.attachment .field-title{font-weight:bold;font-size:13px}
.attachment .footer{font-size:12px;color:#616061}
hr.divider{border:0;border-top:1px solid #ddd}
)";

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) AppendEscaped(&out, c);
  return out;
}

std::string RenderPlainText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "<br>";
    } else {
      AppendEscaped(&out, c);
    }
  }
  return out;
}

std::string RenderMrkdwn(std::string_view s) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t open = s.find("```", pos);
    std::size_t close =
        open == std::string_view::npos ? std::string_view::npos : s.find("```", open + 3);
    if (close == std::string_view::npos) {
      out += RenderLines(s.substr(pos));
      break;
    }
    if (open > pos) {
      std::string_view before = s.substr(pos, open - pos);
      if (!before.empty() && before.back() == '\n') before.remove_suffix(1);
      out += RenderLines(before);
    }
    std::string_view code = s.substr(open + 3, close - open - 3);
    if (!code.empty() && code.front() == '\n') code.remove_prefix(1);
    out += "<pre>" + RenderEntities(code) + "</pre>";
    pos = close + 3;
    if (pos < s.size() && s[pos] == '\n') ++pos;
    if (pos >= s.size()) break;
  }
  return out;
}

std::string RenderMessageHtml(std::string_view payload_json) {
  json p = json::parse(payload_json, nullptr, /*allow_exceptions=*/false);
  if (p.is_discarded() || !p.is_object()) return "<div class=\"note\">(unreadable payload)</div>";
  std::string out;
  const json* blocks = Find(p, "blocks");
  if (blocks != nullptr && blocks->is_array() && !blocks->empty()) {
    out += RenderBlocks(blocks);
  } else if (std::string text = Str(p, "text"); !text.empty()) {
    const json* mrkdwn = Find(p, "mrkdwn");
    bool plain = mrkdwn != nullptr && mrkdwn->is_boolean() && !mrkdwn->get<bool>();
    // "mrkdwn": false turns formatting off; entities still mean their character.
    out += Div("text", plain ? RenderPlainText(DecodeEntities(text)) : RenderMrkdwn(text));
  }
  if (const json* attachments = Find(p, "attachments");
      attachments != nullptr && attachments->is_array()) {
    for (const json& a : *attachments) out += RenderAttachment(a);
  }
  return out;
}

std::string RenderMessageItem(const PageMessage& m) {
  // Telegram chats ("telegram/<bot>/<chat>") store the Bot API Message object.
  const bool telegram = m.webhook.rfind("telegram/", 0) == 0;
  return "<div class=\"message\" data-seq=\"" + std::to_string(m.seq) +
         "\"><div class=\"meta\"><span class=\"sender\">" +
         (telegram ? "Telegram Bot" : "Incoming Webhook") + "</span><span class=\"badge\">" +
         (telegram ? "BOT" : "APP") + "</span>" + FormatTime(m.received_ms) +
         "</div><div class=\"body\">" +
         (telegram ? RenderTelegramMessageHtml(m.payload_json)
                   : RenderMessageHtml(m.payload_json)) +
         "</div></div>";
}

std::string RenderChannelPage(const std::vector<PageChannel>& channels,
                              const std::vector<PageMessage>& messages, uint64_t last_seq,
                              uint64_t generation) {
  std::string out =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>mock-slack</title><style>";
  out += kStyle;
  out += "</style></head><body data-last-seq=\"" + std::to_string(last_seq) +
         "\" data-generation=\"" + std::to_string(generation) +
         "\"><header class=\"top\">mock-slack</header><main>";
  if (channels.empty()) out += "<p class=\"empty\">No webhooks configured (--webhook).</p>";
  for (const PageChannel& c : channels) {
    out += "<section class=\"channel\" data-webhook=\"" + HtmlEscape(c.webhook) + "\"><h2>#" +
           HtmlEscape(c.channel) + "<span class=\"id\">" + HtmlEscape(c.webhook) +
           "</span></h2><div class=\"messages\">";
    bool any = false;
    for (const PageMessage& m : messages) {
      if (m.webhook != c.webhook) continue;
      out += RenderMessageItem(m);
      any = true;
    }
    if (!any) out += "<div class=\"empty\">No messages yet.</div>";
    out += "</div></section>";
  }
  out += "</main><script src=\"/page.js\"></script></body></html>";
  return out;
}

std::string_view ChannelPageScript() {
  // Each channel's message list scrolls on its own and opens at its newest
  // message, as Slack's does. Polls for new messages once a second and
  // appends the server-rendered items; a list the reader left at its bottom
  // follows them (scrolled to the new bottom), one scrolled up to read older
  // messages stays where it is. A DELETE /api/messages (new generation)
  // reloads the page.
  return R"JS('use strict';
(function () {
  let lastSeq = Number(document.body.dataset.lastSeq || 0);
  const generation = Number(document.body.dataset.generation || 0);
  // Within a few pixels of the bottom counts as at the bottom.
  function atBottom(list) {
    return list.scrollHeight - list.scrollTop - list.clientHeight <= 8;
  }
  function toBottom(list) { list.scrollTop = list.scrollHeight; }
  function allToBottom() {
    for (const list of document.querySelectorAll('section.channel .messages')) toBottom(list);
  }
  allToBottom();
  window.addEventListener('load', allToBottom);  // again once fonts and layout settled
  async function poll() {
    try {
      const r = await fetch('/api/page?since=' + lastSeq, {cache: 'no-store'});
      const j = await r.json();
      if (j.generation !== generation) { location.reload(); return; }
      for (const it of j.items) {
        if (it.seq <= lastSeq) continue;
        for (const s of document.querySelectorAll('section.channel')) {
          if (s.dataset.webhook !== it.webhook) continue;
          const list = s.querySelector('.messages');
          const follow = atBottom(list);
          const empty = list.querySelector('.empty');
          if (empty) empty.remove();
          list.insertAdjacentHTML('beforeend', it.html);
          if (follow) toBottom(list);
        }
        lastSeq = it.seq;
      }
      if (j.last_seq > lastSeq) lastSeq = j.last_seq;
    } catch (e) { /* server gone or restarting: keep trying */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
)JS";
}

}  // namespace mock_slack
