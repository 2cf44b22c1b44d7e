// CloudWatch Logs filter patterns, compiled once and matched many times.
//
// A Filter is the compiled form of one filter pattern in the language that
// PutMetricFilter, PutSubscriptionFilter, FilterLogEvents and TestMetricFilter
// accept: term patterns (`ERROR -DEBUG`, `?"a b" ?c`), a standalone regex
// (`%^REPORT\s%`), JSON patterns (`{ ($.a = "x*") && $.b[0] > 10 }`) and
// space-delimited patterns (`[ip, ..., status=4*, size]`). In JSON and
// space-delimited conditions `*` / `"*"` means "present with any value" and
// `""` is the empty string, compared exactly (`{ $.a = "" }` does not match
// `{"a":"c"}`). The answers follow AWS's documented and observed behaviour;
// where AWS is silent the choice is written down where it is made
// (src/filter/parser.cc, compiler.cc, match.cc) and pinned by tests/filter.
//
// Compile() runs lexer → parser → immutable AST → compiler → flat program and
// rejects what AWS rejects, with AWS's wording where it is known, plus the
// 1-based column of the offending character (see FilterError). Limits: the
// pattern is at most 1024 characters (AWS), at most 2 regular expressions in a
// JSON or space-delimited pattern, 1 wildcard per selector and 3 wildcard
// selectors per pattern (AWS); our own safety limits bound parenthesis nesting,
// the number of terms/conditions/fields, selector depth and regex size
// (kMax* in filter/limits.h); the parser and matcher never recurse deeper
// than those limits, whatever the pattern or the event.
//
// Thread-safety: a Filter is immutable after Compile(). Match() and Matches()
// are const and may be called concurrently from any number of threads (the
// JSON scanner keeps per-thread scratch state). Copies share the program.
#ifndef IAM_AUDIT_FILTER_H_
#define IAM_AUDIT_FILTER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iam_audit/status.h"

namespace iam_audit {

namespace filter_internal {
struct Program;
struct FilterSetProgram;
}  // namespace filter_internal

// What TestMetricFilter reports for one event.
struct MatchResult {
  bool matched = false;
  // Space-delimited patterns only (empty otherwise, as TestMetricFilter
  // reports `{}` for term and JSON patterns): one entry per event field, in
  // event order: "$name" for a field the pattern names, "$N" (1-based event
  // position) for a field absorbed by `...` or declared with an empty name.
  // Values have their `[ ]` / `" "` delimiters removed. AWS's JSON object has
  // no meaningful key order; event order is ours. Keys never repeat: AWS
  // documents no repeated field name, so Compile() rejects one (`[a, a]`) at
  // its second declaration, and a numeric name N that is also the "$N" key
  // of an unnamed field or of a field `...` can absorb (`[x, , 2]`, `[..., 1]`).
  std::vector<std::pair<std::string, std::string>> extracted_values;
};

// Details of a rejected pattern, for front ends that point at the error.
struct FilterError {
  // The reason without the "pattern: " prefix and the column suffix, e.g.
  // "Invalid character(s) in term ':'".
  std::string reason;
  // 1-based byte offset into the pattern of the offending character
  // (pattern.size() + 1 when something is missing at the end). Front ends
  // that draw a caret under it should count UTF-8 code points up to it.
  size_t column = 0;
};

// For front ends: "<status message>\n  <pattern>\n  <spaces>^\n" with the
// caret under error.column (UTF-8 code points counted; tabs and newlines in
// the pattern shown as spaces so the caret stays aligned).
std::string FormatPatternError(std::string_view pattern, const Status& status,
                               const FilterError& error);

class Filter {
 public:
  // Which of the four sub-languages the pattern is (decided by its first
  // non-blank character, as AWS does).
  enum class Kind { kTerms, kRegex, kJson, kDelimited };

  // Compiles `pattern`. On failure returns kInvalidArgument (a pattern AWS
  // rejects) or kResourceExhausted (one of our own safety limits) with the
  // message "pattern: <reason> at column <N>"; when `error` is non-null it
  // also receives the reason and the column separately.
  static StatusOr<Filter> Compile(std::string_view pattern, FilterError* error = nullptr);

  // Matches one log event message. Never fails: an event that is not JSON
  // simply does not match a JSON pattern.
  MatchResult Match(std::string_view event) const;
  // Same verdict as Match(event).matched, without building extracted values.
  bool Matches(std::string_view event) const;

  Kind kind() const;
  const std::string& pattern() const;

  // A deterministic S-expression dump of the parsed AST, for golden tests,
  // e.g. `(json (and (= $.a "x") (not-exists $.b)))`.
  std::string DumpAst() const;

 private:
  friend class FilterSet;
  explicit Filter(std::shared_ptr<const filter_internal::Program> program)
      : program_(std::move(program)) {}
  std::shared_ptr<const filter_internal::Program> program_;
};

// Several filters matched against the same events, each event read once
// for all of them: the JSON patterns of a set share one simdjson stage 1
// pass and one walk over the event (their selector tries walked together),
// so an event costs about the same with one JSON pattern as with ten. Term,
// regex and space-delimited patterns are matched one by one as before.
// Verdicts are exactly those of each Filter's Matches(), malformed JSON
// included.
//
// Thread-safety: a FilterSet is immutable once built and may be shared; an
// Evaluation belongs to one thread and one event.
class FilterSet {
 public:
  FilterSet();  // the empty set
  explicit FilterSet(std::vector<Filter> filters);

  size_t size() const;
  const Filter& filter(size_t i) const;

  // The verdicts of every filter of the set on one event, worked out on
  // demand: asking for a JSON filter walks the event once for all JSON
  // filters (of its group), and remembers their verdicts; other filters
  // are matched when asked. `event` must outlive the Evaluation.
  class Evaluation {
   public:
    // Same as set.filter(i).Matches(event); i < set.size().
    bool Matches(size_t i);

   private:
    friend class FilterSet;
    Evaluation(const filter_internal::FilterSetProgram& set, std::string_view event);
    const filter_internal::FilterSetProgram* set_;
    std::string_view event_;
    std::vector<int8_t> verdicts_;  // -1 not worked out yet, else 0 / 1
  };
  Evaluation Evaluate(std::string_view event) const;

  // The index of the first filter (in set order) that matches `event`, or
  // size() when none does.
  size_t FirstMatch(std::string_view event) const;

 private:
  std::shared_ptr<const filter_internal::FilterSetProgram> program_;
};

}  // namespace iam_audit

#endif  // IAM_AUDIT_FILTER_H_
