// CloudTrail → CloudWatch Logs: records to log events, names, ids, and the
// subscription payload encoding.
#include "iam_audit/simulator/cloudwatch.h"

#include <simdjson.h>
#include <zlib.h>

#include <array>
#include <cstdio>
#include <cstring>

#include "hash.h"
#include "iam_audit/time_zone.h"
#include "json_error.h"

namespace iam_audit::simulator {
namespace {

std::string_view StringField(simdjson::dom::element object, std::string_view key) {
  std::string_view value;
  if (object.is_object() && object[key].get(value) == simdjson::SUCCESS) return value;
  return {};
}

}  // namespace

StatusOr<TrailEvent> ToTrailEvent(std::string_view record, std::string_view default_account,
                                  std::string_view default_region) {
  // One parser per thread: simdjson parsers reuse their buffers, which is
  // most of the speed.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(record.data(), record.size()).get(doc); error) {
    internal::JsonError where;
    if (internal::FindJsonError(record, where)) {
      uint64_t line = 0, column = 0;
      internal::LineColumn(record, where.offset, line, column);
      return InvalidArgumentError("invalid JSON: " + where.reason + " at line " +
                                  std::to_string(line) + ", column " + std::to_string(column));
    }
    return InvalidArgumentError(std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  if (!doc.is_object()) {
    const char* type = doc.is_array() ? "array" : doc.is_string() ? "string" : "a scalar";
    return InvalidArgumentError(std::string("expected a CloudTrail record (JSON object), got ") +
                                type);
  }
  TrailEvent event;
  std::string_view event_time;
  if (doc["eventTime"].get(event_time) != simdjson::SUCCESS) {
    return InvalidArgumentError("record has no eventTime string (CloudWatch Logs needs a timestamp)");
  }
  auto seconds = ParseIso8601(event_time);
  if (!seconds.ok()) {
    return InvalidArgumentError("bad eventTime '" + std::string(event_time) + "': " +
                                seconds.status().message());
  }
  event.timestamp = *seconds * 1000;

  std::string_view account = StringField(doc, "recipientAccountId");
  if (account.empty()) {
    simdjson::dom::element identity;
    if (doc["userIdentity"].get(identity) == simdjson::SUCCESS) {
      account = StringField(identity, "accountId");
    }
  }
  event.account = std::string(account.empty() ? default_account : account);
  std::string_view region = StringField(doc, "awsRegion");
  event.region = std::string(region.empty() ? default_region : region);

  // The message is the record's compact JSON: whitespace outside strings
  // removed, everything else (key order, escapes, numbers) byte for byte.
  event.message.resize(record.size() + 64);  // minify may write whole SIMD blocks
  size_t length = 0;
  if (simdjson::minify(record.data(), record.size(), event.message.data(), length) !=
      simdjson::SUCCESS) {
    return InternalError("record: minify failed on valid JSON");
  }
  event.message.resize(length);
  return event;
}

StatusOr<std::string> CompactJson(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) {
    internal::JsonError where;
    if (!internal::FindJsonError(json, where)) where.reason = "not valid JSON";
    uint64_t line = 0, column = 0;
    internal::LineColumn(json, where.offset, line, column);
    return InvalidArgumentError("invalid JSON: " + where.reason + " at line " + std::to_string(line) +
                                ", column " + std::to_string(column));
  }
  std::string out(json.size() + 64, '\0');
  size_t length = 0;
  if (simdjson::minify(json.data(), json.size(), out.data(), length) != simdjson::SUCCESS) {
    return InternalError("minify failed on valid JSON");
  }
  out.resize(length);
  return out;
}

std::string LogStreamName(std::string_view account, std::string_view region) {
  std::string name;
  name.reserve(account.size() + region.size() + 12);
  name.append(account).append("_CloudTrail_").append(region);
  return name;
}

std::string DefaultLogGroupName(std::string_view account, uint64_t seed) {
  const uint64_t h = internal::SplitMix64(internal::Fnv1a64(account) ^ seed);
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(h >> 32));
  return "aws-cloudtrail-logs-" + std::string(account) + "-" + suffix;
}

EventIdSequence::EventIdSequence(uint64_t seed, std::string_view stream) {
  const uint64_t h = internal::SplitMix64(internal::Fnv1a64(stream) ^ internal::SplitMix64(seed));
  middle_ = internal::SplitMix64(h);
  low_ = internal::SplitMix64(h + 1) >> 8;  // headroom: increments never wrap in practice
}

std::string EventIdSequence::Next(int64_t timestamp_ms) {
  if (timestamp_ms < 0) timestamp_ms = 0;
  if (timestamp_ms < last_timestamp_) timestamp_ms = last_timestamp_;
  last_timestamp_ = timestamp_ms;
  if (++low_ == 0) ++middle_;
  // id = timestamp << 144 | middle << 64 | low; bits 128..143 stay zero.
  return Uint192ToDecimal(static_cast<uint64_t>(timestamp_ms) << 16, middle_, low_);
}

std::string Uint192ToDecimal(uint64_t hi, uint64_t mid, uint64_t lo) {
  constexpr uint64_t kChunk = 10000000000000000000ULL;  // 10^19
  uint64_t words[3] = {hi, mid, lo};
  uint64_t chunks[4];
  int n = 0;
  while (words[0] != 0 || words[1] != 0 || words[2] != 0) {
    unsigned __int128 rem = 0;
    for (uint64_t& w : words) {
      const unsigned __int128 cur = (rem << 64) | w;
      w = static_cast<uint64_t>(cur / kChunk);
      rem = cur % kChunk;
    }
    chunks[n++] = static_cast<uint64_t>(rem);
  }
  if (n == 0) return "0";
  char buffer[24];
  std::string out;
  std::snprintf(buffer, sizeof buffer, "%llu", static_cast<unsigned long long>(chunks[n - 1]));
  out += buffer;
  for (int i = n - 2; i >= 0; --i) {
    std::snprintf(buffer, sizeof buffer, "%019llu", static_cast<unsigned long long>(chunks[i]));
    out += buffer;
  }
  return out;
}

namespace {

// Bytes each byte takes inside a JSON string literal.
constexpr std::array<uint8_t, 256> MakeEscapeLengths() {
  std::array<uint8_t, 256> lengths{};
  for (int c = 0; c < 256; ++c) lengths[c] = 1;
  for (int c = 0; c < 0x20; ++c) lengths[c] = 6;  // \u00XX
  for (int c : {'\b', '\f', '\n', '\r', '\t', '"', '\\'}) lengths[c] = 2;
  return lengths;
}
constexpr std::array<uint8_t, 256> kEscapeLengths = MakeEscapeLengths();

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  // Two passes (measure, then write in place): CloudTrail messages are full
  // of quotes, and one resize beats an append per escaped character.
  static const char kHex[] = "0123456789abcdef";
  size_t length = 2;
  for (unsigned char c : text) length += kEscapeLengths[c];
  const size_t at = out.size();
  out.resize(at + length);
  char* w = out.data() + at;
  *w++ = '"';
  if (length == text.size() + 2) {
    std::memcpy(w, text.data(), text.size());
    w += text.size();
  } else {
    for (unsigned char c : text) {
      if (kEscapeLengths[c] == 1) {
        *w++ = static_cast<char>(c);
        continue;
      }
      *w++ = '\\';
      switch (c) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '\n': *w++ = 'n'; break;
        case '\r': *w++ = 'r'; break;
        case '\t': *w++ = 't'; break;
        case '\b': *w++ = 'b'; break;
        case '\f': *w++ = 'f'; break;
        default:
          *w++ = 'u';
          *w++ = '0';
          *w++ = '0';
          *w++ = kHex[c >> 4];
          *w++ = kHex[c & 15];
      }
    }
  }
  *w = '"';
}

std::string LogBatchJson(const LogBatch& batch) {
  size_t reserve = 256 + batch.log_group.size() + batch.log_stream.size();
  for (const LogEvent& e : batch.log_events) reserve += e.message.size() + e.message.size() / 8 + 96;
  std::string out;
  out.reserve(reserve);
  out += "{\"messageType\":";
  AppendJsonString(out, batch.message_type);
  out += ",\"owner\":";
  AppendJsonString(out, batch.owner);
  out += ",\"logGroup\":";
  AppendJsonString(out, batch.log_group);
  out += ",\"logStream\":";
  AppendJsonString(out, batch.log_stream);
  out += ",\"subscriptionFilters\":[";
  for (size_t i = 0; i < batch.subscription_filters.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, batch.subscription_filters[i]);
  }
  out += "],\"logEvents\":[";
  for (size_t i = 0; i < batch.log_events.size(); ++i) {
    const LogEvent& e = batch.log_events[i];
    if (i > 0) out += ',';
    out += "{\"id\":";
    AppendJsonString(out, e.id);
    out += ",\"timestamp\":";
    out += std::to_string(e.timestamp);
    out += ",\"message\":";
    AppendJsonString(out, e.message);
    out += '}';
  }
  out += ']';
  if (!batch.policy_level.empty()) {
    out += ",\"policyLevel\":";
    AppendJsonString(out, batch.policy_level);
  }
  out += '}';
  return out;
}

LogBatch ControlMessageBatch(int64_t timestamp_ms) {
  LogBatch batch;
  batch.message_type = "CONTROL_MESSAGE";
  batch.owner = "CloudwatchLogs";
  batch.log_events.push_back(LogEvent{"", timestamp_ms, std::string(kControlMessageText)});
  return batch;
}

namespace {

// One deflate state per thread and level, reset between payloads: deflateInit
// allocates and clears ~300 KB, which dominated small payloads. A reset
// stream produces the same bytes as a fresh one.
class Deflater {
 public:
  ~Deflater() {
    if (ready_) deflateEnd(&zs_);
  }
  // gzip (RFC 1952 wrapper, no name, mtime 0) of `in` into `out`.
  void Gzip(std::string_view in, int level, std::string& out) {
    if (!ready_ || level != level_) {
      if (ready_) deflateEnd(&zs_);
      zs_ = z_stream{};
      deflateInit2(&zs_, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
      ready_ = true;
      level_ = level;
    } else {
      deflateReset(&zs_);
    }
    out.resize(deflateBound(&zs_, in.size()) + 32);
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(in.size());
    zs_.next_out = reinterpret_cast<Bytef*>(out.data());
    zs_.avail_out = static_cast<uInt>(out.size());
    deflate(&zs_, Z_FINISH);
    out.resize(zs_.total_out);
  }

 private:
  z_stream zs_{};
  bool ready_ = false;
  int level_ = -1;
};

void AppendBase64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const size_t at = out.size();
  out.resize(at + (bytes.size() + 2) / 3 * 4);
  char* w = out.data() + at;
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    w[0] = kAlphabet[v >> 18];
    w[1] = kAlphabet[(v >> 12) & 63];
    w[2] = kAlphabet[(v >> 6) & 63];
    w[3] = kAlphabet[v & 63];
    w += 4;
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{in[i]} << 16;
    if (rest == 2) v |= uint32_t{in[i + 1]} << 8;
    w[0] = kAlphabet[v >> 18];
    w[1] = kAlphabet[(v >> 12) & 63];
    w[2] = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    w[3] = '=';
  }
}

}  // namespace

std::string LambdaEventJson(std::string_view batch_json, int gzip_level) {
  thread_local Deflater deflater;
  thread_local std::string gz;
  deflater.Gzip(batch_json, gzip_level, gz);
  std::string out;
  out.reserve((gz.size() + 2) / 3 * 4 + 32);
  out += "{\"awslogs\":{\"data\":\"";
  AppendBase64(out, gz);
  out += "\"}}";
  return out;
}

}  // namespace iam_audit::simulator
