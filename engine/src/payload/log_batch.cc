// The subscription payload's JSON layers: the Lambda event envelope (with a
// parser-free fast path for its usual shape) and the decoded LogBatch document.
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/json_error.h"
#include "iam_audit/payload.h"
#include "payload/payload_internal.h"

namespace iam_audit {
namespace {

using nlohmann::json;

using internal::CleanJsonError;

std::string_view Trim(std::string_view s) {
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

Status ExpectType(const json& value, json::value_t type, const std::string& path,
                  const char* what) {
  const bool ok =
      type == json::value_t::number_integer ? (value.is_number_integer()) : value.type() == type;
  if (ok) return Status::Ok();
  return InvalidArgumentError(path + ": expected " + what + ", got " + value.type_name());
}

StatusOr<LogBatch> BatchFromJson(const json& doc) {
  if (!doc.is_object()) {
    return InvalidArgumentError(std::string("batch: expected a JSON object, got ") +
                                doc.type_name());
  }
  LogBatch batch;
  auto text_field = [&](const char* key, std::string& out, bool required) -> Status {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) {
      if (required) return InvalidArgumentError(std::string("batch: missing \"") + key + "\"");
      return Status::Ok();
    }
    if (!it->is_string()) {
      return InvalidArgumentError(std::string("batch: ") + key + ": expected a string, got " +
                                  it->type_name());
    }
    out = it->get<std::string>();
    return Status::Ok();
  };
  if (Status s = text_field("messageType", batch.message_type, true); !s.ok()) return s;
  if (batch.message_type != "DATA_MESSAGE" && batch.message_type != "CONTROL_MESSAGE") {
    return InvalidArgumentError("batch: messageType: unknown value \"" + batch.message_type +
                                "\" (expected DATA_MESSAGE or CONTROL_MESSAGE)");
  }
  for (auto [key, out] :
       {std::pair{"owner", &batch.owner}, std::pair{"logGroup", &batch.log_group},
        std::pair{"logStream", &batch.log_stream}, std::pair{"policyLevel", &batch.policy_level}}) {
    if (Status s = text_field(key, *out, false); !s.ok()) return s;
  }
  if (auto it = doc.find("subscriptionFilters"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) {
      return InvalidArgumentError(
          std::string("batch: subscriptionFilters: expected an array, got ") + it->type_name());
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& name = (*it)[i];
      if (!name.is_string()) {
        return InvalidArgumentError("batch: subscriptionFilters[" + std::to_string(i) +
                                    "]: expected a string, got " + name.type_name());
      }
      batch.subscription_filters.push_back(name.get<std::string>());
    }
  }
  auto events = doc.find("logEvents");
  if (events == doc.end() || events->is_null()) {
    if (batch.IsControl()) return batch;
    return InvalidArgumentError("batch: missing \"logEvents\"");
  }
  if (!events->is_array()) {
    return InvalidArgumentError(std::string("batch: logEvents: expected an array, got ") +
                                events->type_name());
  }
  batch.log_events.reserve(events->size());
  for (size_t i = 0; i < events->size(); ++i) {
    const json& ev = (*events)[i];
    const std::string path = "batch: logEvents[" + std::to_string(i) + "]";
    if (!ev.is_object()) {
      return InvalidArgumentError(path + ": expected an object, got " + ev.type_name());
    }
    LogEvent event;
    if (auto id = ev.find("id"); id != ev.end()) {
      // AWS sends a string; a number is accepted as written (never as a double).
      if (id->is_string()) {
        event.id = id->get<std::string>();
      } else if (id->is_number_integer()) {
        event.id = id->dump();
      } else if (!id->is_null()) {
        return InvalidArgumentError(path + ".id: expected a string, got " + id->type_name());
      }
    }
    auto ts = ev.find("timestamp");
    if (ts == ev.end()) return InvalidArgumentError(path + ": missing \"timestamp\"");
    if (Status s =
            ExpectType(*ts, json::value_t::number_integer, path + ".timestamp", "an integer (ms)");
        !s.ok()) {
      return s;
    }
    event.timestamp = ts->get<int64_t>();
    auto msg = ev.find("message");
    if (msg == ev.end()) return InvalidArgumentError(path + ": missing \"message\"");
    if (msg->is_string()) {
      event.message = msg->get<std::string>();
    } else if (msg->is_object()) {
      // AWS always sends a string; some test fixtures (Powertools) embed the
      // record as an object. Take it as the compact JSON it stands for.
      event.message = msg->dump(-1, ' ', false, json::error_handler_t::replace);
    } else {
      return InvalidArgumentError(path + ".message: expected a string, got " + msg->type_name());
    }
    batch.log_events.push_back(std::move(event));
  }
  return batch;
}

// Replaces invalid UTF-8 byte sequences with U+FFFD and unpaired surrogate
// escapes (\uD800–\uDFFF not in a valid pair) with \uFFFD. Returns false
// when there was nothing to repair.
bool RepairUtf8(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  bool changed = false;
  const auto hex4 = [&](size_t at, unsigned& v) {
    if (at + 4 > in.size()) return false;
    v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      const char c = in[k];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  };
  for (size_t i = 0; i < in.size();) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '\\' && i + 1 < in.size()) {
      unsigned v = 0;
      if (in[i + 1] == 'u' && hex4(i + 2, v) && v >= 0xD800 && v <= 0xDFFF) {
        unsigned low = 0;
        if (v <= 0xDBFF && i + 12 <= in.size() && in.substr(i + 6, 2) == "\\u" &&
            hex4(i + 8, low) && low >= 0xDC00 && low <= 0xDFFF) {
          out.append(in.substr(i, 12));
          i += 12;
        } else {
          out += "\\uFFFD";
          i += 6;
          changed = true;
        }
        continue;
      }
      out.append(in.substr(i, 2));
      i += 2;
      continue;
    }
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool valid = len > 0 && i + len <= in.size();
    for (size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (valid && len > 1) {
      // Reject overlong forms, surrogates and code points past U+10FFFF.
      const unsigned char c1 = static_cast<unsigned char>(in[i + 1]);
      if ((len == 2 && c < 0xC2) || (len == 3 && c == 0xE0 && c1 < 0xA0) ||
          (len == 3 && c == 0xED && c1 >= 0xA0) || (len == 4 && c == 0xF0 && c1 < 0x90) ||
          (len == 4 && (c > 0xF4 || (c == 0xF4 && c1 >= 0x90)))) {
        valid = false;
      }
    }
    if (!valid) {
      out += "\xEF\xBF\xBD";
      ++i;
      changed = true;
      continue;
    }
    out.append(in.substr(i, len));
    i += len;
  }
  return changed;
}

StatusOr<json> ParseJson(std::string_view text, const char* what) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string(what) + ": " + CleanJsonError(e));
  }
}

// The fast path: simdjson's DOM parser (runtime-dispatched SIMD) reads a
// well-formed batch several times faster than nlohmann, whose character-by-
// character string scanner dominated the handler's profile. Anything it does
// not accept as a plain, valid batch returns false, and the nlohmann path
// below produces the precise error (or repairs the text) instead.
//
// `padded`: the text is followed by SIMDJSON_PADDING readable bytes, so
// simdjson reads it where it is instead of copying it into a padded buffer.
//
// `release`, when given, owns `text`: it is freed as soon as the document is
// parsed and checked, before the messages are copied out of simdjson's
// string buffer, so a large batch never has its text, simdjson's unescaped
// copy and the messages in memory at once. Once it is freed this function
// cannot fail (the slow path would need the text).
bool FastParseBatch(std::string_view text, bool padded, LogBatch& batch,
                    internal::PaddedBytes* release) {
  // simdjson sizes its buffers to the largest document seen (tape 8 bytes
  // and structural index 4 bytes per input byte, strings 5/3: ~90 MB of
  // address space for a 6 MB batch, of which what the parse touched stays
  // resident). Typical batches are kilobytes; after a bigger one the parser
  // is dropped so a warm container does not carry it into the next event.
  constexpr size_t kKeptCapacity = size_t{1} << 20;
  thread_local simdjson::dom::parser parser;
  struct ReleaseLarge {
    ~ReleaseLarge() {
      if (parser.capacity() > kKeptCapacity) parser = simdjson::dom::parser();
    }
  } release_large;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size(), !padded).get(doc) != simdjson::SUCCESS) return false;
  simdjson::dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return false;
  auto text_field = [&](const char* key, std::string& out, bool required) {
    simdjson::dom::element value;
    if (root[key].get(value) != simdjson::SUCCESS) return !required;
    if (value.is_null()) return !required;
    std::string_view sv;
    if (value.get_string().get(sv) != simdjson::SUCCESS) return false;
    out.assign(sv);
    return true;
  };
  if (!text_field("messageType", batch.message_type, true)) return false;
  if (batch.message_type != "DATA_MESSAGE" && batch.message_type != "CONTROL_MESSAGE") return false;
  if (!text_field("owner", batch.owner, false) || !text_field("logGroup", batch.log_group, false) ||
      !text_field("logStream", batch.log_stream, false) ||
      !text_field("policyLevel", batch.policy_level, false)) {
    return false;
  }
  simdjson::dom::element filters;
  if (root["subscriptionFilters"].get(filters) == simdjson::SUCCESS && !filters.is_null()) {
    simdjson::dom::array list;
    if (filters.get_array().get(list) != simdjson::SUCCESS) return false;
    for (simdjson::dom::element name : list) {
      std::string_view sv;
      if (name.get_string().get(sv) != simdjson::SUCCESS) return false;
      batch.subscription_filters.emplace_back(sv);
    }
  }
  simdjson::dom::element events;
  if (root["logEvents"].get(events) != simdjson::SUCCESS || events.is_null())
    return batch.IsControl();
  simdjson::dom::array list;
  if (events.get_array().get(list) != simdjson::SUCCESS) return false;
  // First every event is checked, keeping views into simdjson's strings;
  // then (text freed) the views are copied into the batch.
  struct EventView {
    std::string_view id;
    int64_t timestamp = 0;
    std::string_view message;
  };
  std::vector<EventView> views;
  views.reserve(list.size());
  for (simdjson::dom::element item : list) {
    simdjson::dom::object ev;
    if (item.get_object().get(ev) != simdjson::SUCCESS) return false;
    // One walk over the fields; the first of a repeated key counts, as
    // simdjson's ev["key"] would have it.
    EventView view;
    bool have_id = false, have_timestamp = false, have_message = false;
    for (simdjson::dom::key_value_pair field : ev) {
      if (field.key == "id") {
        if (have_id) continue;
        have_id = true;
        // numbers: slow path
        if (!field.value.is_null() && field.value.get_string().get(view.id) != simdjson::SUCCESS)
          return false;
      } else if (field.key == "timestamp") {
        if (have_timestamp) continue;
        have_timestamp = true;
        if (field.value.get_int64().get(view.timestamp) != simdjson::SUCCESS) return false;
      } else if (field.key == "message") {
        if (have_message) continue;
        have_message = true;
        // objects: slow path
        if (field.value.get_string().get(view.message) != simdjson::SUCCESS) return false;
      }
    }
    if (!have_timestamp || !have_message) return false;
    views.push_back(view);
  }
  if (release != nullptr) {
    release->data.reset();
    release->size = 0;
  }
  batch.log_events.resize(views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    LogEvent& event = batch.log_events[i];
    event.id.assign(views[i].id);
    event.timestamp = views[i].timestamp;
    event.message.assign(views[i].message);
  }
  return true;
}

StatusOr<LogBatch> ParseLogBatchImpl(std::string_view text, bool padded,
                                     internal::PaddedBytes* release = nullptr) {
  if (LogBatch fast; FastParseBatch(text, padded, fast, release)) return fast;
  auto doc = ParseJson(text, "payload: batch JSON");
  if (!doc.ok()) {
    // One message with invalid UTF-8 or a lone surrogate escape must not
    // take the whole batch down with it: repair those and parse again, so
    // that message becomes a raw-message alert and the others are processed.
    std::string repaired;
    if (!RepairUtf8(text, repaired)) return doc.status();
    doc = ParseJson(repaired, "payload: batch JSON");
    if (!doc.ok()) return doc.status();
  }
  auto batch = BatchFromJson(*doc);
  if (!batch.ok()) return batch.status().WithPrefix("payload");
  return batch;
}

// The Lambda event is {"awslogs":{"data":"<base64>"}}, a third of the
// payload's bytes, which the nlohmann parser would walk byte by byte to find
// one string. When the event has exactly that shape (JSON whitespace allowed
// between tokens, the value only base64 characters, so it has no escape and
// is its own JSON string), `*data` is that value, as the parser would have
// read it. Anything else returns false and takes the parser's road.
bool CanonicalAwsLogsData(std::string_view event, std::string_view* data) {
  size_t i = 0;
  const auto skip_ws = [&] {
    while (i < event.size() &&
           (event[i] == ' ' || event[i] == '\t' || event[i] == '\n' || event[i] == '\r')) {
      ++i;
    }
  };
  const auto token = [&](std::string_view t) {
    skip_ws();
    if (event.substr(i, t.size()) != t) return false;
    i += t.size();
    return true;
  };
  if (!token("{") || !token("\"awslogs\"") || !token(":") || !token("{") || !token("\"data\"") ||
      !token(":") || !token("\"")) {
    return false;
  }
  const size_t start = i;
  static constexpr auto kBase64 = [] {
    std::array<bool, 256> table{};
    for (char c = 'A'; c <= 'Z'; ++c) table[static_cast<unsigned char>(c)] = true;
    for (char c = 'a'; c <= 'z'; ++c) table[static_cast<unsigned char>(c)] = true;
    for (char c = '0'; c <= '9'; ++c) table[static_cast<unsigned char>(c)] = true;
    table['+'] = table['/'] = table['='] = true;
    return table;
  }();
  while (i < event.size() && kBase64[static_cast<unsigned char>(event[i])]) ++i;
  const size_t end = i;
  if (!token("\"") || !token("}") || !token("}")) return false;
  skip_ws();
  if (i != event.size()) return false;
  *data = event.substr(start, end - start);
  return true;
}

}  // namespace

namespace internal {

StatusOr<LogBatch> ParseLogBatchPadded(PaddedBytes text) {
  const std::string_view view = text.view();
  return ParseLogBatchImpl(view, true, &text);
}

}  // namespace internal

StatusOr<LogBatch> ParseLogBatch(std::string_view text) { return ParseLogBatchImpl(text, false); }

StatusOr<LogBatch> DecodeAwsLogsData(std::string_view base64, const DecodeOptions& options) {
  internal::PaddedBytes plain;
  {
    auto gz = Base64Decode(base64);
    if (!gz.ok()) return gz.status().WithPrefix("payload");
    Status inflated = internal::GzipInflatePadded(*gz, options.max_inflated_bytes,
                                                  simdjson::SIMDJSON_PADDING, &plain);
    if (!inflated.ok()) return inflated.WithPrefix("payload");
  }  // the compressed bytes go before the parse
  return internal::ParseLogBatchPadded(std::move(plain));
}

StatusOr<LogBatch> DecodeSubscriptionEvent(std::string_view input, const DecodeOptions& options) {
  // The common envelope without a JSON parser: the same steps as below for
  // awslogs.data, so the same result and the same errors.
  if (std::string_view data; CanonicalAwsLogsData(input, &data)) {
    return DecodeAwsLogsData(data, options);
  }
  input = Trim(input);
  if (input.empty()) return InvalidArgumentError("payload: empty input");
  if (input.front() == '"') {  // the base64 string as a JSON string
    auto str = ParseJson(input, "payload: event JSON");
    if (!str.ok()) return str.status();
    return DecodeAwsLogsData(str->get<std::string>(), options);
  }
  if (input.front() != '{') return DecodeAwsLogsData(input, options);  // bare base64

  auto doc = ParseJson(input, "payload: event JSON");
  if (!doc.ok()) return doc.status();
  if (auto awslogs = doc->find("awslogs"); awslogs != doc->end()) {
    if (!awslogs->is_object()) {
      return InvalidArgumentError(std::string("payload: awslogs: expected an object, got ") +
                                  awslogs->type_name());
    }
    auto data = awslogs->find("data");
    if (data == awslogs->end()) return InvalidArgumentError("payload: awslogs: missing \"data\"");
    if (!data->is_string()) {
      return InvalidArgumentError(std::string("payload: awslogs.data: expected a string, got ") +
                                  data->type_name());
    }
    return DecodeAwsLogsData(data->get_ref<const std::string&>(), options);
  }
  if (doc->contains("messageType") || doc->contains("logEvents")) {
    auto batch = BatchFromJson(*doc);
    if (!batch.ok()) return batch.status().WithPrefix("payload");
    return batch;
  }
  return InvalidArgumentError(
      "payload: not a subscription event: expected {\"awslogs\":{\"data\":…}}, a base64 string "
      "or a decoded batch with \"messageType\"");
}

std::string LogBatchToJson(const LogBatch& batch, int indent) {
  nlohmann::ordered_json doc;
  doc["messageType"] = batch.message_type;
  doc["owner"] = batch.owner;
  doc["logGroup"] = batch.log_group;
  doc["logStream"] = batch.log_stream;
  doc["subscriptionFilters"] = batch.subscription_filters;
  if (!batch.policy_level.empty()) doc["policyLevel"] = batch.policy_level;
  auto& events = doc["logEvents"] = nlohmann::ordered_json::array();
  for (const LogEvent& e : batch.log_events) {
    events.push_back({{"id", e.id}, {"timestamp", e.timestamp}, {"message", e.message}});
  }
  return doc.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace iam_audit
