// The immutable AST of a filter pattern. Built by the parser, read by the
// compiler and by DumpAst(); never modified after parsing. Tree depth is
// bounded by kMaxNestingDepth, so recursive walks over it are bounded too.
#ifndef IAM_AUDIT_FILTER_AST_H_
#define IAM_AUDIT_FILTER_AST_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace iam_audit::filter_internal {

enum class Op { kEq, kNe, kLt, kGt, kLe, kGe };
const char* OpText(Op op);

// A literal on the right-hand side of an operator.
struct Literal {
  enum class Kind {
    kString,  // quoted or bare; `*` at either end is a wildcard (compiler)
    kNumber,  // bare [+-]digits[.digits][e[+-]digits]; `text` keeps the source
    kRegex,   // %body%; `text` is the body
    kAny,     // a bare `*`
  };
  Kind kind = Kind::kString;
  std::string text;
  double number = 0;
  bool quoted = false;
  size_t column = 0;
};

// One step of a JSON selector.
struct Step {
  enum class Kind { kName, kIndex, kWildcard };
  Kind kind = Kind::kName;
  std::string name;        // kName
  uint32_t index = 0;      // kIndex
  bool bracketed = false;  // kName written as ['name'] / kWildcard written as [*]
};

struct Selector {
  std::vector<Step> steps;
  size_t column = 0;
  std::string ToString() const;  // canonical: $.a.b[0][*].*['c.d']
};

// A boolean expression: JSON patterns and the conditions on one field of a
// space-delimited pattern.
struct Expr {
  enum class Kind { kAnd, kOr, kCompare, kIsNull, kIsTrue, kIsFalse, kNotExists };
  Kind kind = Kind::kCompare;
  std::vector<std::unique_ptr<const Expr>> children;  // kAnd / kOr (>= 2)
  Selector selector;                                  // JSON conditions
  std::string field;                                  // space-delimited conditions: the field name
  Op op = Op::kEq;
  Literal literal;
  size_t column = 0;
};

struct Term {
  enum class Kind { kRequired, kExcluded, kOptional };
  Kind kind = Kind::kRequired;
  std::string text;  // unescaped
  bool quoted = false;
  size_t column = 0;
};

struct Field {
  enum class Kind { kNamed, kEmpty, kEllipsis };
  Kind kind = Kind::kNamed;
  std::string name;
  std::unique_ptr<const Expr> condition;  // may be null
  size_t column = 0;
};

struct Ast {
  enum class Kind { kTerms, kRegex, kJson, kDelimited };
  Kind kind = Kind::kTerms;
  std::vector<Term> terms;           // kTerms
  Literal regex;                     // kRegex
  std::unique_ptr<const Expr> json;  // kJson
  std::vector<Field> fields;         // kDelimited
};

// S-expression dump (see filter.h DumpAst).
std::string Dump(const Ast& ast);

}  // namespace iam_audit::filter_internal

#endif  // IAM_AUDIT_FILTER_AST_H_
