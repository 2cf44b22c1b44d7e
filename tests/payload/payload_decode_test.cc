// The handler's decode path (DecodeAwsLogsData): libdeflate inflating with a
// zlib fallback for every error, the table-driven base64 decoder, and the
// batch parsed inside the inflated buffer. Each result is checked against an
// independent reference: zlib's uncompress-style inflate, a bit-at-a-time
// base64 decoder, and the batch parsed from a plain std::string.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>

#include "iam_audit/payload.h"

namespace iam_audit {
namespace {

// RFC 4648 decoding one character at a time (the decoder before it became
// table driven): the reference for output, error offsets and messages.
StatusOr<std::string> ReferenceBase64Decode(std::string_view text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) {
    return InvalidArgumentError("base64: length " + std::to_string(text.size()) +
                                " is not a multiple of 4 (truncated or unpadded)");
  }
  size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  const size_t data_end = text.size() - padding;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < data_end; ++i) {
    const size_t v = kAlphabet.find(text[i]);
    if (v == std::string::npos || text[i] == '\0') {
      const auto c = static_cast<unsigned char>(text[i]);
      char described[16];
      if (c >= 0x20 && c < 0x7f) {
        std::snprintf(described, sizeof described, "'%c'", c);
      } else {
        std::snprintf(described, sizeof described, "byte 0x%02x", c);
      }
      return InvalidArgumentError(std::string("base64: invalid character ") + described +
                                  " at offset " + std::to_string(i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return InvalidArgumentError("base64: non-zero padding bits at offset " +
                                std::to_string(data_end - 1));
  }
  return out;
}

TEST_CASE("payload decode: table-driven base64 agrees with the one-character reference",
          "[payload][base64]") {
  std::mt19937 rng(20261127);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int round = 0; round < 3000; ++round) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string text = Base64Encode(bytes);
    switch (round % 4) {
      case 0:  // valid
        break;
      case 1:  // one invalid byte anywhere (any value that is not in the alphabet)
        if (!text.empty()) {
          char bad;
          do {
            bad = static_cast<char>(rng());
          } while (alphabet.find(bad) != std::string::npos && bad != '\0');
          text[rng() % text.size()] = bad;
        }
        break;
      case 2:  // random alphabet characters, padding kept: non-zero padding bits
        for (char& c : text) {
          if (c != '=') c = alphabet[rng() % 64];
        }
        break;
      case 3:  // two invalid bytes: the first one is named
        if (text.size() >= 8) {
          text[rng() % text.size()] = '-';
          text[rng() % text.size()] = '*';
        }
        break;
    }
    CAPTURE(round, text);
    const auto got = Base64Decode(text);
    const auto want = ReferenceBase64Decode(text);
    REQUIRE(got.ok() == want.ok());
    if (want.ok()) {
      CHECK(*got == *want);
    } else {
      CHECK(got.status().message() == want.status().message());
      CHECK(got.status().code() == StatusCode::kInvalidArgument);
    }
  }
}

TEST_CASE("payload decode: base64 names the first bad character in every position of a quad",
          "[payload][base64]") {
  const std::string good = Base64Encode("twelve bytes");  // 16 characters, no padding
  for (size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] = '.';
    if (at + 1 < bad.size()) bad[at + 1] = '\x80';  // a later bad byte is not the one named
    auto r = Base64Decode(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "base64: invalid character '.' at offset " + std::to_string(at));
  }
}

// zlib's inflate of one gzip member, as a plain reference.
std::string ZlibReference(std::string_view gz) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buffer[4096];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
  }
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

void SetTrailerSize(std::string& gz, uint32_t isize) {
  for (int k = 0; k < 4; ++k) gz[gz.size() - 4 + k] = static_cast<char>(isize >> (8 * k));
}

// The gzip member with FHCRC set and the header's CRC16 after the header.
std::string WithHeaderCrc(const std::string& gz, bool correct) {
  std::string header = gz.substr(0, 10);
  header[3] = static_cast<char>(header[3] | 0x02);
  uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(header.data()), 10);
  if (!correct) crc ^= 0x5555;
  return header + static_cast<char>(crc & 0xff) + static_cast<char>((crc >> 8) & 0xff) +
         gz.substr(10);
}

TEST_CASE("payload decode: inflated bytes equal zlib's, at every size", "[payload][gzip]") {
  std::mt19937 rng(7);
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{100}, size_t{65535}, size_t{65536}, size_t{300000}}) {
    std::string text(n, '\0');
    for (size_t i = 0; i < n; ++i) text[i] = "{}\":,abc0123\\ \n"[rng() % 15];
    const std::string gz = GzipDeflate(text, static_cast<int>(n % 10));
    CAPTURE(n);
    auto got = GzipInflate(gz, n);  // exactly at the limit
    REQUIRE(got.ok());
    CHECK(*got == ZlibReference(gz));
    CHECK(*got == text);
    if (n > 0) {
      auto over = GzipInflate(gz, n - 1);
      REQUIRE_FALSE(over.ok());
      CHECK(over.status().code() == StatusCode::kResourceExhausted);
      CHECK(over.status().message() == "gzip: inflated size exceeds the limit of " +
                                           std::to_string(n - 1) + " bytes (gzip bomb?)");
    }
  }
}

TEST_CASE("payload decode: a gzip that is not one clean member keeps zlib's verdict",
          "[payload][gzip][limits]") {
  const std::string text =
      "{\"messageType\":\"CONTROL_MESSAGE\",\"logEvents\":[]}" + std::string(5000, ' ');
  const std::string gz = GzipDeflate(text);
  const size_t size = text.size();

  std::string isize_low = gz;
  SetTrailerSize(isize_low, static_cast<uint32_t>(size - 1));
  std::string isize_high = gz;
  SetTrailerSize(isize_high, static_cast<uint32_t>(size + 1));
  std::string isize_huge = gz;
  SetTrailerSize(isize_huge, 0xffffffffu);
  // 16 MiB of zeros whose trailer claims 10 bytes: the limit still stops it.
  std::string lying_bomb = GzipDeflate(std::string(size_t{16} << 20, '\0'), 9);
  SetTrailerSize(lying_bomb, 10);

  auto [name, input, limit, code,
        message] = GENERATE_COPY(table<std::string, std::string, size_t, StatusCode, std::string>({
      {"trailer under-states the size", isize_low, size_t{1} << 20, StatusCode::kDataLoss,
       "gzip: corrupt stream (incorrect length check) at byte " + std::to_string(gz.size())},
      {"trailer over-states the size", isize_high, size_t{1} << 20, StatusCode::kDataLoss,
       "gzip: corrupt stream (incorrect length check) at byte " + std::to_string(gz.size())},
      {"trailer claims 4 GiB", isize_huge, size_t{1} << 20, StatusCode::kDataLoss,
       "gzip: corrupt stream (incorrect length check) at byte " + std::to_string(gz.size())},
      {"trailer claims 4 GiB, over a tight limit", isize_huge, size - 1,
       StatusCode::kResourceExhausted,
       "gzip: inflated size exceeds the limit of " + std::to_string(size - 1) +
           " bytes (gzip bomb?)"},
      {"bomb whose trailer claims 10 bytes", lying_bomb, size_t{1} << 20,
       StatusCode::kResourceExhausted,
       "gzip: inflated size exceeds the limit of 1048576 bytes (gzip bomb?)"},
      {"two members (only one is read)", gz + gz, size_t{1} << 20, StatusCode::kDataLoss,
       "gzip: " + std::to_string(gz.size()) +
           " bytes of trailing garbage after the gzip stream at byte " + std::to_string(gz.size())},
      {"header CRC wrong", WithHeaderCrc(gz, false), size_t{1} << 20, StatusCode::kDataLoss,
       "gzip: corrupt stream (header crc mismatch) at byte 12"},
      {"too short to hold a trailer", gz.substr(0, 12), size_t{1} << 20, StatusCode::kDataLoss,
       "gzip: truncated stream after 12 bytes"},
  }));
  CAPTURE(name);
  auto inflated = GzipInflate(input, limit);
  REQUIRE_FALSE(inflated.ok());
  CHECK(inflated.status().code() == code);
  CHECK(inflated.status().message() == message);
  // The handler's path reports the same, under "payload: ".
  DecodeOptions options;
  options.max_inflated_bytes = limit;
  auto batch = DecodeAwsLogsData(Base64Encode(input), options);
  REQUIRE_FALSE(batch.ok());
  CHECK(batch.status().code() == code);
  CHECK(batch.status().message() == "payload: " + message);
}

TEST_CASE("payload decode: a header CRC, when right, is accepted", "[payload][gzip]") {
  const std::string text = "{\"messageType\":\"CONTROL_MESSAGE\"}";
  auto inflated = GzipInflate(WithHeaderCrc(GzipDeflate(text), true), 1000);
  REQUIRE(inflated.ok());
  CHECK(*inflated == text);
}

std::string BatchJson(size_t events, size_t message_bytes) {
  std::string json =
      R"({"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g","logStream":"s",)"
      R"("subscriptionFilters":["f"],"logEvents":[)";
  for (size_t i = 0; i < events; ++i) {
    if (i > 0) json += ',';
    std::string message = "{\\\"eventName\\\":\\\"E" + std::to_string(i) + "\\\",\\\"pad\\\":\\\"";
    message += std::string(message_bytes, 'x') + "\\u00e9\\\"}";
    json += R"({"id":")" + std::to_string(1000 + i) + R"(","timestamp":)" + std::to_string(i) +
            R"(,"message":")" + message + "\"}";
  }
  return json + "]}";
}

TEST_CASE("payload decode: the batch parsed in the inflated buffer equals the plain parse",
          "[payload][batch]") {
  // 3 MB and up: the parser grows past what it keeps and is released; the
  // small batches after it must parse the same with a fresh parser.
  for (auto [events, message_bytes] :
       {std::pair<size_t, size_t>{1, 10}, {3000, 1000}, {2, 0}, {100, 300}}) {
    const std::string json = BatchJson(events, message_bytes);
    CAPTURE(events, json.size());
    auto batch = DecodeAwsLogsData(Base64Encode(GzipDeflate(json)));
    REQUIRE(batch.ok());
    auto plain = ParseLogBatch(json);
    REQUIRE(plain.ok());
    CHECK(LogBatchToJson(*batch) == LogBatchToJson(*plain));
    REQUIRE(batch->log_events.size() == events);
    CHECK(batch->log_events.back().message == "{\"eventName\":\"E" + std::to_string(events - 1) +
                                                  "\",\"pad\":\"" +
                                                  std::string(message_bytes, 'x') + "\xC3\xA9\"}");
  }
}

TEST_CASE("payload decode: batches simdjson refuses still take the precise path",
          "[payload][batch]") {
  auto [json, message] = GENERATE(table<std::string, std::string>({
      {R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":"x","message":""}]})",
       "payload: batch: logEvents[0].timestamp: expected an integer (ms), got string"},
      {R"({"messageType":)",
       "payload: batch JSON: parse error at line 1, column 16: syntax error while parsing value - "
       "unexpected end of input; expected '[', '{', or a literal"},
      {R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":7,"timestamp":1,"message":{"a":1}}]})",
       ""},
      {"{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"timestamp\":1,\"message\":\"a\xff\"}]}",
       ""},
  }));
  CAPTURE(json);
  auto batch = DecodeAwsLogsData(Base64Encode(GzipDeflate(json)));
  auto plain = ParseLogBatch(json);
  REQUIRE(batch.ok() == message.empty());
  REQUIRE(plain.ok() == message.empty());
  if (message.empty()) {
    CHECK(LogBatchToJson(*batch) == LogBatchToJson(*plain));
  } else {
    CHECK(batch.status().message() == message);
  }
}

}  // namespace
}  // namespace iam_audit
