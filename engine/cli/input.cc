// The CLI's input helpers (input.h): whole-file and line-by-line reading of a
// file or standard input, with transparent gzip.
#include "input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace iam_audit::cli {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

// Lines are handed out as views into `buffer`: [pos, end) holds bytes not yet
// returned. When no '\n' is left in it, the tail is moved to the front and
// the buffer refilled after it (grown when one line fills all of it), so a
// line is copied at most once however it straddles reads.
struct LineReader::Impl {
  static constexpr size_t kBlock = size_t{256} * 1024;
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

}  // namespace iam_audit::cli
