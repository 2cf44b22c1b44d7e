// CloudTrail's S3 delivery, the notifications for its objects and its
// EventBridge events (see s3_delivery.h for the contract).
#include "iam_audit/simulator/s3_delivery.h"

#include <libdeflate.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <tuple>

#include "aws/sigv4.h"
#include "hash.h"
#include "iam_audit/simulator/cloudwatch.h"

namespace iam_audit::simulator {
namespace {

using internal::Fnv1a64;
using internal::Rng;
using internal::SplitMix64;

struct Civil {
  int year, month, day, hour, minute, second, millis;
};

// Days since 1970-01-01 → civil date (proleptic Gregorian).
Civil ToCivil(int64_t ms) {
  int64_t days = ms / 86400000;
  int64_t rest = ms % 86400000;
  if (rest < 0) {
    rest += 86400000;
    --days;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return Civil{year,
               month,
               day,
               static_cast<int>(rest / 3600000),
               static_cast<int>(rest / 60000 % 60),
               static_cast<int>(rest / 1000 % 60),
               static_cast<int>(rest % 1000)};
}

// 2019-01-02T12:45:07.000Z (S3 and SNS notifications).
std::string IsoMillis(int64_t ms) {
  const Civil c = ToCivil(ms);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day,
                c.hour, c.minute, c.second, c.millis);
  return buf;
}

// 2021-11-12T00:00:00Z (EventBridge's time).
std::string IsoSeconds(int64_t ms) {
  const Civil c = ToCivil(ms);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr char kUpperAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string RandomChars(Rng& rng, std::string_view alphabet, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out += alphabet[rng.Below(alphabet.size())];
  return out;
}

// A version 4 UUID, lower case.
std::string Uuid(Rng& rng) {
  const uint64_t a = rng.Next();
  const uint64_t b = rng.Next();
  char buf[40];
  std::snprintf(buf, sizeof buf,
                "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64 "-%012" PRIx64, a >> 32,
                (a >> 16) & 0xffff, a & 0xfff, static_cast<uint64_t>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<uint64_t>(b & 0xffffffffffffULL));
  return buf;
}

// The notification's own random numbers: a function of the seed, the object
// and the layer, so one envelope's ids do not shift another's.
Rng RngFor(uint64_t seed, std::string_view key, std::string_view layer) {
  return Rng(SplitMix64(seed) ^ Fnv1a64(layer, Fnv1a64(key)));
}

std::string JsonString(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

std::string Gzip(std::string_view in, int level) {
  level = std::clamp(level, 0, 9);
  std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> c(
      libdeflate_alloc_compressor(level), libdeflate_free_compressor);
  std::string out(libdeflate_gzip_compress_bound(c.get(), in.size()), '\0');
  const size_t n = libdeflate_gzip_compress(c.get(), in.data(), in.size(), out.data(), out.size());
  out.resize(n);
  return out;
}

std::string TopicArn(const NotificationOptions& o) {
  return o.topic_arn.empty()
             ? "arn:aws:sns:" + o.bucket_region + ":" + o.bucket_account + ":iam-audit-cloudtrail"
             : o.topic_arn;
}

std::string QueueArn(const NotificationOptions& o) {
  return o.queue_arn.empty()
             ? "arn:aws:sqs:" + o.bucket_region + ":" + o.bucket_account + ":iam-audit-cloudtrail"
             : o.queue_arn;
}

// The region of an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME).
std::string ArnRegion(std::string_view arn, std::string_view fallback) {
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return std::string(fallback);
    ++pos;
  }
  const size_t end = arn.find(':', pos);
  if (end == std::string_view::npos || end == pos) return std::string(fallback);
  return std::string(arn.substr(pos, end - pos));
}

struct SnsFields {
  std::string message_id, topic_arn, subject, message, timestamp, signature, signing_cert_url,
      unsubscribe_url, subscription_arn;
};

SnsFields MakeSns(std::string_view key, std::string_view layer, std::string message,
                  std::string subject, int64_t ms, const NotificationOptions& o) {
  Rng rng = RngFor(o.seed, key, layer);
  SnsFields f;
  f.message_id = Uuid(rng);
  f.topic_arn = TopicArn(o);
  f.subject = std::move(subject);
  f.message = std::move(message);
  f.timestamp = IsoMillis(ms);
  f.signature = RandomChars(rng, kBase64, 342) + "==";
  const std::string region = ArnRegion(f.topic_arn, o.bucket_region);
  std::string cert;
  for (int i = 0; i < 32; ++i) cert += "0123456789abcdef"[rng.Below(16)];
  f.signing_cert_url =
      "https://sns." + region + ".amazonaws.com/SimpleNotificationService-" + cert + ".pem";
  Rng sub = RngFor(o.seed, f.topic_arn, "subscription");
  f.subscription_arn = f.topic_arn + ":" + Uuid(sub);
  f.unsubscribe_url = "https://sns." + region +
                      ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + f.subscription_arn;
  return f;
}

// SNS → Lambda: {"Records":[{"EventVersion","EventSubscriptionArn","EventSource","Sns":{…}}]},
// fields in the order of the Lambda Developer Guide's sample.
std::string SnsLambdaEvent(const SnsFields& f) {
  std::string out = R"({"Records":[{"EventVersion":"1.0","EventSubscriptionArn":)";
  out += JsonString(f.subscription_arn);
  out += R"(,"EventSource":"aws:sns","Sns":{"SignatureVersion":"1","Timestamp":)";
  out += JsonString(f.timestamp);
  out += R"(,"Signature":)" + JsonString(f.signature);
  out += R"(,"SigningCertUrl":)" + JsonString(f.signing_cert_url);
  out += R"(,"MessageId":)" + JsonString(f.message_id);
  out += R"(,"Message":)" + JsonString(f.message);
  out += R"(,"MessageAttributes":{},"Type":"Notification","UnsubscribeUrl":)" +
         JsonString(f.unsubscribe_url);
  out += R"(,"TopicArn":)" + JsonString(f.topic_arn);
  out += R"(,"Subject":)" + (f.subject.empty() ? std::string("null") : JsonString(f.subject));
  out += "}}]}";
  return out;
}

// SNS → SQS (raw message delivery off): the SNS JSON document that becomes
// the SQS message body (note SigningCertURL / UnsubscribeURL spelled with URL).
std::string SnsQueueDocument(const SnsFields& f) {
  std::string out = R"({"Type":"Notification","MessageId":)" + JsonString(f.message_id);
  out += R"(,"TopicArn":)" + JsonString(f.topic_arn);
  if (!f.subject.empty()) out += R"(,"Subject":)" + JsonString(f.subject);
  out += R"(,"Message":)" + JsonString(f.message);
  out += R"(,"Timestamp":)" + JsonString(f.timestamp);
  out += R"(,"SignatureVersion":"1","Signature":)" + JsonString(f.signature);
  out += R"(,"SigningCertURL":)" + JsonString(f.signing_cert_url);
  out += R"(,"UnsubscribeURL":)" + JsonString(f.unsubscribe_url);
  out += "}";
  return out;
}

// SQS → Lambda, one message, fields in the order of the Lambda Developer
// Guide's sample.
std::string SqsLambdaEvent(std::string_view id_key, std::string_view body, int64_t sent_ms,
                           const NotificationOptions& o) {
  Rng rng = RngFor(o.seed, id_key, "sqs");
  const std::string queue = QueueArn(o);
  std::string out = R"({"Records":[{"messageId":)" + JsonString(Uuid(rng));
  out += R"(,"receiptHandle":)" + JsonString("AQEB" + RandomChars(rng, kBase64, 168));
  out += R"(,"body":)" + JsonString(body);
  out += R"(,"attributes":{"ApproximateReceiveCount":"1","SentTimestamp":)" +
         JsonString(std::to_string(sent_ms));
  out += R"(,"SenderId":)" + JsonString("AIDA" + RandomChars(rng, kUpperAlnum, 17));
  out += R"(,"ApproximateFirstReceiveTimestamp":)" +
         JsonString(std::to_string(sent_ms + 1 + rng.Below(50)));
  out += R"(},"messageAttributes":{},"md5OfBody":)" + JsonString(Md5Hex(body));
  out += R"(,"eventSource":"aws:sqs","eventSourceARN":)" + JsonString(queue);
  out += R"(,"awsRegion":)" + JsonString(ArnRegion(queue, o.bucket_region));
  out += "}]}";
  return out;
}

// S3's sequencer: hex, increasing with the delivery order of the bucket's
// objects (compared as strings of equal length).
std::string Sequencer(const LogFile& file, size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%012" PRIX64 "%06zX", static_cast<uint64_t>(file.delivered_ms),
                n & 0xffffff);
  return buf;
}

bool ValidOrgId(std::string_view id) {
  if (id.size() < 12 || id.size() > 34 || id.substr(0, 2) != "o-") return false;
  for (char c : id.substr(2)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// The account and region become folders of the key, and the key a path
// under --out: only characters that cannot climb out or split a segment.
Status CheckSegment(std::string_view what, std::string_view value) {
  const bool ok = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
  if (ok) return Status::Ok();
  return InvalidArgumentError(
      std::string(what) + " '" + std::string(value) +
      "' cannot be a folder of the key (expected letters, digits, '-' or '_')");
}

}  // namespace

Status ValidateS3DeliveryOptions(const S3DeliveryOptions& o) {
  if (!o.org_id.empty() && !ValidOrgId(o.org_id)) {
    return InvalidArgumentError(
        "--org-id '" + o.org_id +
        "': an organization id is \"o-\" and 10 to 32 lowercase letters or digits");
  }
  if (!o.prefix.empty() && (o.prefix.front() == '/' || o.prefix.back() == '/')) {
    return InvalidArgumentError("--prefix '" + o.prefix + "': must not start or end with '/'");
  }
  // The key is also a path under --out.
  for (size_t start = 0; !o.prefix.empty() && start <= o.prefix.size();) {
    size_t end = o.prefix.find('/', start);
    if (end == std::string::npos) end = o.prefix.size();
    const std::string_view segment = std::string_view(o.prefix).substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return InvalidArgumentError("--prefix '" + o.prefix + "': no empty, '.' or '..' segments");
    }
    start = end + 1;
  }
  if (o.window_ms <= 0) return InvalidArgumentError("--file-window must be positive");
  return Status::Ok();
}

std::string LogFileKey(const S3DeliveryOptions& o, std::string_view account,
                       std::string_view region, int64_t delivered_ms, std::string_view unique) {
  const Civil c = ToCivil(delivered_ms);
  char date[16];
  std::snprintf(date, sizeof date, "%04d/%02d/%02d", c.year, c.month, c.day);
  char stamp[24];
  std::snprintf(stamp, sizeof stamp, "%04d%02d%02dT%02d%02dZ", c.year, c.month, c.day, c.hour,
                c.minute);
  std::string key;
  if (!o.prefix.empty()) key += o.prefix + "/";
  key += "AWSLogs/";
  if (!o.org_id.empty()) key += o.org_id + "/";
  key.append(account).append("/CloudTrail/").append(region).append("/").append(date).append("/");
  key.append(account).append("_CloudTrail_").append(region).append("_").append(stamp).append("_");
  key.append(unique).append(".json.gz");
  return key;
}

S3Delivery::S3Delivery(S3DeliveryOptions options) : options_(std::move(options)) {}

Status S3Delivery::AddRecord(std::string_view record_json, uint64_t sequence) {
  auto event = ToTrailEvent(record_json, options_.default_account, options_.default_region);
  if (!event.ok()) return event.status();
  if (Status st = CheckSegment("account", event->account); !st.ok()) return st;
  if (Status st = CheckSegment("region", event->region); !st.ok()) return st;
  Pending p;
  p.account = std::move(event->account);
  p.region = std::move(event->region);
  p.timestamp = event->timestamp;
  // Floor division: records before 1970 still fall in a window.
  p.window = p.timestamp / options_.window_ms - (p.timestamp % options_.window_ms < 0 ? 1 : 0);
  p.sequence = sequence;
  p.text = std::string(record_json);
  records_.push_back(std::move(p));
  return Status::Ok();
}

std::vector<LogFile> S3Delivery::Finish() {
  // Files in delivery order (window, account, region); within a file by
  // eventTime; ties in input order (stable).
  std::stable_sort(records_.begin(), records_.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.window, a.account, a.region, a.timestamp) <
           std::tie(b.window, b.account, b.region, b.timestamp);
  });
  std::vector<LogFile> files;
  for (size_t i = 0; i < records_.size();) {
    size_t j = i;
    const Pending& first = records_[i];
    LogFile file;
    file.account = first.account;
    file.region = first.region;
    file.delivered_ms = (first.window + 1) * options_.window_ms;
    file.body = "{\"Records\":[";
    for (; j < records_.size() && records_[j].window == first.window &&
           records_[j].account == first.account && records_[j].region == first.region;
         ++j) {
      if (j > i) file.body += ',';
      file.body += records_[j].text;
      file.record_sequences.push_back(records_[j].sequence);
    }
    file.body += "]}";
    Rng rng =
        RngFor(options_.seed,
               file.account + "\n" + file.region + "\n" + std::to_string(first.window), "file");
    file.key = LogFileKey(options_, file.account, file.region, file.delivered_ms,
                          RandomChars(rng, kAlnum, 16));
    file.gzip = Gzip(file.body, options_.gzip_level);
    file.etag = Md5Hex(file.gzip);
    files.push_back(std::move(file));
    i = j;
  }
  records_.clear();
  return files;
}

std::string S3NotificationKey(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (unsigned char c : key) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '*' || c == '/') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

StatusOr<Envelope> ParseEnvelope(std::string_view name) {
  if (name == "s3") return Envelope::kS3;
  if (name == "sns") return Envelope::kSns;
  if (name == "sqs") return Envelope::kSqs;
  if (name == "sns-sqs") return Envelope::kSnsSqs;
  if (name == "eventbridge") return Envelope::kEventBridge;
  if (name == "eventbridge-sqs") return Envelope::kEventBridgeSqs;
  if (name == "cloudtrail-sns") return Envelope::kCloudTrailSns;
  if (name == "cloudtrail-sns-sqs") return Envelope::kCloudTrailSnsSqs;
  return InvalidArgumentError(
      "--envelope '" + std::string(name) +
      "': expected s3, sns, sqs, sns-sqs, eventbridge, eventbridge-sqs, cloudtrail-sns or "
      "cloudtrail-sns-sqs");
}

std::string S3EventJson(const LogFile& file, size_t n, const NotificationOptions& o) {
  Rng rng = RngFor(o.seed, file.key, "s3");
  std::string out = R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":)";
  out += JsonString(o.bucket_region);
  out += R"(,"eventTime":)" + JsonString(IsoMillis(file.delivered_ms));
  out +=
      R"(,"eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:cloudtrail.amazonaws.com"})";
  out += R"(,"requestParameters":{"sourceIPAddress":"cloudtrail.amazonaws.com"})";
  out += R"(,"responseElements":{"x-amz-request-id":)" +
         JsonString(RandomChars(rng, "0123456789ABCDEF", 16));
  out += R"(,"x-amz-id-2":)" + JsonString(RandomChars(rng, kBase64, 76));
  out += R"(},"s3":{"s3SchemaVersion":"1.0","configurationId":)" + JsonString(o.configuration_id);
  out += R"(,"bucket":{"name":)" + JsonString(o.bucket);
  Rng owner = RngFor(o.seed, o.bucket, "owner");
  out +=
      R"(,"ownerIdentity":{"principalId":)" + JsonString("A" + RandomChars(owner, kUpperAlnum, 13));
  out += R"(},"arn":)" + JsonString("arn:aws:s3:::" + o.bucket);
  out += R"(},"object":{"key":)" + JsonString(S3NotificationKey(file.key));
  out += R"(,"size":)" + std::to_string(file.gzip.size());
  out += R"(,"eTag":)" + JsonString(file.etag);
  out += R"(,"sequencer":)" + JsonString(Sequencer(file, n));
  out += "}}}]}";
  return out;
}

std::string S3EventBridgeEventJson(const LogFile& file, size_t n, const NotificationOptions& o) {
  Rng rng = RngFor(o.seed, file.key, "eventbridge");
  std::string out = R"({"version":"0","id":)" + JsonString(Uuid(rng));
  out += R"(,"detail-type":"Object Created","source":"aws.s3","account":)" +
         JsonString(o.bucket_account);
  out += R"(,"time":)" + JsonString(IsoSeconds(file.delivered_ms));
  out += R"(,"region":)" + JsonString(o.bucket_region);
  out += R"(,"resources":[)" + JsonString("arn:aws:s3:::" + o.bucket);
  out += R"(],"detail":{"version":"0","bucket":{"name":)" + JsonString(o.bucket);
  out += R"(},"object":{"key":)" + JsonString(file.key);
  out += R"(,"size":)" + std::to_string(file.gzip.size());
  out += R"(,"etag":)" + JsonString(file.etag);
  out += R"(,"sequencer":)" + JsonString(Sequencer(file, n));
  out += R"(},"request-id":)" + JsonString(RandomChars(rng, kUpperAlnum, 16));
  out += R"(,"requester":"cloudtrail.amazonaws.com","reason":"PutObject"}})";
  return out;
}

std::string CloudTrailSnsMessageJson(const LogFile& file, const NotificationOptions& o) {
  return R"({"s3Bucket":)" + JsonString(o.bucket) + R"(,"s3ObjectKey":[)" + JsonString(file.key) +
         "]}";
}

std::string NotificationJson(const LogFile& file, size_t n, Envelope envelope,
                             const NotificationOptions& o) {
  const int64_t t = file.delivered_ms;
  switch (envelope) {
    case Envelope::kS3:
      return S3EventJson(file, n, o);
    case Envelope::kSns:
      return SnsLambdaEvent(
          MakeSns(file.key, "sns", S3EventJson(file, n, o), "Amazon S3 Notification", t, o));
    case Envelope::kSqs:
      return SqsLambdaEvent(file.key, S3EventJson(file, n, o), t, o);
    case Envelope::kSnsSqs:
      return SqsLambdaEvent(file.key,
                            SnsQueueDocument(MakeSns(file.key, "sns", S3EventJson(file, n, o),
                                                     "Amazon S3 Notification", t, o)),
                            t, o);
    case Envelope::kEventBridge:
      return S3EventBridgeEventJson(file, n, o);
    case Envelope::kEventBridgeSqs:
      return SqsLambdaEvent(file.key, S3EventBridgeEventJson(file, n, o), t, o);
    case Envelope::kCloudTrailSns:
      return SnsLambdaEvent(
          MakeSns(file.key, "cloudtrail-sns", CloudTrailSnsMessageJson(file, o), "", t, o));
    case Envelope::kCloudTrailSnsSqs:
      return SqsLambdaEvent(file.key,
                            SnsQueueDocument(MakeSns(file.key, "cloudtrail-sns",
                                                     CloudTrailSnsMessageJson(file, o), "", t, o)),
                            t, o);
  }
  return "";
}

StatusOr<std::string> CloudTrailEventBridgeJson(std::string_view record_json, uint64_t sequence,
                                                std::string_view default_account,
                                                std::string_view default_region, uint64_t seed) {
  auto event = ToTrailEvent(record_json, default_account, default_region);
  if (!event.ok()) return event.status();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(event->message).get(doc) != simdjson::SUCCESS) {
    return InvalidArgumentError("invalid JSON");  // ToTrailEvent accepted it; not reached
  }
  std::string_view source, type, time;
  if (doc["eventType"].get(type) != simdjson::SUCCESS) type = "AwsApiCall";
  if (doc["eventSource"].get(source) != simdjson::SUCCESS || source.empty()) {
    // Insights records name no service: EventBridge has them from CloudTrail.
    if (type != "AwsCloudTrailInsight") {
      return InvalidArgumentError(
          "record has no eventSource string (EventBridge's source is made from it)");
    }
    source = "cloudtrail.amazonaws.com";
  }
  if (doc["eventTime"].get(time) != simdjson::SUCCESS) time = "";  // ToTrailEvent required it
  std::string detail_type = "AWS API Call via CloudTrail";
  if (type == "AwsConsoleSignIn" || type == "AwsConsoleSignin")
    detail_type = "AWS Console Sign In via CloudTrail";
  if (type == "AwsServiceEvent") detail_type = "AWS Service Event via CloudTrail";
  if (type == "AwsConsoleAction") detail_type = "AWS Console Action via CloudTrail";
  if (type == "AwsCloudTrailInsight") detail_type = "AWS Insight via CloudTrail";
  const size_t dot = source.find('.');
  const std::string service(source.substr(0, dot));
  Rng rng(SplitMix64(seed) ^ SplitMix64(sequence ^ 0x6576656e74627269ULL));
  std::string out = R"({"version":"0","id":)" + JsonString(Uuid(rng));
  out += R"(,"detail-type":)" + JsonString(detail_type);
  out += R"(,"source":)" + JsonString("aws." + service);
  out += R"(,"account":)" + JsonString(event->account);
  out += R"(,"time":)" + JsonString(time);
  out += R"(,"region":)" + JsonString(event->region);
  out += R"(,"resources":[],"detail":)";
  out += event->message;
  out += "}";
  return out;
}

std::string WrapEventBridgeInSqs(std::string_view event_json, uint64_t sequence, int64_t sent_ms,
                                 const NotificationOptions& options) {
  return SqsLambdaEvent("record-" + std::to_string(sequence), event_json, sent_ms, options);
}

std::string Md5Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  return aws::HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace iam_audit::simulator
