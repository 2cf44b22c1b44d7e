// gzip with zlib. Inflation is capped: a subscription payload is at most 1 MB
// of base64, but gzip can expand ~1000x, so the cap turns a bomb into an error
// after bounded work and memory.
#include <zlib.h>

#include <string>

#include "iam_audit/payload.h"

namespace iam_audit {

StatusOr<std::string> GzipInflate(std::string_view gz, size_t max_bytes) {
  if (gz.size() < 2 || static_cast<unsigned char>(gz[0]) != 0x1f ||
      static_cast<unsigned char>(gz[1]) != 0x8b) {
    return InvalidArgumentError("gzip: not gzip (bad magic) at byte 0");
  }
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
      return ResourceExhaustedError("gzip: inflated size exceeds the limit of " +
                                    std::to_string(max_bytes) + " bytes (gzip bomb?)");
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
