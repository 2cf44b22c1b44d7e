#include "input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "iam_audit/json_error_text.h"

namespace iam_audit::cli {
namespace {

using nlohmann::json;

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

// Lines are handed out as views into `buffer`: [pos, end) holds bytes not yet
// returned. When no '\n' is left in it, the tail is moved to the front and
// the buffer refilled after it (grown when one line fills all of it), so a
// line is copied at most once however it straddles reads.
struct LineReader::Impl {
  static constexpr size_t kBlock = 256 * 1024;
  gzFile gz = nullptr;  // gzip input; plain files are read with read() on fd
  int fd = -1;
  std::string buffer;
  size_t pos = 0;
  size_t end = 0;
  size_t scanned = 0;  // bytes from pos already known to hold no '\n'
  uint64_t plain_bytes = 0;
  bool eof = false;
};

StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  std::unique_ptr<LineReader> reader(new LineReader());
  reader->impl_ = std::make_unique<Impl>();
  reader->path_ = path == "-" ? "<stdin>" : path;
  int fd = path == "-" ? dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFoundError(reader->path_ + ": cannot open: " + ErrnoText());
  struct stat st {};
  if (fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      close(fd);
      return InvalidArgumentError(reader->path_ + ": is a directory");
    }
    if (S_ISREG(st.st_mode)) reader->file_size_ = static_cast<uint64_t>(st.st_size);
  }
  // Plain input (no gzip magic 1f 8b) is read straight into our buffer: zlib's
  // transparent mode would copy every byte once more. The magic is peeked only
  // where we can seek back; pipes keep going through zlib, which handles both.
  bool plain = false;
  const off_t here = lseek(fd, 0, SEEK_CUR);
  if (here >= 0) {
    unsigned char magic[2] = {0, 0};
    ssize_t got;
    do {
      got = ::read(fd, magic, sizeof magic);
    } while (got < 0 && errno == EINTR);
    if (got >= 0 && lseek(fd, here, SEEK_SET) == here) {
      plain = !(got == 2 && magic[0] == 0x1f && magic[1] == 0x8b);
    }
  }
  if (plain) {
    reader->impl_->fd = fd;
    return reader;
  }
  reader->impl_->gz = gzdopen(fd, "rb");
  if (reader->impl_->gz == nullptr) {
    close(fd);
    return InternalError(reader->path_ + ": cannot open for reading");
  }
  gzbuffer(reader->impl_->gz, 256 * 1024);
  return reader;
}

LineReader::~LineReader() {
  if (!impl_) return;
  if (impl_->gz) gzclose(impl_->gz);
  if (impl_->fd >= 0) close(impl_->fd);
}

uint64_t LineReader::bytes_read() const {
  if (impl_->gz) return static_cast<uint64_t>(gzoffset(impl_->gz));
  return impl_->plain_bytes;
}

bool LineReader::Next(std::string& line) {
  std::string_view view;
  if (!Next(view)) {
    line.clear();
    return false;
  }
  line.assign(view.data(), view.size());
  return true;
}

bool LineReader::Next(std::string_view& line) {
  Impl& in = *impl_;
  for (;;) {
    if (in.pos + in.scanned < in.end) {
      const char* start = in.buffer.data() + in.pos;
      const void* nl = std::memchr(start + in.scanned, '\n', in.end - in.pos - in.scanned);
      if (nl != nullptr) {
        size_t n = static_cast<size_t>(static_cast<const char*>(nl) - start);
        in.pos += n + 1;
        in.scanned = 0;
        if (n > 0 && start[n - 1] == '\r') --n;
        line = std::string_view(start, n);
        ++line_number_;
        return true;
      }
      in.scanned = in.end - in.pos;
    }
    if (in.eof) {
      if (in.pos == in.end) {
        line = {};
        return false;
      }
      const char* start = in.buffer.data() + in.pos;
      size_t n = in.end - in.pos;
      in.pos = in.end;
      in.scanned = 0;
      if (start[n - 1] == '\r') --n;
      line = std::string_view(start, n);
      ++line_number_;
      return true;
    }
    // Keep the unfinished line at the front and read more after it.
    const size_t keep = in.end - in.pos;
    if (keep > 0 && in.pos > 0) std::memmove(in.buffer.data(), in.buffer.data() + in.pos, keep);
    in.pos = 0;
    in.end = keep;
    if (in.buffer.size() < Impl::kBlock) in.buffer.resize(Impl::kBlock);
    if (in.buffer.size() - keep < Impl::kBlock / 2) in.buffer.resize(in.buffer.size() * 2);
    const size_t room = in.buffer.size() - keep;
    char* dest = in.buffer.data() + keep;
    if (in.gz == nullptr) {
      ssize_t n;
      do {
        n = ::read(in.fd, dest, room);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        status_ = DataLossError(path_ + ":" + std::to_string(line_number_ + 1) +
                                ": read error: " + ErrnoText());
        in.pos = in.end = in.scanned = 0;
        in.eof = true;
        line = {};
        return false;
      }
      in.plain_bytes += static_cast<uint64_t>(n);
      in.end += static_cast<size_t>(n);
      if (n == 0) in.eof = true;
      continue;
    }
    const unsigned ask = static_cast<unsigned>(std::min<size_t>(room, 1u << 30));
    const int n = gzread(in.gz, dest, ask);
    if (n < 0) {
      int errnum = 0;
      const char* msg = gzerror(in.gz, &errnum);
      status_ = DataLossError(path_ + ":" + std::to_string(line_number_ + 1) +
                              ": read error: " + (msg ? msg : "unknown"));
      in.pos = in.end = in.scanned = 0;
      in.eof = true;
      line = {};
      return false;
    }
    in.end += static_cast<size_t>(n);
    if (n == 0) {
      in.eof = true;
      // A gzip stream that ends early is reported, not taken as end of input.
      int errnum = 0;
      const char* msg = gzerror(in.gz, &errnum);
      if (errnum != Z_OK && errnum != Z_STREAM_END) {
        status_ = DataLossError(path_ + ": corrupt or truncated gzip input: " + (msg ? msg : ""));
        in.pos = in.end = in.scanned = 0;
        line = {};
        return false;
      }
    }
  }
}

StatusOr<std::vector<std::string>> ExpandInputPaths(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    if (path == "-") {
      files.push_back(path);
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) return NotFoundError(path + ": no such file or folder");
    if (!fs::is_directory(st)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) found.push_back(it->path().string());
    }
    if (ec) return InvalidArgumentError(path + ": cannot list: " + ec.message());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

StatusOr<std::string> ReadInput(const std::string& path, size_t max_bytes) {
  auto reader = LineReader::Open(path);
  if (!reader.ok()) return reader.status();
  LineReader& r = **reader;
  // Read raw through the same transparent-gzip path, keeping line endings.
  std::string content;
  std::string line;
  while (r.Next(line)) {
    if (content.size() + line.size() + 1 > max_bytes) {
      return ResourceExhaustedError(r.path() + ": larger than the limit of " +
                                    std::to_string(max_bytes) + " bytes");
    }
    content += line;
    content += '\n';
  }
  if (!r.status().ok()) return r.status();
  return content;
}

TextPosition PositionOf(std::string_view text, size_t offset) {
  TextPosition pos;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

namespace {

// Start of the token whose last character is at `end` (a string literal or a
// bare word/number); `end` itself for punctuation.
size_t TokenStart(std::string_view text, size_t end) {
  if (end >= text.size()) return end;
  if (text[end] == '"' && end > 0) {
    for (size_t i = end; i-- > 0;) {
      if (text[i] != '"') continue;
      size_t backslashes = 0;
      for (size_t j = i; j-- > 0 && text[j] == '\\';) ++backslashes;
      if (backslashes % 2 == 0) return i;
    }
    return end;
  }
  const auto word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-';
  };
  size_t start = end;
  while (start > 0 && word(text[start]) && word(text[start - 1])) --start;
  return start;
}

// Parses one JSON text; on error reports the position relative to `base`.
bool ParseAt(std::string_view text, TextPosition base, json& out,
             const std::function<void(const TextPosition&, const std::string&)>& on_error) {
  try {
    out = json::parse(text.begin(), text.end());
    return true;
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points at the last character of the offending
    // token; report where that token starts, as people (and Python) expect.
    const size_t at = TokenStart(text, e.byte > 0 ? e.byte - 1 : 0);
    TextPosition rel = PositionOf(text, at);
    TextPosition abs = rel.line == 1 ? TextPosition{base.line, base.column + rel.column - 1}
                                     : TextPosition{base.line + rel.line - 1, rel.column};
    // Drop nlohmann's own position ("parse error at line 1, column 5: ") — ours is absolute.
    const std::string_view what = JsonErrorWithoutTag(e.what());
    std::string_view place, reason;
    if (what.rfind("parse error", 0) == 0 && SplitJsonParseError(what, place, reason)) {
      on_error(abs, "invalid JSON: " + std::string(reason));
    } else {
      on_error(abs, std::string(what));
    }
    return false;
  } catch (const json::exception& e) {
    on_error(base, std::string(JsonErrorWithoutTag(e.what())));
    return false;
  }
}

}  // namespace

void SplitRecords(std::string_view content, const std::function<void(const RecordText&)>& on_record,
                  const std::function<void(const TextPosition&, const std::string&)>& on_error) {
  // Find the first non-blank line: if it is a complete JSON value on its own,
  // the input is JSON Lines; otherwise it is one JSON document.
  size_t first = content.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    on_error(TextPosition{}, "no records in input");
    return;
  }
  size_t line_start = content.rfind('\n', first);
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  size_t line_end = content.find('\n', first);
  std::string_view first_line = content.substr(
      line_start, (line_end == std::string_view::npos ? content.size() : line_end) - line_start);
  size_t index = 0;

  const bool rest_blank = line_end == std::string_view::npos ||
                          content.find_first_not_of(" \t\r\n", line_end) == std::string_view::npos;
  if (!rest_blank && json::accept(first_line.begin(), first_line.end())) {
    uint64_t line_no = 1;
    size_t pos = 0;
    while (pos < content.size()) {
      size_t end = content.find('\n', pos);
      if (end == std::string_view::npos) end = content.size();
      std::string_view line = content.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") != std::string_view::npos) {
        json doc;
        if (ParseAt(line, TextPosition{line_no, 1}, doc, on_error)) {
          if (!doc.is_object()) {
            on_error(
                TextPosition{line_no, 1},
                std::string("expected a CloudTrail record (JSON object), got ") + doc.type_name());
          } else {
            on_record(RecordText{std::string(line), TextPosition{line_no, 1}, index});
          }
        }
        ++index;
      }
      pos = end + 1;
      ++line_no;
    }
    return;
  }

  json doc;
  if (!ParseAt(content, TextPosition{}, doc, on_error)) return;
  const TextPosition start = PositionOf(content, first);
  if (doc.is_object() && doc.contains("Records")) {
    const json& records = doc["Records"];
    if (!records.is_array()) {
      on_error(start, std::string("\"Records\" must be an array, got ") + records.type_name());
      return;
    }
    for (const json& record : records) {
      if (!record.is_object()) {
        on_error(start, "Records[" + std::to_string(index) + "]: expected a JSON object, got " +
                            record.type_name());
      } else {
        on_record(
            RecordText{record.dump(-1, ' ', false, json::error_handler_t::replace), start, index});
      }
      ++index;
    }
    return;
  }
  if (!doc.is_object()) {
    on_error(start,
             std::string("expected a CloudTrail record (JSON object), got ") + doc.type_name());
    return;
  }
  on_record(RecordText{std::string(content.substr(first)), start, 0});
}

}  // namespace iam_audit::cli
