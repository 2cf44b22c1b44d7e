// CloudTrail's S3 log files: the key layout (ClassifyLogObjectKey) and the
// streaming parser of one {"Records":[...]} document, gzip or plain, that
// hands each record's exact bytes to a sink without holding the whole file
// (see iam_audit/cloudtrail_log.h for the contract and the error wording).
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "cloudtrail/log_scanner.h"
#include "iam_audit/cloudtrail_log.h"
#include "iam_audit/time_zone.h"

namespace iam_audit {
namespace {

using cloudtrail_internal::LogError;
using cloudtrail_internal::LogScanner;

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
// gzip

constexpr size_t kInflateChunk = size_t{64} * 1024;
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
    name->time_ms = (DaysFromCivil(y, mo, d) * 86400 + int64_t{h} * 3600 + int64_t{mi} * 60) * 1000;
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
  LogScanner scanner;
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
      LogScanner scanner(kDefaultMaxRecordBytes);
      if (Status st = scanner.Scan(text, sink); !st.ok()) return st;
      return scanner.End();
    }
  }
  CloudTrailLogStream stream;
  if (Status st = stream.Write(file_bytes, sink); !st.ok()) return st;
  return stream.Finish(sink);
}

}  // namespace iam_audit
