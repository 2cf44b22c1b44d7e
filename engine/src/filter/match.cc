// Matching compiled programs against one event: the comparison of a scalar
// with a compiled value (shared with the JSON matcher, match_json.cc), term
// patterns and space-delimited patterns. Decisions where AWS documents
// nothing are marked "Ours:".
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "filter/limits.h"
#include "filter/parser.h"
#include "filter/program.h"

namespace iam_audit::filter_internal {

bool ValueMatcher::Equals(std::string_view value, bool is_number) const {
  switch (kind) {
    case Kind::kAny:
      return true;
    case Kind::kExact:
      return value == text;
    case Kind::kPrefix:
      return value.size() >= text.size() && value.compare(0, text.size(), text) == 0;
    case Kind::kSuffix:
      return value.size() >= text.size() &&
             value.compare(value.size() - text.size(), text.size(), text) == 0;
    case Kind::kContains:
      return value.find(text) != std::string_view::npos;
    case Kind::kRegex:
      return regex.Search(value);
    case Kind::kNumber: {
      // Numbers compare numerically (1e+3 = 1000); Ours: against a string
      // scalar a number literal compares as its source text ("200" = 200).
      double v;
      if (is_number && ParseNumber(value, &v)) return v == number;
      return value == text;
    }
  }
  return false;
}

namespace {

bool Relational(Op op, double lhs, double rhs) {
  switch (op) {
    case Op::kLt:
      return lhs < rhs;
    case Op::kGt:
      return lhs > rhs;
    case Op::kLe:
      return lhs <= rhs;
    case Op::kGe:
      return lhs >= rhs;
    default:
      return false;
  }
}

}  // namespace

bool Compare(Op op, const ValueMatcher& m, std::string_view value, bool is_number) {
  if (op == Op::kEq) return m.Equals(value, is_number);
  if (op == Op::kNe) return !m.Equals(value, is_number);
  double v;
  return is_number && ParseNumber(value, &v) && Relational(op, v, m.number);
}

// ---------------------------------------------------------------- terms

namespace {

bool Contains(std::string_view hay, const std::string& needle) {
  if (needle.empty()) return true;
  return memmem(hay.data(), hay.size(), needle.data(), needle.size()) != nullptr;
}

}  // namespace

bool MatchTerms(const TermsProgram& p, std::string_view event) {
  for (const std::string& t : p.required)
    if (!Contains(event, t)) return false;
  for (const std::string& t : p.excluded)
    if (Contains(event, t)) return false;
  if (p.optional.empty()) return true;
  for (const std::string& t : p.optional)
    if (Contains(event, t)) return true;
  return false;
}

// ---------------------------------------------------------------- delimited

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits an event into fields: blanks separate fields; a field that starts
// with `"` runs to the next `"`, one that starts with `[` to the next `]`,
// and the delimiters are removed (FilterAndPatternSyntax, TestMetricFilter).
// Ours: an unterminated `"`/`[` runs to the end of the event; text glued
// after a closing delimiter starts the next field. Stops after `max_fields`.
void SplitFields(std::string_view s, std::vector<std::string_view>* out, size_t max_fields) {
  out->clear();
  size_t i = 0;
  while (out->size() < max_fields) {
    while (i < s.size() && IsBlank(s[i])) ++i;
    if (i >= s.size()) return;
    const char c = s[i];
    if (c == '"' || c == '[') {
      const char close = c == '"' ? '"' : ']';
      const size_t start = i + 1;
      size_t end = s.find(close, start);
      if (end == std::string_view::npos) end = s.size();
      out->push_back(s.substr(start, end - start));
      i = end + 1;
    } else {
      const size_t start = i;
      while (i < s.size() && !IsBlank(s[i])) ++i;
      out->push_back(s.substr(start, i - start));
    }
  }
}

bool EvalField(const DelimitedProgram::Field& f, std::string_view token) {
  if (f.code.empty()) return true;
  uint8_t truth[kMaxConditions];
  const bool numeric = IsNumberLiteral(token);
  for (size_t i = 0; i < f.conditions.size(); ++i)
    truth[i] = Compare(f.conditions[i].op, f.conditions[i].value, token, numeric);
  return RunBoolCode(f.code, truth);
}

}  // namespace

bool MatchDelimited(const DelimitedProgram& p, std::string_view event, MatchResult* result) {
  thread_local std::vector<std::string_view> tokens;
  const size_t total = p.fields.size();
  // `[a, b, ...]` with nothing to extract: only the fields before the
  // ellipsis decide (and that there are at least that many), so the rest of
  // the event is not split (bench/PROFILING.md, delimited scan).
  if (result == nullptr && total > 0 && p.ellipsis >= 0 &&
      static_cast<size_t>(p.ellipsis) + 1 == total) {
    const size_t before = static_cast<size_t>(p.ellipsis);
    SplitFields(event, &tokens, before);
    if (tokens.size() < before) return false;
    for (size_t i = 0; i < before; ++i) {
      if (!EvalField(p.fields[i], tokens[i])) return false;
    }
    return true;
  }
  SplitFields(event, &tokens, SIZE_MAX);
  const size_t n = tokens.size();
  // field index of each token, or -1 (absorbed by `...` / `[]`).
  thread_local std::vector<int> owner;
  owner.assign(n, -1);
  if (total > 0) {
    if (p.ellipsis < 0) {
      // The field count must match exactly (2021 guide: [w1=ERROR, w2]
      // does not match "ERROR WARN message").
      if (n != total) return false;
      for (size_t i = 0; i < n; ++i) owner[i] = static_cast<int>(i);
    } else {
      const size_t before = static_cast<size_t>(p.ellipsis);
      const size_t after = total - before - 1;
      if (n < before + after) return false;
      for (size_t i = 0; i < before; ++i) owner[i] = static_cast<int>(i);
      for (size_t j = 0; j < after; ++j) owner[n - after + j] = static_cast<int>(before + 1 + j);
    }
    for (size_t i = 0; i < n; ++i) {
      if (owner[i] >= 0 && !EvalField(p.fields[owner[i]], tokens[i])) return false;
    }
  }
  if (result) {
    result->extracted_values.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const int o = owner[i];
      std::string key;
      if (o >= 0 && p.fields[o].kind == Field::Kind::kNamed) {
        key = p.fields[o].key;
      } else {
        key = std::to_string(i + 1);  // "$" + ... trips GCC 12's -Wrestrict (PR105329)
        key.insert(key.begin(), '$');
      }
      result->extracted_values.emplace_back(std::move(key), std::string(tokens[i]));
    }
  }
  return true;
}

}  // namespace iam_audit::filter_internal
