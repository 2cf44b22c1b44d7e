// Record files → record texts with positions (see record_reader.h).
//
// Why not nlohmann's parse-then-dump: it sorts keys and rewrites escapes, and
// the simulator must hand CloudWatch Logs the record as CloudTrail wrote it.
// So a Records array is cut into element slices by a small scanner (strings
// and nesting only), and each slice is validated on its own: one broken
// element is reported with its index and position, and the next one is read.
#include "iam_audit/simulator/record_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "input.h"  // iam_audit::cli::LineReader
#include "json_error.h"

namespace iam_audit::simulator {
namespace {

namespace fs = std::filesystem;

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
    internal::JsonError error;
    if (!internal::FindJsonError(text, error)) error.reason = "not valid JSON";
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

bool HasRecordSuffix(const std::string& name) {
  // The project's golden Slack messages sit beside the fixtures they belong to.
  constexpr std::string_view kGolden = ".expected.json";
  if (name.size() >= kGolden.size() &&
      name.compare(name.size() - kGolden.size(), kGolden.size(), kGolden) == 0) {
    return false;
  }
  for (std::string_view suffix :
       {".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz"}) {
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

StatusOr<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    if (input == "-") {
      files.push_back(input);
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(input, ec);
    if (ec || !fs::exists(st)) return NotFoundError(input + ": no such file or directory");
    if (!fs::is_directory(st)) {
      files.push_back(input);
      continue;
    }
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator
             it(input, fs::directory_options::follow_directory_symlink, ec),
         end;
         !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file() && HasRecordSuffix(it->path().filename().string())) {
        found.push_back(it->path().string());
      }
    }
    if (ec) return NotFoundError(input + ": cannot list: " + ec.message());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

void ReadRecordText(std::string_view content, const std::string& file,
                    const RecordCallback& on_record, const ErrorCallback& on_error) {
  Reader reader(file, on_record, on_error);
  reader.Text(content);
}

void ReadRecordFile(const std::string& path, const RecordCallback& on_record,
                    const ErrorCallback& on_error) {
  const std::string name = path == "-" ? "<stdin>" : path;
  auto opened = cli::LineReader::Open(path);
  if (!opened.ok()) {
    on_error(SourcePosition{name, 1, 1, 0}, opened.status().message());
    return;
  }
  cli::LineReader& lines = **opened;
  Reader reader(name, on_record, on_error);
  std::string line;
  std::string head;  // lines read before the format is known
  bool json_lines = false;
  simdjson::dom::parser probe;
  while (lines.Next(line)) {
    if (json_lines) {
      reader.Line(line, lines.line_number());
      continue;
    }
    head += line;
    head += '\n';
    if (SkipBlank(line, 0) >= line.size()) continue;
    // The first non-blank line decides: valid JSON on its own means JSON
    // Lines (streamed, memory bounded by a line); otherwise the file is one
    // document, read whole.
    simdjson::dom::element root;
    if (probe.parse(line.data(), line.size()).get(root) == simdjson::SUCCESS) {
      json_lines = true;
      reader.Lines(head);
      head.clear();
      continue;
    }
    while (lines.Next(line)) {
      head += line;
      head += '\n';
    }
    break;
  }
  if (!json_lines && !head.empty()) reader.Text(head);
  if (!lines.status().ok()) {
    on_error(SourcePosition{name, lines.line_number() + 1, 1, reader.index()},
             lines.status().message());
  }
}

}  // namespace iam_audit::simulator
