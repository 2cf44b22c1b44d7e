// AppendJsonString (iam_audit/json_string.h): two passes over 16-byte SSE2
// blocks, measure then write in place.
#include "iam_audit/json_string.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <cstdint>
#include <cstring>

namespace iam_audit {
namespace {

// Bytes each byte takes inside a JSON string literal.
constexpr std::array<uint8_t, 256> MakeEscapeLengths() {
  std::array<uint8_t, 256> lengths{};
  for (int c = 0; c < 256; ++c) lengths[c] = 1;
  for (int c = 0; c < 0x20; ++c) lengths[c] = 6;  // \u00XX
  for (const char c : {'\b', '\f', '\n', '\r', '\t', '"', '\\'})
    lengths[static_cast<unsigned char>(c)] = 2;
  return lengths;
}
constexpr std::array<uint8_t, 256> kEscapeLengths = MakeEscapeLengths();

}  // namespace

namespace {

// The escape sequence of byte `c` (one that kEscapeLengths marks > 1) at `w`.
char* WriteEscape(char* w, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  *w++ = '\\';
  switch (c) {
    case '"':
      *w++ = '"';
      break;
    case '\\':
      *w++ = '\\';
      break;
    case '\n':
      *w++ = 'n';
      break;
    case '\r':
      *w++ = 'r';
      break;
    case '\t':
      *w++ = 't';
      break;
    case '\b':
      *w++ = 'b';
      break;
    case '\f':
      *w++ = 'f';
      break;
    default:
      *w++ = 'u';
      *w++ = '0';
      *w++ = '0';
      *w++ = kHex[c >> 4];
      *w++ = kHex[c & 15];
  }
  return w;
}

#if defined(__SSE2__)
// 0xff in each byte of the 16 at `p` that is '"' or '\\' (escaped in 2
// bytes), and in `control` each byte < 0x20 (2 or 6 bytes).
inline __m128i QuoteBytes(__m128i v, __m128i* control) {
  *control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
  return _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
}

inline size_t SumBytes(__m128i counts) {
  const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
  return static_cast<size_t>(_mm_cvtsi128_si32(sums)) +
         static_cast<size_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums)));
}
#endif

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  // Two passes (measure, then write in place): CloudTrail messages are full
  // of quotes, and one resize beats an append per escaped character. Both
  // passes look at 16 bytes at a time (SSE2, part of x86-64): the byte-wise
  // version was the largest cost of a simulate run after deflate itself.
  const char* const begin = text.data();
  const size_t n = text.size();
  size_t length = n + 2;
  size_t i = 0;
#if defined(__SSE2__)
  {
    __m128i counts = _mm_setzero_si128();  // per-lane count of '"' and '\\'
    int blocks = 0;
    for (; i + 16 <= n; i += 16) {
      __m128i control;
      const __m128i quotes =
          QuoteBytes(_mm_loadu_si128(reinterpret_cast<const __m128i*>(begin + i)), &control);
      counts = _mm_sub_epi8(counts, quotes);
      if (++blocks == 255) {  // before a lane can overflow
        length += SumBytes(counts);
        counts = _mm_setzero_si128();
        blocks = 0;
      }
      for (uint32_t m = static_cast<uint32_t>(_mm_movemask_epi8(control)); m != 0; m &= m - 1) {
        length += kEscapeLengths[static_cast<unsigned char>(begin[i + __builtin_ctz(m)])] - 1;
      }
    }
    length += SumBytes(counts);
  }
#endif
  for (size_t j = i; j < n; ++j) length += kEscapeLengths[static_cast<unsigned char>(begin[j])] - 1;

  const size_t at = out.size();
  if (length == n + 2) {
    out.resize(at + length);
    char* w = out.data() + at;
    *w = '"';
    std::memcpy(w + 1, begin, n);
    w[n + 1] = '"';
    return;
  }
  // 16 bytes of slack: runs between escapes are copied as whole 16-byte
  // blocks, the bytes past the run overwritten by what follows.
  out.resize(at + length + 16);
  char* w = out.data() + at;
  *w++ = '"';
  i = 0;
#if defined(__SSE2__)
  alignas(16) char block[32] = {};  // the 16 input bytes, then zeros
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin + i));
    __m128i control;
    const __m128i quotes = QuoteBytes(v, &control);
    uint32_t mask = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(quotes, control)));
    if (mask == 0) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(w), v);
      w += 16;
      continue;
    }
    _mm_store_si128(reinterpret_cast<__m128i*>(block), v);
    size_t done = 0;  // bytes of this block written
    for (; mask != 0; mask &= mask - 1) {
      const size_t k = static_cast<size_t>(__builtin_ctz(mask));
      std::memcpy(w, block + done, 16);
      w += k - done;
      const auto c = static_cast<unsigned char>(block[k]);
      if (c == '"' || c == '\\') {
        w[0] = '\\';
        w[1] = static_cast<char>(c);
        w += 2;
      } else {
        w = WriteEscape(w, c);
      }
      done = k + 1;
    }
    std::memcpy(w, block + done, 16);
    w += 16 - done;
  }
#endif
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(begin[i]);
    if (kEscapeLengths[c] == 1) {
      *w++ = static_cast<char>(c);
    } else {
      w = WriteEscape(w, c);
    }
  }
  *w = '"';
  out.resize(at + length);
}

}  // namespace iam_audit
