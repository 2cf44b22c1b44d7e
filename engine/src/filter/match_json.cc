// Matching JSON patterns against one event (MatchJson, and ScanJson for
// FilterSet). Decisions where AWS documents nothing are marked "Ours:".
//
// JSON technique (measured with callgrind on bench/filter_scan.sh's records;
// see the commit messages): the structural index of the event (IndexJson,
// json_index.h: what simdjson's stage 1 computes, with its UTF-8, string and
// control-character checks) is built once; then one pass over the
// structural indexes checks the JSON grammar of the whole event and walks
// the pattern's selector trie at the same time. No DOM is built and no value
// is materialised unless a condition reads it. The verdict on
// well-formedness is simdjson's DOM parser's: whatever this pass cannot
// decide for sure (unusual numbers and atoms, very deep nesting) is left to
// a full DOM parse of the event, which is then the judge.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "filter/json_index.h"
#include "filter/limits.h"
#include "filter/program.h"

namespace iam_audit::filter_internal {
namespace {

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
// its bytes when it has no escape, else its unescaping (UnescapeJsonString,
// which rejects a bad escape exactly as simdjson's DOM parser does). Returns
// false on a bad escape.
bool StringAt(Scan& w, uint32_t open, uint32_t close, std::string_view* out) {
  const uint8_t* b = w.buf + open + 1;
  const size_t n = close - open - 1;
  if (!w.any_backslash || std::memchr(b, '\\', n) == nullptr) {
    *out = std::string_view(reinterpret_cast<const char*>(b), n);
    return true;
  }
  uint8_t* end = UnescapeJsonString(b, w.unescaped);
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
        if (c != (kind == '{' ? uint8_t{'}'} : uint8_t{']'})) return false;
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

// One pass over stage 1's structural indexes: checks the grammar of the
// whole event (every structural character in its place, every string's
// escapes, every number and atom) and evaluates the conditions of every
// trie node the event reaches. Never recurses; bounded by the event.
// A measured hot loop, kept whole: with SkipContainer it is the matcher's
// time per JSON event after stage 1 (bench/filter_bench.cc BM_Match,
// bench/filter_scan.sh); the states share locals that a split into
// functions would have to pass through memory on every token.
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
        if (c != (kind == '{' ? uint8_t{'}'} : uint8_t{']'})) return Verdict::kInvalid;
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

}  // namespace

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
  // Zero padding for IndexJson and for the DOM parser (both read past the end).
  constexpr size_t kPadding = std::max<size_t>(kJsonPadding, simdjson::SIMDJSON_PADDING);
  if (buffer.size() < len + kPadding) buffer.resize(len + kPadding);
  std::memcpy(buffer.data(), event.data(), len);
  std::memset(buffer.data() + len, 0, kPadding);
  std::memset(found, 0, p.nodes.size());
  std::memset(truth, 0, p.conditions.size());

  const uint8_t* buf = reinterpret_cast<const uint8_t*>(buffer.data());
  // What simdjson's stage 1 computes and rejects: an error here is the DOM
  // parser's error too.
  thread_local std::vector<uint32_t> indexes;
  uint32_t n = 0;
  if (!IndexJson(buf, len, &indexes, &n)) return false;

  Scan w;
  w.p = &p;
  w.found = found;
  w.truth = truth;
  w.any_backslash = std::memchr(buf, '\\', len) != nullptr;
  w.buf = buf;
  if (w.any_backslash) {
    if (unescaped.size() < len + kJsonPadding) unescaped.resize(len + kJsonPadding);
    w.unescaped = reinterpret_cast<uint8_t*>(unescaped.data());
  }
  switch (ScanEvent(w, indexes.data(), n)) {
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

}  // namespace iam_audit::filter_internal
