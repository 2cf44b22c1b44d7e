// Filter: the public face of the pattern language (see iam_audit/filter.h).
#include "iam_audit/filter.h"

#include <algorithm>

#include "filter/parser.h"
#include "filter/program.h"

namespace iam_audit {

using filter_internal::Program;

StatusOr<Filter> Filter::Compile(std::string_view pattern, FilterError* error) {
  filter_internal::ParseError perr;
  std::unique_ptr<filter_internal::Ast> ast = filter_internal::Parse(pattern, &perr);
  if (!ast) {
    if (error) *error = {perr.reason, perr.column};
    std::string message = "pattern: " + perr.reason + " at column " + std::to_string(perr.column);
    return perr.limit ? ResourceExhaustedError(std::move(message))
                      : InvalidArgumentError(std::move(message));
  }
  std::shared_ptr<const Program> program = filter_internal::CompileAst(std::move(ast), pattern);
  return Filter(std::move(program));
}

MatchResult Filter::Match(std::string_view event) const {
  MatchResult result;
  const Program& p = *program_;
  switch (p.kind) {
    case Kind::kTerms:
      result.matched = filter_internal::MatchTerms(p.terms, event);
      break;
    case Kind::kRegex:
      result.matched = p.regex.Search(event);
      break;
    case Kind::kJson:
      result.matched = filter_internal::MatchJson(p.json, event);
      break;
    case Kind::kDelimited:
      result.matched = filter_internal::MatchDelimited(p.delimited, event, &result);
      if (!result.matched) result.extracted_values.clear();
      break;
  }
  return result;
}

bool Filter::Matches(std::string_view event) const {
  const Program& p = *program_;
  switch (p.kind) {
    case Kind::kTerms:
      return filter_internal::MatchTerms(p.terms, event);
    case Kind::kRegex:
      return p.regex.Search(event);
    case Kind::kJson:
      return filter_internal::MatchJson(p.json, event);
    case Kind::kDelimited:
      return filter_internal::MatchDelimited(p.delimited, event, nullptr);
  }
  return false;
}

Filter::Kind Filter::kind() const { return program_->kind; }
const std::string& Filter::pattern() const { return program_->pattern; }
std::string Filter::DumpAst() const { return filter_internal::Dump(*program_->ast); }

std::string FormatPatternError(std::string_view pattern, const Status& status,
                               const FilterError& error) {
  std::string out = status.message() + "\n  ";
  std::string shown(pattern);
  for (char& c : shown) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  out += shown + "\n  ";
  size_t code_points = 0;
  const size_t limit = error.column > 0 ? std::min(error.column - 1, pattern.size()) : 0;
  for (size_t i = 0; i < limit; ++i) {
    if ((static_cast<unsigned char>(pattern[i]) & 0xC0) != 0x80) ++code_points;
  }
  return out + std::string(code_points, ' ') + "^\n";
}

}  // namespace iam_audit
