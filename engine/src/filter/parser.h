// Parser: pattern text → immutable AST, with every AWS rule and every limit
// checked here so that the compiler never sees an invalid tree. Decisions
// where AWS documents nothing are marked "Ours:" in parser.cc.
//
// The grammar (CloudWatch Logs FilterAndPatternSyntax). The kind of pattern
// is chosen by its first and last characters, after blanks around the whole
// pattern are dropped; JSON and space-delimited patterns are read from the
// lexer's tokens (lexer.h; quoted names are Token kinds), term patterns and a
// standalone regex from the text itself:
//
//   pattern    := ''                                  (terms: every event)
//               | '{' or_expr '}'                     (JSON)
//               | '[' [ field { ',' field } ] ']'     (space-delimited)
//               | '%' regex '%'                       (one regular expression)
//               | term { blanks term }                (terms)
//
//   term       := [ '?' | '-' [blanks] ] ( '"' { char | '\"' | '\\' } '"'
//                                        | { A-Z a-z 0-9 _ }+ )
//
// JSON patterns:
//   or_expr    := and_expr { kOr and_expr }           kOr is '||'
//   and_expr   := unary { kAnd unary }                kAnd is '&&', binds tighter
//   unary      := kLParen or_expr kRParen | condition
//   condition  := kSelector kOp value
//               | kSelector IS ( NULL | TRUE | FALSE )
//               | kSelector NOT EXISTS                IS, NULL, … are kWord tokens
//   kSelector  := '$' step { step }
//   step       := '.' name | '.*' | '[' digits ']' | '[*]' | '[\'' chars '\']'
//                 ('.[…]' is read as '[…]'; name is { A-Z a-z 0-9 _ - }+)
//
// Space-delimited patterns:
//   field      := kEllipsis                           '...', at most once
//               | name [ field_or ]
//               | (nothing)                           an unnamed field: '[a, , b]'
//   field_or   := field_and { kOr name field_and }
//   field_and  := field_cond { kAnd name field_cond } every name is the field's own
//   field_cond := kOp value
//
// Both:
//   value      := kString                             '"…"', escapes resolved
//               | kRegex                              '%…%'
//               | kWord                               '*' (any), a number literal
//                                                     (IsNumberLiteral) or bare text
//   kOp        := '=' | '!=' | '<' | '<=' | '>' | '>='   (the relational ones
//                                                     take numbers only)
//
// Besides the grammar: the limits of limits.h (length, conditions, terms,
// fields, nesting, regexes, wildcards), regexes that compile (regex.h), and
// field names that cannot collide in extractedValues (CheckFieldKeys).
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
