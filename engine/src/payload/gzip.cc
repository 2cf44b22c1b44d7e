// gzip. Inflation is capped: a subscription payload is at most 1 MB of
// base64, but gzip can expand ~1000x, so the cap turns a bomb into an error
// after bounded work and memory.
//
// Inflating is libdeflate's whole-buffer decoder, sized from the gzip trailer
// (ISIZE) — a fraction of zlib's streaming inflate's instructions, and no
// 64 KiB bounce buffer and no growing string. Whatever libdeflate does not
// accept as one clean gzip member with an honest trailer (corrupt data,
// truncation, trailing bytes, a trailer that under-states the size, a header
// CRC, which zlib checks and libdeflate skips) is inflated again by zlib, so
// every error keeps zlib's wording and byte positions. Error paths pay twice;
// the common path pays once.
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "iam_audit/payload.h"
#include "payload/payload_internal.h"

namespace iam_audit {
namespace {

// DEFLATE expands at most 1032:1 (a 258-byte match in 2 bits), so a trailer
// claiming more than that cannot be honest; it must not size the buffer.
constexpr size_t kMaxDeflateRatio = 1032;
constexpr size_t kGzipHeaderBytes = 10;
constexpr size_t kGzipTrailerBytes = 8;
constexpr unsigned char kFlagHeaderCrc = 0x02;  // FHCRC (RFC 1952 2.3.1)

bool HasGzipMagic(std::string_view gz) {
  return gz.size() >= 2 && static_cast<unsigned char>(gz[0]) == 0x1f &&
         static_cast<unsigned char>(gz[1]) == 0x8b;
}

Status BadMagicError() { return InvalidArgumentError("gzip: not gzip (bad magic) at byte 0"); }

Status LimitError(size_t max_bytes) {
  return ResourceExhaustedError("gzip: inflated size exceeds the limit of " +
                                std::to_string(max_bytes) + " bytes (gzip bomb?)");
}

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// One decompressor per thread (it is ~32 KiB of tables, not thread-safe).
libdeflate_decompressor* Decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor(
      libdeflate_alloc_decompressor());
  return decompressor.get();
}

enum class FastResult { kDone, kOverLimit, kFallBack };

// Inflates `gz` with libdeflate into alloc(capacity + padding), where
// capacity is the trailer's ISIZE bounded by the limit and by DEFLATE's
// largest ratio. kOverLimit: the data is more than `max_bytes` long.
// kFallBack: anything else that is not a clean success.
template <class Alloc>
FastResult LibdeflateInflate(std::string_view gz, size_t max_bytes, size_t padding, Alloc&& alloc,
                             size_t* size) {
  if (gz.size() < kGzipHeaderBytes + kGzipTrailerBytes) return FastResult::kFallBack;
  if ((static_cast<unsigned char>(gz[3]) & kFlagHeaderCrc) != 0) return FastResult::kFallBack;
  const auto* trailer = reinterpret_cast<const unsigned char*>(gz.data() + gz.size() - 4);
  const size_t isize = uint32_t{trailer[0]} | uint32_t{trailer[1]} << 8 |
                       uint32_t{trailer[2]} << 16 | uint32_t{trailer[3]} << 24;
  const size_t capacity = std::min({isize, max_bytes, gz.size() * kMaxDeflateRatio});
  libdeflate_decompressor* decompressor = Decompressor();
  if (decompressor == nullptr) return FastResult::kFallBack;
  char* out = alloc(capacity + padding);
  if (out == nullptr) return FastResult::kFallBack;
  size_t in_used = 0;
  const libdeflate_result r = libdeflate_gzip_decompress_ex(decompressor, gz.data(), gz.size(), out,
                                                            capacity, &in_used, size);
  if (r == LIBDEFLATE_SUCCESS && in_used == gz.size()) return FastResult::kDone;
  // Over the limit: zlib would inflate up to the limit to say the same.
  if (r == LIBDEFLATE_INSUFFICIENT_SPACE && capacity == max_bytes) return FastResult::kOverLimit;
  return FastResult::kFallBack;
}

// zlib's streaming inflate: the reference behaviour, and every error's words.
StatusOr<std::string> ZlibInflate(std::string_view gz, size_t max_bytes) {
  if (!HasGzipMagic(gz)) return BadMagicError();
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return InternalError("gzip: inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());

  std::string out;
  char buffer[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = sizeof buffer - zs.avail_out;
    if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR) {
      const std::string why = zs.msg ? zs.msg : "corrupt data";
      const size_t at = zs.total_in;
      inflateEnd(&zs);
      return DataLossError("gzip: corrupt stream (" + why + ") at byte " + std::to_string(at));
    }
    if (out.size() + produced > max_bytes) {
      inflateEnd(&zs);
      return LimitError(max_bytes);
    }
    out.append(buffer, produced);
    if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == 0 && produced == 0)) {
      const size_t at = zs.total_in;
      inflateEnd(&zs);
      return DataLossError("gzip: truncated stream after " + std::to_string(at) + " bytes");
    }
  }
  const size_t consumed = zs.total_in;
  inflateEnd(&zs);
  if (consumed != gz.size()) {
    return DataLossError("gzip: " + std::to_string(gz.size() - consumed) +
                         " bytes of trailing garbage after the gzip stream at byte " +
                         std::to_string(consumed));
  }
  return out;
}

}  // namespace

StatusOr<std::string> GzipInflate(std::string_view gz, size_t max_bytes) {
  if (!HasGzipMagic(gz)) return BadMagicError();
  std::string out;
  size_t size = 0;
  const auto alloc = [&out](size_t n) {
    out.resize(n);
    return out.data();
  };
  switch (LibdeflateInflate(gz, max_bytes, 0, alloc, &size)) {
    case FastResult::kDone:
      out.resize(size);
      return out;
    case FastResult::kOverLimit:
      return LimitError(max_bytes);
    case FastResult::kFallBack:
      break;
  }
  std::string().swap(out);
  return ZlibInflate(gz, max_bytes);
}

namespace internal {

Status GzipInflatePadded(std::string_view gz, size_t max_bytes, size_t padding, PaddedBytes* out) {
  if (!HasGzipMagic(gz)) return BadMagicError();
  const auto alloc = [out](size_t n) {
    out->data.reset(new (std::nothrow) char[n]);
    return out->data.get();
  };
  switch (LibdeflateInflate(gz, max_bytes, padding, alloc, &out->size)) {
    case FastResult::kDone:
      // simdjson may look at the padding (at the end of a truncated
      // document); make what it sees defined, as its own buffers are.
      std::memset(out->data.get() + out->size, 0, padding);
      return Status::Ok();
    case FastResult::kOverLimit:
      out->data.reset();
      out->size = 0;
      return LimitError(max_bytes);
    case FastResult::kFallBack:
      break;
  }
  out->data.reset();
  out->size = 0;
  auto inflated = ZlibInflate(gz, max_bytes);
  if (!inflated.ok()) return inflated.status();
  out->data.reset(new char[inflated->size() + padding]);
  std::memcpy(out->data.get(), inflated->data(), inflated->size());
  std::memset(out->data.get() + inflated->size(), 0, padding);
  out->size = inflated->size();
  return Status::Ok();
}

}  // namespace internal

std::string GzipDeflate(std::string_view bytes, int level) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper with a fixed header (mtime 0), so the
  // same input always gives the same bytes.
  deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&zs, bytes.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace iam_audit
