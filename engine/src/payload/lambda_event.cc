// The Lambda event's shapes (lambda_event.h): which service invoked the
// function, through which layers (SQS, SNS, EventBridge), and what it names:
// S3 objects (CloudTrail log files), CloudTrail records, or nothing (S3's
// test event). Structure is read with simdjson's DOM; an EventBridge event's
// `detail` is taken byte for byte with simdjson's On-Demand raw_json(), and a
// document that is not JSON is re-read by nlohmann for its line and column.
#include "iam_audit/lambda_event.h"

#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "iam_audit/json_error_text.h"

namespace iam_audit {

std::string_view LambdaInputName(LambdaInput input) {
  switch (input) {
    case LambdaInput::kAwsLogs:
      return "cloudwatch-logs";
    case LambdaInput::kS3:
      return "s3";
    case LambdaInput::kSns:
      return "sns";
    case LambdaInput::kSqs:
      return "sqs";
    case LambdaInput::kEventBridge:
      return "eventbridge";
  }
  return "cloudwatch-logs";
}

StatusOr<std::string> DecodeS3NotificationKey(std::string_view key) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      const int hi = i + 1 < key.size() ? hex(key[i + 1]) : -1;
      const int lo = i + 2 < key.size() ? hex(key[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgumentError("bad escape '" + std::string(key.substr(i, 3)) +
                                    "' at offset " + std::to_string(i) +
                                    " (expected '%' and two hex digits)");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// The CloudTrail detail-types of EventBridge (AWS CloudTrail User Guide,
// "CloudTrail events in EventBridge"): `detail` is one CloudTrail record.
bool IsCloudTrailDetailType(std::string_view t) {
  return t == "AWS API Call via CloudTrail" || t == "AWS Console Sign In via CloudTrail" ||
         t == "AWS Service Event via CloudTrail" || t == "AWS Console Action via CloudTrail" ||
         t == "AWS Insight via CloudTrail";
}

// Why `text` is not JSON, with nlohmann's line and column.
std::string NotJson(std::string_view text, simdjson::error_code simd_error) {
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end());
    (void)parsed;
  } catch (const nlohmann::json::exception& e) {
    std::string_view place, reason;
    const std::string_view what = JsonErrorWithoutTag(e.what());
    if (SplitJsonParseError(what, place, reason)) {
      return "not JSON: " + std::string(place) + ": " + std::string(reason);
    }
    return "not JSON: " + std::string(what);
  }
  return std::string("not JSON: ") + simdjson::error_message(simd_error);
}

// The string at `key` of `obj`, or nullopt when absent or not a string.
std::optional<std::string_view> Str(const object& obj, std::string_view key) {
  std::string_view v;
  if (obj[key].get_string().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::optional<object> Obj(const object& obj, std::string_view key) {
  object v;
  if (obj[key].get_object().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

// A required string member: "<where>.<key>: missing" / "not a string".
Status RequireStr(const object& obj, std::string_view key, const std::string& where,
                  std::string_view& out) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS) {
    return InvalidArgumentError(where + "." + std::string(key) + ": missing");
  }
  if (e.get_string().get(out) != simdjson::SUCCESS) {
    return InvalidArgumentError(where + "." + std::string(key) + ": not a string");
  }
  return Status::Ok();
}

std::string Index(const std::string& where, size_t i) {
  return where + "[" + std::to_string(i) + "]";
}

// A few of the object's keys, for an error about an unknown shape.
std::string KeysOf(const object& obj) {
  std::string keys;
  size_t n = 0;
  for (auto field : obj) {
    if (n == 6) {
      keys += ", …";
      break;
    }
    keys += (n++ ? ", " : "") + std::string(field.key);
  }
  return keys.empty() ? "none" : keys;
}

void AddLayer(LambdaUnit& unit, std::string_view layer) {
  if (!unit.path.empty()) unit.path += '/';
  unit.path += layer;
}

// S3's event notification records (Amazon S3 User Guide, "Event message
// structure").
Status DecodeS3Records(const array& records, const std::string& where, LambdaUnit& unit) {
  size_t i = 0;
  for (element rec : records) {
    const std::string at = Index(where, i++);
    object r;
    if (rec.get_object().get(r) != simdjson::SUCCESS) {
      return InvalidArgumentError(at + ": not an object");
    }
    std::string_view source;
    if (Status s = RequireStr(r, "eventSource", at, source); !s.ok()) return s;
    if (source != "aws:s3") {
      return InvalidArgumentError(at + ".eventSource: '" + std::string(source) +
                                  "' where an S3 notification has 'aws:s3'");
    }
    S3ObjectRef ref;
    std::string_view name;
    if (Status s = RequireStr(r, "eventName", at, name); !s.ok()) return s;
    ref.event_name = std::string(name);
    if (name.rfind("ObjectCreated:", 0) == 0) {
      ref.action = S3ObjectRef::Action::kCreated;
    } else if (name.rfind("ObjectRemoved:", 0) == 0) {
      ref.action = S3ObjectRef::Action::kRemoved;
    } else {
      ref.action = S3ObjectRef::Action::kOther;
    }
    auto s3 = Obj(r, "s3");
    if (!s3) return InvalidArgumentError(at + ".s3: missing or not an object");
    auto bucket = Obj(*s3, "bucket");
    if (!bucket) return InvalidArgumentError(at + ".s3.bucket: missing or not an object");
    std::string_view bucket_name;
    if (Status s = RequireStr(*bucket, "name", at + ".s3.bucket", bucket_name); !s.ok()) return s;
    auto obj = Obj(*s3, "object");
    if (!obj) return InvalidArgumentError(at + ".s3.object: missing or not an object");
    std::string_view key;
    if (Status s = RequireStr(*obj, "key", at + ".s3.object", key); !s.ok()) return s;
    auto decoded = DecodeS3NotificationKey(key);
    if (!decoded.ok()) return decoded.status().WithPrefix(at + ".s3.object.key");
    if (decoded->empty()) return InvalidArgumentError(at + ".s3.object.key: empty");
    ref.bucket = std::string(bucket_name);
    ref.key = std::move(decoded).value();
    uint64_t size = 0;
    if ((*obj)["size"].get_uint64().get(size) == simdjson::SUCCESS) ref.size = size;
    if (auto v = Str(r, "awsRegion")) ref.region = std::string(*v);
    if (auto v = Str(r, "eventTime")) ref.event_time = std::string(*v);
    if (auto id = Obj(r, "userIdentity")) {
      if (auto v = Str(*id, "principalId")) ref.requester = std::string(*v);
    }
    if (auto params = Obj(r, "requestParameters")) {
      if (auto v = Str(*params, "sourceIPAddress")) ref.source_ip = std::string(*v);
    }
    unit.objects.push_back(std::move(ref));
  }
  if (i == 0) return InvalidArgumentError(where + ": empty");
  return Status::Ok();
}

// An EventBridge event: S3's object events or a CloudTrail record. `text` is
// the whole event document, for `detail`'s exact bytes.
Status DecodeEventBridge(std::string_view text, const object& ev, const std::string& where,
                         LambdaUnit& unit) {
  std::string_view detail_type, source;
  if (Status s = RequireStr(ev, "detail-type", where, detail_type); !s.ok()) return s;
  if (Status s = RequireStr(ev, "source", where, source); !s.ok()) return s;
  auto detail = Obj(ev, "detail");
  if (!detail) return InvalidArgumentError(where + ".detail: missing or not an object");
  if (source == "aws.s3" && (detail_type == "Object Created" || detail_type == "Object Deleted")) {
    S3ObjectRef ref;
    ref.event_name = std::string(detail_type);
    ref.action = detail_type == "Object Created" ? S3ObjectRef::Action::kCreated
                                                 : S3ObjectRef::Action::kRemoved;
    auto bucket = Obj(*detail, "bucket");
    if (!bucket) return InvalidArgumentError(where + ".detail.bucket: missing or not an object");
    std::string_view bucket_name, key;
    if (Status s = RequireStr(*bucket, "name", where + ".detail.bucket", bucket_name); !s.ok())
      return s;
    auto obj = Obj(*detail, "object");
    if (!obj) return InvalidArgumentError(where + ".detail.object: missing or not an object");
    if (Status s = RequireStr(*obj, "key", where + ".detail.object", key); !s.ok()) return s;
    if (key.empty()) return InvalidArgumentError(where + ".detail.object.key: empty");
    ref.bucket = std::string(bucket_name);
    ref.key = std::string(key);  // EventBridge's keys are not URL-encoded
    uint64_t size = 0;
    if ((*obj)["size"].get_uint64().get(size) == simdjson::SUCCESS) ref.size = size;
    if (auto v = Str(ev, "region")) ref.region = std::string(*v);
    if (auto v = Str(ev, "time")) ref.event_time = std::string(*v);
    if (auto v = Str(*detail, "requester")) ref.requester = std::string(*v);
    if (auto v = Str(*detail, "source-ip-address")) ref.source_ip = std::string(*v);
    unit.objects.push_back(std::move(ref));
    AddLayer(unit, "eventbridge-s3");
    return Status::Ok();
  }
  if (!IsCloudTrailDetailType(detail_type)) {
    return InvalidArgumentError(where + ": EventBridge event with detail-type '" +
                                std::string(detail_type) + "' (source '" + std::string(source) +
                                "') is neither a CloudTrail event nor an S3 object event");
  }
  // The record's exact text: On-Demand's raw_json() of `detail`.
  simdjson::ondemand::parser od_parser;
  const simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  std::string_view raw;
  simdjson::ondemand::object detail_obj;
  if (od_parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc["detail"].get_object().get(detail_obj) != simdjson::SUCCESS ||
      detail_obj.raw_json().get(raw) != simdjson::SUCCESS) {
    return InvalidArgumentError(where + ".detail: cannot be read");  // DOM read it: not reached
  }
  CarriedRecord record;
  if (auto v = Str(ev, "id")) record.id = std::string(*v);
  record.json = std::string(raw);
  unit.records.push_back(std::move(record));
  AddLayer(unit, "eventbridge");
  return Status::Ok();
}

enum Allow : unsigned { kAllowSnsEnvelope = 1, kAllowEventBridge = 2 };

// The region of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:…), or "".
std::string_view ArnRegion(std::string_view arn) {
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  const size_t end = arn.find(':', pos);
  if (end == std::string_view::npos) return {};
  return arn.substr(pos, end - pos);
}

// A document found inside a message (an SQS body, an SNS Message): S3's
// notification or test event, CloudTrail's notification, an SNS envelope, or
// an EventBridge event, as `allow` permits.
// `region` is the region of the layer around it (an SNS topic's, an SQS
// queue's), for CloudTrail's notification, which names none.
Status DecodeContent(std::string_view text, const std::string& where, unsigned allow,
                     std::string_view region, LambdaUnit& unit) {
  simdjson::dom::parser parser;
  element doc;
  if (auto err = parser.parse(text.data(), text.size()).get(doc); err != simdjson::SUCCESS) {
    return InvalidArgumentError(where + ": " + NotJson(text, err));
  }
  object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    return InvalidArgumentError(where + ": not a JSON object");
  }
  array records;
  if (root["Records"].get_array().get(records) == simdjson::SUCCESS) {
    AddLayer(unit, "s3");
    return DecodeS3Records(records, where + ".Records", unit);
  }
  if (auto event = Str(root, "Event"); event && *event == "s3:TestEvent") {
    ++unit.test_events;
    AddLayer(unit, "s3-test");
    return Status::Ok();
  }
  element bucket;
  if (root["s3Bucket"].get(bucket) == simdjson::SUCCESS) {
    // CloudTrail's own SNS notification (AWS CloudTrail User Guide,
    // "Configuring Amazon SNS notifications for CloudTrail").
    std::string_view bucket_name;
    if (Status s = RequireStr(root, "s3Bucket", where, bucket_name); !s.ok()) return s;
    array keys;
    if (root["s3ObjectKey"].get_array().get(keys) != simdjson::SUCCESS) {
      return InvalidArgumentError(where + ".s3ObjectKey: missing or not an array");
    }
    size_t i = 0;
    for (element k : keys) {
      std::string_view key;
      if (k.get_string().get(key) != simdjson::SUCCESS || key.empty()) {
        return InvalidArgumentError(Index(where + ".s3ObjectKey", i) + ": not a key string");
      }
      ++i;
      S3ObjectRef ref;
      ref.bucket = std::string(bucket_name);
      ref.key = std::string(key);
      ref.action = S3ObjectRef::Action::kCreated;
      ref.event_name = "CloudTrail";
      ref.region = std::string(region);
      unit.objects.push_back(std::move(ref));
    }
    if (i == 0) return InvalidArgumentError(where + ".s3ObjectKey: empty");
    AddLayer(unit, "cloudtrail");
    return Status::Ok();
  }
  if (auto type = Str(root, "Type");
      (allow & kAllowSnsEnvelope) && type && *type == "Notification") {
    std::string_view message;
    if (Status s = RequireStr(root, "Message", where, message); !s.ok()) return s;
    AddLayer(unit, "sns");
    if (auto topic = Str(root, "TopicArn"); topic && !ArnRegion(*topic).empty()) {
      region = ArnRegion(*topic);
    }
    return DecodeContent(message, where + ".Message", kAllowEventBridge, region, unit);
  }
  element detail_type;
  if ((allow & kAllowEventBridge) && root["detail-type"].get(detail_type) == simdjson::SUCCESS) {
    return DecodeEventBridge(text, root, where, unit);
  }
  return InvalidArgumentError(where +
                              ": not an S3 notification, CloudTrail's notification, an SNS "
                              "message or an EventBridge event (keys: " +
                              KeysOf(root) + ")");
}

// The source of a Records[] entry: "eventSource" (S3, SQS) or "EventSource" (SNS).
std::optional<std::string_view> RecordSource(const element& rec) {
  object r;
  if (rec.get_object().get(r) != simdjson::SUCCESS) return std::nullopt;
  if (auto v = Str(r, "eventSource")) return v;
  return Str(r, "EventSource");
}

}  // namespace

StatusOr<LambdaEvent> DecodeLambdaEvent(std::string_view event) {
  LambdaEvent out;
  simdjson::dom::parser parser;
  element doc;
  object root;
  // Not a JSON object: left to the subscription decoder (it also takes a bare
  // base64 string) and its errors.
  if (parser.parse(event.data(), event.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    return out;
  }
  element e;
  if (root["awslogs"].get(e) == simdjson::SUCCESS) return out;

  array records;
  if (root["Records"].get_array().get(records) == simdjson::SUCCESS) {
    element first;
    if (records.at(0).get(first) != simdjson::SUCCESS) {
      return InvalidArgumentError("event: Records: empty");
    }
    const auto source = RecordSource(first);
    if (!source) {
      return InvalidArgumentError("event: Records[0]: no eventSource or EventSource string");
    }
    if (*source == "aws:s3") {
      out.input = LambdaInput::kS3;
      LambdaUnit unit;
      unit.path = "s3";
      if (Status s = DecodeS3Records(records, "event: Records", unit); !s.ok()) return s;
      out.units.push_back(std::move(unit));
      return out;
    }
    if (*source == "aws:sns") {
      out.input = LambdaInput::kSns;
      LambdaUnit unit;
      unit.path = "sns";
      size_t i = 0;
      for (element rec : records) {
        const std::string at = Index("event: Records", i++);
        const auto src = RecordSource(rec);
        if (!src || *src != "aws:sns") {
          return InvalidArgumentError(at + ".EventSource: not 'aws:sns' as in Records[0]");
        }
        object r;
        if (rec.get_object().get(r) != simdjson::SUCCESS) {
          return InvalidArgumentError(at + ": not an object");
        }
        auto sns = Obj(r, "Sns");
        if (!sns) return InvalidArgumentError(at + ".Sns: missing or not an object");
        std::string_view message;
        if (Status s = RequireStr(*sns, "Message", at + ".Sns", message); !s.ok()) return s;
        std::string_view region;
        if (auto topic = Str(*sns, "TopicArn")) region = ArnRegion(*topic);
        if (Status s = DecodeContent(message, at + ".Sns.Message", kAllowEventBridge, region, unit);
            !s.ok()) {
          return s;
        }
      }
      out.units.push_back(std::move(unit));
      return out;
    }
    if (*source == "aws:sqs") {
      out.input = LambdaInput::kSqs;
      size_t i = 0;
      for (element rec : records) {
        const std::string at = Index("event: Records", i++);
        const auto src = RecordSource(rec);
        if (!src || *src != "aws:sqs") {
          return InvalidArgumentError(at + ".eventSource: not 'aws:sqs' as in Records[0]");
        }
        object r;
        if (rec.get_object().get(r) != simdjson::SUCCESS) {
          return InvalidArgumentError(at + ": not an object");
        }
        std::string_view message_id;
        if (Status s = RequireStr(r, "messageId", at, message_id); !s.ok()) return s;
        if (message_id.empty()) return InvalidArgumentError(at + ".messageId: empty");
        LambdaUnit unit;
        unit.message_id = std::string(message_id);
        unit.path = "sqs";
        std::string_view body;
        unit.error = RequireStr(r, "body", at, body);
        if (unit.error.ok()) {
          unit.error = DecodeContent(body, at + ".body", kAllowSnsEnvelope | kAllowEventBridge,
                                     Str(r, "awsRegion").value_or(std::string_view()), unit);
        }
        out.units.push_back(std::move(unit));
      }
      return out;
    }
    return InvalidArgumentError("event: Records[0].eventSource: '" + std::string(*source) +
                                "' is not aws:s3, aws:sns or aws:sqs");
  }
  if (root["detail-type"].get(e) == simdjson::SUCCESS) {
    out.input = LambdaInput::kEventBridge;
    LambdaUnit unit;
    if (Status s = DecodeEventBridge(event, root, "event", unit); !s.ok()) return s;
    out.units.push_back(std::move(unit));
    return out;
  }
  if (auto v = Str(root, "Event"); v && *v == "s3:TestEvent") {
    out.input = LambdaInput::kS3;
    LambdaUnit unit;
    unit.path = "s3-test";
    unit.test_events = 1;
    out.units.push_back(std::move(unit));
    return out;
  }
  return out;  // a decoded LogBatch, or nothing known: the subscription decoder says which
}

}  // namespace iam_audit
