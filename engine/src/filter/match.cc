// Matching compiled programs against one event. Decisions where AWS
// documents nothing are marked "Ours:".
//
// JSON technique (measured with callgrind on bench/filter_scan.sh's records;
// see the commit messages): simdjson's stage 1 (SIMD structural indexing,
// UTF-8 validation, string and control-character checks) runs once over the
// event; then one pass over the structural indexes checks the JSON grammar
// of the whole event and walks the pattern's selector trie at the same time.
// No DOM is built and no value is materialised unless a condition reads it.
// The verdict on well-formedness is simdjson's DOM parser's: whatever this
// pass cannot decide for sure (unusual numbers and atoms, very deep nesting)
// is left to a full DOM parse of the event, which is then the judge.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
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
    case Expr::Kind::kIsNull:
      return s.kind == Scalar::Kind::kNull;
    case Expr::Kind::kIsTrue:
      return s.kind == Scalar::Kind::kBool && s.boolean;
    case Expr::Kind::kIsFalse:
      return s.kind == Scalar::Kind::kBool && !s.boolean;
    case Expr::Kind::kCompare:
      // Ours: null has no value to compare (`= *` and `!=` are false on it).
      if (s.kind == Scalar::Kind::kNull) return false;
      return Compare(c.op, c.value, s.text, s.kind == Scalar::Kind::kNumber);
    default:
      return false;
  }
}

// The trie nodes that apply to one JSON value. Each entry leads to at least
// one distinct condition, so kMaxConditions bounds the list.
struct NodeList {
  uint32_t ids[kMaxConditions];
  int size = 0;
};

// simdjson's DOM parser rejects documents nested deeper than this; events
// nested deeper than kSureDepth are left to it (see Verdict::kUnsure).
constexpr size_t kDomMaxDepth = simdjson::DEFAULT_MAX_DEPTH;
constexpr size_t kSureDepth = kDomMaxDepth / 2;

// A container on a path of the trie: the nodes that apply to its members.
// Containers off every path need no frame (nothing below them is selected),
// so frames form a prefix of the open containers, at most kMaxSelectorSteps
// + 1 deep.
struct Frame {
  NodeList nodes;
  uint32_t index = 0;  // arrays: index of the next element
};

struct Scan {
  const JsonProgram* p;
  uint8_t* found;      // per trie node
  uint8_t* truth;      // per condition
  bool any_backslash;  // the event has an escape somewhere
  const uint8_t* buf;
  simdjson::internal::dom_parser_implementation* stage1;
  uint8_t* unescaped = nullptr;  // room for any string of the event, plus padding
};

enum class Verdict {
  kValid,    // well-formed JSON: simdjson's DOM parser accepts it
  kInvalid,  // not JSON: the DOM parser rejects it
  kUnsure,   // grammar holds; a number, an atom or the depth needs the DOM parser's word
};

bool IsBlankByte(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A number in JSON's grammar with at most 18 digits and no exponent, which
// the DOM parser always accepts. Anything else (an exponent that may
// overflow, a long mantissa, a malformed number or atom) is not decided here.
bool IsPlainNumber(const uint8_t* s, const uint8_t* e) {
  if (s < e && *s == '-') ++s;
  if (s == e) return false;
  int digits = 0;
  if (*s == '0') {
    ++s;
    ++digits;
  } else {
    if (*s < '1' || *s > '9') return false;
    while (s < e && *s >= '0' && *s <= '9') ++s, ++digits;
  }
  if (s < e && *s == '.') {
    ++s;
    const uint8_t* f = s;
    while (s < e && *s >= '0' && *s <= '9') ++s, ++digits;
    if (s == f) return false;
  }
  return s == e && digits <= 18;
}

// Evaluates the conditions of `nodes` on a scalar (or on a container when
// `s` is null: containers satisfy no comparison and no IS test,
// FilterAndPatternSyntax "JSON special considerations") and marks them found.
void Reach(const NodeList& nodes, const Scalar* s, Scan& w) {
  for (int i = 0; i < nodes.size; ++i) {
    const uint32_t id = nodes.ids[i];
    if (s) {
      for (uint32_t c : w.p->nodes[id].conditions)
        if (!w.truth[c] && EvalJson(w.p->conditions[c], *s)) w.truth[c] = 1;
    }
    w.found[id] = 1;
  }
}

bool HasConditions(const JsonProgram& p, const NodeList& nodes) {
  for (int i = 0; i < nodes.size; ++i)
    if (!p.nodes[nodes.ids[i]].conditions.empty()) return true;
  return false;
}

bool HasChildren(const JsonProgram& p, const NodeList& nodes) {
  for (int i = 0; i < nodes.size; ++i)
    if (p.nodes[nodes.ids[i]].has_children()) return true;
  return false;
}

// The string whose opening quote is at `open` and closing quote at `close`:
// its bytes when it has no escape, else simdjson's unescaping of it (the
// DOM parser's own routine, so a bad escape is rejected exactly as it would
// be). Returns false on a bad escape.
bool StringAt(Scan& w, uint32_t open, uint32_t close, std::string_view* out) {
  const uint8_t* b = w.buf + open + 1;
  const size_t n = close - open - 1;
  if (!w.any_backslash || std::memchr(b, '\\', n) == nullptr) {
    *out = std::string_view(reinterpret_cast<const char*>(b), n);
    return true;
  }
  uint8_t* end = w.stage1->parse_string(b, w.unescaped);
  if (end == nullptr) return false;
  *out = std::string_view(reinterpret_cast<const char*>(w.unescaped),
                          static_cast<size_t>(end - w.unescaped));
  return true;
}

// The closing quote of the string that opens at a structural index: the
// last '"' before the next structural (stage 1 has matched the quotes, so
// only blanks may follow it).
uint32_t ClosingQuote(const uint8_t* buf, uint32_t open, uint32_t next) {
  uint32_t q = next;
  while (q > open + 1 && IsBlankByte(buf[q - 1])) --q;
  return q - 1;
}

// One pass over stage 1's structural indexes: checks the grammar of the
// whole event (every structural character in its place, every string's
// escapes, every number and atom) and evaluates the conditions of every
// trie node the event reaches. Never recurses; bounded by the event.
// Checks the grammar of a container that no selector reaches, from just
// after its opening character (token i) to its closing one, where it leaves
// `i`. The same rules as ScanEvent, without the trie: the bulk of an event's
// tokens go through this loop. Returns false on malformed JSON.
bool SkipContainer(const uint8_t* buf, const uint32_t* idx, uint32_t n, uint32_t& i, uint8_t* kinds,
                   size_t& depth, size_t& max_depth, bool any_backslash, bool& unsure, Scan& w) {
  enum class State : uint8_t { kValue, kFirstValue, kKey, kFirstKey, kColon, kAfter };
  const size_t base = depth;  // the skipped container is kinds[base - 1]
  uint8_t kind = kinds[base - 1];
  State st = kind == '{' ? State::kFirstKey : State::kFirstValue;
  while (++i < n) {
    const uint32_t pos = idx[i];
    const uint8_t c = buf[pos];
    switch (st) {
      case State::kColon:
        if (c != ':') return false;
        st = State::kValue;
        continue;
      case State::kAfter:
        if (c == ',') {
          st = kind == '{' ? State::kKey : State::kValue;
          continue;
        }
        if (c != (kind == '{' ? '}' : ']')) return false;
        break;  // close below
      case State::kFirstKey:
        if (c == '}') break;
        [[fallthrough]];
      case State::kKey:
        if (c != '"') return false;
        if (any_backslash) {
          std::string_view ignored;
          if (!StringAt(w, pos, ClosingQuote(buf, pos, idx[i + 1]), &ignored)) return false;
        }
        st = State::kColon;
        continue;
      case State::kFirstValue:
        if (c == ']') break;
        [[fallthrough]];
      case State::kValue:
        switch (c) {
          case '{':
          case '[':
            kinds[depth++] = c;
            kind = c;
            if (depth > max_depth) max_depth = depth;
            st = c == '{' ? State::kFirstKey : State::kFirstValue;
            continue;
          case '"':
            if (any_backslash) {
              std::string_view ignored;
              if (!StringAt(w, pos, ClosingQuote(buf, pos, idx[i + 1]), &ignored)) return false;
            }
            st = State::kAfter;
            continue;
          case '}':
          case ']':
          case ':':
          case ',':
            return false;
          default: {
            uint32_t end = idx[i + 1];
            while (end > pos && IsBlankByte(buf[end - 1])) --end;
            const uint8_t* b = buf + pos;
            const size_t len = end - pos;
            if (c == 't') {
              unsure |= !(len == 4 && std::memcmp(b, "true", 4) == 0);
            } else if (c == 'f') {
              unsure |= !(len == 5 && std::memcmp(b, "false", 5) == 0);
            } else if (c == 'n') {
              unsure |= !(len == 4 && std::memcmp(b, "null", 4) == 0);
            } else {
              unsure |= !IsPlainNumber(b, b + len);
            }
            st = State::kAfter;
            continue;
          }
        }
    }
    // Closes the innermost container.
    if (--depth < base) return true;
    kind = kinds[depth - 1];
    st = State::kAfter;
  }
  return false;  // unterminated
}

Verdict ScanEvent(Scan& w, const uint32_t* idx, uint32_t n) {
  enum class State : uint8_t { kValue, kFirstValue, kKey, kFirstKey, kColon, kAfter };
  // Per open container, '{' or '['; no event opens more containers than it
  // has structurals. Plain pointers: thread_local objects are reached
  // through a call each time, too slow for this loop.
  thread_local std::vector<uint8_t> kinds_storage;
  thread_local std::vector<Frame> frames_storage;
  if (kinds_storage.size() < static_cast<size_t>(n) + 1)
    kinds_storage.resize(static_cast<size_t>(n) + 1);
  if (frames_storage.size() < static_cast<size_t>(kMaxSelectorSteps) + 2)
    frames_storage.resize(kMaxSelectorSteps + 2);
  uint8_t* const kinds = kinds_storage.data();
  Frame* const frames = frames_storage.data();
  uint8_t kind = 0;  // kinds[depth - 1], or 0 at the top level
  const JsonProgram& p = *w.p;
  // Locals, not members of `w`: stores through uint8_t pointers (found,
  // kinds) would otherwise make the compiler reload them at every token.
  const uint8_t* const buf = w.buf;
  const bool any_backslash = w.any_backslash;
  size_t depth = 0, active = 0, max_depth = 0;
  bool unsure = false;
  State st = State::kValue;
  NodeList pending;  // the trie nodes of the value that comes next
  pending.ids[0] = 0;
  pending.size = 1;

  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t pos = idx[i];
    const uint8_t c = buf[pos];
    switch (st) {
      case State::kColon:
        if (c != ':') return Verdict::kInvalid;
        st = State::kValue;
        continue;
      case State::kFirstKey:
        if (c == '}') break;  // close below
        [[fallthrough]];
      case State::kKey: {
        if (c != '"') return Verdict::kInvalid;
        pending.size = 0;
        if (active == depth) {
          std::string_view key;
          if (!StringAt(w, pos, ClosingQuote(buf, pos, idx[i + 1]), &key)) return Verdict::kInvalid;
          const NodeList& nodes = frames[depth - 1].nodes;
          for (int k = 0; k < nodes.size; ++k) {
            const JsonProgram::Node& node = p.nodes[nodes.ids[k]];
            for (const auto& [name, child] : node.names) {
              if (name.size() == key.size() && name == key &&
                  !(p.nodes[child].first_only && w.found[child]))
                pending.ids[pending.size++] = child;
            }
            if (node.wildcard >= 0 && pending.size < kMaxConditions)
              pending.ids[pending.size++] = node.wildcard;
          }
        } else if (any_backslash) {
          std::string_view ignored;
          if (!StringAt(w, pos, ClosingQuote(buf, pos, idx[i + 1]), &ignored))
            return Verdict::kInvalid;
        }
        st = State::kColon;
        continue;
      }
      case State::kAfter:
        if (depth == 0) return Verdict::kInvalid;  // something after the top-level value
        if (c == ',') {
          st = kind == '{' ? State::kKey : State::kValue;
          continue;
        }
        if (c != (kind == '{' ? '}' : ']')) return Verdict::kInvalid;
        break;  // close below
      case State::kFirstValue:
        if (c == ']') break;  // close below
        [[fallthrough]];
      case State::kValue: {
        // The trie nodes of an array element come from its index; those of
        // a member value were found with its key.
        if (kind == '[') {
          pending.size = 0;
          if (active == depth) {
            Frame& f = frames[depth - 1];
            for (int k = 0; k < f.nodes.size; ++k) {
              const JsonProgram::Node& node = p.nodes[f.nodes.ids[k]];
              for (const auto& [want, child] : node.indexes)
                if (want == f.index && !(p.nodes[child].first_only && w.found[child]))
                  pending.ids[pending.size++] = child;
              if (node.wildcard >= 0 && pending.size < kMaxConditions)
                pending.ids[pending.size++] = node.wildcard;
            }
            ++f.index;
          }
        }
        if (c == '{' || c == '[') {
          // Ours, as before: `$` itself is never a value that is reached.
          if (pending.size > 0 && depth > 0) Reach(pending, nullptr, w);
          if (active == depth && pending.size > 0 && HasChildren(p, pending)) {
            Frame& f = frames[depth];
            f.nodes.size = pending.size;
            std::copy(pending.ids, pending.ids + pending.size, f.nodes.ids);
            f.index = 0;
            ++active;
          }
          kinds[depth] = c;
          ++depth;
          if (depth > max_depth) max_depth = depth;
          if (active < depth) {
            // No selector goes inside: only the grammar is left to check.
            if (!SkipContainer(buf, idx, n, i, kinds, depth, max_depth, any_backslash, unsure, w))
              return Verdict::kInvalid;
            kind = depth > 0 ? kinds[depth - 1] : 0;
            if (active > depth) active = depth;
            st = State::kAfter;
            continue;
          }
          kind = c;
          st = c == '{' ? State::kFirstKey : State::kFirstValue;
          continue;
        }
        const bool wanted = pending.size > 0 && HasConditions(p, pending);
        Scalar s;
        if (c == '"') {
          s.kind = Scalar::Kind::kString;
          if (wanted || any_backslash) {
            if (!StringAt(w, pos, ClosingQuote(buf, pos, idx[i + 1]), &s.text))
              return Verdict::kInvalid;
          }
        } else if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',') {
          return Verdict::kInvalid;
        } else {
          // A number or an atom runs to the blanks before the next structural.
          uint32_t end = idx[i + 1];
          while (end > pos && IsBlankByte(buf[end - 1])) --end;
          const uint8_t* b = buf + pos;
          const size_t len = end - pos;
          s.text = std::string_view(reinterpret_cast<const char*>(b), len);
          if (s.text == "true" || s.text == "false") {
            s.kind = Scalar::Kind::kBool;
            s.boolean = s.text[0] == 't';
          } else if (s.text == "null") {
            s.kind = Scalar::Kind::kNull;
          } else {
            s.kind = Scalar::Kind::kNumber;
            if (!IsPlainNumber(b, b + len)) unsure = true;
          }
        }
        if (pending.size > 0) Reach(pending, wanted ? &s : nullptr, w);
        st = State::kAfter;
        continue;
      }
    }
    // Closes the innermost container (its closing character was checked).
    if (depth == 0) return Verdict::kInvalid;
    --depth;
    kind = depth > 0 ? kinds[depth - 1] : 0;
    if (active > depth) active = depth;
    st = State::kAfter;
  }
  if (depth != 0 || st != State::kAfter) return Verdict::kInvalid;
  if (max_depth > kSureDepth) unsure = true;
  return unsure ? Verdict::kUnsure : Verdict::kValid;
}

// Stage 1 of the active (runtime-dispatched) simdjson kernel, per thread.
simdjson::internal::dom_parser_implementation* Stage1(size_t len) {
  thread_local std::unique_ptr<simdjson::internal::dom_parser_implementation> impl;
  const size_t want = std::max<size_t>(len, 4096);
  if (!impl) {
    if (simdjson::get_active_implementation()->create_dom_parser_implementation(
            want, kDomMaxDepth, impl) != simdjson::SUCCESS) {
      impl.reset();
      return nullptr;
    }
  } else if (impl->capacity() < len && impl->set_capacity(want) != simdjson::SUCCESS) {
    impl.reset();
    return nullptr;
  }
  return impl.get();
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

bool ScanJson(const JsonProgram& p, std::string_view event, uint8_t* found, uint8_t* truth) {
  // A non-JSON event never matches a JSON pattern. Ours: the event must be
  // a JSON object or array (a bare scalar has no members to select).
  size_t b = 0, e = event.size();
  while (b < e && (event[b] == ' ' || event[b] == '\t' || event[b] == '\n' || event[b] == '\r'))
    ++b;
  while (e > b && (event[e - 1] == ' ' || event[e - 1] == '\t' || event[e - 1] == '\n' ||
                   event[e - 1] == '\r'))
    --e;
  if (b == e) return false;
  const char open = event[b], close = event[e - 1];
  if (!((open == '{' && close == '}') || (open == '[' && close == ']'))) return false;

  thread_local std::string buffer;
  thread_local std::string unescaped;
  const size_t len = event.size();
  if (len > 0xFFFFFFF0u) return false;  // beyond simdjson's 32-bit structural indexes
  if (buffer.size() < len + simdjson::SIMDJSON_PADDING)
    buffer.resize(len + simdjson::SIMDJSON_PADDING);
  std::memcpy(buffer.data(), event.data(), len);
  std::memset(buffer.data() + len, 0, simdjson::SIMDJSON_PADDING);
  std::memset(found, 0, p.nodes.size());
  std::memset(truth, 0, p.conditions.size());

  const uint8_t* buf = reinterpret_cast<const uint8_t*>(buffer.data());
  simdjson::internal::dom_parser_implementation* stage1 = Stage1(len);
  if (stage1 == nullptr) return false;  // out of memory
  // The DOM parser runs this very stage first: an error here is its error too.
  if (stage1->stage1(buf, len, simdjson::stage1_mode::regular) != simdjson::SUCCESS) return false;

  Scan w;
  w.p = &p;
  w.found = found;
  w.truth = truth;
  w.any_backslash = std::memchr(buf, '\\', len) != nullptr;
  w.buf = buf;
  w.stage1 = stage1;
  if (w.any_backslash) {
    if (unescaped.size() < len + simdjson::SIMDJSON_PADDING)
      unescaped.resize(len + simdjson::SIMDJSON_PADDING);
    w.unescaped = reinterpret_cast<uint8_t*>(unescaped.data());
  }
  switch (ScanEvent(w, stage1->structural_indexes.get(), stage1->n_structural_indexes)) {
    case Verdict::kValid:
      break;
    case Verdict::kInvalid:
      return false;
    case Verdict::kUnsure: {
      thread_local simdjson::dom::parser validator;
      if (validator.parse(buf, len, false).error() != simdjson::SUCCESS) return false;
      break;
    }
  }
  // NOT EXISTS: the selector reached nothing.
  for (size_t c = 0; c < p.conditions.size(); ++c)
    if (p.conditions[c].kind == Expr::Kind::kNotExists) w.truth[c] = !w.found[p.conditions[c].node];
  return true;
}

bool MatchJson(const JsonProgram& p, std::string_view event) {
  thread_local std::vector<uint8_t> scratch;
  const size_t need = p.nodes.size() + p.conditions.size();
  if (scratch.size() < need) scratch.resize(need);
  uint8_t* const found = scratch.data();
  uint8_t* const truth = scratch.data() + p.nodes.size();
  return ScanJson(p, event, found, truth) && RunBoolCode(p.code, truth);
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
