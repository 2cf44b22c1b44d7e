// The regular expressions of filter patterns (regex.h): the parser of the
// documented subset into a linear NFA, and the unanchored search over it.
#include "filter/regex.h"

#include <cstring>

#include "filter/limits.h"

namespace iam_audit::filter_internal {
namespace {

using CharSet = std::bitset<256>;

// Characters FilterAndPatternSyntax lists for regex bodies: alphanumerics,
// the symbols `: _ # = @ / ; , -`, the operators `^ $ ? [ ] { } | \ * + .`,
// plus the space that AWS's own examples use (the `%.at%` line of tests/data/filter-corpus.jsonl).
bool AllowedRegexChar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::strchr(":_#=@/;,- ^$?[]{}|\\*+.", c) != nullptr;
}

CharSet Range(unsigned char lo, unsigned char hi) {
  CharSet s;
  for (unsigned c = lo; c <= hi; ++c) s.set(c);
  return s;
}
CharSet Digits() { return Range('0', '9'); }
CharSet Word() { return Range('a', 'z') | Range('A', 'Z') | Range('0', '9') | CharSet().set('_'); }
CharSet Space() { return CharSet().set(' ').set('\t').set('\n'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class RegexParser {
 public:
  explicit RegexParser(std::string_view body) : s_(body) {}

  bool Fail(const std::string& reason, size_t at) {
    if (error_.reason.empty()) {
      error_.reason = reason;
      error_.offset = at;
    }
    return false;
  }

  // Parses an escape after `\` at pos_ (pointing at the char after `\`).
  // Sets `single` when it denotes exactly one byte (usable in ranges).
  bool Escape(CharSet* out, int* single) {
    *single = -1;
    if (pos_ >= s_.size()) return Fail("Invalid regular expression: trailing '\\'", pos_ - 1);
    const char c = s_[pos_++];
    switch (c) {
      case 'd':
        *out = Digits();
        return true;
      case 'D':
        *out = ~Digits();
        return true;
      case 'w':
        *out = Word();
        return true;
      case 'W':
        *out = ~Word();
        return true;
      case 's':
        *out = Space();
        return true;
      case 'S':
        *out = ~Space();
        return true;
      case 'x': {
        if (pos_ + 2 > s_.size() || HexValue(s_[pos_]) < 0 || HexValue(s_[pos_ + 1]) < 0)
          return Fail("Invalid regular expression: \\x needs two hex digits", pos_ - 2);
        const int v = HexValue(s_[pos_]) * 16 + HexValue(s_[pos_ + 1]);
        if (v > 0x7f)
          return Fail("Invalid regular expression: \\x escapes are ASCII only", pos_ - 2);
        pos_ += 2;
        *out = CharSet().set(v);
        *single = v;
        return true;
      }
      default:
        // Only symbols may be escaped; letters and digits have no meaning.
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
          return Fail(std::string("Invalid regular expression: unsupported escape '\\") + c + "'",
                      pos_ - 2);
        *out = CharSet().set(static_cast<unsigned char>(c));
        *single = static_cast<unsigned char>(c);
        return true;
    }
  }

  // Parses a class; pos_ points after `[`.
  bool Class(CharSet* out) {
    const size_t open = pos_ - 1;
    bool negate = false;
    if (pos_ < s_.size() && s_[pos_] == '^') {
      negate = true;
      ++pos_;
    }
    CharSet set;
    bool first = true;
    while (true) {
      if (pos_ >= s_.size()) return Fail("Invalid regular expression: missing ']'", open);
      char c = s_[pos_];
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      CharSet item;
      int lo = -1;
      ++pos_;
      if (c == '\\') {
        if (!Escape(&item, &lo)) return false;
      } else {
        lo = static_cast<unsigned char>(c);
        item.set(lo);
      }
      if (lo >= 0 && pos_ + 1 < s_.size() && s_[pos_] == '-' && s_[pos_ + 1] != ']') {
        ++pos_;
        int hi = static_cast<unsigned char>(s_[pos_]);
        const size_t hi_at = pos_;
        ++pos_;
        if (hi == '\\') {
          CharSet ignored;
          if (!Escape(&ignored, &hi)) return false;
          if (hi < 0) return Fail("Invalid regular expression: bad range end", hi_at);
        }
        if (hi < lo) return Fail("Invalid regular expression: range out of order", hi_at);
        item = Range(static_cast<unsigned char>(lo), static_cast<unsigned char>(hi));
      }
      set |= item;
    }
    *out = negate ? ~set : set;
    return true;
  }

  // Parses {m}, {m,}, {,n} or {m,n}; pos_ points after `{`.
  bool Repeat(int* min, int* max) {
    const size_t open = pos_ - 1;
    auto number = [&](int* v) {
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') return false;
      long n = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        n = n * 10 + (s_[pos_++] - '0');
        if (n > kMaxRegexRepeat) n = kMaxRegexRepeat + 1;
      }
      *v = static_cast<int>(n);
      return true;
    };
    *min = 0;
    *max = -1;
    const bool has_min = number(min);
    if (pos_ < s_.size() && s_[pos_] == ',') {
      ++pos_;
      if (!number(max)) *max = -1;
    } else {
      if (!has_min) return Fail("Invalid regular expression: bad repeat '{'", open);
      *max = *min;
    }
    if (pos_ >= s_.size() || s_[pos_] != '}')
      return Fail("Invalid regular expression: bad repeat '{'", open);
    ++pos_;
    if (*min > kMaxRegexRepeat || *max > kMaxRegexRepeat)
      return Fail(
          "Invalid regular expression: repeat count above " + std::to_string(kMaxRegexRepeat),
          open);
    if (*max >= 0 && *max < *min) return Fail("Invalid regular expression: bad repeat range", open);
    return true;
  }

  struct Piece {
    CharSet set;
    int type = 0;  // 0 char, 1 bol, 2 eol
    int min = 1, max = 1;
  };

  bool Parse(std::vector<std::vector<Piece>>* alts) {
    for (size_t i = 0; i < s_.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(s_[i]);
      if (!AllowedRegexChar(c)) {
        // Report the whole UTF-8 sequence for multi-byte characters.
        size_t len = 1;
        while (c >= 0x80 && i + len < s_.size() &&
               (static_cast<unsigned char>(s_[i + len]) & 0xC0) == 0x80)
          ++len;
        return Fail("Invalid character(s) in term '" + std::string(s_.substr(i, len)) + "'", i);
      }
    }
    alts->emplace_back();
    while (pos_ < s_.size()) {
      const size_t at = pos_;
      const char c = s_[pos_++];
      Piece p;
      switch (c) {
        case '|':
          alts->emplace_back();
          continue;
        case '^':
          p.type = 1;
          break;
        case '$':
          p.type = 2;
          break;
        case '.':
          p.set = ~CharSet().set('\n');
          break;
        case '[':
          if (!Class(&p.set)) return false;
          break;
        case '\\': {
          int single;
          if (!Escape(&p.set, &single)) return false;
          break;
        }
        case '?':
        case '*':
        case '+':
        case '{':
          return Fail(
              std::string("Invalid regular expression: nothing to repeat before '") + c + "'", at);
        case ']':
        case '}':
          return Fail(std::string("Invalid regular expression: unbalanced '") + c + "'", at);
        default:
          p.set.set(static_cast<unsigned char>(c));
          break;
      }
      // One optional quantifier.
      if (pos_ < s_.size()) {
        const size_t qat = pos_;
        const char q = s_[pos_];
        if (q == '?' || q == '*' || q == '+' || q == '{') {
          if (p.type != 0) return Fail("Invalid regular expression: cannot repeat an anchor", qat);
          ++pos_;
          if (q == '?') p.min = 0, p.max = 1;
          if (q == '*') p.min = 0, p.max = -1;
          if (q == '+') p.min = 1, p.max = -1;
          if (q == '{' && !Repeat(&p.min, &p.max)) return false;
          if (pos_ < s_.size() &&
              (s_[pos_] == '?' || s_[pos_] == '*' || s_[pos_] == '+' || s_[pos_] == '{'))
            return Fail("Invalid regular expression: repeated quantifier", pos_);
        }
      }
      alts->back().push_back(p);
    }
    return true;
  }

  RegexError error_;

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

bool Regex::Compile(std::string_view body, RegexError* error) {
  RegexParser parser(body);
  std::vector<std::vector<RegexParser::Piece>> alts;
  if (!parser.Parse(&alts)) {
    *error = parser.error_;
    return false;
  }
  states_.clear();
  starts_.clear();
  all_anchored_ = true;
  for (const auto& alt : alts) {
    starts_.push_back(static_cast<uint32_t>(states_.size()));
    if (alt.empty() || alt.front().type != 1) all_anchored_ = false;
    for (const auto& p : alt) {
      State s;
      s.set = p.set;
      s.type = p.type == 1   ? State::Type::kBol
               : p.type == 2 ? State::Type::kEol
                             : State::Type::kChar;
      if (p.type != 0) {
        states_.push_back(s);
        continue;
      }
      for (int i = 0; i < p.min; ++i) states_.push_back(s);
      if (p.max < 0) {
        s.skippable = true;
        s.loops = true;
        states_.push_back(s);
      } else {
        s.skippable = true;
        for (int i = p.min; i < p.max; ++i) states_.push_back(s);
      }
      if (states_.size() > static_cast<size_t>(kMaxRegexStates)) {
        *error = {"Invalid regular expression: too large after expanding repeats (limit " +
                      std::to_string(kMaxRegexStates) + " states)",
                  0};
        return false;
      }
    }
    State m;
    m.type = State::Type::kMatch;
    states_.push_back(m);
  }
  // The first bytes: the sets of the states in each alternative's starting
  // closure (a chain of skippable states up to the first required one).
  skip_ = true;
  first_.reset();
  for (uint32_t st : starts_) {
    for (uint32_t i = st;; ++i) {
      const State& s = states_[i];
      if (s.type != State::Type::kChar) {
        skip_ = false;  // an anchor, or a match without consuming anything
        break;
      }
      first_ |= s.set;
      if (!s.skippable) break;
    }
  }
  first_byte_ = -1;
  if (skip_ && first_.count() == 1) {
    for (int b = 0; b < 256; ++b)
      if (first_.test(b)) first_byte_ = b;
  }
  return true;
}

bool Regex::Search(std::string_view text) const {
  const size_t n = states_.size();
  // Sparse sets (Briggs–Torczon) of live states for the current and next position.
  thread_local std::vector<uint32_t> dense_a, dense_b, sparse_a, sparse_b;
  if (dense_a.size() < n) {
    dense_a.resize(n), dense_b.resize(n), sparse_a.resize(n), sparse_b.resize(n);
  }
  struct Set {
    uint32_t* dense;
    uint32_t* sparse;
    uint32_t size = 0;
    bool Insert(uint32_t i) {
      if (sparse[i] < size && dense[sparse[i]] == i) return false;
      sparse[i] = size;
      dense[size++] = i;
      return true;
    }
  };
  Set cur{dense_a.data(), sparse_a.data()};
  Set next{dense_b.data(), sparse_b.data()};
  const size_t len = text.size();
  bool matched = false;
  // Adds the epsilon closure of state i at position pos: a linear chain.
  auto add = [&](Set& set, uint32_t i, size_t pos) {
    while (true) {
      const State& s = states_[i];
      switch (s.type) {
        case State::Type::kMatch:
          matched = true;
          return;
        case State::Type::kBol:
          if (pos != 0) return;
          ++i;
          continue;
        case State::Type::kEol:
          if (pos != len) return;
          ++i;
          continue;
        case State::Type::kChar:
          if (!set.Insert(i)) return;
          if (!s.skippable) return;
          ++i;
          continue;
      }
    }
  };
  for (size_t pos = 0;; ++pos) {
    if (cur.size == 0 && skip_) {
      // Only a fresh start can be live here, and it dies on any byte
      // outside first_ without matching: skip to the next byte in first_.
      if (first_byte_ >= 0) {
        const void* hit =
            pos < len ? std::memchr(text.data() + pos, first_byte_, len - pos) : nullptr;
        if (hit == nullptr) return false;
        pos = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
      } else {
        while (pos < len && !first_.test(static_cast<unsigned char>(text[pos]))) ++pos;
        if (pos == len) return false;
      }
    }
    if (pos == 0 || !all_anchored_) {
      for (uint32_t st : starts_) {
        add(cur, st, pos);
        if (matched) return true;
      }
    }
    if (pos == len || cur.size == 0) {
      if (pos == len || all_anchored_) return false;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[pos]);
    next.size = 0;
    for (uint32_t k = 0; k < cur.size; ++k) {
      const uint32_t i = cur.dense[k];
      const State& s = states_[i];
      if (!s.set.test(c)) continue;
      if (s.loops) add(next, i, pos + 1);
      add(next, i + 1, pos + 1);
      if (matched) return true;
    }
    std::swap(cur, next);
  }
}

}  // namespace iam_audit::filter_internal
