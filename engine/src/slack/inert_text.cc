// Owns inert text (inert_text.h): UTF-8 repair, control and bidirectional
// characters, Slack mrkdwn and Telegram HTML neutralising, and the budgets in
// UTF-16 units with a cut that never splits a code point, an entity or a fence.
#include "inert_text.h"

#include <array>
#include <cstdint>

namespace iam_audit::inert {
namespace {

constexpr std::string_view kZwsp = "\xE2\x80\x8B";       // U+200B
constexpr std::string_view kInertBacktick = "\xCB\x8B";  // U+02CB MODIFIER LETTER GRAVE ACCENT
constexpr std::string_view kMissing = "-";
constexpr char32_t kDrop = 0xFFFFFFFF;  // Neutral(): the code point is left out

// The code point at byte `i` of `s` and its length in bytes (`*len`); an
// invalid or overlong sequence, a surrogate or a value past U+10FFFF is
// U+FFFD of length 1 (one per bad byte).
char32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  *len = 1;
  if (c < 0x80) return c;
  size_t n = 0;
  char32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0xFFFD;
  }
  if (i + n > s.size()) return 0xFFFD;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0xFFFD;
  }
  *len = n;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsBidiControl(char32_t c) {
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

// Rule 2's control characters: C0, DEL, C1, U+2028, U+2029.
bool IsControl(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029;
}

bool IsBlock(Markup m) { return m == Markup::kCodeBlock || m == Markup::kHtmlPre; }
bool IsHtml(Markup m) { return m == Markup::kHtml || m == Markup::kHtmlPre; }

// Rules 2 and 3: what code point `c` stands as before escaping (itself, a
// space, U+FFFD, or kDrop).
char32_t Neutral(char32_t c, Markup m) {
  if (IsBidiControl(c)) return 0xFFFD;
  if (!IsControl(c)) return c;
  if (!IsBlock(m)) return ' ';
  if (c == '\n' || c == '\t') return c;
  return c == '\r' ? kDrop : 0xFFFD;
}

// Rule 4: the entity for `c` ('"' only when `quote`), or "" when it needs none.
std::string_view Entity(char32_t c, bool quote) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return quote ? "&quot;" : "";
    default:
      return "";
  }
}

// Rules 4 and 5: appends code point `c` (already Neutral) escaped for `m`.
void AppendPiece(char32_t c, Markup m, std::string* out) {
  const std::string_view entity = m == Markup::kPlain ? "" : Entity(c, IsHtml(m));
  if (!entity.empty()) {
    out->append(entity);
  } else if (c == '`' && m == Markup::kMrkdwn) {
    out->append(kInertBacktick);
  } else if ((c == '*' || c == '_' || c == '~') && m == Markup::kMrkdwn) {
    out->append(kZwsp);
    out->push_back(static_cast<char>(c));
    out->append(kZwsp);
  } else if (c == '`' && m == Markup::kCodeBlock) {
    out->append(kZwsp);
    out->push_back('`');
    out->append(kZwsp);
  } else {
    AppendUtf8(c, out);
  }
}

// For each byte, a bit per Markup: the byte is its own output piece there.
constexpr auto kSelf = [] {
  std::array<uint8_t, 256> t{};
  constexpr uint8_t kAll = 0x1F;
  auto bit = [](Markup m) { return static_cast<uint8_t>(1u << static_cast<int>(m)); };
  for (int c = 0x20; c < 0x7F; ++c) t[c] = kAll;
  for (const unsigned char c : {'&', '<', '>'}) t[c] = bit(Markup::kPlain);
  t['"'] = kAll & ~bit(Markup::kHtml) & ~bit(Markup::kHtmlPre);
  t['`'] = bit(Markup::kHtml) | bit(Markup::kHtmlPre) | bit(Markup::kPlain);
  for (const unsigned char c : {'*', '_', '~'}) t[c] = kAll & ~bit(Markup::kMrkdwn);
  t['\n'] = t['\t'] = bit(Markup::kCodeBlock) | bit(Markup::kHtmlPre);
  return t;
}();

// True when `value` is its own output for `m`, within `budget` (most record
// values are: names, regions, IP addresses).
bool SelfWithin(std::string_view value, Markup m, size_t budget) {
  if (value.empty() || value.size() > budget) return false;
  if (!IsBlock(m) && (value.front() == ' ' || value.back() == ' ')) return false;
  const uint8_t bit = static_cast<uint8_t>(1u << static_cast<int>(m));
  for (const char c : value) {
    if ((kSelf[static_cast<unsigned char>(c)] & bit) == 0) return false;
  }
  return true;
}

}  // namespace

bool Append(std::string_view value, Markup markup, size_t budget, std::string* out) {
  if (SelfWithin(value, markup, budget)) {
    out->append(value);
    return false;
  }
  const bool one_line = !IsBlock(markup);
  const size_t base = out->size();
  size_t units = 0;   // what is appended since `base`, in UTF-16 units
  size_t cut = base;  // the longest prefix so far that leaves room for "…"
  size_t spaces = 0;  // spaces held back: a one-line value drops them at its ends
  const uint8_t self_bit = static_cast<uint8_t>(1u << static_cast<int>(markup));
  for (size_t i = 0, len = 0; i < value.size(); i += len) {
    const unsigned char b = static_cast<unsigned char>(value[i]);
    const size_t before = out->size();
    if ((kSelf[b] & self_bit) != 0 && b != ' ') {
      // An ASCII byte that is its own piece (kSelf): one UTF-16 unit, without
      // decoding (the general path gives it the same).
      len = 1;
      out->append(spaces, ' ');
      out->push_back(static_cast<char>(b));
      units += spaces + 1;
    } else {
      const char32_t c = Neutral(DecodeAt(value, i, &len), markup);
      if (c == kDrop) continue;
      if (one_line && c == ' ') {
        if (out->size() > base) ++spaces;
        continue;
      }
      out->append(spaces, ' ');
      AppendPiece(c, markup, out);
      units += Units(std::string_view(*out).substr(before));
    }
    spaces = 0;
    if (units > budget) {
      out->resize(cut);
      if (budget >= 1) out->append(kEllipsis);
      return true;
    }
    if (units + 1 <= budget) cut = out->size();
  }
  if (out->size() == base && (markup == Markup::kMrkdwn || markup == Markup::kHtml)) {
    out->append(kMissing);
  }
  return false;
}

std::string Text(std::string_view value, Markup markup, size_t budget) {
  std::string out;
  Append(value, markup, budget, &out);
  return out;
}

void AppendEntities(std::string_view text, bool quote, std::string* out) {
  for (const char c : text) {
    const std::string_view entity = Entity(static_cast<unsigned char>(c), quote);
    if (entity.empty()) {
      out->push_back(c);
    } else {
      out->append(entity);
    }
  }
}

size_t Units(std::string_view text) {
  // Branch-free, so the compiler vectorises it: a lead or ASCII byte is one
  // unit, a 4-byte sequence's lead one more (its surrogate pair).
  size_t n = 0;
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    n += static_cast<size_t>((c & 0xC0) != 0x80) + static_cast<size_t>(c >= 0xF0);
  }
  return n;
}

std::string RepairUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0, len = 0; i < text.size(); i += len) AppendUtf8(DecodeAt(text, i, &len), &out);
  return out;
}

bool IsBlank(std::string_view value) {
  for (const char c : value) {
    if (c != ' ' && (c < '\t' || c > '\r')) return false;
  }
  return true;
}

}  // namespace iam_audit::inert
