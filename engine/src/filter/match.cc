// Matching compiled programs against one event. Decisions where AWS
// documents nothing are marked "Ours:".
//
// JSON technique (measured in bench/filter_bench.cc, see the commit message):
// simdjson On-Demand over the raw event bytes. Stage 1 (SIMD structural
// indexing and UTF-8 validation) runs over the whole event; stage 2 visits
// only the members on a path of the pattern's selector trie, skips every
// other value without materialising it, and stops as soon as every selector
// without a wildcard has been resolved. No DOM is built.
#include <simdjson.h>

#include <cstring>
#include <string>

#include "filter/limits.h"
#include "filter/parser.h"
#include "filter/program.h"

namespace iam_audit::filter_internal {

namespace ondemand = simdjson::ondemand;

bool ValueMatcher::Equals(std::string_view value, bool is_number) const {
  switch (kind) {
    case Kind::kAny: return true;
    case Kind::kExact: return value == text;
    case Kind::kPrefix: return value.size() >= text.size() && value.compare(0, text.size(), text) == 0;
    case Kind::kSuffix:
      return value.size() >= text.size() &&
             value.compare(value.size() - text.size(), text.size(), text) == 0;
    case Kind::kContains: return value.find(text) != std::string_view::npos;
    case Kind::kRegex: return regex.Search(value);
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
    case Op::kLt: return lhs < rhs;
    case Op::kGt: return lhs > rhs;
    case Op::kLe: return lhs <= rhs;
    case Op::kGe: return lhs >= rhs;
    default: return false;
  }
}

// A comparison on a scalar given as text. `!=` is the negation of `=` here;
// callers handle the cases where neither holds (missing, null, containers).
bool Compare(Op op, const ValueMatcher& m, std::string_view value, bool is_number) {
  if (op == Op::kEq) return m.Equals(value, is_number);
  if (op == Op::kNe) return !m.Equals(value, is_number);
  double v;
  return is_number && ParseNumber(value, &v) && Relational(op, v, m.number);
}

// ---------------------------------------------------------------- terms

bool Contains(std::string_view hay, const std::string& needle) {
  if (needle.empty()) return true;
  return memmem(hay.data(), hay.size(), needle.data(), needle.size()) != nullptr;
}

// ---------------------------------------------------------------- JSON

struct Scalar {
  enum class Kind { kString, kNumber, kBool, kNull };
  Kind kind = Kind::kNull;
  std::string_view text;
  bool boolean = false;
};

bool EvalJson(const JsonProgram::Condition& c, const Scalar& s) {
  switch (c.kind) {
    case Expr::Kind::kIsNull: return s.kind == Scalar::Kind::kNull;
    case Expr::Kind::kIsTrue: return s.kind == Scalar::Kind::kBool && s.boolean;
    case Expr::Kind::kIsFalse: return s.kind == Scalar::Kind::kBool && !s.boolean;
    case Expr::Kind::kCompare:
      // Ours: null has no value to compare (`= *` and `!=` are false on it).
      if (s.kind == Scalar::Kind::kNull) return false;
      return Compare(c.op, c.value, s.text, s.kind == Scalar::Kind::kNumber);
    default: return false;
  }
}

// The trie nodes that apply to one JSON value. Each entry leads to at least
// one distinct condition, so kMaxConditions bounds the list.
struct NodeList {
  uint32_t ids[kMaxConditions];
  int size = 0;
};

struct Walk {
  const JsonProgram* p;
  uint8_t* found;   // per trie node
  uint8_t* truth;   // per condition
  uint32_t remaining;
  bool first_only;  // no wildcard: resolve each selector once, then stop
  bool fast;        // also no escaped key: direct member lookups
  bool done = false;
};

bool VisitValue(ondemand::value& v, const NodeList& nodes, Walk& w);

bool VisitObject(ondemand::object& obj, const NodeList& nodes, Walk& w) {
  if (w.fast) {
    // No wildcard, so one trie node per value; no escaped key in the event,
    // so raw keys compare exactly. Look each member up directly.
    const JsonProgram::Node& n = w.p->nodes[nodes.ids[0]];
    for (const auto& [name, child] : n.names) {
      auto r = obj.find_field_unordered(name);
      if (r.error() == simdjson::NO_SUCH_FIELD) continue;
      if (r.error() != simdjson::SUCCESS) return false;
      ondemand::value v = std::move(r).value_unsafe();
      NodeList next;
      next.ids[0] = child;
      next.size = 1;
      if (!VisitValue(v, next, w)) return false;
      if (w.done) return true;
    }
    return true;
  }
  for (auto fr : obj) {
    if (fr.error() != simdjson::SUCCESS) return false;
    ondemand::field field = std::move(fr).value_unsafe();
    // The raw key (stage 1 guarantees its closing quote); unescape only
    // when it contains a backslash.
    const char* raw = field.key().raw();
    const char* q = raw;
    bool escaped = false;
    while (*q != '"') {
      if (*q == '\\') {
        escaped = true;
        ++q;
      }
      ++q;
    }
    std::string_view key(raw, static_cast<size_t>(q - raw));
    if (escaped && field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    NodeList next;
    for (int i = 0; i < nodes.size; ++i) {
      const JsonProgram::Node& n = w.p->nodes[nodes.ids[i]];
      for (const auto& [name, child] : n.names) {
        if (name.size() == key.size() && name == key && !(w.first_only && w.found[child]))
          next.ids[next.size++] = child;
      }
      if (n.wildcard >= 0 && next.size < kMaxConditions) next.ids[next.size++] = n.wildcard;
    }
    if (next.size == 0) continue;
    ondemand::value v = field.value();
    if (!VisitValue(v, next, w)) return false;
    if (w.done) return true;
  }
  return true;
}

bool VisitArray(ondemand::array& arr, const NodeList& nodes, Walk& w) {
  uint32_t index = 0;
  for (auto er : arr) {
    if (er.error() != simdjson::SUCCESS) return false;
    ondemand::value v = std::move(er).value_unsafe();
    NodeList next;
    for (int i = 0; i < nodes.size; ++i) {
      const JsonProgram::Node& n = w.p->nodes[nodes.ids[i]];
      for (const auto& [want, child] : n.indexes)
        if (want == index && !(w.first_only && w.found[child])) next.ids[next.size++] = child;
      if (n.wildcard >= 0 && next.size < kMaxConditions) next.ids[next.size++] = n.wildcard;
    }
    ++index;
    if (next.size == 0) continue;
    if (!VisitValue(v, next, w)) return false;
    if (w.done) return true;
  }
  return true;
}

bool VisitValue(ondemand::value& v, const NodeList& nodes, Walk& w) {
  bool has_conditions = false, has_children = false;
  for (int i = 0; i < nodes.size; ++i) {
    const JsonProgram::Node& n = w.p->nodes[nodes.ids[i]];
    has_conditions |= !n.conditions.empty();
    has_children |= n.has_children();
  }
  ondemand::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  Scalar s;
  bool scalar = true;
  switch (type) {
    case ondemand::json_type::object: {
      scalar = false;
      if (!has_children) break;
      ondemand::object obj;
      if (v.get_object().get(obj) != simdjson::SUCCESS) return false;
      if (!VisitObject(obj, nodes, w)) return false;
      break;
    }
    case ondemand::json_type::array: {
      scalar = false;
      if (!has_children) break;
      ondemand::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
      if (!VisitArray(arr, nodes, w)) return false;
      break;
    }
    case ondemand::json_type::string:
      s.kind = Scalar::Kind::kString;
      if (has_conditions && v.get_string().get(s.text) != simdjson::SUCCESS) return false;
      break;
    case ondemand::json_type::number: {
      s.kind = Scalar::Kind::kNumber;
      if (has_conditions) {
        s.text = v.raw_json_token();
        while (!s.text.empty() && (s.text.back() == ' ' || s.text.back() == '\t' ||
                                   s.text.back() == '\n' || s.text.back() == '\r'))
          s.text.remove_suffix(1);
      }
      break;
    }
    case ondemand::json_type::boolean:
      s.kind = Scalar::Kind::kBool;
      if (v.get_bool().get(s.boolean) != simdjson::SUCCESS) return false;
      s.text = s.boolean ? "true" : "false";
      break;
    case ondemand::json_type::null:
      s.kind = Scalar::Kind::kNull;
      break;
  }
  // Containers satisfy no comparison (not even `!=`) and no IS test
  // (FilterAndPatternSyntax "JSON special considerations").
  for (int i = 0; i < nodes.size; ++i) {
    const uint32_t id = nodes.ids[i];
    const JsonProgram::Node& n = w.p->nodes[id];
    if (scalar) {
      for (uint32_t c : n.conditions)
        if (!w.truth[c] && EvalJson(w.p->conditions[c], s)) w.truth[c] = 1;
    }
    if (!w.found[id]) {
      w.found[id] = 1;
      if (!n.conditions.empty() && --w.remaining == 0 && w.first_only) w.done = true;
    }
  }
  return true;
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

bool MatchJson(const JsonProgram& p, std::string_view event) {
  // A non-JSON event never matches a JSON pattern. Ours: the event must be
  // a JSON object or array (a bare scalar has no members to select).
  size_t b = 0, e = event.size();
  while (b < e && (event[b] == ' ' || event[b] == '\t' || event[b] == '\n' || event[b] == '\r')) ++b;
  while (e > b && (event[e - 1] == ' ' || event[e - 1] == '\t' || event[e - 1] == '\n' || event[e - 1] == '\r')) --e;
  if (b == e) return false;
  const char open = event[b], close = event[e - 1];
  if (!((open == '{' && close == '}') || (open == '[' && close == ']'))) return false;

  thread_local ondemand::parser parser;
  thread_local std::string buffer;
  thread_local std::vector<uint8_t> scratch;
  const size_t len = event.size();
  if (buffer.size() < len + simdjson::SIMDJSON_PADDING) buffer.resize(len + simdjson::SIMDJSON_PADDING);
  std::memcpy(buffer.data(), event.data(), len);
  std::memset(buffer.data() + len, 0, simdjson::SIMDJSON_PADDING);
  const size_t need = p.nodes.size() + p.conditions.size();
  if (scratch.size() < need) scratch.resize(need);
  std::memset(scratch.data(), 0, need);

  Walk w;
  w.p = &p;
  w.found = scratch.data();
  w.truth = scratch.data() + p.nodes.size();
  w.remaining = p.leaf_count;
  w.first_only = !p.has_wildcard;
  w.fast = w.first_only && std::memchr(event.data(), '\\', len) == nullptr;

  // On-Demand trusts the document in places: on a malformed event, simdjson
  // 3.0.1's find_field_unordered reaches a SIMDJSON_ASSUME, which is
  // undefined behaviour (found by tests/fuzz/filter_match_fuzz; regression
  // case in tests/filter/match_test.cc). So the event is validated in full
  // first by the DOM parser (stage 2, runtime-dispatched SIMD kernels); an
  // event that is not JSON never matches a JSON pattern anyway.
  thread_local simdjson::dom::parser validator;
  if (validator.parse(buffer.data(), len, false).error() != simdjson::SUCCESS) return false;

  ondemand::document doc;
  if (parser.iterate(buffer.data(), len, buffer.size()).get(doc) != simdjson::SUCCESS) return false;
  NodeList root;
  root.ids[0] = 0;
  root.size = 1;
  bool ok;
  if (open == '{') {
    ondemand::object obj;
    ok = doc.get_object().get(obj) == simdjson::SUCCESS && VisitObject(obj, root, w);
  } else {
    ondemand::array arr;
    ok = doc.get_array().get(arr) == simdjson::SUCCESS && VisitArray(arr, root, w);
  }
  if (!ok) return false;
  // NOT EXISTS: the selector reached nothing.
  for (size_t c = 0; c < p.conditions.size(); ++c)
    if (p.conditions[c].kind == Expr::Kind::kNotExists) w.truth[c] = !w.found[p.conditions[c].node];
  return RunBoolCode(p.code, w.truth);
}

// ---------------------------------------------------------------- delimited

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits an event into fields: blanks separate fields; a field that starts
// with `"` runs to the next `"`, one that starts with `[` to the next `]`,
// and the delimiters are removed (FilterAndPatternSyntax, TestMetricFilter).
// Ours: an unterminated `"`/`[` runs to the end of the event; text glued
// after a closing delimiter starts the next field.
void SplitFields(std::string_view s, std::vector<std::string_view>* out) {
  out->clear();
  size_t i = 0;
  while (true) {
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
  SplitFields(event, &tokens);
  const size_t n = tokens.size();
  const size_t total = p.fields.size();
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
