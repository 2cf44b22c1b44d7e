// Parser: pattern text → immutable AST, with every AWS rule and every limit
// checked here so that the compiler never sees an invalid tree.
#ifndef IAM_AUDIT_FILTER_PARSER_H_
#define IAM_AUDIT_FILTER_PARSER_H_

#include <memory>
#include <string_view>

#include "filter/ast.h"
#include "filter/lexer.h"

namespace iam_audit::filter_internal {

// Returns the AST, or null with `error` filled.
std::unique_ptr<Ast> Parse(std::string_view pattern, ParseError* error);

// True when `text` is a number literal: [+-]digits[.digits][(e|E)[+-]digits].
bool IsNumberLiteral(std::string_view text);
// Parses a number literal or a JSON number (no validation beyond from_chars).
bool ParseNumber(std::string_view text, double* out);

}  // namespace iam_audit::filter_internal

#endif  // IAM_AUDIT_FILTER_PARSER_H_
