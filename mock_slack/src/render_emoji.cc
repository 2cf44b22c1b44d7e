// Emoji shortcodes: the table of the common ones Slack shows as emoji, the
// :shortcode: of mrkdwn and plain_text, and rich_text "emoji" elements (by
// name, or by their "unicode" code points). A name not in the table stays
// literal text.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <string>

#include "mock_slack/render.h"
#include "render_internal.h"

namespace mock_slack {
namespace {

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

}  // namespace

namespace render_internal {

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

}  // namespace render_internal
}  // namespace mock_slack
