// The filter pattern parser (the grammar is at the top of parser.h): one
// recursive-descent Parser per pattern, plus the number-literal helpers the
// compiler and the matchers share. Decisions where AWS documents nothing are
// marked "Ours:".
#include "filter/parser.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "filter/limits.h"
#include "filter/regex.h"

namespace iam_audit::filter_internal {

bool IsNumberLiteral(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    const size_t s = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > s;
  };
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  if (!digits()) return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

bool ParseNumber(std::string_view t, double* out) {
  if (!t.empty() && t[0] == '+') t.remove_prefix(1);
  const char* end = t.data() + t.size();
  auto r = std::from_chars(t.data(), end, *out, std::chars_format::general);
  return r.ec == std::errc() && r.ptr == end;
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset of the code point numbered `cp` (0-based).
size_t ByteOfCodePoint(std::string_view s, size_t cp) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == cp) return i;
      ++n;
    }
  }
  return s.size();
}

class Parser {
 public:
  Parser(std::string_view pattern, ParseError* error) : s_(pattern), error_(error) {}

  std::unique_ptr<Ast> Run() {
    const size_t chars = CodePoints(s_);
    if (chars > kMaxPatternChars) {
      return Fail("1 validation error detected: Value '" + std::string(s_) +
                      "' at 'filterPattern' failed to satisfy constraint: Member must have length "
                      "less than or equal to " +
                      std::to_string(kMaxPatternChars),
                  ByteOfCodePoint(s_, kMaxPatternChars) + 1);
    }
    // Ours: blanks around the whole pattern are ignored (every peer trims).
    begin_ = 0;
    end_ = s_.size();
    while (begin_ < end_ && IsSpace(s_[begin_])) ++begin_;
    while (end_ > begin_ && IsSpace(s_[end_ - 1])) --end_;
    auto ast = std::make_unique<Ast>();
    if (begin_ == end_) {
      ast->kind = Ast::Kind::kTerms;
      return ast;
    }
    const char first = s_[begin_], last = s_[end_ - 1];
    if (first == '{') {
      if (last != '}' || end_ - begin_ < 2)
        return Fail("If a filter pattern starts with '{' it must end with '}'", end_ + 1);
      ast->kind = Ast::Kind::kJson;
      if (!Json(ast.get())) return nullptr;
    } else if (first == '[') {
      if (last != ']' || end_ - begin_ < 2)
        return Fail("If a filter pattern starts with '[' it must end with ']'", end_ + 1);
      ast->kind = Ast::Kind::kDelimited;
      if (!Delimited(ast.get())) return nullptr;
    } else if (first == '%' && last == '%' && end_ - begin_ >= 2) {
      ast->kind = Ast::Kind::kRegex;
      ast->regex.kind = Literal::Kind::kRegex;
      ast->regex.text = std::string(s_.substr(begin_ + 1, end_ - begin_ - 2));
      ast->regex.column = begin_ + 1;
      if (!CheckRegex(ast->regex)) return nullptr;
    } else {
      ast->kind = Ast::Kind::kTerms;
      if (!Terms(ast.get())) return nullptr;
    }
    return ast;
  }

 private:
  std::nullptr_t Fail(std::string reason, size_t column, bool limit = false) {
    if (error_->reason.empty()) *error_ = {std::move(reason), column, limit};
    return nullptr;
  }
  bool FailB(std::string reason, size_t column, bool limit = false) {
    Fail(std::move(reason), column, limit);
    return false;
  }

  bool CheckRegex(const Literal& lit) {
    if (lit.text.empty())
      return FailB("Invalid filter pattern: empty regular expression", lit.column);
    Regex re;
    RegexError err;
    if (!re.Compile(lit.text, &err)) return FailB(err.reason, lit.column + 1 + err.offset);
    return true;
  }

  // ---- terms: FilterAndPatternSyntax#matching-terms-unstructured-log-events
  bool Terms(Ast* ast) {
    size_t i = begin_;
    while (i < end_) {
      while (i < end_ && IsSpace(s_[i])) ++i;
      if (i >= end_) break;
      Term term;
      term.column = i + 1;
      if (s_[i] == '?') {
        term.kind = Term::Kind::kOptional;
        ++i;
      } else if (s_[i] == '-') {
        term.kind = Term::Kind::kExcluded;
        ++i;
        // `- "x"` (a blank after the minus) appears in AWS's older prose.
        while (i < end_ && IsSpace(s_[i])) ++i;
      }
      if (i >= end_)
        return FailB("Invalid filter pattern: '" + std::string(1, s_[i - 1]) +
                         "' must be followed by a term",
                     i + 1);
      if (s_[i] == '"') {
        const size_t open = i++;
        std::string text;
        while (true) {
          if (i >= end_) return FailB("Invalid filter pattern: unterminated quoted term", open + 1);
          const char c = s_[i++];
          if (c == '"') break;
          if (c == '\\' && i < end_ && (s_[i] == '"' || s_[i] == '\\')) {
            text += s_[i++];
            continue;
          }
          text += c;
        }
        term.text = std::move(text);
        term.quoted = true;
      } else {
        // The documented rule: unquoted terms are alphanumerics and '_';
        // anything else must be quoted. AWS's error names the character.
        const size_t start = i;
        while (i < end_ && !IsSpace(s_[i])) {
          const unsigned char c = static_cast<unsigned char>(s_[i]);
          const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_';
          if (!ok) {
            *error_ = InvalidCharacter(s_, i);
            return false;
          }
          ++i;
        }
        term.text = std::string(s_.substr(start, i - start));
      }
      if (i < end_ && !IsSpace(s_[i])) {
        *error_ = InvalidCharacter(s_, i);
        return false;
      }
      if (static_cast<int>(ast->terms.size()) >= kMaxTerms)
        return FailB("more than " + std::to_string(kMaxTerms) + " terms", term.column, true);
      ast->terms.push_back(std::move(term));
    }
    return true;
  }

  // ---- shared by JSON and space-delimited patterns
  bool Advance() {
    ParseError e;
    if (!lexer_->Next(&tok_, &e)) {
      if (error_->reason.empty()) *error_ = e;
      return false;
    }
    return true;
  }

  std::string Describe(const Token& t) {
    if (t.kind == Token::Kind::kEnd) return "the end of the pattern";
    return "'" + t.text + "'";
  }

  bool Expected(const std::string& what) {
    // A comma is no conjunction in JSON patterns; AWS names it as an invalid
    // term character (field report 54957219155).
    if (json_mode_ && tok_.kind == Token::Kind::kComma)
      return FailB("Invalid character(s) in term ','", tok_.column);
    return FailB("Invalid filter pattern: expected " + what + ", found " + Describe(tok_),
                 tok_.column);
  }

  // A value after an operator. Relational operators need numbers.
  bool Value(Op op, Literal* lit) {
    lit->column = tok_.column;
    switch (tok_.kind) {
      case Token::Kind::kString:
        lit->kind = Literal::Kind::kString;
        lit->quoted = true;
        lit->text = tok_.text;
        break;
      case Token::Kind::kRegex:
        lit->kind = Literal::Kind::kRegex;
        lit->text = tok_.text;
        if (++regexes_ > kMaxRegexesPerPattern)
          return FailB("Invalid filter pattern: at most " + std::to_string(kMaxRegexesPerPattern) +
                           " regular expressions are allowed in a pattern",
                       tok_.column);
        if (!CheckRegex(*lit)) return false;
        break;
      case Token::Kind::kWord:
        lit->text = tok_.text;
        if (tok_.text == "*") {
          lit->kind = Literal::Kind::kAny;
        } else if (IsNumberLiteral(tok_.text)) {
          lit->kind = Literal::Kind::kNumber;
          if (!ParseNumber(tok_.text, &lit->number))
            return FailB("Invalid filter pattern: number out of range '" + tok_.text + "'",
                         tok_.column);
        } else {
          lit->kind = Literal::Kind::kString;
        }
        break;
      default:
        return Expected("a value");
    }
    if (op != Op::kEq && op != Op::kNe && lit->kind != Literal::Kind::kNumber)
      return FailB(
          std::string("Invalid filter pattern: '") + OpText(op) + "' compares numbers only",
          lit->column);
    return Advance();
  }

  // ---- JSON: FilterAndPatternSyntax#matching-terms-json-log-events
  bool Json(Ast* ast) {
    json_mode_ = true;
    lexer_ = std::make_unique<Lexer>(s_, begin_ + 1, end_ - 1);
    if (!Advance()) return false;
    if (tok_.kind == Token::Kind::kEnd)
      return FailB("Invalid filter pattern: empty JSON pattern", begin_ + 2);
    auto expr = OrExpr(0);
    if (!expr) return false;
    if (tok_.kind != Token::Kind::kEnd) return Expected("'&&', '||' or '}'");
    ast->json = std::move(expr);
    return true;
  }

  std::unique_ptr<const Expr> OrExpr(int depth) {
    auto first = AndExpr(depth);
    if (!first || tok_.kind != Token::Kind::kOr) return first;
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kOr;
    node->column = first->column;
    node->children.push_back(std::move(first));
    while (tok_.kind == Token::Kind::kOr) {
      if (!Advance()) return nullptr;
      auto next = AndExpr(depth);
      if (!next) return nullptr;
      node->children.push_back(std::move(next));
    }
    return node;
  }

  std::unique_ptr<const Expr> AndExpr(int depth) {
    auto first = Unary(depth);
    if (!first || tok_.kind != Token::Kind::kAnd) return first;
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kAnd;
    node->column = first->column;
    node->children.push_back(std::move(first));
    while (tok_.kind == Token::Kind::kAnd) {
      if (!Advance()) return nullptr;
      auto next = Unary(depth);
      if (!next) return nullptr;
      node->children.push_back(std::move(next));
    }
    return node;
  }

  std::unique_ptr<const Expr> Unary(int depth) {
    if (tok_.kind == Token::Kind::kLParen) {
      if (depth >= kMaxNestingDepth)
        return Fail("parentheses nested deeper than " + std::to_string(kMaxNestingDepth),
                    tok_.column, true);
      const size_t open = tok_.column;
      if (!Advance()) return nullptr;
      auto inner = OrExpr(depth + 1);
      if (!inner) return nullptr;
      if (tok_.kind != Token::Kind::kRParen) {
        if (tok_.kind == Token::Kind::kEnd)
          return Fail("Invalid filter pattern: unbalanced '('", open);
        Expected("')'");
        return nullptr;
      }
      if (!Advance()) return nullptr;
      return inner;
    }
    return Condition();
  }

  std::unique_ptr<const Expr> Condition() {
    if (tok_.kind != Token::Kind::kSelector) {
      if (tok_.kind == Token::Kind::kWord)
        return Fail(
            "Invalid filter pattern: selector must start with $ (found '" + tok_.text + "')",
            tok_.column);
      Expected("a selector such as $.field");
      return nullptr;
    }
    if (++conditions_ > kMaxConditions)
      return Fail("more than " + std::to_string(kMaxConditions) + " conditions", tok_.column, true);
    auto node = std::make_unique<Expr>();
    node->selector = std::move(tok_.selector);
    node->column = tok_.column;
    int wildcards = 0;
    for (const Step& s : node->selector.steps) wildcards += s.kind == Step::Kind::kWildcard;
    if (wildcards > kMaxWildcardsPerSelector)
      return Fail("Invalid filter pattern: at most " + std::to_string(kMaxWildcardsPerSelector) +
                      " wildcard per selector",
                  node->column);
    if (wildcards > 0 && ++wildcard_selectors_ > kMaxWildcardSelectors)
      return Fail("Invalid filter pattern: at most " + std::to_string(kMaxWildcardSelectors) +
                      " wildcard selectors per pattern",
                  node->column);
    const std::string subject = tok_.text;
    if (!Advance()) return nullptr;
    if (tok_.kind == Token::Kind::kOp) {
      node->kind = Expr::Kind::kCompare;
      node->op = tok_.op;
      if (!Advance()) return nullptr;
      if (!Value(node->op, &node->literal)) return nullptr;
      return node;
    }
    if (tok_.kind == Token::Kind::kWord && tok_.text == "IS") {
      if (!Advance()) return nullptr;
      if (tok_.kind == Token::Kind::kWord && tok_.text == "NULL") {
        node->kind = Expr::Kind::kIsNull;
      } else if (tok_.kind == Token::Kind::kWord && tok_.text == "TRUE") {
        node->kind = Expr::Kind::kIsTrue;
      } else if (tok_.kind == Token::Kind::kWord && tok_.text == "FALSE") {
        node->kind = Expr::Kind::kIsFalse;
      } else if (tok_.kind == Token::Kind::kWord && tok_.text == "NOT") {
        // FilterAndPatternSyntax: "IS NOT and EXISTS currently aren't supported".
        return Fail("Invalid filter pattern: IS NOT is not supported (use != or NOT EXISTS)",
                    tok_.column);
      } else {
        Expected("NULL, TRUE or FALSE after IS");
        return nullptr;
      }
      if (!Advance()) return nullptr;
      return node;
    }
    if (tok_.kind == Token::Kind::kWord && tok_.text == "NOT") {
      if (!Advance()) return nullptr;
      if (!(tok_.kind == Token::Kind::kWord && tok_.text == "EXISTS")) {
        Expected("EXISTS after NOT");
        return nullptr;
      }
      node->kind = Expr::Kind::kNotExists;
      if (!Advance()) return nullptr;
      return node;
    }
    if (tok_.kind == Token::Kind::kWord && tok_.text == "EXISTS")
      return Fail("Invalid filter pattern: EXISTS is not supported (use = * or NOT EXISTS)",
                  tok_.column);
    Expected("an operator after " + subject);
    return nullptr;
  }

  // ---- space-delimited: FilterAndPatternSyntax#matching-term-space-delimited-log-events
  bool Delimited(Ast* ast) {
    lexer_ = std::make_unique<Lexer>(s_, begin_ + 1, end_ - 1);
    if (!Advance()) return false;
    if (tok_.kind == Token::Kind::kEnd) return true;  // `[]` matches every event
    bool seen_ellipsis = false;
    while (true) {
      if (static_cast<int>(ast->fields.size()) >= kMaxFields)
        return FailB("more than " + std::to_string(kMaxFields) + " fields", tok_.column, true);
      Field field;
      field.column = tok_.column;
      if (tok_.kind == Token::Kind::kComma || tok_.kind == Token::Kind::kEnd) {
        field.kind = Field::Kind::kEmpty;  // `[..., x,]`: an unnamed slot
      } else if (tok_.kind == Token::Kind::kEllipsis) {
        // Ours: one `...` per pattern (as CDK); AWS documents no second one
        // and alignment with two would be ambiguous.
        if (seen_ellipsis)
          return FailB("Invalid filter pattern: only one '...' is allowed", tok_.column);
        seen_ellipsis = true;
        field.kind = Field::Kind::kEllipsis;
        if (!Advance()) return false;
      } else if (tok_.kind == Token::Kind::kWord && IsFieldName(tok_.text)) {
        field.name = tok_.text;
        if (!Advance()) return false;
        if (tok_.kind == Token::Kind::kOp) {
          field.condition = FieldOr(field.name, field.column);
          if (!field.condition) return false;
        }
      } else {
        return Expected("a field name, '...' or ','");
      }
      ast->fields.push_back(std::move(field));
      if (tok_.kind == Token::Kind::kEnd) break;
      if (tok_.kind != Token::Kind::kComma) return Expected("',' or ']'");
      if (!Advance()) return false;
    }
    return CheckFieldKeys(ast->fields);
  }

  // Ours (AWS documents no repeated field name): extractedValues is a JSON
  // object in which a named field is "$name" and any other event field
  // "$<position>", so no two event fields may get one key. A name declared
  // twice is rejected at its second declaration; so is a numeric name N that
  // is also the key of the unnamed field at position N, or of a field that
  // `...` can absorb (positions after the fields before it).
  bool CheckFieldKeys(const std::vector<Field>& fields) {
    size_t ellipsis = fields.size();  // index of `...`, if any
    for (size_t i = 0; i < fields.size(); ++i)
      if (fields[i].kind == Field::Kind::kEllipsis) ellipsis = i;
    for (size_t i = 0; i < fields.size(); ++i) {
      const Field& f = fields[i];
      if (f.kind != Field::Kind::kNamed) continue;
      for (size_t j = 0; j < i; ++j) {
        if (fields[j].kind == Field::Kind::kNamed && fields[j].name == f.name) {
          return FailB("Invalid filter pattern: field name '" + f.name + "' declared again",
                       f.column);
        }
      }
      size_t n = 0;  // the position whose key "$N" the name spells, or 0
      if (f.name[0] != '0' && f.name.find_first_not_of("0123456789") == std::string::npos) {
        const auto r = std::from_chars(f.name.data(), f.name.data() + f.name.size(), n);
        if (r.ec != std::errc()) n = SIZE_MAX;  // beyond any position before `...`
      }
      if (n == 0) continue;
      const std::string clash =
          "Invalid filter pattern: field name '" + f.name + "' repeats the key $" + f.name;
      if (ellipsis < fields.size() && n > ellipsis)
        return FailB(clash + " of a field that '...' can absorb", f.column);
      if (n <= fields.size() && fields[n - 1].kind == Field::Kind::kEmpty)
        return FailB(clash + " of the unnamed field " + f.name, f.column);
    }
    return true;
  }

  static bool IsFieldName(const std::string& t) {
    for (unsigned char c : t)
      if (!IsNameChar(c)) return false;
    return !t.empty() && t != "-";
  }

  std::unique_ptr<const Expr> FieldOr(const std::string& name, size_t column) {
    auto first = FieldAnd(name, column, true);
    if (!first || tok_.kind != Token::Kind::kOr) return first;
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kOr;
    node->field = name;
    node->children.push_back(std::move(first));
    while (tok_.kind == Token::Kind::kOr) {
      if (!Advance()) return nullptr;
      auto next = FieldAnd(name, tok_.column, false);
      if (!next) return nullptr;
      node->children.push_back(std::move(next));
    }
    return node;
  }

  std::unique_ptr<const Expr> FieldAnd(const std::string& name, size_t column, bool name_consumed) {
    auto first = FieldCond(name, column, name_consumed);
    if (!first || tok_.kind != Token::Kind::kAnd) return first;
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kAnd;
    node->field = name;
    node->children.push_back(std::move(first));
    while (tok_.kind == Token::Kind::kAnd) {
      if (!Advance()) return nullptr;
      auto next = FieldCond(name, tok_.column, false);
      if (!next) return nullptr;
      node->children.push_back(std::move(next));
    }
    return node;
  }

  std::unique_ptr<const Expr> FieldCond(const std::string& name, size_t column,
                                        bool name_consumed) {
    if (!name_consumed) {
      if (tok_.kind != Token::Kind::kWord) {
        Expected("the field name '" + name + "'");
        return nullptr;
      }
      // awsdocs/amazon-cloudwatch-logs-user-guide#21: conditions joined by
      // && / || must all test the field being declared.
      if (tok_.text != name)
        return Fail(
            "Invalid filter pattern: '&&' and '||' may only combine conditions on the same "
            "field ('" +
                name + "', found '" + tok_.text + "')",
            tok_.column);
      if (!Advance()) return nullptr;
    }
    if (++conditions_ > kMaxConditions)
      return Fail("more than " + std::to_string(kMaxConditions) + " conditions", column, true);
    if (tok_.kind != Token::Kind::kOp) {
      Expected("an operator after '" + name + "'");
      return nullptr;
    }
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kCompare;
    node->field = name;
    node->column = column;
    node->op = tok_.op;
    if (!Advance()) return nullptr;
    if (!Value(node->op, &node->literal)) return nullptr;
    return node;
  }

  std::string_view s_;
  ParseError* error_;
  size_t begin_ = 0, end_ = 0;
  std::unique_ptr<Lexer> lexer_;
  Token tok_;
  bool json_mode_ = false;
  int regexes_ = 0;
  int conditions_ = 0;
  int wildcard_selectors_ = 0;
};

}  // namespace

std::unique_ptr<Ast> Parse(std::string_view pattern, ParseError* error) {
  *error = ParseError();
  Parser parser(pattern, error);
  auto ast = parser.Run();
  if (!ast && error->reason.empty()) *error = {"Invalid filter pattern", 1};
  if (ast && !error->reason.empty()) return nullptr;
  return ast;
}

}  // namespace iam_audit::filter_internal
