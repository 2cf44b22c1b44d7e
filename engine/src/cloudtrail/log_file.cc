// CloudTrail's S3 log files: the key layout (ClassifyLogObjectKey) and the
// streaming parser of one {"Records":[...]} document, gzip or plain, that
// hands each record's exact bytes to a sink without holding the whole file
// (see iam_audit/cloudtrail_log.h for the contract and the error wording).
#include <libdeflate.h>
#include <zlib.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "iam_audit/cloudtrail_log.h"

namespace iam_audit {
namespace {

// ---------------------------------------------------------------------------
// Key classification

bool IsSegmentChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool IsSegment(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsSegmentChar);
}

bool IsDigits(std::string_view s, size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

// "o-" and 10 to 32 lowercase letters or digits (AWS Organizations API
// Reference, Organization: Id).
bool IsOrgId(std::string_view s) {
  if (s.size() < 12 || s.size() > 34 || s.substr(0, 2) != "o-") return false;
  return std::all_of(s.begin() + 2, s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

// Days from 1970-01-01 to the civil date (proleptic Gregorian).
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool ValidDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
}

// Splits off the next '/'-separated segment of *rest.
std::string_view NextSegment(std::string_view* rest, bool* found) {
  const size_t slash = rest->find('/');
  *found = slash != std::string_view::npos;
  std::string_view seg = rest->substr(0, slash);
  *rest = *found ? rest->substr(slash + 1) : std::string_view();
  return seg;
}

// ---------------------------------------------------------------------------
// The document scanner: JSON text in, records out.

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

Status LogError(const std::string& what) { return InvalidArgumentError("log file: " + what); }

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

// ---------------------------------------------------------------------------
// gzip

constexpr size_t kInflateChunk = 64 * 1024;
constexpr size_t kDefaultMaxRecordBytes = size_t{16} << 20;  // the header's default

bool HasGzipMagic(std::string_view b) {
  return b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x1f &&
         static_cast<unsigned char>(b[1]) == 0x8b;
}

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

libdeflate_decompressor* Decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> d(
      libdeflate_alloc_decompressor());
  return d.get();
}

// One clean gzip member inflated by libdeflate, sized by its trailer; false
// for anything else (the streaming path then gives the exact error).
bool FastInflate(std::string_view gz, std::string* out) {
  constexpr size_t kHeader = 10, kTrailer = 8, kMaxRatio = 1032;
  constexpr size_t kMaxFast = size_t{1} << 31;
  if (gz.size() < kHeader + kTrailer) return false;
  if ((static_cast<unsigned char>(gz[3]) & 0x02) != 0) return false;  // FHCRC: zlib checks it
  const auto* t = reinterpret_cast<const unsigned char*>(gz.data() + gz.size() - 4);
  const size_t isize =
      uint32_t{t[0]} | uint32_t{t[1]} << 8 | uint32_t{t[2]} << 16 | uint32_t{t[3]} << 24;
  if (isize > gz.size() * kMaxRatio || isize > kMaxFast) return false;
  libdeflate_decompressor* d = Decompressor();
  if (d == nullptr) return false;
  out->resize(isize);
  size_t in_used = 0, size = 0;
  if (libdeflate_gzip_decompress_ex(d, gz.data(), gz.size(), out->data(), out->size(), &in_used,
                                    &size) != LIBDEFLATE_SUCCESS ||
      in_used != gz.size() || size != isize) {
    return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// Key classification

LogObjectKind ClassifyLogObjectKey(std::string_view key, LogFileName* name) {
  // The last "AWSLogs/" that begins a segment.
  size_t at = std::string_view::npos;
  for (size_t p = key.find("AWSLogs/"); p != std::string_view::npos;
       p = key.find("AWSLogs/", p + 1)) {
    if (p == 0 || key[p - 1] == '/') at = p;
  }
  if (at == std::string_view::npos) return LogObjectKind::kOther;
  std::string_view rest = key.substr(at + 8);
  bool more = false;
  std::string_view seg = NextSegment(&rest, &more);
  std::string_view org;
  if (more && IsOrgId(seg)) {
    org = seg;
    seg = NextSegment(&rest, &more);
  }
  const std::string_view account = seg;
  if (!more || !IsSegment(account)) return LogObjectKind::kOther;
  const std::string_view service = NextSegment(&rest, &more);
  if (service == "CloudTrail-Digest") return LogObjectKind::kDigest;
  if (service != "CloudTrail" || !more) return LogObjectKind::kOther;
  const std::string_view region = NextSegment(&rest, &more);
  if (!more || !IsSegment(region)) return LogObjectKind::kOther;
  std::string_view yyyy = NextSegment(&rest, &more);
  if (!more) return LogObjectKind::kOther;
  std::string_view mm = NextSegment(&rest, &more);
  if (!more) return LogObjectKind::kOther;
  std::string_view dd = NextSegment(&rest, &more);
  if (!more || !IsDigits(yyyy, 4) || !IsDigits(mm, 2) || !IsDigits(dd, 2)) {
    return LogObjectKind::kOther;
  }
  std::string_view file = rest;  // the rest must be the file name, no more '/'
  if (file.find('/') != std::string_view::npos) return LogObjectKind::kOther;
  // ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_UNIQUE.json[.gz]
  const std::string head = std::string(account) + "_CloudTrail_" + std::string(region) + "_";
  if (file.substr(0, head.size()) != head) return LogObjectKind::kOther;
  file.remove_prefix(head.size());
  if (file.size() >= 8 && file.substr(file.size() - 8) == ".json.gz") {
    file.remove_suffix(8);
  } else if (file.size() >= 5 && file.substr(file.size() - 5) == ".json") {
    file.remove_suffix(5);
  } else {
    return LogObjectKind::kOther;
  }
  // YYYYMMDDTHHMMZ_UNIQUE
  if (file.size() < 16 || file[8] != 'T' || file[13] != 'Z' || file[14] != '_') {
    return LogObjectKind::kOther;
  }
  const std::string_view date = file.substr(0, 8), hhmm = file.substr(9, 4);
  const std::string_view unique = file.substr(15);
  if (!IsDigits(date, 8) || !IsDigits(hhmm, 4) || unique.empty() ||
      !std::all_of(unique.begin(), unique.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      })) {
    return LogObjectKind::kOther;
  }
  const int y = ToInt(date.substr(0, 4)), mo = ToInt(date.substr(4, 2)),
            d = ToInt(date.substr(6, 2));
  const int h = ToInt(hhmm.substr(0, 2)), mi = ToInt(hhmm.substr(2, 2));
  if (!ValidDate(y, mo, d) || h > 23 || mi > 59) return LogObjectKind::kOther;
  if (!ValidDate(ToInt(yyyy), ToInt(mm), ToInt(dd))) return LogObjectKind::kOther;
  if (name != nullptr) {
    name->org_id = std::string(org);
    name->account = std::string(account);
    name->region = std::string(region);
    name->time_ms = (DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
  }
  return LogObjectKind::kLogFile;
}

// ---------------------------------------------------------------------------
// CloudTrailLogStream

struct CloudTrailLogStream::Impl {
  explicit Impl(size_t max_record_bytes) : scanner(max_record_bytes) {}
  ~Impl() {
    if (z_ready) inflateEnd(&zs);
  }

  Status Feed(std::string_view bytes, const RecordSink& sink);
  Status Inflate(std::string_view bytes, const RecordSink& sink);
  Status FinishImpl(const RecordSink& sink);

  enum class Mode { kUndecided, kPlain, kGzip };
  Scanner scanner;
  Mode mode = Mode::kUndecided;
  bool held_magic = false;  // a first byte 0x1f waits for the second
  z_stream zs{};
  bool z_ready = false;
  bool member_open = false;  // inside a gzip member
  uint64_t members = 0;      // gzip members completed
  std::unique_ptr<char[]> out;
  uint64_t bytes_in = 0;
  uint64_t consumed = 0;  // compressed bytes taken by zlib
  bool finished = false;
  Status error;
};

Status CloudTrailLogStream::Impl::Inflate(std::string_view bytes, const RecordSink& sink) {
  if (!z_ready) {
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
      return InternalError("log file: inflateInit2 failed");
    }
    z_ready = true;
    out.reset(new char[kInflateChunk]);
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  while (true) {
    if (!member_open) {
      if (zs.avail_in == 0) break;
      if (members > 0) {
        if (*zs.next_in != 0x1f) {
          return DataLossError("log file: trailing bytes after the gzip stream at byte " +
                               std::to_string(consumed) + " of the file (not another gzip member)");
        }
        inflateReset(&zs);
      }
      member_open = true;
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.get());
    zs.avail_out = kInflateChunk;
    const uInt before = zs.avail_in;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    consumed += before - zs.avail_in;
    const size_t produced = kInflateChunk - zs.avail_out;
    if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
      const std::string why = zs.msg != nullptr ? zs.msg : "corrupt data";
      return DataLossError("log file: corrupt gzip stream (" + why + ") after " +
                           std::to_string(consumed) + " bytes");
    }
    if (produced > 0) {
      if (Status st = scanner.Scan({out.get(), produced}, sink); !st.ok()) return st;
    }
    if (rc == Z_STREAM_END) {
      member_open = false;
      ++members;
      continue;
    }
    if (rc == Z_BUF_ERROR) break;  // no progress possible: needs more input
    if (zs.avail_in == 0 && zs.avail_out != 0) break;
  }
  // zlib keeps no pointer into `bytes` past this call.
  zs.next_in = nullptr;
  zs.avail_in = 0;
  return Status::Ok();
}

Status CloudTrailLogStream::Impl::Feed(std::string_view bytes, const RecordSink& sink) {
  if (bytes.empty()) return Status::Ok();
  if (mode == Mode::kUndecided) {
    static constexpr char kMagic1[] = "\x1f";
    if (held_magic) {
      held_magic = false;
      if (static_cast<unsigned char>(bytes[0]) == 0x8b) {
        mode = Mode::kGzip;
        if (Status st = Inflate({kMagic1, 1}, sink); !st.ok()) return st;
      } else {
        mode = Mode::kPlain;
        if (Status st = scanner.Scan({kMagic1, 1}, sink); !st.ok()) return st;
      }
    } else if (static_cast<unsigned char>(bytes[0]) == 0x1f && bytes.size() == 1) {
      held_magic = true;
      return Status::Ok();
    } else {
      mode = HasGzipMagic(bytes) ? Mode::kGzip : Mode::kPlain;
    }
  }
  if (mode == Mode::kPlain) return scanner.Scan(bytes, sink);
  // zlib counts input in 32-bit units.
  constexpr size_t kMaxPiece = size_t{1} << 30;
  for (size_t at = 0; at < bytes.size(); at += kMaxPiece) {
    if (Status st = Inflate(bytes.substr(at, kMaxPiece), sink); !st.ok()) return st;
  }
  return Status::Ok();
}

Status CloudTrailLogStream::Impl::FinishImpl(const RecordSink& sink) {
  if (bytes_in == 0) return LogError("empty");
  if (held_magic) {  // a one-byte file
    held_magic = false;
    mode = Mode::kPlain;
    if (Status st = scanner.Scan({"\x1f", 1}, sink); !st.ok()) return st;
  }
  if (mode == Mode::kGzip) {
    if (member_open) {
      return DataLossError("log file: truncated gzip stream after " + std::to_string(bytes_in) +
                           " bytes");
    }
    if (scanner.scanned() == 0) return LogError("empty (the gzip stream inflates to no bytes)");
  }
  return scanner.End();
}

CloudTrailLogStream::CloudTrailLogStream(size_t max_record_bytes)
    : impl_(std::make_unique<Impl>(max_record_bytes)) {}

CloudTrailLogStream::~CloudTrailLogStream() = default;

Status CloudTrailLogStream::Write(std::string_view bytes, const RecordSink& sink) {
  if (!impl_->error.ok()) return impl_->error;
  if (impl_->finished) return InternalError("log file: Write after Finish");
  impl_->bytes_in += bytes.size();
  impl_->error = impl_->Feed(bytes, sink);
  return impl_->error;
}

Status CloudTrailLogStream::Finish(const RecordSink& sink) {
  if (!impl_->error.ok() || impl_->finished) return impl_->error;
  impl_->finished = true;
  impl_->error = impl_->FinishImpl(sink);
  return impl_->error;
}

uint64_t CloudTrailLogStream::records() const { return impl_->scanner.records(); }
uint64_t CloudTrailLogStream::bytes_in() const { return impl_->bytes_in; }
uint64_t CloudTrailLogStream::bytes_inflated() const { return impl_->scanner.scanned(); }
CloudTrailLogStream::Position CloudTrailLogStream::record_position() const {
  return impl_->scanner.record_position();
}

Status ReadCloudTrailLog(std::string_view file_bytes, const RecordSink& sink) {
  if (HasGzipMagic(file_bytes)) {
    std::string text;
    if (FastInflate(file_bytes, &text)) {
      if (text.empty()) return LogError("empty (the gzip stream inflates to no bytes)");
      Scanner scanner(kDefaultMaxRecordBytes);
      if (Status st = scanner.Scan(text, sink); !st.ok()) return st;
      return scanner.End();
    }
  }
  CloudTrailLogStream stream;
  if (Status st = stream.Write(file_bytes, sink); !st.ok()) return st;
  return stream.Finish(sink);
}

}  // namespace iam_audit
