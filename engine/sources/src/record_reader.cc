// Record files → record texts with positions (see record_reader.h).
//
// Why not nlohmann's parse-then-dump: it sorts keys and rewrites escapes, and
// the simulator must hand CloudWatch Logs the record as CloudTrail wrote it.
// So a Records array is cut into element slices by a small scanner (strings
// and nesting only), and each slice is validated on its own: one broken
// element is reported with its index and position, and the next one is read.
#include "iam_audit/sources/record_reader.h"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "iam_audit/sources/json_error.h"

namespace iam_audit::sources {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t SkipBlank(std::string_view text, size_t pos) {
  while (pos < text.size() && IsBlank(text[pos])) ++pos;
  return pos;
}

// Offsets → line:column, for offsets visited in increasing order.
class PositionTracker {
 public:
  PositionTracker(std::string_view text, uint64_t base_line, uint64_t base_column)
      : text_(text), base_line_(base_line), base_column_(base_column) {}
  void At(size_t offset, uint64_t& line, uint64_t& column) {
    if (offset < offset_) {
      offset_ = 0;
      line_ = 0;
      column_ = 0;
    }
    for (; offset_ < offset && offset_ < text_.size(); ++offset_) {
      if (text_[offset_] == '\n') {
        ++line_;
        column_ = 0;
      } else {
        ++column_;
      }
    }
    line = base_line_ + line_;
    column = line_ == 0 ? base_column_ + column_ : 1 + column_;
  }

 private:
  std::string_view text_;
  uint64_t base_line_, base_column_;
  size_t offset_ = 0;
  uint64_t line_ = 0, column_ = 0;
};

// End (one past) of the JSON value starting at `pos`, or npos when the text
// ends inside it. Only strings and nesting are tracked; the slice is
// validated separately.
size_t SkipValue(std::string_view text, size_t pos) {
  if (pos >= text.size()) return std::string_view::npos;
  const char c = text[pos];
  if (c == '"') {
    for (size_t i = pos + 1; i < text.size(); ++i) {
      if (text[i] == '\\') {
        ++i;
      } else if (text[i] == '"') {
        return i + 1;
      }
    }
    return std::string_view::npos;
  }
  if (c == '{' || c == '[') {
    int depth = 0;
    for (size_t i = pos; i < text.size(); ++i) {
      const char d = text[i];
      if (d == '"') {
        const size_t end = SkipValue(text, i);
        if (end == std::string_view::npos) return end;
        i = end - 1;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::string_view::npos;
  }
  size_t i = pos;
  while (i < text.size() && !IsBlank(text[i]) && text[i] != ',' && text[i] != ']' && text[i] != '}')
    ++i;
  return i == pos ? pos + 1 : i;
}

const char* TypeName(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "array";
    case simdjson::dom::element_type::OBJECT:
      return "object";
    case simdjson::dom::element_type::STRING:
      return "string";
    case simdjson::dom::element_type::BOOL:
      return "boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
    default:
      return "number";
  }
}

class Reader {
 public:
  Reader(std::string file, const RecordCallback& on_record, const ErrorCallback& on_error)
      : file_(std::move(file)), on_record_(on_record), on_error_(on_error) {}

  // Validates `text`; on error reports it at the right place. Returns
  // whether it is valid, and its root in `root`.
  bool Validate(std::string_view text, PositionTracker& where, size_t base_offset,
                simdjson::dom::element& root, const std::string& context) {
    if (parser_.parse(text.data(), text.size()).get(root) == simdjson::SUCCESS) return true;
    JsonError error;
    if (!FindJsonError(text, error)) error.reason = "not valid JSON";
    Error(where, base_offset + error.offset, context + "invalid JSON: " + error.reason);
    return false;
  }

  void Error(PositionTracker& where, size_t offset, const std::string& message) {
    SourcePosition pos{file_, 1, 1, index_};
    where.At(offset, pos.line, pos.column);
    on_error_(pos, message);
  }

  void Record(std::string_view text, PositionTracker& where, size_t offset) {
    SourcePosition pos{file_, 1, 1, index_};
    where.At(offset, pos.line, pos.column);
    on_record_(text, pos);
  }

  // The elements of the array whose '[' is at `open` in `text`.
  void ScanArray(std::string_view text, size_t open, PositionTracker& where, bool records_key) {
    const std::string label = records_key ? "Records" : "element";
    size_t pos = SkipBlank(text, open + 1);
    if (pos < text.size() && text[pos] == ']') return;
    for (;;) {
      pos = SkipBlank(text, pos);
      const std::string context = label + "[" + std::to_string(array_index_) + "]: ";
      if (pos >= text.size()) {
        Error(where, pos, context + "the file ends inside the array (missing ']')");
        ++index_;
        return;
      }
      const size_t end = SkipValue(text, pos);
      if (end == std::string_view::npos) {
        Error(where, pos, context + "the file ends inside this element (truncated?)");
        ++index_;
        return;
      }
      const std::string_view element = text.substr(pos, end - pos);
      simdjson::dom::element root;
      if (Validate(element, where, pos, root, context)) {
        if (root.is_object()) {
          Record(element, where, pos);
        } else {
          Error(where, pos,
                context + "expected a CloudTrail record (JSON object), got " + TypeName(root));
        }
      }
      ++index_;
      ++array_index_;
      pos = SkipBlank(text, end);
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == ']') return;
      Error(where, pos,
            pos >= text.size() ? label + ": the file ends inside the array (missing ']')"
                               : label + ": expected ',' or ']' after element " +
                                     std::to_string(array_index_ - 1));
      return;
    }
  }

  // Offset of the '[' of a top-level "Records" array in the object at
  // `open`, or npos.
  static size_t FindRecordsArray(std::string_view text, size_t open) {
    size_t pos = SkipBlank(text, open + 1);
    while (pos < text.size() && text[pos] == '"') {
      const size_t key_end = SkipValue(text, pos);
      if (key_end == std::string_view::npos) return key_end;
      const std::string_view key = text.substr(pos + 1, key_end - pos - 2);
      pos = SkipBlank(text, key_end);
      if (pos >= text.size() || text[pos] != ':') return std::string_view::npos;
      pos = SkipBlank(text, pos + 1);
      if (key == "Records")
        return pos < text.size() && text[pos] == '[' ? pos : std::string_view::npos;
      const size_t value_end = SkipValue(text, pos);
      if (value_end == std::string_view::npos) return value_end;
      pos = SkipBlank(text, value_end);
      if (pos >= text.size() || text[pos] != ',') return std::string_view::npos;
      pos = SkipBlank(text, pos + 1);
    }
    return std::string_view::npos;
  }

  // One line of JSON Lines (or a one-line document).
  void Line(std::string_view line, uint64_t line_number) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t start = SkipBlank(line, 0);
    if (start >= line.size()) return;
    PositionTracker where(line, line_number, 1);
    array_index_ = 0;
    simdjson::dom::element root;
    if (!Validate(line, where, 0, root, "")) {
      ++index_;
      return;
    }
    Document(line, start, root, where);
  }

  // A valid document starting at `start`: a record, a Records file or an array.
  void Document(std::string_view text, size_t start, simdjson::dom::element root,
                PositionTracker& where) {
    if (root.is_array()) {
      ScanArray(text, start, where, false);
      return;
    }
    if (root.is_object()) {
      simdjson::dom::element records;
      if (root["Records"].get(records) == simdjson::SUCCESS) {
        const size_t open = FindRecordsArray(text, start);
        if (!records.is_array() || open == std::string_view::npos) {
          Error(where, start,
                std::string("\"Records\" must be an array, got ") + TypeName(records));
          ++index_;
          return;
        }
        ScanArray(text, open, where, true);
        return;
      }
      size_t end = text.size();
      while (end > start && IsBlank(text[end - 1])) --end;
      Record(text.substr(start, end - start), where, start);
      ++index_;
      return;
    }
    Error(where, start,
          std::string("expected a CloudTrail record (JSON object), got ") + TypeName(root));
    ++index_;
  }

  void Text(std::string_view content) {
    const size_t first = SkipBlank(content, 0);
    if (first >= content.size()) return;
    size_t line_end = content.find('\n', first);
    if (line_end == std::string_view::npos) line_end = content.size();
    const size_t line_start =
        content.rfind('\n', first) == std::string_view::npos ? 0 : content.rfind('\n', first) + 1;
    simdjson::dom::element root;
    const std::string_view first_line = content.substr(line_start, line_end - line_start);
    if (parser_.parse(first_line.data(), first_line.size()).get(root) == simdjson::SUCCESS) {
      Lines(content);
      return;
    }
    PositionTracker where(content, 1, 1);
    array_index_ = 0;
    if (parser_.parse(content.data(), content.size()).get(root) == simdjson::SUCCESS) {
      Document(content, first, root, where);
      return;
    }
    // Broken: salvage what a reader can tell apart.
    if (content[first] == '[') {
      ScanArray(content, first, where, false);
      return;
    }
    if (content[first] == '{') {
      const size_t open = FindRecordsArray(content, first);
      if (open != std::string_view::npos) {
        ScanArray(content, open, where, true);
        return;
      }
    }
    if (LooksLikeJsonLines(content, line_end)) {
      Lines(content);
      return;
    }
    simdjson::dom::element ignored;
    Validate(content, where, 0, ignored, "");
    ++index_;
  }

  void Lines(std::string_view content) {
    uint64_t line_number = 1;
    size_t pos = 0;
    while (pos < content.size()) {
      size_t end = content.find('\n', pos);
      if (end == std::string_view::npos) end = content.size();
      Line(content.substr(pos, end - pos), line_number);
      pos = end + 1;
      ++line_number;
    }
  }

  // After a first line that is not JSON: do later lines stand alone as JSON objects?
  bool LooksLikeJsonLines(std::string_view content, size_t after) {
    size_t pos = after;
    int checked = 0;
    while (pos < content.size() && checked < 8) {
      size_t end = content.find('\n', pos + 1);
      if (end == std::string_view::npos) end = content.size();
      std::string_view line = content.substr(pos, end - pos);
      const size_t s = SkipBlank(line, 0);
      if (s < line.size()) {
        ++checked;
        simdjson::dom::element root;
        if (line[s] == '{' &&
            parser_.parse(line.data(), line.size()).get(root) == simdjson::SUCCESS) {
          return true;
        }
      }
      pos = end;
    }
    return false;
  }

  uint64_t index() const { return index_; }
  void set_index(uint64_t index) { index_ = index; }

 private:
  std::string file_;
  const RecordCallback& on_record_;
  const ErrorCallback& on_error_;
  simdjson::dom::parser parser_;
  uint64_t index_ = 0;        // record number in the file
  uint64_t array_index_ = 0;  // element number in the current array
};

}  // namespace

std::string SourcePosition::ToString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// Bytes in, lines out: gzip (by its magic; concatenated members, as gzip -d
// reads them) or plain, then split at '\n'. The first non-blank line decides
// the format, as it always has: valid JSON on its own means JSON Lines
// (streamed, memory bounded by a line); otherwise the file is one document,
// read whole.
struct RecordFileReader::Impl {
  Impl(std::string file_name, RecordCallback record, ErrorCallback error)
      : name(std::move(file_name)),
        on_record(std::move(record)),
        on_error(std::move(error)),
        reader(name, on_record, on_error) {}
  ~Impl() {
    if (z_ready) inflateEnd(&zs);
  }

  void Write(std::string_view bytes);
  void Inflate(std::string_view bytes);
  void Text(std::string_view text);
  void Line(std::string_view line);
  void Finish();

  std::string name;
  RecordCallback on_record;
  ErrorCallback on_error;
  Reader reader;

  enum class Mode { kUndecided, kPlain, kGzip };
  Mode mode = Mode::kUndecided;
  bool held_magic = false;  // a first byte 0x1f waiting for the second
  z_stream zs{};
  bool z_ready = false;
  bool member_open = false;
  uint64_t members = 0;
  uint64_t consumed = 0;  // compressed bytes taken by zlib
  std::unique_ptr<char[]> out;
  std::string error;  // the gzip stream's error, reported by Finish

  std::string partial;  // an unfinished line
  uint64_t line_number = 0;
  std::string head;  // lines read before the format is known (or the whole document)
  bool json_lines = false;
  bool whole = false;
  simdjson::dom::parser probe;
};

void RecordFileReader::Impl::Inflate(std::string_view bytes) {
  constexpr size_t kOut = size_t{256} * 1024;
  if (!z_ready) {
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
      error = "cannot start the gzip decoder";
      return;
    }
    z_ready = true;
    out.reset(new char[kOut]);
  }
  while (!bytes.empty() && error.empty()) {
    const size_t piece = std::min<size_t>(bytes.size(), size_t{1} << 30);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(piece);
    while (error.empty()) {
      if (!member_open) {
        if (zs.avail_in == 0) break;
        if (members > 0) {
          if (*zs.next_in != 0x1f) {
            error = "trailing bytes after the gzip stream at byte " + std::to_string(consumed);
            break;
          }
          inflateReset(&zs);
        }
        member_open = true;
      }
      zs.next_out = reinterpret_cast<Bytef*>(out.get());
      zs.avail_out = kOut;
      const uInt before = zs.avail_in;
      const int rc = inflate(&zs, Z_NO_FLUSH);
      consumed += before - zs.avail_in;
      const size_t produced = kOut - zs.avail_out;
      if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
        error = std::string("corrupt gzip input (") +
                (zs.msg != nullptr ? zs.msg : "corrupt data") + ") after " +
                std::to_string(consumed) + " bytes";
        break;
      }
      if (produced > 0) Text({out.get(), produced});
      if (rc == Z_STREAM_END) {
        member_open = false;
        ++members;
        continue;
      }
      if (rc == Z_BUF_ERROR) break;
      if (zs.avail_in == 0 && zs.avail_out != 0) break;
    }
    bytes.remove_prefix(piece);
  }
  zs.next_in = nullptr;
  zs.avail_in = 0;
  if (!error.empty()) partial.clear();  // the line the error cut is not a line
}

void RecordFileReader::Impl::Write(std::string_view bytes) {
  if (bytes.empty() || !error.empty()) return;
  static constexpr char kMagic1[] = "\x1f";
  if (mode == Mode::kUndecided) {
    if (held_magic) {
      held_magic = false;
      if (static_cast<unsigned char>(bytes[0]) == 0x8b) {
        mode = Mode::kGzip;
        Inflate({kMagic1, 1});
      } else {
        mode = Mode::kPlain;
        Text({kMagic1, 1});
      }
    } else if (static_cast<unsigned char>(bytes[0]) == 0x1f && bytes.size() == 1) {
      held_magic = true;
      return;
    } else {
      mode = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                     static_cast<unsigned char>(bytes[1]) == 0x8b
                 ? Mode::kGzip
                 : Mode::kPlain;
    }
  }
  if (mode == Mode::kGzip) {
    Inflate(bytes);
  } else {
    Text(bytes);
  }
}

void RecordFileReader::Impl::Text(std::string_view text) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      partial.append(text);
      return;
    }
    std::string_view line = text.substr(0, nl);
    if (!partial.empty()) {
      partial.append(line);
      line = partial;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_number;
    Line(line);
    partial.clear();
    text.remove_prefix(nl + 1);
  }
}

void RecordFileReader::Impl::Line(std::string_view line) {
  if (json_lines) {
    reader.Line(line, line_number);
    return;
  }
  head.append(line);
  head += '\n';
  if (whole || SkipBlank(line, 0) >= line.size()) return;
  simdjson::dom::element root;
  if (probe.parse(line.data(), line.size()).get(root) == simdjson::SUCCESS) {
    json_lines = true;
    reader.Lines(head);
    std::string().swap(head);
    return;
  }
  whole = true;
}

void RecordFileReader::Impl::Finish() {
  if (held_magic) {  // a one-byte file
    held_magic = false;
    Text({"\x1f", 1});
  }
  if (mode == Mode::kGzip && error.empty() && member_open) {
    error = "truncated gzip input after " + std::to_string(consumed) + " bytes";
    partial.clear();
  }
  if (!partial.empty()) {
    std::string last;
    last.swap(partial);
    if (!last.empty() && last.back() == '\r') last.pop_back();
    ++line_number;
    Line(last);
  }
  if (!json_lines && !head.empty()) reader.Text(head);
  if (!error.empty()) {
    on_error(SourcePosition{name, line_number + 1, 1, reader.index()}, error);
  }
}

RecordFileReader::RecordFileReader(std::string name, RecordCallback on_record,
                                   ErrorCallback on_error)
    : impl_(std::make_unique<Impl>(std::move(name), std::move(on_record), std::move(on_error))) {}
RecordFileReader::~RecordFileReader() = default;
void RecordFileReader::Write(std::string_view bytes) { impl_->Write(bytes); }
void RecordFileReader::Finish() { impl_->Finish(); }
uint64_t RecordFileReader::index() const { return impl_->reader.index(); }
bool RecordFileReader::failed() const { return !impl_->error.empty(); }

void ReadRecordText(std::string_view content, const std::string& file,
                    const RecordCallback& on_record, const ErrorCallback& on_error) {
  Reader reader(file, on_record, on_error);
  reader.Text(content);
}

void ReadRecordFile(const std::string& path, const RecordCallback& on_record,
                    const ErrorCallback& on_error) {
  const std::string name = path == "-" ? "<stdin>" : path;
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    on_error(SourcePosition{name, 1, 1, 0}, name + ": cannot open: " + std::strerror(errno));
    return;
  }
  RecordFileReader reader(name, on_record, on_error);
  constexpr size_t kReadBytes = size_t{256} * 1024;
  std::unique_ptr<char[]> buffer(new char[kReadBytes]);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.get(), kReadBytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      reader.Finish();
      std::string message = name;
      message += ": read error: ";
      message += why;
      on_error(SourcePosition{name, 1, 1, reader.index()}, message);
      if (fd != STDIN_FILENO) ::close(fd);
      return;
    }
    if (n == 0) break;
    reader.Write({buffer.get(), static_cast<size_t>(n)});
  }
  if (fd != STDIN_FILENO) ::close(fd);
  reader.Finish();
}

}  // namespace iam_audit::sources
