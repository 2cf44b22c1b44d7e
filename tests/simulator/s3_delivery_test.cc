// CloudTrail's S3 delivery, the notifications for its log files and its
// EventBridge events. Expected values come from AWS's documentation: the
// CloudTrail log file name format and its example name, the S3 "Event
// message structure" sample (version 2.1), the Lambda Developer Guide's SNS
// and SQS sample events, the S3 EventBridge "Object Created" sample and the
// CloudTrail SNS notification sample; MD5 values from RFC 1321's test suite.
#include "iam_audit/simulator/s3_delivery.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

namespace iam_audit::simulator {
namespace {

using nlohmann::json;

std::set<std::string> Keys(const json& object) {
  std::set<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
  return keys;
}

// gunzip with zlib (the simulator compresses with libdeflate).
std::string Gunzip(const std::string& gz) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[4096];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  }
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

std::string Record(const std::string& time, const std::string& region, const std::string& name,
                   const std::string& account = "111122223333") {
  return R"({"eventVersion":"1.08","eventTime":")" + time +
         R"(","eventSource":"iam.amazonaws.com","eventName":")" + name + R"(","awsRegion":")" +
         region + R"(","recipientAccountId":")" + account + R"("})";
}

TEST_CASE("log file key: CloudTrail's documented name format and example name", "[s3]") {
  S3DeliveryOptions o;
  // 2015-08-01T02:10:00Z, the documented example's delivery time.
  CHECK(LogFileKey(o, "111122223333", "us-east-2", 1438395000000, "Mu0KsOhtH1ar15ZZ") ==
        "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/"
        "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz");
  o.org_id = "o-exampleorgid";
  o.prefix = "trails/org";
  CHECK(LogFileKey(o, "111122223333", "us-east-2", 1438395000000, "Mu0KsOhtH1ar15ZZ") ==
        "trails/org/AWSLogs/o-exampleorgid/111122223333/CloudTrail/us-east-2/2015/08/01/"
        "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz");
}

TEST_CASE("log file options are checked", "[s3]") {
  S3DeliveryOptions o;
  CHECK(ValidateS3DeliveryOptions(o).ok());
  o.org_id = "o-EXAMPLE";
  CHECK(ValidateS3DeliveryOptions(o).message().find("--org-id 'o-EXAMPLE'") != std::string::npos);
  o.org_id = "";
  o.prefix = "/logs";
  CHECK(ValidateS3DeliveryOptions(o).message().find("--prefix '/logs'") != std::string::npos);
}

TEST_CASE("records are cut into files per account, region and 5-minute window", "[s3]") {
  S3DeliveryOptions o;
  o.seed = 7;
  S3Delivery d(o);
  // Input order is not time order; the pretty-printed record keeps its spaces.
  const std::string late = Record("2022-12-25T00:03:00Z", "us-east-1", "Late");
  const std::string pretty =
      "{ \"eventTime\" : \"2022-12-24T23:59:59Z\",\n  \"awsRegion\": \"us-east-1\", "
      "\"recipientAccountId\": "
      "\"111122223333\", \"eventName\": \"Pretty\\u00e9\" }";
  const std::string boundary = Record("2022-12-25T00:05:00Z", "us-east-1", "Boundary");
  const std::string other_region = Record("2022-12-25T00:01:00Z", "eu-west-1", "Other");
  const std::string other_account =
      Record("2022-12-25T00:01:00Z", "us-east-1", "Acct", "444455556666");
  const std::string early = Record("2022-12-24T23:56:00Z", "us-east-1", "Early");
  REQUIRE(d.AddRecord(late, 0).ok());
  REQUIRE(d.AddRecord(pretty, 1).ok());
  REQUIRE(d.AddRecord(boundary, 2).ok());
  REQUIRE(d.AddRecord(other_region, 3).ok());
  REQUIRE(d.AddRecord(other_account, 4).ok());
  REQUIRE(d.AddRecord(early, 5).ok());
  const Status bad = d.AddRecord(R"({"eventName":"NoTime"})", 6);
  CHECK(bad.message().find("no eventTime") != std::string::npos);

  const std::vector<LogFile> files = d.Finish();
  REQUIRE(files.size() == 5);
  const std::regex unique("[A-Za-z0-9]{16}");
  auto prefix_of = [](const std::string& key) { return key.substr(0, key.size() - 24); };
  auto unique_of = [](const std::string& key) { return key.substr(key.size() - 24, 16); };
  // Window 23:55-00:00 → delivered 00:00 on the 25th (the folder is the delivery day).
  CHECK(prefix_of(files[0].key) ==
        "AWSLogs/111122223333/CloudTrail/us-east-1/2022/12/25/"
        "111122223333_CloudTrail_us-east-1_20221225T0000Z_");
  CHECK(files[0].delivered_ms == 1671926400000);
  CHECK(files[0].record_sequences == std::vector<uint64_t>{5, 1});
  CHECK(Gunzip(files[0].gzip) == "{\"Records\":[" + early + "," + pretty + "]}");
  CHECK(files[0].body == Gunzip(files[0].gzip));
  // Window 00:00-00:05, ordered by account then region.
  CHECK(prefix_of(files[1].key) ==
        "AWSLogs/111122223333/CloudTrail/eu-west-1/2022/12/25/"
        "111122223333_CloudTrail_eu-west-1_20221225T0005Z_");
  CHECK(Gunzip(files[1].gzip) == "{\"Records\":[" + other_region + "]}");
  CHECK(prefix_of(files[2].key) ==
        "AWSLogs/111122223333/CloudTrail/us-east-1/2022/12/25/"
        "111122223333_CloudTrail_us-east-1_20221225T0005Z_");
  CHECK(Gunzip(files[2].gzip) == "{\"Records\":[" + late + "]}");
  CHECK(prefix_of(files[3].key) ==
        "AWSLogs/444455556666/CloudTrail/us-east-1/2022/12/25/"
        "444455556666_CloudTrail_us-east-1_20221225T0005Z_");
  // 00:05:00 exactly starts the next window: delivered 00:10.
  CHECK(prefix_of(files[4].key) ==
        "AWSLogs/111122223333/CloudTrail/us-east-1/2022/12/25/"
        "111122223333_CloudTrail_us-east-1_20221225T0010Z_");
  CHECK(Gunzip(files[4].gzip) == "{\"Records\":[" + boundary + "]}");
  for (const LogFile& f : files) CHECK(std::regex_match(unique_of(f.key), unique));

  // Same seed, same names; another seed, other names.
  S3Delivery again(o);
  REQUIRE(again.AddRecord(early, 0).ok());
  CHECK(again.Finish()[0].key == files[0].key);
  o.seed = 8;
  S3Delivery reseeded(o);
  REQUIRE(reseeded.AddRecord(early, 0).ok());
  CHECK(reseeded.Finish()[0].key != files[0].key);
}

TEST_CASE("an account or region that cannot be a key segment fails the record", "[s3]") {
  S3Delivery d{S3DeliveryOptions{}};
  const Status account =
      d.AddRecord(Record("2022-12-25T00:03:00Z", "us-east-1", "X", "../../tmp"), 0);
  CHECK(account.message() ==
        "account '../../tmp' cannot be a folder of the key (expected letters, digits, '-' or '_')");
  const Status region = d.AddRecord(Record("2022-12-25T00:03:00Z", "us/east", "X"), 1);
  CHECK(region.message() ==
        "region 'us/east' cannot be a folder of the key (expected letters, digits, '-' or '_')");
  CHECK(d.Finish().empty());
  S3DeliveryOptions o;
  o.prefix = "logs/../up";
  CHECK(ValidateS3DeliveryOptions(o).message() ==
        "--prefix 'logs/../up': no empty, '.' or '..' segments");
  o.prefix = "a//b";
  CHECK(!ValidateS3DeliveryOptions(o).ok());
}

TEST_CASE("S3 notification keys are form-encoded: space is +, + is %2B, / stays", "[s3]") {
  CHECK(S3NotificationKey("my logs/a+b c.json.gz") == "my+logs/a%2Bb+c.json.gz");
  CHECK(S3NotificationKey("AWSLogs/o-abc/1_CloudTrail_x.json.gz") ==
        "AWSLogs/o-abc/1_CloudTrail_x.json.gz");
  CHECK(S3NotificationKey("k=v:w~é") == "k%3Dv%3Aw%7E%C3%A9");
}

TEST_CASE("MD5 as RFC 1321's test suite gives it", "[s3]") {
  CHECK(Md5Hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(Md5Hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(Md5Hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
}

LogFile SampleFile() {
  LogFile f;
  f.key =
      "my logs+x/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/"
      "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz";
  f.account = "111122223333";
  f.region = "us-east-2";
  f.delivered_ms = 1438395000000;
  f.gzip = std::string(1234, 'x');
  f.etag = "b1946ac92492d2347c6235b4d2611184";
  return f;
}

NotificationOptions SampleOptions() {
  NotificationOptions o;
  o.bucket = "amzn-s3-demo-bucket";
  o.bucket_region = "ca-central-1";
  o.bucket_account = "444455556666";
  o.configuration_id = "testConfigRule";
  return o;
}

const char kEncodedKey[] =
    "my+logs%2Bx/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/"
    "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz";

void CheckS3Event(const json& event) {
  REQUIRE(Keys(event) == std::set<std::string>{"Records"});
  REQUIRE(event["Records"].size() == 1);
  const json& r = event["Records"][0];
  CHECK(Keys(r) == std::set<std::string>{"eventVersion", "eventSource", "awsRegion", "eventTime",
                                         "eventName", "userIdentity", "requestParameters",
                                         "responseElements", "s3"});
  CHECK(r["eventVersion"] == "2.1");
  CHECK(r["eventSource"] == "aws:s3");
  CHECK(r["awsRegion"] == "ca-central-1");
  CHECK(r["eventTime"] == "2015-08-01T02:10:00.000Z");
  CHECK(r["eventName"] == "ObjectCreated:Put");
  CHECK(Keys(r["userIdentity"]) == std::set<std::string>{"principalId"});
  CHECK(Keys(r["requestParameters"]) == std::set<std::string>{"sourceIPAddress"});
  CHECK(Keys(r["responseElements"]) == std::set<std::string>{"x-amz-request-id", "x-amz-id-2"});
  const json& s3 = r["s3"];
  CHECK(Keys(s3) ==
        std::set<std::string>{"s3SchemaVersion", "configurationId", "bucket", "object"});
  CHECK(s3["s3SchemaVersion"] == "1.0");
  CHECK(s3["configurationId"] == "testConfigRule");
  CHECK(Keys(s3["bucket"]) == std::set<std::string>{"name", "ownerIdentity", "arn"});
  CHECK(s3["bucket"]["name"] == "amzn-s3-demo-bucket");
  CHECK(s3["bucket"]["arn"] == "arn:aws:s3:::amzn-s3-demo-bucket");
  CHECK(Keys(s3["bucket"]["ownerIdentity"]) == std::set<std::string>{"principalId"});
  // No versionId: CloudTrail's bucket is not versioned here.
  CHECK(Keys(s3["object"]) == std::set<std::string>{"key", "size", "eTag", "sequencer"});
  CHECK(s3["object"]["key"] == kEncodedKey);
  CHECK(s3["object"]["size"] == 1234);
  CHECK(s3["object"]["eTag"] == "b1946ac92492d2347c6235b4d2611184");
  CHECK(std::regex_match(s3["object"]["sequencer"].get<std::string>(), std::regex("[0-9A-F]{18}")));
}

const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

void CheckSnsLambdaRecord(const json& event, const std::string& subject) {
  REQUIRE(Keys(event) == std::set<std::string>{"Records"});
  REQUIRE(event["Records"].size() == 1);
  const json& r = event["Records"][0];
  CHECK(Keys(r) ==
        std::set<std::string>{"EventVersion", "EventSubscriptionArn", "EventSource", "Sns"});
  CHECK(r["EventVersion"] == "1.0");
  CHECK(r["EventSource"] == "aws:sns");
  const std::string topic = "arn:aws:sns:ca-central-1:444455556666:iam-audit-cloudtrail";
  CHECK(r["EventSubscriptionArn"].get<std::string>().rfind(topic + ":", 0) == 0);
  const json& sns = r["Sns"];
  CHECK(Keys(sns) == std::set<std::string>{"SignatureVersion", "Timestamp", "Signature",
                                           "SigningCertUrl", "MessageId", "Message",
                                           "MessageAttributes", "Type", "UnsubscribeUrl",
                                           "TopicArn", "Subject"});
  CHECK(sns["SignatureVersion"] == "1");
  CHECK(sns["Timestamp"] == "2015-08-01T02:10:00.000Z");
  CHECK(sns["Type"] == "Notification");
  CHECK(sns["TopicArn"] == topic);
  CHECK(sns["MessageAttributes"] == json::object());
  CHECK(std::regex_match(sns["MessageId"].get<std::string>(), kUuid));
  CHECK(std::regex_match(
      sns["SigningCertUrl"].get<std::string>(),
      std::regex(
          "https://sns\\.ca-central-1\\.amazonaws\\.com/SimpleNotificationService-[0-9a-f]{32}"
          "\\.pem")));
  CHECK(sns["UnsubscribeUrl"] ==
        "https://sns.ca-central-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" +
            r["EventSubscriptionArn"].get<std::string>());
  if (subject.empty()) {
    CHECK(sns["Subject"].is_null());
  } else {
    CHECK(sns["Subject"] == subject);
  }
}

void CheckSqsRecord(const json& event) {
  REQUIRE(Keys(event) == std::set<std::string>{"Records"});
  REQUIRE(event["Records"].size() == 1);
  const json& r = event["Records"][0];
  CHECK(Keys(r) == std::set<std::string>{"messageId", "receiptHandle", "body", "attributes",
                                         "messageAttributes", "md5OfBody", "eventSource",
                                         "eventSourceARN", "awsRegion"});
  CHECK(std::regex_match(r["messageId"].get<std::string>(), kUuid));
  CHECK(r["receiptHandle"].get<std::string>().rfind("AQEB", 0) == 0);
  CHECK(Keys(r["attributes"]) == std::set<std::string>{"ApproximateReceiveCount", "SentTimestamp",
                                                       "SenderId",
                                                       "ApproximateFirstReceiveTimestamp"});
  CHECK(r["attributes"]["ApproximateReceiveCount"] == "1");
  CHECK(r["attributes"]["SentTimestamp"] == "1438395000000");
  CHECK(r["messageAttributes"] == json::object());
  CHECK(r["eventSource"] == "aws:sqs");
  CHECK(r["eventSourceARN"] == "arn:aws:sqs:ca-central-1:444455556666:iam-audit-cloudtrail");
  CHECK(r["awsRegion"] == "ca-central-1");
  // An MD5 is 32 lowercase hex digits (its value is checked by the CLI test against Python's
  // hashlib).
  CHECK(std::regex_match(r["md5OfBody"].get<std::string>(), std::regex("[0-9a-f]{32}")));
}

void CheckS3EventBridge(const json& e) {
  CHECK(Keys(e) == std::set<std::string>{"version", "id", "detail-type", "source", "account",
                                         "time", "region", "resources", "detail"});
  CHECK(e["version"] == "0");
  CHECK(std::regex_match(e["id"].get<std::string>(), kUuid));
  CHECK(e["detail-type"] == "Object Created");
  CHECK(e["source"] == "aws.s3");
  CHECK(e["account"] == "444455556666");
  CHECK(e["time"] == "2015-08-01T02:10:00Z");
  CHECK(e["region"] == "ca-central-1");
  CHECK(e["resources"] == json::array({"arn:aws:s3:::amzn-s3-demo-bucket"}));
  const json& d = e["detail"];
  CHECK(Keys(d) ==
        std::set<std::string>{"version", "bucket", "object", "request-id", "requester", "reason"});
  CHECK(d["version"] == "0");
  CHECK(d["bucket"] == json{{"name", "amzn-s3-demo-bucket"}});
  CHECK(Keys(d["object"]) == std::set<std::string>{"key", "size", "etag", "sequencer"});
  CHECK(d["object"]["key"] == SampleFile().key);  // not URL-encoded
  CHECK(d["object"]["size"] == 1234);
  CHECK(d["object"]["etag"] == "b1946ac92492d2347c6235b4d2611184");
  CHECK(d["reason"] == "PutObject");
  CHECK(d["requester"] == "cloudtrail.amazonaws.com");
}

TEST_CASE("envelope s3: the S3 event notification, version 2.1", "[s3]") {
  CheckS3Event(json::parse(NotificationJson(SampleFile(), 1, Envelope::kS3, SampleOptions())));
}

TEST_CASE("envelope sns: the S3 event as an SNS message to Lambda", "[s3]") {
  const json e = json::parse(NotificationJson(SampleFile(), 1, Envelope::kSns, SampleOptions()));
  CheckSnsLambdaRecord(e, "Amazon S3 Notification");
  const std::string message = e["Records"][0]["Sns"]["Message"];
  CHECK(message == S3EventJson(SampleFile(), 1, SampleOptions()));
  CheckS3Event(json::parse(message));
}

TEST_CASE("envelope sqs: the S3 event as the body of an SQS message", "[s3]") {
  const json e = json::parse(NotificationJson(SampleFile(), 1, Envelope::kSqs, SampleOptions()));
  CheckSqsRecord(e);
  CheckS3Event(json::parse(e["Records"][0]["body"].get<std::string>()));
}

TEST_CASE("envelope sns-sqs: SNS's JSON document as the SQS body", "[s3]") {
  const json e = json::parse(NotificationJson(SampleFile(), 1, Envelope::kSnsSqs, SampleOptions()));
  CheckSqsRecord(e);
  const json body = json::parse(e["Records"][0]["body"].get<std::string>());
  CHECK(Keys(body) == std::set<std::string>{"Type", "MessageId", "TopicArn", "Subject", "Message",
                                            "Timestamp", "SignatureVersion", "Signature",
                                            "SigningCertURL", "UnsubscribeURL"});
  CHECK(body["Type"] == "Notification");
  CHECK(body["Subject"] == "Amazon S3 Notification");
  CHECK(body["TopicArn"] == "arn:aws:sns:ca-central-1:444455556666:iam-audit-cloudtrail");
  CheckS3Event(json::parse(body["Message"].get<std::string>()));
}

TEST_CASE("envelope eventbridge: S3's Object Created event", "[s3]") {
  CheckS3EventBridge(
      json::parse(NotificationJson(SampleFile(), 1, Envelope::kEventBridge, SampleOptions())));
  const json e =
      json::parse(NotificationJson(SampleFile(), 1, Envelope::kEventBridgeSqs, SampleOptions()));
  CheckSqsRecord(e);
  CheckS3EventBridge(json::parse(e["Records"][0]["body"].get<std::string>()));
}

TEST_CASE("envelope cloudtrail-sns: CloudTrail's own SNS notification", "[s3]") {
  const json e =
      json::parse(NotificationJson(SampleFile(), 1, Envelope::kCloudTrailSns, SampleOptions()));
  CheckSnsLambdaRecord(e, "");
  CHECK(e["Records"][0]["Sns"]["Message"] ==
        "{\"s3Bucket\":\"amzn-s3-demo-bucket\",\"s3ObjectKey\":[\"my "
        "logs+x/AWSLogs/111122223333/CloudTrail/"
        "us-east-2/2015/08/01/"
        "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz\"]}");
  const json q =
      json::parse(NotificationJson(SampleFile(), 1, Envelope::kCloudTrailSnsSqs, SampleOptions()));
  CheckSqsRecord(q);
  const json body = json::parse(q["Records"][0]["body"].get<std::string>());
  CHECK(body["Message"] == e["Records"][0]["Sns"]["Message"]);
  CHECK(body.count("Subject") == 0);
}

TEST_CASE("sequencers grow with the delivery order", "[s3]") {
  LogFile a = SampleFile(), b = SampleFile();
  b.delivered_ms += 300000;
  const json ea = json::parse(S3EventJson(a, 1, SampleOptions()));
  const json eb = json::parse(S3EventJson(b, 2, SampleOptions()));
  CHECK(ea["Records"][0]["s3"]["object"]["sequencer"].get<std::string>() <
        eb["Records"][0]["s3"]["object"]["sequencer"].get<std::string>());
}

TEST_CASE("envelope names", "[s3]") {
  CHECK(*ParseEnvelope("cloudtrail-sns") == Envelope::kCloudTrailSns);
  CHECK(ParseEnvelope("kinesis").status().message().find("--envelope 'kinesis'") !=
        std::string::npos);
}

TEST_CASE("EventBridge events from CloudTrail: detail-type by eventType, source by eventSource",
          "[s3]") {
  struct Case {
    std::string type_field, source, detail_type, want_source;
  } cases[] = {
      {"", "iam.amazonaws.com", "AWS API Call via CloudTrail", "aws.iam"},
      {R"("eventType":"AwsApiCall",)", "sts.amazonaws.com", "AWS API Call via CloudTrail",
       "aws.sts"},
      {R"("eventType":"AwsConsoleSignIn",)", "signin.amazonaws.com",
       "AWS Console Sign In via CloudTrail", "aws.signin"},
      {R"("eventType":"AwsServiceEvent",)", "kms.amazonaws.com", "AWS Service Event via CloudTrail",
       "aws.kms"},
      {R"("eventType":"AwsConsoleAction",)", "s3.amazonaws.com",
       "AWS Console Action via CloudTrail", "aws.s3"},
  };
  for (const Case& c : cases) {
    const std::string record = R"({"eventVersion":"1.08",)" + c.type_field +
                               R"("eventTime":"2023-03-01T08:00:05Z","eventSource":")" + c.source +
                               R"(","awsRegion":"eu-west-1","recipientAccountId":"111122223333"})";
    auto out = CloudTrailEventBridgeJson(record, 3, "123456789012", "us-east-1", 0);
    REQUIRE(out.ok());
    const json e = json::parse(*out);
    CHECK(Keys(e) == std::set<std::string>{"version", "id", "detail-type", "source", "account",
                                           "time", "region", "resources", "detail"});
    CHECK(e["version"] == "0");
    CHECK(std::regex_match(e["id"].get<std::string>(), kUuid));
    CHECK(e["detail-type"] == c.detail_type);
    CHECK(e["source"] == c.want_source);
    CHECK(e["account"] == "111122223333");
    CHECK(e["time"] == "2023-03-01T08:00:05Z");
    CHECK(e["region"] == "eu-west-1");
    CHECK(e["resources"] == json::array());
    CHECK(e["detail"] == json::parse(record));
    // The detail is the record's text as written (compact), not re-serialised.
    CHECK(out->find(record) != std::string::npos);
  }
  // Insights: no eventSource; EventBridge has them from CloudTrail.
  auto insight = CloudTrailEventBridgeJson(
      R"({"eventVersion":"1.08","eventTime":"2023-02-14T10:15:00Z","eventType":"AwsCloudTrailInsight"})",
      0, "123456789012", "us-east-2", 0);
  REQUIRE(insight.ok());
  CHECK(json::parse(*insight)["detail-type"] == "AWS Insight via CloudTrail");
  CHECK(json::parse(*insight)["source"] == "aws.cloudtrail");
  auto no_source = CloudTrailEventBridgeJson(R"({"eventTime":"2023-02-14T10:15:00Z"})", 0,
                                             "123456789012", "us-east-2", 0);
  CHECK(no_source.status().message().find("no eventSource") != std::string::npos);
  auto no_time =
      CloudTrailEventBridgeJson(R"({"eventSource":"iam.amazonaws.com"})", 0, "1", "r", 0);
  CHECK(no_time.status().message().find("no eventTime") != std::string::npos);
}

}  // namespace
}  // namespace iam_audit::simulator
