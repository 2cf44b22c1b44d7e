// The filter lexer (lexer.h): tokens of JSON and space-delimited patterns,
// selectors with their steps, and the character classes of bare values and
// names, with AWS's wording for an invalid character.
#include "filter/lexer.h"

#include <cstring>

#include "filter/limits.h"

namespace iam_audit::filter_internal {

bool IsNameChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Unquoted values: the documentation's examples use alphanumerics, `_`, `.`,
// `*` (wildcards), `-`/`+` (numbers, `web-*`), and paths use `/`, `:`, `@`.
// Anything else must be quoted; we reject it with AWS's wording.
bool IsBareValueChar(unsigned char c) {
  return IsNameChar(c) || (c != 0 && std::strchr(".*+/:@", c) != nullptr);
}

ParseError InvalidCharacter(std::string_view s, size_t pos) {
  size_t len = 1;
  if (static_cast<unsigned char>(s[pos]) >= 0x80) {
    while (pos + len < s.size() && (static_cast<unsigned char>(s[pos + len]) & 0xC0) == 0x80) ++len;
  }
  return {"Invalid character(s) in term '" + std::string(s.substr(pos, len)) + "'", pos + 1};
}

bool Lexer::Selector(Token* token, ParseError* error) {
  // pos_ is at '$'.
  const size_t start = pos_;
  token->kind = Token::Kind::kSelector;
  token->selector.column = start + 1;
  ++pos_;
  // Error text as AWS reports `$."x"`: the selector text up to and including
  // the offending character.
  auto bad = [&](size_t at) {
    size_t end = at < s_.size() ? at + 1 : at;
    *error = {"Invalid character(s) in term '" + std::string(s_.substr(start, end - start)) + "'",
              at + 1};
    return false;
  };
  while (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == '[')) {
    if (static_cast<int>(token->selector.steps.size()) >= kMaxSelectorSteps) {
      *error = {"selector has more than " + std::to_string(kMaxSelectorSteps) + " steps", pos_ + 1,
                true};
      return false;
    }
    Step step;
    if (s_[pos_] == '.') {
      ++pos_;
      if (pos_ < s_.size() && s_[pos_] == '*') {
        ++pos_;
        step.kind = Step::Kind::kWildcard;
      } else if (pos_ < s_.size() && s_[pos_] == '[') {
        continue;  // `$.['name']`: the bracket step follows
      } else {
        const size_t name_start = pos_;
        while (pos_ < s_.size() && IsNameChar(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        if (pos_ == name_start) return bad(pos_);
        step.name = std::string(s_.substr(name_start, pos_ - name_start));
      }
    } else {  // '['
      ++pos_;
      step.bracketed = true;
      if (pos_ < s_.size() && s_[pos_] == '*') {
        ++pos_;
        step.kind = Step::Kind::kWildcard;
      } else if (pos_ < s_.size() && s_[pos_] == '\'') {
        ++pos_;
        const size_t name_start = pos_;
        while (pos_ < s_.size() && s_[pos_] != '\'') ++pos_;
        if (pos_ >= s_.size()) return bad(name_start - 1);
        step.name = std::string(s_.substr(name_start, pos_ - name_start));
        ++pos_;
      } else if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        long v = 0;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
          v = v * 10 + (s_[pos_++] - '0');
          if (v > kMaxArrayIndex) {
            *error = {"array index above " + std::to_string(kMaxArrayIndex), pos_, true};
            return false;
          }
        }
        step.kind = Step::Kind::kIndex;
        step.index = static_cast<uint32_t>(v);
      } else {
        return bad(pos_);
      }
      if (pos_ >= s_.size() || s_[pos_] != ']') return bad(pos_);
      ++pos_;
    }
    token->selector.steps.push_back(std::move(step));
  }
  if (token->selector.steps.empty()) return bad(pos_);
  // A selector glued to something else, e.g. `$.a"b"`.
  if (pos_ < s_.size() && !std::strchr(" \t\r\n=!<>)&|}", s_[pos_])) return bad(pos_);
  token->text = std::string(s_.substr(start, pos_ - start));
  return true;
}

bool Lexer::Next(Token* token, ParseError* error) {
  *token = Token();
  while (pos_ < s_.size() &&
         (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
    ++pos_;
  token->column = pos_ + 1;
  if (pos_ >= s_.size()) {
    token->kind = Token::Kind::kEnd;
    return true;
  }
  const char c = s_[pos_];
  auto single = [&](Token::Kind k) {
    token->kind = k;
    token->text = std::string(1, c);
    ++pos_;
    return true;
  };
  auto peek = [&](size_t k) { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; };
  switch (c) {
    case '{':
      return single(Token::Kind::kLBrace);
    case '}':
      return single(Token::Kind::kRBrace);
    case '(':
      return single(Token::Kind::kLParen);
    case ')':
      return single(Token::Kind::kRParen);
    case '[':
      return single(Token::Kind::kLBracket);
    case ']':
      return single(Token::Kind::kRBracket);
    case ',':
      return single(Token::Kind::kComma);
    case '$':
      return Selector(token, error);
    case '&':
    case '|':
      if (peek(1) != c) {
        *error = InvalidCharacter(s_, pos_);
        return false;
      }
      token->kind = c == '&' ? Token::Kind::kAnd : Token::Kind::kOr;
      token->text = std::string(2, c);
      pos_ += 2;
      return true;
    case '=':
    case '!':
    case '<':
    case '>': {
      token->kind = Token::Kind::kOp;
      if (c == '=') {
        token->op = Op::kEq;
      } else if (peek(1) == '=') {
        token->op = c == '!' ? Op::kNe : c == '<' ? Op::kLe : Op::kGe;
      } else if (c == '!') {
        *error = InvalidCharacter(s_, pos_);
        return false;
      } else {
        token->op = c == '<' ? Op::kLt : Op::kGt;
      }
      const size_t len = (c != '=' && peek(1) == '=') ? 2 : 1;
      token->text = std::string(s_.substr(pos_, len));
      pos_ += len;
      return true;
    }
    case '"': {
      // Backslash escapes \" and \\ are accepted (CDK emits them); any other
      // backslash stays literal.
      const size_t open = pos_++;
      std::string out;
      while (true) {
        if (pos_ >= s_.size()) {
          *error = {"Invalid filter pattern: unterminated quoted string", open + 1};
          return false;
        }
        const char d = s_[pos_++];
        if (d == '"') break;
        if (d == '\\' && pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\\')) {
          out += s_[pos_++];
          continue;
        }
        out += d;
      }
      token->kind = Token::Kind::kString;
      token->text = std::move(out);
      return true;
    }
    case '%': {
      const size_t open = pos_++;
      const size_t close = s_.find('%', pos_);
      if (close == std::string_view::npos) {
        *error = {"Invalid filter pattern: unterminated regular expression (missing '%')",
                  open + 1};
        return false;
      }
      token->kind = Token::Kind::kRegex;
      token->text = std::string(s_.substr(pos_, close - pos_));
      pos_ = close + 1;
      return true;
    }
    case '.':
      if (peek(1) == '.' && peek(2) == '.') {
        token->kind = Token::Kind::kEllipsis;
        token->text = "...";
        pos_ += 3;
        return true;
      }
      break;
    default:
      break;
  }
  if (!IsBareValueChar(static_cast<unsigned char>(c))) {
    *error = InvalidCharacter(s_, pos_);
    return false;
  }
  const size_t start = pos_;
  while (pos_ < s_.size() && IsBareValueChar(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  token->kind = Token::Kind::kWord;
  token->text = std::string(s_.substr(start, pos_ - start));
  return true;
}

}  // namespace iam_audit::filter_internal
