// The compiled, flat form of a filter pattern: what Filter::Match runs.
// Built once by Compile(); immutable and shared between threads afterwards.
#ifndef IAM_AUDIT_FILTER_PROGRAM_H_
#define IAM_AUDIT_FILTER_PROGRAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "filter/ast.h"
#include "filter/regex.h"
#include "iam_audit/filter.h"

namespace iam_audit::filter_internal {

// The right-hand side of `=` / `!=`, compiled.
struct ValueMatcher {
  enum class Kind { kAny, kExact, kPrefix, kSuffix, kContains, kNumber, kRegex };
  Kind kind = Kind::kExact;
  std::string text;  // literal (wildcards stripped) or the number's source text
  double number = 0;
  Regex regex;

  // Equality of a scalar written as `value`. `is_number` says the scalar is a
  // number (a JSON number, or a delimited field that parses as one), in which
  // case a number literal compares numerically.
  bool Equals(std::string_view value, bool is_number) const;
};

// Postfix boolean code over condition truth values.
struct BoolOp {
  enum class Kind : uint8_t { kPush, kAnd, kOr };
  Kind kind = Kind::kPush;
  uint32_t arg = 0;  // kPush: condition index; kAnd/kOr: operand count
};
bool RunBoolCode(const std::vector<BoolOp>& code, const uint8_t* truth);

struct TermsProgram {
  std::vector<std::string> required;  // all must occur
  std::vector<std::string> excluded;  // none may occur
  std::vector<std::string> optional;  // at least one must occur (when non-empty)
};

// JSON patterns: every selector is a path in one trie, walked once per
// event; conditions are evaluated on the nodes the walk reaches.
struct JsonProgram {
  struct Node {
    std::vector<std::pair<std::string, uint32_t>> names;
    std::vector<std::pair<uint32_t, uint32_t>> indexes;
    int32_t wildcard = -1;
    std::vector<uint32_t> conditions;
    // No wildcard in the pattern that owns this node: of duplicate keys, the
    // selector takes the first only. Per node, so that the tries of several
    // patterns can be walked together (FilterSet).
    bool first_only = true;
    bool has_children() const { return !names.empty() || !indexes.empty() || wildcard >= 0; }
  };
  struct Condition {
    Expr::Kind kind = Expr::Kind::kCompare;
    Op op = Op::kEq;
    ValueMatcher value;
    uint32_t node = 0;
  };
  std::vector<Node> nodes;  // nodes[0] is `$`
  std::vector<Condition> conditions;
  std::vector<BoolOp> code;
  bool has_wildcard = false;
  uint32_t leaf_count = 0;  // nodes with conditions
};

struct DelimitedProgram {
  struct Condition {
    Op op = Op::kEq;
    ValueMatcher value;
  };
  struct Field {
    filter_internal::Field::Kind kind = filter_internal::Field::Kind::kNamed;
    std::string key;  // "$name"
    std::vector<Condition> conditions;
    std::vector<BoolOp> code;  // empty: unconstrained
  };
  std::vector<Field> fields;
  int ellipsis = -1;  // index of `...` in fields, or -1
};

struct Program {
  std::string pattern;
  std::unique_ptr<const Ast> ast;
  Filter::Kind kind = Filter::Kind::kTerms;
  TermsProgram terms;
  Regex regex;
  JsonProgram json;
  DelimitedProgram delimited;
};

// Compiles a valid AST (the parser has checked every rule).
std::unique_ptr<Program> CompileAst(std::unique_ptr<const Ast> ast, std::string_view pattern);

// A comparison of a scalar given as text (`is_number`: it is a number) with
// a compiled value. `!=` is the negation of `=` here; callers handle the
// cases where neither holds (missing, null, containers). (match.cc)
bool Compare(Op op, const ValueMatcher& m, std::string_view value, bool is_number);

// Matchers (match.cc; the JSON ones in match_json.cc).
bool MatchTerms(const TermsProgram& p, std::string_view event);
bool MatchJson(const JsonProgram& p, std::string_view event);
// MatchJson's walk without the final verdict: false when the event is not a
// JSON object or array that simdjson's DOM parser accepts (then no JSON
// pattern matches it); else found[node] and truth[condition] are filled
// (both zeroed here first), NOT EXISTS conditions included.
bool ScanJson(const JsonProgram& p, std::string_view event, uint8_t* found, uint8_t* truth);

// Several JSON programs walked as one (FilterSet): their tries are copied
// into `merged` with the roots `$` made one node, and each member keeps its
// own boolean code over the merged condition indexes. A walk of `merged`
// reaches exactly the nodes, and sets exactly the truths, that walks of the
// members one by one would (nodes below the root are not shared; each keeps
// its program's first_only).
struct JsonGroup {
  struct Member {
    size_t filter = 0;         // index in the FilterSet
    std::vector<BoolOp> code;  // over merged condition indexes
  };
  JsonProgram merged;
  std::vector<Member> members;
  // Adds `p` when the merged trie stays within the walker's bounds (at most
  // kMaxConditions conditions, one root wildcard); false leaves it unchanged.
  bool Add(const JsonProgram& p, size_t filter);
};
bool MatchDelimited(const DelimitedProgram& p, std::string_view event, MatchResult* result);

}  // namespace iam_audit::filter_internal

#endif  // IAM_AUDIT_FILTER_PROGRAM_H_
