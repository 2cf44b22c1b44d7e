// CloudTrail → CloudWatch Logs: records to log events, names, ids, and the
// subscription payload encoding.
#include "iam_audit/simulator/cloudwatch.h"

#include <libdeflate.h>
#include <simdjson.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>

#include "hash.h"
#include "iam_audit/sources/json_error.h"
#include "iam_audit/time_zone.h"

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
    sources::JsonError where;
    if (sources::FindJsonError(record, where)) {
      uint64_t line = 0, column = 0;
      sources::LineColumn(record, where.offset, line, column);
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
    return InvalidArgumentError(
        "record has no eventTime string (CloudWatch Logs needs a timestamp)");
  }
  auto seconds = ParseIso8601(event_time);
  if (!seconds.ok()) {
    return InvalidArgumentError("bad eventTime '" + std::string(event_time) +
                                "': " + seconds.status().message());
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
    sources::JsonError where;
    if (!sources::FindJsonError(json, where)) where.reason = "not valid JSON";
    uint64_t line = 0, column = 0;
    sources::LineColumn(json, where.offset, line, column);
    return InvalidArgumentError("invalid JSON: " + where.reason + " at line " +
                                std::to_string(line) + ", column " + std::to_string(column));
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
  // Digits by hand: snprintf was ~4,000 instructions per 56-digit id, most
  // of the id cost in a simulate run.
  char buffer[4 * 19];
  char* end = buffer + sizeof buffer;
  char* w = end;
  for (int i = 0; i < n; ++i) {
    uint64_t v = chunks[i];
    const bool leading = i == n - 1;
    for (int d = 0; d < 19 && (!leading || v != 0 || d == 0); ++d) {
      *--w = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  }
  return std::string(w, end);
}

std::string LogBatchJson(const LogBatch& batch) {
  size_t reserve = 256 + batch.log_group.size() + batch.log_stream.size();
  for (const LogEvent& e : batch.log_events)
    reserve += e.message.size() + e.message.size() / 8 + 96;
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

// gzip with libdeflate: whole-buffer compression, the same DEFLATE format
// as zlib (any inflater reads it) at about twice zlib's speed at the same
// level (bench/simulate_bench.cc, "bare libdeflate"). One compressor per
// thread and level: allocating one costs ~1 MB of tables. The output buffer
// is kept at the largest size needed so far and never cleared.
class Deflater {
 public:
  ~Deflater() {
    if (compressor_ != nullptr) libdeflate_free_compressor(compressor_);
  }
  // gzip (RFC 1952: no name, mtime 0) of `in`; the bytes stay valid until
  // the next call on this thread.
  std::string_view Gzip(std::string_view in, int level) {
    level = level < 0 ? 0 : level > 9 ? 9 : level;
    if (compressor_ == nullptr || level != level_) {
      if (compressor_ != nullptr) libdeflate_free_compressor(compressor_);
      compressor_ = libdeflate_alloc_compressor(level);
      if (compressor_ == nullptr) throw std::bad_alloc();  // the only failure for 0..9
      level_ = level;
    }
    const size_t bound = libdeflate_gzip_compress_bound(compressor_, in.size());
    if (bound > capacity_) {
      buffer_ = std::make_unique_for_overwrite<char[]>(bound);
      capacity_ = bound;
    }
    // Never 0 with a buffer of the bound's size.
    const size_t size =
        libdeflate_gzip_compress(compressor_, in.data(), in.size(), buffer_.get(), capacity_);
    return {buffer_.get(), size};
  }

 private:
  libdeflate_compressor* compressor_ = nullptr;
  int level_ = -1;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
};

// base64 of every 12-bit value: two output characters per table look-up.
struct Base64Pairs {
  char pairs[4096][2];
  constexpr Base64Pairs() : pairs() {
    constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int v = 0; v < 4096; ++v) {
      pairs[v][0] = kAlphabet[v >> 6];
      pairs[v][1] = kAlphabet[v & 63];
    }
  }
};
constexpr Base64Pairs kBase64Pairs;

void AppendBase64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const size_t at = out.size();
  out.resize(at + (bytes.size() + 2) / 3 * 4);
  char* w = out.data() + at;
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    std::memcpy(w, kBase64Pairs.pairs[v >> 12], 2);
    std::memcpy(w + 2, kBase64Pairs.pairs[v & 4095], 2);
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
  const std::string_view gz = deflater.Gzip(batch_json, gzip_level);
  constexpr std::string_view kHead = "{\"awslogs\":{\"data\":\"", kTail = "\"}}";
  std::string out;
  out.reserve(kHead.size() + (gz.size() + 2) / 3 * 4 + kTail.size());
  out += kHead;
  AppendBase64(out, gz);
  out += kTail;
  return out;
}

}  // namespace iam_audit::simulator
