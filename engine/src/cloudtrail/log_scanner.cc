// The CloudTrail log document scanner (log_scanner.h): the byte state machine
// over {"Records":[...]}, its bracket and string nesting inside a record or a
// skipped value (Scanner::Nested, with the SSE2 skip over plain string bytes),
// the end-of-text check and the wording of its errors. The state machine has
// internal linkage, as it had inside log_file.cc: the compiler sees all its
// callers and passes Nested's arguments in registers; LogScanner forwards to it.
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "cloudtrail/log_scanner.h"

namespace iam_audit {
namespace cloudtrail_internal {

Status LogError(const std::string& what) { return InvalidArgumentError("log file: " + what); }

namespace {

constexpr size_t kMaxDepth = 512;  // bracket nesting inside one record

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A character for an error message: 'x' when printable, else byte 0xNN.
std::string Shown(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
  return buf;
}

// The first k in [from, end) where data[k] is '"', '\\' or a control
// character (< 0x20), else end: sixteen bytes at a time where SSE2 is there.
size_t SkipPlainString(std::string_view data, size_t from, size_t end) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t k = from;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  for (; k + 16 <= end; k += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k));
    // Unsigned v < 0x20 as a signed compare of both sides with the top bit flipped.
    const __m128i control = _mm_cmplt_epi8(_mm_xor_si128(v, flip), _mm_xor_si128(space, flip));
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), control);
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return k + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (k < end && p[k] != '"' && p[k] != '\\' && p[k] >= 0x20) ++k;
  return k;
}

class Scanner {
 public:
  explicit Scanner(size_t max_record_bytes) : max_record_(max_record_bytes) {}

  // Scans the next piece of the JSON text.
  Status Scan(std::string_view data, const RecordSink& sink);
  // The text has ended.
  Status End() const;

  uint64_t scanned() const { return base_; }
  uint64_t records() const { return records_; }
  CloudTrailLogStream::Position record_position() const {
    return {record_pos_, record_line_, record_column_};
  }

 private:
  enum class State {
    kStart,          // before the opening '{'
    kFirstKeyOrEnd,  // after '{'
    kKey,            // after ',' at the top level: a key must follow
    kKeyString,      // inside a top-level key
    kColon,          // after a key
    kValue,          // after ':' (a value other than "Records")
    kRecordsOpen,    // after "Records":, expecting '['
    kFirstRecordOrEnd,
    kRecordStart,  // after ',' in Records: '{' must follow
    kInRecord,
    kRecordCommaOrEnd,
    kSkipNested,  // inside a skipped object, array or string
    kSkipScalar,  // inside a skipped number, true, false or null
    kAfterValue,  // after a top-level value: ',' or '}'
    kAfterDoc,    // after the closing '}': whitespace only
  };

  std::string RecordWhere() const {
    return "record " + std::to_string(records_) + " at byte " + std::to_string(record_pos_) + ": ";
  }
  std::string Where() const { return state_ == State::kInRecord ? RecordWhere() : std::string(); }

  // Brackets and strings inside a record or a skipped value, from data[*i]
  // up to `end`. Returns OK and sets *closed when the outermost bracket or
  // string closes (at data[*i - 1]).
  Status Nested(std::string_view data, size_t* i, size_t end, bool* closed);

  size_t max_record_;
  State state_ = State::kStart;
  uint64_t base_ = 0;  // offset of the current piece in the text
  uint64_t records_ = 0;
  bool seen_records_ = false;
  // The current top-level key, enough of it to tell "Records".
  std::string key_;
  bool key_long_ = false;
  bool key_escape_ = false;
  // Nesting state of a record or a skipped value.
  std::string stack_;  // '{' or '['
  bool in_string_ = false;
  bool escape_ = false;
  int hex_left_ = 0;
  uint64_t string_pos_ = 0;
  // The record being read: its start, and its bytes from earlier pieces.
  uint64_t record_pos_ = 0;
  uint64_t record_line_ = 1;
  uint64_t record_column_ = 1;
  // Lines: '\n' seen so far, and where the current line starts.
  uint64_t line_ = 1;
  uint64_t line_start_ = 0;
  void NewLine(uint64_t pos) {
    ++line_;
    line_start_ = pos + 1;
  }
  std::string record_;
};

Status Scanner::Nested(std::string_view data, size_t* i, size_t end, bool* closed) {
  *closed = false;
  size_t k = *i;
  while (k < end) {
    if (in_string_ && hex_left_ == 0 && !escape_) {
      // Most of a record is string bytes with nothing to check but the end:
      // skip to the next '"', '\\' or control character at once.
      k = SkipPlainString(data, k, end);
      if (k == end) break;
    }
    const char c = data[k];
    if (in_string_) {
      if (hex_left_ > 0) {
        if (!IsHex(c)) {
          return LogError(Where() + "invalid \\u escape at byte " + std::to_string(base_ + k));
        }
        --hex_left_;
      } else if (escape_) {
        escape_ = false;
        if (c == 'u') {
          hex_left_ = 4;
        } else if (std::strchr("\"\\/bfnrt", c) == nullptr || c == '\0') {
          return LogError(Where() + "invalid escape '\\" + std::string(1, c) + "' at byte " +
                          std::to_string(base_ + k - 1));
        }
      } else if (c == '"') {
        in_string_ = false;
        if (stack_.empty()) {  // a skipped top-level string
          *i = k + 1;
          *closed = true;
          return Status::Ok();
        }
      } else if (c == '\\') {
        escape_ = true;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        return LogError(Where() + "control character " + Shown(c) + " in a string at byte " +
                        std::to_string(base_ + k));
      }
      ++k;
      continue;
    }
    switch (c) {
      case '\n':
        NewLine(base_ + k);
        break;
      case '"':
        in_string_ = true;
        string_pos_ = base_ + k;
        break;
      case '{':
      case '[':
        if (stack_.size() >= kMaxDepth) {
          return LogError(Where() + "nesting deeper than " + std::to_string(kMaxDepth) +
                          " at byte " + std::to_string(base_ + k));
        }
        stack_.push_back(c);
        break;
      case '}':
      case ']':
        if (stack_.back() != (c == '}' ? '{' : '[')) {
          return LogError(Where() + "mismatched " + Shown(c) + " at byte " +
                          std::to_string(base_ + k));
        }
        stack_.pop_back();
        if (stack_.empty()) {
          *i = k + 1;
          *closed = true;
          return Status::Ok();
        }
        break;
      default:
        break;
    }
    ++k;
  }
  *i = k;
  return Status::Ok();
}

// The measured hot loop of test-filter over a CloudTrail archive: perf over
// bench/archive_scan.py put Scanner::Nested, which this loop calls for every
// record, at 16% of the CPU after the SSE2 string skip (42% before). It is
// kept whole, one switch over the states in one loop, rather than split per
// state. Moving it here from log_file.cc kept the CPU time of test-filter
// --count --jobs 1 over archives from iam-audit generate --format cloudtrail
// --seed 7 (median of 7 runs; 100 000 records, 10 per file: 0.349 s before
// and after; 200 000 records, 1000 per file: 0.403 s and 0.404 s).
Status Scanner::Scan(std::string_view data, const RecordSink& sink) {
  size_t i = 0;
  size_t record_from = 0;  // where the current record's bytes start in `data`
  const size_t n = data.size();
  while (i < n) {
    const char c = data[i];
    const uint64_t pos = base_ + i;
    switch (state_) {
      case State::kStart:
        if (IsWs(c)) {
          if (c == '\n') NewLine(pos);
          break;
        }
        if (c != '{') {
          return LogError("expected '{\"Records\":[' at byte " + std::to_string(pos));
        }
        state_ = State::kFirstKeyOrEnd;
        break;
      case State::kFirstKeyOrEnd:
      case State::kKey:
        if (IsWs(c)) {
          if (c == '\n') NewLine(pos);
          break;
        }
        if (c == '}' && state_ == State::kFirstKeyOrEnd) {
          return LogError("no \"Records\" array in the document (it closes at byte " +
                          std::to_string(pos) + ")");
        }
        if (c != '"') {
          return LogError("expected a key at byte " + std::to_string(pos) + ", found " + Shown(c));
        }
        key_.clear();
        key_long_ = false;
        key_escape_ = false;
        string_pos_ = pos;
        state_ = State::kKeyString;
        break;
      case State::kKeyString:
        if (key_escape_) {
          key_escape_ = false;
          key_long_ = true;  // an escaped key is not spelled "Records"
        } else if (c == '\\') {
          key_escape_ = true;
        } else if (c == '"') {
          state_ = State::kColon;
        } else if (static_cast<unsigned char>(c) < 0x20) {
          return LogError("control character " + Shown(c) + " in a key at byte " +
                          std::to_string(pos));
        } else if (key_.size() < 8) {
          key_.push_back(c);
        } else {
          key_long_ = true;
        }
        break;
      case State::kColon:
        if (IsWs(c)) {
          if (c == '\n') NewLine(pos);
          break;
        }
        if (c != ':') {
          return LogError("expected ':' at byte " + std::to_string(pos) + ", found " + Shown(c));
        }
        if (!key_long_ && key_ == "Records") {
          if (seen_records_) {
            return LogError("a second \"Records\" key at byte " + std::to_string(string_pos_));
          }
          seen_records_ = true;
          state_ = State::kRecordsOpen;
        } else {
          state_ = State::kValue;
        }
        break;
      case State::kRecordsOpen:
        if (IsWs(c)) {
          if (c == '\n') NewLine(pos);
          break;
        }
        if (c != '[') {
          return LogError("\"Records\" is not an array at byte " + std::to_string(pos));
        }
        state_ = State::kFirstRecordOrEnd;
        break;
      case State::kFirstRecordOrEnd:
      case State::kRecordStart:
        if (IsWs(c)) {
          if (c == '\n') NewLine(pos);
          break;
        }
        if (c == ']' && state_ == State::kFirstRecordOrEnd) {
          state_ = State::kAfterValue;
          break;
        }
        if (c != '{') {
          return LogError("record " + std::to_string(records_) + " at byte " + std::to_string(pos) +
                          ": expected '{' (a record is an object), found " + Shown(c));
        }
        state_ = State::kInRecord;
        record_pos_ = pos;
        record_line_ = line_;
        record_column_ = pos - line_start_ + 1;
        record_from = i;
        record_.clear();
        stack_.assign(1, '{');
        in_string_ = escape_ = false;
        hex_left_ = 0;
        break;
      case State::kInRecord: {
        // The record may not grow past max_record_ bytes: scan at most up
        // to that point, so every chunking meets the limit at the same byte.
        const uint64_t limit_pos = record_pos_ + max_record_;  // first byte over the limit
        const size_t end =
            limit_pos <= base_ ? 0 : static_cast<size_t>(std::min<uint64_t>(n, limit_pos - base_));
        bool closed = false;
        if (i < end) {
          if (Status st = Nested(data, &i, end, &closed); !st.ok()) return st;
        }
        if (!closed) {
          if (i == n) continue;  // the piece ends inside the record
          return LogError(RecordWhere() + "larger than the limit of " +
                          std::to_string(max_record_) + " bytes");
        }
        std::string_view text = data.substr(record_from, i - record_from);
        if (!record_.empty()) {
          record_.append(text);
          text = record_;
        }
        const uint64_t index = records_;
        ++records_;
        state_ = State::kRecordCommaOrEnd;
        if (Status st = sink(text, index); !st.ok()) return st;
        record_.clear();
        continue;  // i is already past the record
      }
      case State::kRecordCommaOrEnd:
        if (IsWs(c)) {
          if (c == '\n') NewLine(pos);
          break;
        }
        if (c == ',') {
          state_ = State::kRecordStart;
        } else if (c == ']') {
          state_ = State::kAfterValue;
        } else {
          return LogError("expected ',' or ']' after record " + std::to_string(records_ - 1) +
                          " at byte " + std::to_string(pos) + ", found " + Shown(c));
        }
        break;
      case State::kValue:
        if (IsWs(c)) {
          if (c == '\n') NewLine(pos);
          break;
        }
        stack_.clear();
        in_string_ = escape_ = false;
        hex_left_ = 0;
        if (c == '"') {
          in_string_ = true;
          string_pos_ = pos;
          state_ = State::kSkipNested;
        } else if (c == '{' || c == '[') {
          stack_.push_back(c);
          state_ = State::kSkipNested;
        } else if (c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
          state_ = State::kSkipScalar;
        } else {
          return LogError("expected a value at byte " + std::to_string(pos) + ", found " +
                          Shown(c));
        }
        break;
      case State::kSkipNested: {
        bool closed = false;
        if (Status st = Nested(data, &i, n, &closed); !st.ok()) return st;
        if (closed) state_ = State::kAfterValue;
        continue;
      }
      case State::kSkipScalar:
        if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
            (c >= 'A' && c <= 'Z')) {
          break;
        }
        state_ = State::kAfterValue;
        continue;  // this character belongs to what follows
      case State::kAfterValue:
        if (IsWs(c)) {
          if (c == '\n') NewLine(pos);
          break;
        }
        if (c == ',') {
          state_ = State::kKey;
        } else if (c == '}') {
          if (!seen_records_) {
            return LogError("no \"Records\" array in the document (it closes at byte " +
                            std::to_string(pos) + ")");
          }
          state_ = State::kAfterDoc;
        } else {
          return LogError("expected ',' or '}' at byte " + std::to_string(pos) + ", found " +
                          Shown(c));
        }
        break;
      case State::kAfterDoc:
        if (IsWs(c)) {
          if (c == '\n') NewLine(pos);
          break;
        }
        return LogError("unexpected " + Shown(c) + " after the document at byte " +
                        std::to_string(pos));
    }
    ++i;
  }
  if (state_ == State::kInRecord) record_.append(data.substr(record_from));
  base_ += n;
  return Status::Ok();
}

Status Scanner::End() const {
  const std::string at = std::to_string(base_);
  switch (state_) {
    case State::kAfterDoc:
      return Status::Ok();
    case State::kStart:
      if (base_ == 0) return LogError("empty");
      return LogError("expected '{\"Records\":[' at byte " + at);
    case State::kInRecord:
      if (in_string_) {
        return LogError(RecordWhere() + "unterminated string at byte " +
                        std::to_string(string_pos_));
      }
      return LogError(RecordWhere() + "truncated (the file ends inside the record at byte " + at +
                      ")");
    case State::kSkipScalar:
      return LogError("truncated at byte " + at + " (the document has no closing '}')");
    case State::kKeyString:
    case State::kSkipNested:
      if (state_ == State::kKeyString || in_string_) {
        return LogError("unterminated string at byte " + std::to_string(string_pos_));
      }
      [[fallthrough]];
    default:
      return LogError("truncated at byte " + at + " (the document is incomplete)");
  }
}

}  // namespace

struct LogScanner::Impl {
  explicit Impl(size_t max_record_bytes) : scanner(max_record_bytes) {}
  Scanner scanner;
};

LogScanner::LogScanner(size_t max_record_bytes) : impl_(std::make_unique<Impl>(max_record_bytes)) {}
LogScanner::~LogScanner() = default;
Status LogScanner::Scan(std::string_view data, const RecordSink& sink) {
  return impl_->scanner.Scan(data, sink);
}
Status LogScanner::End() const { return impl_->scanner.End(); }
uint64_t LogScanner::scanned() const { return impl_->scanner.scanned(); }
uint64_t LogScanner::records() const { return impl_->scanner.records(); }
CloudTrailLogStream::Position LogScanner::record_position() const {
  return impl_->scanner.record_position();
}

}  // namespace cloudtrail_internal
}  // namespace iam_audit
