// Tokens of JSON (`{…}`) and space-delimited (`[…]`) patterns. Term patterns
// and standalone regexes are simple enough to be scanned by the parser.
#ifndef IAM_AUDIT_FILTER_LEXER_H_
#define IAM_AUDIT_FILTER_LEXER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "filter/ast.h"

namespace iam_audit::filter_internal {

// A rejected pattern: the reason (AWS's wording where known) and the 1-based
// column of the offending character in the original pattern.
struct ParseError {
  std::string reason;
  size_t column = 0;
  bool limit = false;  // one of our own safety limits, not an AWS rule
};

struct Token {
  enum class Kind {
    kEnd,
    kLBrace,
    kRBrace,
    kLParen,
    kRParen,
    kLBracket,
    kRBracket,
    kComma,
    kEllipsis,
    kAnd,
    kOr,
    kOp,
    kString,
    kRegex,
    kWord,
    kSelector,
  };
  Kind kind = Kind::kEnd;
  std::string text;   // kString: unescaped; kRegex: body; kWord: as written
  Op op = Op::kEq;    // kOp
  Selector selector;  // kSelector
  size_t column = 0;  // 1-based
};

class Lexer {
 public:
  // Scans pattern[begin, end); columns refer to the whole pattern.
  Lexer(std::string_view pattern, size_t begin, size_t end)
      : s_(pattern.substr(0, end)), pos_(begin) {}

  // Reads the next token. Returns false with `error` set on a lexical error.
  bool Next(Token* token, ParseError* error);

 private:
  bool Selector(Token* token, ParseError* error);
  std::string_view s_;
  size_t pos_;
};

// `Invalid character(s) in term '<c>'` for the (possibly multi-byte)
// character at `pos`.
ParseError InvalidCharacter(std::string_view s, size_t pos);

// True for characters allowed in an unquoted JSON/space-delimited value.
bool IsBareValueChar(unsigned char c);
// True for [A-Za-z0-9_-]: selector member names and field names.
bool IsNameChar(unsigned char c);

}  // namespace iam_audit::filter_internal

#endif  // IAM_AUDIT_FILTER_LEXER_H_
