// Strict RFC 4648 base64. Subscription payloads are produced by AWS with the
// standard alphabet and '=' padding; anything else is a sign of corruption,
// so we reject it with the offending offset instead of guessing.
#include <array>
#include <cstdint>
#include <string>

#include "iam_audit/payload.h"

namespace iam_audit {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDecode = MakeDecodeTable();

// The decoder's tables: character -> its 6 bits already shifted into place
// for its position in a quad, or kBad, so a quad decodes with four loads and
// three ORs, and one test catches any invalid character in it.
constexpr uint32_t kBad = uint32_t{1} << 24;
constexpr std::array<uint32_t, 256> MakeQuadTable(int shift) {
  std::array<uint32_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = kDecode[c] < 0 ? kBad : static_cast<uint32_t>(kDecode[c]) << shift;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kQuad0 = MakeQuadTable(18);
constexpr std::array<uint32_t, 256> kQuad1 = MakeQuadTable(12);
constexpr std::array<uint32_t, 256> kQuad2 = MakeQuadTable(6);
constexpr std::array<uint32_t, 256> kQuad3 = MakeQuadTable(0);

std::string DescribeByte(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  static const char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                 uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

StatusOr<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return InvalidArgumentError("base64: length " + std::to_string(text.size()) +
                                " is not a multiple of 4 (truncated or unpadded)");
  }
  size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  const size_t data_end = text.size() - padding;
  // Whole quads of data characters: four table lookups and three bytes each.
  const size_t quads_end = data_end / 4 * 4;
  std::string out;
  out.resize(quads_end / 4 * 3 + 2);
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  char* o = out.data();
  for (size_t i = 0; i < quads_end; i += 4, o += 3) {
    const uint32_t v = kQuad0[in[i]] | kQuad1[in[i + 1]] | kQuad2[in[i + 2]] | kQuad3[in[i + 3]];
    if (v & kBad) {
      size_t at = i;
      while (kDecode[in[at]] >= 0) ++at;
      return InvalidArgumentError("base64: invalid character " + DescribeByte(in[at]) +
                                  " at offset " + std::to_string(at));
    }
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>(v >> 8);
    o[2] = static_cast<char>(v);
  }
  // The last, padded quad: two or three data characters.
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = quads_end; i < data_end; ++i) {
    const int8_t v = kDecode[in[i]];
    if (v < 0) {
      return InvalidArgumentError("base64: invalid character " + DescribeByte(in[i]) +
                                  " at offset " + std::to_string(i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Non-canonical encodings leave set bits in the padding: reject them.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return InvalidArgumentError("base64: non-zero padding bits at offset " +
                                std::to_string(data_end - 1));
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return out;
}

}  // namespace iam_audit
