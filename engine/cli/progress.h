// test-filter's progress lines on standard error when it is a terminal:
// FileProgress, the bar of one large file as the line reader gets through
// its bytes, and ArchiveProgress, the line of a run over many files (files,
// events, MB/s, and an ETA once the files are counted). The callers decide
// whether stderr is a terminal; both erase their line when done.
#ifndef IAM_AUDIT_ENGINE_CLI_PROGRESS_H_
#define IAM_AUDIT_ENGINE_CLI_PROGRESS_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace iam_audit::cli {

// A single file at least this large gets a progress bar when stderr is a terminal.
inline constexpr uint64_t kProgressMinBytes = 64ull << 20;

// The progress bar of a single large file (the line reader's bytes).
class FileProgress {
 public:
  explicit FileProgress(bool enabled) : enabled_(enabled), start_(Clock::now()) {}
  void Update(uint64_t done_bytes, uint64_t total_bytes) {
    if (!enabled_ || total_bytes < kProgressMinBytes) return;
    const double total = static_cast<double>(total_bytes);
    const double done = static_cast<double>(done_bytes);
    const double frac = total > 0 ? std::min(1.0, done / total) : 0;
    const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    const int width = 30, filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r[%s%s] %3.0f%%  %.0f/%.0f MB  %.0f MB/s ",
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                 frac * 100, done / 1e6, total / 1e6, secs > 0 ? done / 1e6 / secs : 0.0);
    shown_ = true;
  }
  ~FileProgress() {
    if (shown_) std::fprintf(stderr, "\r%80s\r", "");
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  Clock::time_point start_;
  bool shown_ = false;
};

// The progress line of an archive run. The listing streams, so the totals
// come later (SetTotals, from a counting listing on its own thread): until
// then the line shows the files done, events, MB and MB/s, and "counting
// files" in place of a percentage and an ETA; then "done/total files",
// the percentage and an ETA by bytes when every size is known (S3), else by
// files. At most ten redraws a second; nothing at all when not enabled.
class ArchiveProgress {
 public:
  explicit ArchiveProgress(bool enabled, std::FILE* out = stderr)
      : enabled_(enabled), out_(out), start_(Clock::now()) {}
  // The totals: files, and bytes (0 when not every size is known).
  void SetTotals(size_t files, uint64_t total_bytes) {
    files_ = files;
    total_bytes_ = total_bytes;
    totals_known_ = true;
  }
  bool totals_known() const { return totals_known_; }
  void Update(size_t files_done, uint64_t events, uint64_t bytes_done) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(out_, "\r%s   ", Text(files_done, events, bytes_done, secs).c_str());
    shown_ = true;
  }
  // The line's text after `secs` seconds.
  std::string Text(size_t files_done, uint64_t events, uint64_t bytes_done, double secs) const {
    const double rate = secs > 0 ? static_cast<double>(bytes_done) / secs : 0;
    char line[200];
    if (!totals_known_) {
      std::snprintf(line, sizeof line, "%zu files  %llu events  %.1f MB  %.1f MB/s  counting files",
                    files_done, static_cast<unsigned long long>(events),
                    static_cast<double>(bytes_done) / 1e6, rate / 1e6);
      return line;
    }
    double left = -1;
    if (total_bytes_ > 0 && rate > 0) {
      left = static_cast<double>(total_bytes_ - std::min(total_bytes_, bytes_done)) / rate;
    } else if (files_done > 0) {
      left = secs * static_cast<double>(files_ - std::min(files_, files_done)) /
             static_cast<double>(files_done);
    }
    char eta[32] = "--:--";
    if (left >= 0) {
      const long s = std::lround(left);
      std::snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    }
    std::snprintf(line, sizeof line,
                  "%zu/%zu files %3.0f%%  %llu events  %.1f MB  %.1f MB/s  ETA %s", files_done,
                  files_,
                  files_ ? 100.0 * static_cast<double>(std::min(files_, files_done)) /
                               static_cast<double>(files_)
                         : 100.0,
                  static_cast<unsigned long long>(events), static_cast<double>(bytes_done) / 1e6,
                  rate / 1e6, eta);
    return line;
  }
  void Clear() {
    if (shown_) std::fprintf(out_, "\r%100s\r", "");
    shown_ = false;
  }
  ~ArchiveProgress() { Clear(); }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  std::FILE* out_;
  size_t files_ = 0;
  uint64_t total_bytes_ = 0;
  bool totals_known_ = false;
  Clock::time_point start_, last_;
  bool shown_ = false;
};

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_ENGINE_CLI_PROGRESS_H_
