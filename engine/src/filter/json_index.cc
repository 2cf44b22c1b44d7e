// The structural index and string unescaping of JSON events (see
// json_index.h). The index is simdjson's stage 1 algorithm over 64-byte
// blocks (bit masks of the bytes by kind, escapes and strings found with
// carries, no branch per byte), with AVX-512 (BW and VBMI2, as simdjson's
// Ice Lake kernel: table lookups to classify, a byte compress to write the
// indexes), AVX2 or SSE2 by the CPU; simdjson's public validate_utf8 checks
// the encoding.
#include "filter/json_index.h"

#include <immintrin.h>
#include <simdjson.h>

#include <cstring>

namespace iam_audit::filter_internal {
namespace {

int HexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at `p`, or -1.
int32_t Hex4(const uint8_t* p) {
  int32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int d = HexValue(p[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

uint8_t* AppendUtf8(uint32_t cp, uint8_t* dst) {
  if (cp < 0x80) {
    *dst++ = static_cast<uint8_t>(cp);
  } else if (cp < 0x800) {
    *dst++ = static_cast<uint8_t>(0xC0 | (cp >> 6));
    *dst++ = static_cast<uint8_t>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *dst++ = static_cast<uint8_t>(0xE0 | (cp >> 12));
    *dst++ = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    *dst++ = static_cast<uint8_t>(0x80 | (cp & 0x3F));
  } else {
    *dst++ = static_cast<uint8_t>(0xF0 | (cp >> 18));
    *dst++ = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
    *dst++ = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    *dst++ = static_cast<uint8_t>(0x80 | (cp & 0x3F));
  }
  return dst;
}

// A \uXXXX escape at `*src` (its backslash), with its low surrogate when it
// is a high one; advances both pointers. False as simdjson: bad hex, a high
// surrogate without a \u low one after it, a lone low surrogate.
bool Codepoint(const uint8_t** src, uint8_t** dst) {
  const int32_t first = Hex4(*src + 2);
  if (first < 0) return false;
  uint32_t cp = static_cast<uint32_t>(first);
  *src += 6;
  if (cp >= 0xD800 && cp < 0xDC00) {
    const uint8_t* s = *src;
    if (s[0] != '\\' || s[1] != 'u') return false;
    const int32_t second = Hex4(s + 2);
    if (second < 0xDC00 || second > 0xDFFF) return false;
    cp = (((cp - 0xD800) << 10) | (static_cast<uint32_t>(second) - 0xDC00)) + 0x10000;
    *src += 6;
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    return false;
  }
  *dst = AppendUtf8(cp, *dst);
  return true;
}

uint8_t EscapedByte(uint8_t letter) {
  switch (letter) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '/':
      return '/';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return 0;
  }
}

// ---------------------------------------------------------------- index

// Entries Flatten and FlattenVbmi2 may write past a block's last index.
constexpr size_t kIndexSlack = 16;

// One 64-byte block's bytes by kind, bit i for byte i.
struct BlockMasks {
  uint64_t quote = 0;      // '"'
  uint64_t backslash = 0;  // '\\'
  uint64_t op = 0;         // { } [ ] : ,
  uint64_t blank = 0;      // space, tab, line feed, carriage return
  uint64_t control = 0;    // below 0x20
  uint64_t high = 0;       // 0x80 and above (not ASCII)
};

uint64_t Bits16(__m128i m) { return static_cast<uint16_t>(_mm_movemask_epi8(m)); }

BlockMasks ClassifySse2(const uint8_t* p) {
  BlockMasks m;
  for (size_t k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));  // '[' -> '{', ']' -> '}'
    const __m128i op = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{')),
                     _mm_cmpeq_epi8(folded, _mm_set1_epi8('}'))),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')), _mm_cmpeq_epi8(v, _mm_set1_epi8(','))));
    const __m128i blank = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
    const auto shift = static_cast<int>(16 * k);
    m.quote |= Bits16(_mm_cmpeq_epi8(v, _mm_set1_epi8('"'))) << shift;
    m.backslash |= Bits16(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))) << shift;
    m.op |= Bits16(op) << shift;
    m.blank |= Bits16(blank) << shift;
    m.control |= Bits16(control) << shift;
    m.high |= Bits16(v) << shift;
  }
  return m;
}

__attribute__((target("avx2"))) uint64_t Bits32(__m256i m) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(m));
}

// ClassifyAvx512's table lookups, 32 bytes at a time.
__attribute__((target("avx2"))) BlockMasks ClassifyAvx2(const uint8_t* p) {
  const __m256i blank_table = _mm256_broadcastsi128_si256(_mm_setr_epi8(
      ' ', 100, 100, 100, 17, 100, 113, 2, 100, '\t', '\n', 112, 100, '\r', 100, 100));
  const __m256i op_table = _mm256_broadcastsi128_si256(
      _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ':', '{', ',', '}', 0, 0));
  BlockMasks m;
  for (size_t k = 0; k < 2; ++k) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * k));
    const __m256i control = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1F)), v);
    const __m256i op =
        _mm256_andnot_si256(control, _mm256_cmpeq_epi8(_mm256_or_si256(v, _mm256_set1_epi8(0x20)),
                                                       _mm256_shuffle_epi8(op_table, v)));
    const __m256i blank = _mm256_cmpeq_epi8(v, _mm256_shuffle_epi8(blank_table, v));
    const auto shift = static_cast<int>(32 * k);
    m.quote |= Bits32(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'))) << shift;
    m.backslash |= Bits32(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))) << shift;
    m.op |= Bits32(op) << shift;
    m.blank |= Bits32(blank) << shift;
    m.control |= Bits32(control) << shift;
    m.high |= Bits32(v) << shift;
  }
  return m;
}

// The operators and blanks found by two table lookups on the low nibble
// (simdjson's classification): a byte is a blank when it equals its
// nibble's entry in blank_table, an operator when it equals its entry in
// op_table once folded with 0x20 ('[' -> '{', ']' -> '}') and is not a control
// byte (0x0C and 0x1A fold onto ',' and ':'). Bytes from 0x80 look up zero.
__attribute__((target("avx512bw"))) BlockMasks ClassifyAvx512(const uint8_t* p) {
  const __m512i v = _mm512_loadu_si512(p);
  const __m512i blank_table =
      _mm512_maskz_broadcast_i32x4(0xFFFF, _mm_setr_epi8(' ', 100, 100, 100, 17, 100, 113, 2, 100,
                                                         '\t', '\n', 112, 100, '\r', 100, 100));
  const __m512i op_table = _mm512_maskz_broadcast_i32x4(
      0xFFFF, _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ':', '{', ',', '}', 0, 0));
  BlockMasks m;
  m.quote = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"'));
  m.backslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
  m.control = _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1F));
  m.op = _mm512_cmpeq_epi8_mask(_mm512_or_si512(v, _mm512_set1_epi8(0x20)),
                                _mm512_shuffle_epi8(op_table, v)) &
         ~m.control;
  m.blank = _mm512_cmpeq_epi8_mask(v, _mm512_shuffle_epi8(blank_table, v));
  m.high = _mm512_movepi8_mask(v);
  return m;
}

// Each bit the XOR of itself and every lower bit: 1 from an opening quote
// up to (not including) its closing one.
uint64_t PrefixXor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

// PrefixXor in one carry-less multiplication by all ones.
__attribute__((target("pclmul"))) uint64_t PrefixXorClmul(uint64_t x) {
  return static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_clmulepi64_si128(
      _mm_set_epi64x(0, static_cast<int64_t>(x)), _mm_set1_epi8(static_cast<char>(0xFF)), 0)));
}

// The state carried from one block to the next.
struct Carry {
  uint64_t escaped = 0;    // 1: the next block's first byte is escaped
  uint64_t in_string = 0;  // all ones: the next block starts inside a string
  uint64_t scalar = 0;     // 1: the previous byte is a scalar byte other than a real quote
  bool control_in_string = false;
  uint64_t high = 0;  // non-zero: some byte is not ASCII
};

// The bytes escaped by a backslash (simdjson's branchless rule: in a run of
// backslashes every second one escapes the byte after it).
uint64_t Escaped(uint64_t backslash, Carry& carry) {
  if (backslash == 0 && carry.escaped == 0) return 0;  // most blocks
  constexpr uint64_t kEvenBits = 0x5555555555555555ULL;
  backslash &= ~carry.escaped;
  const uint64_t follows_escape = backslash << 1 | carry.escaped;
  const uint64_t odd_starts = backslash & ~kEvenBits & ~follows_escape;
  uint64_t even_starts = 0;
  carry.escaped = __builtin_add_overflow(odd_starts, backslash, &even_starts) ? 1 : 0;
  return (kEvenBits ^ (even_starts << 1)) & follows_escape;
}

// The structurals of one classified block (simdjson's stage 1 rule): an
// operator outside a string, or a scalar byte (neither blank nor operator;
// an opening quote is one) that does not follow a scalar byte other than a
// real quote. Backslashes escape the next byte outside strings too, which
// only matters for a quote.
template <uint64_t (*Xor)(uint64_t)>
uint64_t Structurals(const BlockMasks& m, Carry& carry) {
  const uint64_t quote = m.quote & ~Escaped(m.backslash, carry);
  const uint64_t in_string = Xor(quote) ^ carry.in_string;
  carry.in_string = static_cast<uint64_t>(static_cast<int64_t>(in_string) >> 63);
  carry.control_in_string |= (m.control & in_string) != 0;
  carry.high |= m.high;
  const uint64_t scalar = ~(m.op | m.blank);
  const uint64_t nonquote_scalar = scalar & ~quote;
  const uint64_t follows_scalar = nonquote_scalar << 1 | carry.scalar;
  carry.scalar = nonquote_scalar >> 63;
  const uint64_t string_tail = in_string ^ quote;  // contents and closing quotes
  return (m.op | (scalar & ~follows_scalar)) & ~string_tail;
}

// The offset of the lowest set bit, without a branch: 63 when `bits` is
// zero (Flatten writes such entries only past the block's last index, where
// they are overwritten or ignored).
uint32_t LowestBit(uint64_t bits) {
  return static_cast<uint32_t>(__builtin_ctzll(bits | (uint64_t{1} << 63)));
}

// Appends the offsets of the set bits of `bits` (block at `at`) to `out`,
// eight at a time so that the loop's branch depends on the count only
// (as simdjson does); writes up to kIndexSlack entries past the last one.
// `Lowest` gives the lowest set bit's offset, any value when there is none.
template <uint32_t (*Lowest)(uint64_t)>
uint32_t* FlattenWith(uint64_t bits, uint32_t at, uint32_t* out) {
  const auto count = static_cast<uint32_t>(__builtin_popcountll(bits));
#pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) {
    out[k] = at + Lowest(bits);
    bits &= bits - 1;
  }
  if (count > 8) {
#pragma GCC unroll 8
    for (int k = 8; k < 16; ++k) {
      out[k] = at + Lowest(bits);
      bits &= bits - 1;
    }
    for (int k = 16; bits != 0; ++k) {
      out[k] = at + Lowest(bits);
      bits &= bits - 1;
    }
  }
  return out + count;
}

uint32_t* Flatten(uint64_t bits, uint32_t at, uint32_t* out) {
  return FlattenWith<LowestBit>(bits, at, out);
}

// TZCNT is defined on zero (64), so no bit needs setting.
__attribute__((target("bmi"))) uint32_t LowestBitBmi(uint64_t bits) {
  return static_cast<uint32_t>(_tzcnt_u64(bits));
}

__attribute__((target("bmi"))) uint32_t* FlattenBmi(uint64_t bits, uint32_t at, uint32_t* out) {
  return FlattenWith<LowestBitBmi>(bits, at, out);
}

// The low 128 bits of `v`. GCC 12's unmasked AVX-512 intrinsics
// (_mm512_castsi512_si128, _mm512_cvtepu8_epi32, _mm512_broadcast_i32x4...)
// go through an undefined value that -Wmaybe-uninitialized reports (an
// error with IAM_AUDIT_WERROR): hence this and the maskz forms, all lanes on.
__attribute__((target("avx512f"))) __m128i Low128(__m512i v) {
  __m128i low;
  std::memcpy(&low, &v, sizeof(low));
  return low;
}

// Flatten with AVX-512 VBMI2 (as simdjson's Ice Lake kernel): the set
// bits' offsets compressed into bytes in one instruction, then widened and
// stored sixteen at a time; writes up to 15 entries past the last one (16
// when there is none).
__attribute__((target("avx512f,avx512bw,avx512vbmi2"))) uint32_t* FlattenVbmi2(uint64_t bits,
                                                                               uint32_t at,
                                                                               uint32_t* out) {
  const auto count = static_cast<uint32_t>(__builtin_popcountll(bits));
  const __m512i offsets = _mm512_set_epi8(
      63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41,
      40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18,
      17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i packed = _mm512_maskz_compress_epi8(bits, offsets);
  const __m512i base = _mm512_set1_epi32(static_cast<int>(at));
  _mm512_storeu_si512(out,
                      _mm512_add_epi32(base, _mm512_maskz_cvtepu8_epi32(0xFFFF, Low128(packed))));
  if (count > 16) {
    _mm512_storeu_si512(
        out + 16, _mm512_add_epi32(
                      base, _mm512_maskz_cvtepu8_epi32(0xFFFF, Low128(_mm512_maskz_shuffle_i32x4(
                                                                   0xFFFF, packed, packed, 1)))));
    if (count > 32) {
      _mm512_storeu_si512(
          out + 32, _mm512_add_epi32(
                        base, _mm512_maskz_cvtepu8_epi32(0xFFFF, Low128(_mm512_maskz_shuffle_i32x4(
                                                                     0xFFFF, packed, packed, 2)))));
      if (count > 48) {
        _mm512_storeu_si512(
            out + 48,
            _mm512_add_epi32(
                base, _mm512_maskz_cvtepu8_epi32(
                          0xFFFF, Low128(_mm512_maskz_shuffle_i32x4(0xFFFF, packed, packed, 3)))));
      }
    }
  }
  return out + count;
}

template <BlockMasks (*Classify)(const uint8_t*), uint64_t (*Xor)(uint64_t),
          uint32_t* (*Write)(uint64_t, uint32_t, uint32_t*) = Flatten>
uint32_t* IndexBlocks(const uint8_t* buf, size_t len, uint32_t* out, Carry& result) {
  Carry carry;  // a local, so that it stays in registers
  // Each block's structurals are written after the next block's are found
  // (as simdjson does), so that the writing overlaps the next block's mask
  // arithmetic instead of waiting for it.
  uint64_t pending = 0;
  uint32_t pending_at = 0;
  size_t at = 0;
  for (; at + 64 <= len; at += 64) {
    const uint64_t bits = Structurals<Xor>(Classify(buf + at), carry);
    out = Write(pending, pending_at, out);
    pending = bits;
    pending_at = static_cast<uint32_t>(at);
  }
  if (at < len) {
    // The last, partial block, read into the zero padding: zeros are no
    // quotes, so the string state at `len` carries through them, and their
    // structurals are dropped.
    const uint64_t bits = Structurals<Xor>(Classify(buf + at), carry);
    out = Write(pending, pending_at, out);
    pending = bits & ((uint64_t{1} << (len - at)) - 1);
    pending_at = static_cast<uint32_t>(at);
  }
  out = Write(pending, pending_at, out);
  result = carry;
  return out;
}

// flatten: the block loop, its classifier and the mask arithmetic in one
// function, compiled for the target the classifier needs.
__attribute__((target("avx2,pclmul,bmi"), flatten)) uint32_t* IndexAvx2(const uint8_t* buf,
                                                                        size_t len, uint32_t* out,
                                                                        Carry& carry) {
  return IndexBlocks<ClassifyAvx2, PrefixXorClmul, FlattenBmi>(buf, len, out, carry);
}

__attribute__((target("avx512f,avx512bw,avx512vbmi2,pclmul,bmi"), flatten)) uint32_t* IndexAvx512(
    const uint8_t* buf, size_t len, uint32_t* out, Carry& carry) {
  return IndexBlocks<ClassifyAvx512, PrefixXorClmul, FlattenVbmi2>(buf, len, out, carry);
}

__attribute__((flatten)) uint32_t* IndexSse2(const uint8_t* buf, size_t len, uint32_t* out,
                                             Carry& carry) {
  return IndexBlocks<ClassifySse2, PrefixXor>(buf, len, out, carry);
}

}  // namespace

bool IndexJson(const uint8_t* buf, size_t len, std::vector<uint32_t>* indexes, uint32_t* count) {
  // A byte is at most one structural; the writers' slack, then two sentinels.
  if (indexes->size() < len + kIndexSlack + 2) indexes->resize(len + kIndexSlack + 2);
  static const int kernel =
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi2") &&
              __builtin_cpu_supports("bmi") && __builtin_cpu_supports("pclmul")
          ? 2
      : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
              __builtin_cpu_supports("pclmul")
          ? 1
          : 0;
  Carry carry;
  uint32_t* const first = indexes->data();
  uint32_t* const end = kernel == 2   ? IndexAvx512(buf, len, first, carry)
                        : kernel == 1 ? IndexAvx2(buf, len, first, carry)
                                      : IndexSse2(buf, len, first, carry);
  if (carry.in_string != 0 || carry.control_in_string || end == first) return false;
  // UTF-8 is checked only when some byte is not ASCII.
  if (carry.high != 0 && !simdjson::validate_utf8(reinterpret_cast<const char*>(buf), len))
    return false;
  end[0] = static_cast<uint32_t>(len);
  end[1] = static_cast<uint32_t>(len);
  *count = static_cast<uint32_t>(end - first);
  return true;
}

uint8_t* UnescapeJsonString(const uint8_t* src, uint8_t* dst) {
  for (;;) {
    const uint8_t c = *src;
    if (c == '"') return dst;
    if (c != '\\') {
      *dst++ = c;
      ++src;
      continue;
    }
    if (src[1] == 'u') {
      if (!Codepoint(&src, &dst)) return nullptr;
      continue;
    }
    const uint8_t byte = EscapedByte(src[1]);
    if (byte == 0) return nullptr;
    *dst++ = byte;
    src += 2;
  }
}

}  // namespace iam_audit::filter_internal
