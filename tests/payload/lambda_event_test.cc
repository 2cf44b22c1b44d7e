// DecodeLambdaEvent on each shape a Lambda can be invoked with. Inputs are
// written by hand after AWS's documented examples (Amazon S3 User Guide
// "Event message structure" and "EventBridge event message structure",
// Lambda Developer Guide "Using Lambda with Amazon SQS / SNS", CloudTrail
// User Guide "Configuring Amazon SNS notifications for CloudTrail").
#include "iam_audit/lambda_event.h"

#include <catch2/catch.hpp>
#include <string>

#include "iam_audit/json_string.h"

namespace iam_audit {
namespace {

std::string Quote(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

// S3's notification for one object (version 2.1 of the structure).
std::string S3Notification(const std::string& event_name, const std::string& key) {
  return R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2",)"
         R"("eventTime":"2024-05-01T10:15:00.000Z","eventName":")" +
         event_name +
         R"(","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},)"
         R"("requestParameters":{"sourceIPAddress":"203.0.113.7"},)"
         R"("responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},)"
         R"("s3":{"s3SchemaVersion":"1.0","configurationId":"testConfigRule",)"
         R"("bucket":{"name":"trail-bucket","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::trail-bucket"},)"
         R"("object":{"key":")" +
         key +
         R"(","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}}]})";
}

constexpr char kKey[] =
    "AWSLogs/111122223333/CloudTrail/us-west-2/2024/05/01/"
    "111122223333_CloudTrail_us-west-2_20240501T1015Z_abcdEFGH12345678.json.gz";

std::string SnsEvent(const std::string& message) {
  return R"({"Records":[{"EventVersion":"1.0","EventSubscriptionArn":"arn:aws:sns:us-west-2:111122223333:trail:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55","EventSource":"aws:sns","Sns":{"SignatureVersion":"1","Timestamp":"2024-05-01T10:15:01.000Z","Signature":"EXAMPLE","SigningCertUrl":"EXAMPLE","MessageId":"95df01b4-ee98-5cb9-9903-4c221d41eb5e","Message":)" +
         Quote(message) +
         R"(,"MessageAttributes":{},"Type":"Notification","UnsubscribeUrl":"EXAMPLE","TopicArn":"arn:aws:sns:us-west-2:111122223333:trail","Subject":null}}]})";
}

std::string SqsRecord(const std::string& id, const std::string& body) {
  return R"({"messageId":")" + id + R"(","receiptHandle":"MessageReceiptHandle","body":)" +
         Quote(body) +
         R"(,"attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1523232000000","SenderId":"123456789012","ApproximateFirstReceiveTimestamp":"1523232000001"},"messageAttributes":{},"md5OfBody":"7b270e59b47ff90a553787216d55d91d","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-west-2:111122223333:trail-queue","awsRegion":"us-west-2"})";
}

std::string SqsEvent(const std::vector<std::string>& records) {
  std::string out = R"({"Records":[)";
  for (size_t i = 0; i < records.size(); ++i) out += (i ? "," : "") + records[i];
  return out + "]}";
}

// SNS → SQS without raw message delivery: the SNS document is the body.
std::string SnsDocument(const std::string& message) {
  return R"({"Type":"Notification","MessageId":"a1b2c3","TopicArn":"arn:aws:sns:us-west-2:111122223333:trail","Message":)" +
         Quote(message) +
         R"(,"Timestamp":"2024-05-01T10:15:01.000Z","SignatureVersion":"1","Signature":"EXAMPLE","SigningCertURL":"EXAMPLE","UnsubscribeURL":"EXAMPLE"})";
}

// A CloudTrail record with spacing and escapes of its own, to see it kept
// byte for byte.
constexpr char kDetail[] =
    R"({ "eventVersion":"1.08", "userIdentity":{"type":"IAMUser","userName":"alice"},)"
    R"( "eventTime":"2024-05-01T10:14:00Z","eventSource":"iam.amazonaws.com",)"
    R"("eventName":"CreateUser","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.4",)"
    R"("requestParameters":{"userName":"b\u00f6b\/x"},"eventID":"0f5c6e3a-aaaa-bbbb-cccc-000000000001",)"
    R"("eventType":"AwsApiCall","recipientAccountId":"111122223333" })";

std::string EventBridgeEvent(const std::string& detail_type, const std::string& source,
                             const std::string& detail) {
  return R"({"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":")" +
         detail_type + R"(","source":")" + source +
         R"(","account":"111122223333","time":"2024-05-01T10:14:00Z","region":"us-east-1","resources":[],"detail":)" +
         detail + "}";
}

TEST_CASE("S3 key decoding: '+' is a space, %XX a byte", "[lambda-event]") {
  CHECK(*DecodeS3NotificationKey("a+b%2Bc%20d") == "a b+c d");
  CHECK(*DecodeS3NotificationKey("caf%C3%A9") == "caf\xc3\xa9");
  CHECK(*DecodeS3NotificationKey("plain/key.json.gz") == "plain/key.json.gz");
  auto bad = DecodeS3NotificationKey("ab%2G");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "bad escape '%2G' at offset 2 (expected '%' and two hex digits)");
  auto cut = DecodeS3NotificationKey("ab%2");
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().message() == "bad escape '%2' at offset 2 (expected '%' and two hex digits)");
}

TEST_CASE("S3 notification: bucket, decoded key, action, size, who", "[lambda-event]") {
  auto ev = DecodeLambdaEvent(S3Notification("ObjectCreated:Put", "AWSLogs/my+logs/x%3Ay.json.gz"));
  REQUIRE(ev.ok());
  CHECK(ev->input == LambdaInput::kS3);
  CHECK(LambdaInputName(ev->input) == "s3");
  REQUIRE(ev->units.size() == 1);
  const LambdaUnit& u = ev->units[0];
  CHECK(u.message_id.empty());
  CHECK(u.path == "s3");
  CHECK(u.error.ok());
  REQUIRE(u.objects.size() == 1);
  const S3ObjectRef& o = u.objects[0];
  CHECK(o.bucket == "trail-bucket");
  CHECK(o.key == "AWSLogs/my logs/x:y.json.gz");
  CHECK(o.action == S3ObjectRef::Action::kCreated);
  CHECK(o.event_name == "ObjectCreated:Put");
  REQUIRE(o.size.has_value());
  CHECK(*o.size == 1024);
  CHECK(o.region == "us-west-2");
  CHECK(o.requester == "AWS:AIDAEXAMPLE");
  CHECK(o.source_ip == "203.0.113.7");
  CHECK(o.event_time == "2024-05-01T10:15:00.000Z");
}

TEST_CASE("S3 notification: ObjectRemoved and other event names", "[lambda-event]") {
  auto removed = DecodeLambdaEvent(S3Notification("ObjectRemoved:Delete", kKey));
  REQUIRE(removed.ok());
  CHECK(removed->units.at(0).objects.at(0).action == S3ObjectRef::Action::kRemoved);
  CHECK(removed->units.at(0).objects.at(0).key == kKey);
  auto marker = DecodeLambdaEvent(S3Notification("ObjectRemoved:DeleteMarkerCreated", kKey));
  REQUIRE(marker.ok());
  CHECK(marker->units.at(0).objects.at(0).action == S3ObjectRef::Action::kRemoved);
  auto multipart = DecodeLambdaEvent(S3Notification("ObjectCreated:CompleteMultipartUpload", kKey));
  REQUIRE(multipart.ok());
  CHECK(multipart->units.at(0).objects.at(0).action == S3ObjectRef::Action::kCreated);
  auto tagging = DecodeLambdaEvent(S3Notification("ObjectTagging:Put", kKey));
  REQUIRE(tagging.ok());
  CHECK(tagging->units.at(0).objects.at(0).action == S3ObjectRef::Action::kOther);
}

TEST_CASE("S3 notification: errors name the place", "[lambda-event]") {
  auto bad_key = DecodeLambdaEvent(S3Notification("ObjectCreated:Put", "a%zz"));
  REQUIRE_FALSE(bad_key.ok());
  CHECK(bad_key.status().message() ==
        "event: Records[0].s3.object.key: bad escape '%zz' at offset 1 (expected '%' and two hex "
        "digits)");
  auto no_bucket = DecodeLambdaEvent(
      R"({"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"object":{"key":"k"}}}]})");
  REQUIRE_FALSE(no_bucket.ok());
  CHECK(no_bucket.status().message() == "event: Records[0].s3.bucket: missing or not an object");
  auto no_name = DecodeLambdaEvent(
      R"({"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})");
  REQUIRE_FALSE(no_name.ok());
  CHECK(no_name.status().message() == "event: Records[0].eventName: missing");
  auto other = DecodeLambdaEvent(R"({"Records":[{"eventSource":"aws:dynamodb"}]})");
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message() ==
        "event: Records[0].eventSource: 'aws:dynamodb' is not aws:s3, aws:sns or aws:sqs");
  auto empty = DecodeLambdaEvent(R"({"Records":[]})");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().message() == "event: Records: empty");
}

TEST_CASE("S3 notification wrapped in SNS", "[lambda-event]") {
  auto ev = DecodeLambdaEvent(SnsEvent(S3Notification("ObjectCreated:Put", kKey)));
  REQUIRE(ev.ok());
  CHECK(ev->input == LambdaInput::kSns);
  REQUIRE(ev->units.size() == 1);
  CHECK(ev->units[0].path == "sns/s3");
  CHECK(ev->units[0].message_id.empty());
  REQUIRE(ev->units[0].objects.size() == 1);
  CHECK(ev->units[0].objects[0].bucket == "trail-bucket");
  CHECK(ev->units[0].objects[0].key == kKey);
}

TEST_CASE("SNS: a Message that is not JSON is an error with its line and column",
          "[lambda-event]") {
  auto ev = DecodeLambdaEvent(SnsEvent("{\"Records\": [ oops ]}"));
  REQUIRE_FALSE(ev.ok());
  const std::string& m = ev.status().message();
  CHECK(m.rfind("event: Records[0].Sns.Message: not JSON: line 1, column ", 0) == 0);
}

TEST_CASE("CloudTrail's own SNS notification names its log files", "[lambda-event]") {
  auto ev = DecodeLambdaEvent(SnsEvent(
      std::string(R"({"s3Bucket":"trail-bucket","s3ObjectKey":[")") + kKey +
      R"(","AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/111122223333_CloudTrail_eu-west-1_20240501T1015Z_x.json.gz"]})"));
  REQUIRE(ev.ok());
  REQUIRE(ev->units.size() == 1);
  const LambdaUnit& u = ev->units[0];
  CHECK(u.path == "sns/cloudtrail");
  REQUIRE(u.objects.size() == 2);
  CHECK(u.objects[0].bucket == "trail-bucket");
  CHECK(u.objects[0].key == kKey);            // not URL-encoded: kept as is
  CHECK(u.objects[0].region == "us-west-2");  // the topic's (arn:aws:sns:us-west-2:…)
  CHECK(u.objects[0].action == S3ObjectRef::Action::kCreated);
  CHECK(u.objects[1].key.find("eu-west-1_20240501T1015Z_x.json.gz") != std::string::npos);
}

TEST_CASE("S3 test event: nothing to do, counted", "[lambda-event]") {
  const std::string test =
      R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-05-01T10:00:00.000Z","Bucket":"trail-bucket","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"})";
  auto via_sns = DecodeLambdaEvent(SnsEvent(test));
  REQUIRE(via_sns.ok());
  CHECK(via_sns->units.at(0).test_events == 1);
  CHECK(via_sns->units.at(0).objects.empty());
  auto via_sqs = DecodeLambdaEvent(SqsEvent({SqsRecord("m-1", test)}));
  REQUIRE(via_sqs.ok());
  CHECK(via_sqs->units.at(0).test_events == 1);
  CHECK(via_sqs->units.at(0).error.ok());
  CHECK(via_sqs->units.at(0).path == "sqs/s3-test");
}

TEST_CASE("SQS: one unit per message, with its messageId, and SNS inside SQS", "[lambda-event]") {
  auto ev = DecodeLambdaEvent(SqsEvent({
      SqsRecord("059f36b4-87a3-44ab-83d2-661975830a7d", S3Notification("ObjectCreated:Put", kKey)),
      SqsRecord("2e1424d4-f796-459a-8184-9c92662be6da",
                SnsDocument(S3Notification("ObjectCreated:Put", "a+b.json.gz"))),
  }));
  REQUIRE(ev.ok());
  CHECK(ev->input == LambdaInput::kSqs);
  CHECK(LambdaInputName(ev->input) == "sqs");
  REQUIRE(ev->units.size() == 2);
  CHECK(ev->units[0].message_id == "059f36b4-87a3-44ab-83d2-661975830a7d");
  CHECK(ev->units[0].path == "sqs/s3");
  CHECK(ev->units[0].objects.at(0).key == kKey);
  CHECK(ev->units[1].message_id == "2e1424d4-f796-459a-8184-9c92662be6da");
  CHECK(ev->units[1].path == "sqs/sns/s3");
  CHECK(ev->units[1].objects.at(0).key == "a b.json.gz");
  CHECK(ev->units[1].error.ok());
}

TEST_CASE("SQS: a bad message is that message's error, the others still decode", "[lambda-event]") {
  auto ev = DecodeLambdaEvent(SqsEvent({
      SqsRecord("good", S3Notification("ObjectCreated:Put", kKey)),
      SqsRecord("not-json", "hello"),
      SqsRecord("unknown", R"({"foo":1,"bar":2})"),
  }));
  REQUIRE(ev.ok());
  REQUIRE(ev->units.size() == 3);
  CHECK(ev->units[0].error.ok());
  CHECK(ev->units[1].message_id == "not-json");
  REQUIRE_FALSE(ev->units[1].error.ok());
  CHECK(ev->units[1].error.message().rfind("event: Records[1].body: not JSON: ", 0) == 0);
  REQUIRE_FALSE(ev->units[2].error.ok());
  CHECK(ev->units[2].error.message() ==
        "event: Records[2].body: not an S3 notification, CloudTrail's notification, an SNS "
        "message or an EventBridge event (keys: foo, bar)");
}

TEST_CASE("SQS: a record without messageId refuses the whole event", "[lambda-event]") {
  auto ev = DecodeLambdaEvent(R"({"Records":[{"body":"{}","eventSource":"aws:sqs"}]})");
  REQUIRE_FALSE(ev.ok());
  CHECK(ev.status().message() == "event: Records[0].messageId: missing");
}

TEST_CASE("CloudTrail's SNS notification through SQS", "[lambda-event]") {
  auto ev = DecodeLambdaEvent(SqsEvent(
      {SqsRecord("m-9", SnsDocument(std::string(R"({"s3Bucket":"trail-bucket","s3ObjectKey":[")") +
                                    kKey + "\"]}"))}));
  REQUIRE(ev.ok());
  CHECK(ev->units.at(0).path == "sqs/sns/cloudtrail");
  CHECK(ev->units.at(0).objects.at(0).key == kKey);
  CHECK(ev->units.at(0).objects.at(0).region == "us-west-2");
}

TEST_CASE("EventBridge S3 Object Created: key not URL-decoded", "[lambda-event]") {
  const std::string event =
      R"({"version":"0","id":"17793124-05d4-b198-2fde-7ededc63b103","detail-type":"Object Created","source":"aws.s3","account":"111122223333","time":"2021-11-12T00:00:00Z","region":"ca-central-1","resources":["arn:aws:s3:::trail-bucket"],"detail":{"version":"0","bucket":{"name":"trail-bucket"},"object":{"key":"AWSLogs/a+b%20c.json.gz","size":5,"etag":"b1946ac92492d2347c6235b4d2611184","sequencer":"00617F08299329D189"},"request-id":"N4N7GDK58NMKJ12R","requester":"123456789012","source-ip-address":"1.2.3.4","reason":"PutObject"}})";
  auto ev = DecodeLambdaEvent(event);
  REQUIRE(ev.ok());
  CHECK(ev->input == LambdaInput::kEventBridge);
  CHECK(LambdaInputName(ev->input) == "eventbridge");
  REQUIRE(ev->units.size() == 1);
  CHECK(ev->units[0].path == "eventbridge-s3");
  const S3ObjectRef& o = ev->units[0].objects.at(0);
  CHECK(o.bucket == "trail-bucket");
  CHECK(o.key == "AWSLogs/a+b%20c.json.gz");
  CHECK(o.action == S3ObjectRef::Action::kCreated);
  CHECK(o.event_name == "Object Created");
  CHECK(*o.size == 5);
  CHECK(o.requester == "123456789012");
  CHECK(o.source_ip == "1.2.3.4");
  CHECK(o.region == "ca-central-1");

  auto through_sqs = DecodeLambdaEvent(SqsEvent({SqsRecord("m-eb", event)}));
  REQUIRE(through_sqs.ok());
  CHECK(through_sqs->units.at(0).path == "sqs/eventbridge-s3");
  CHECK(through_sqs->units.at(0).objects.at(0).key == "AWSLogs/a+b%20c.json.gz");
}

TEST_CASE("EventBridge CloudTrail events: detail kept byte for byte", "[lambda-event]") {
  for (const char* type :
       {"AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail",
        "AWS Service Event via CloudTrail", "AWS Console Action via CloudTrail"}) {
    INFO(type);
    auto ev = DecodeLambdaEvent(EventBridgeEvent(type, "aws.iam", kDetail));
    REQUIRE(ev.ok());
    CHECK(ev->input == LambdaInput::kEventBridge);
    REQUIRE(ev->units.size() == 1);
    CHECK(ev->units[0].path == "eventbridge");
    REQUIRE(ev->units[0].records.size() == 1);
    CHECK(ev->units[0].records[0].json == kDetail);
    CHECK(ev->units[0].records[0].id == "6a7e8feb-b491-4cf7-a9f1-bf3703467718");
  }
}

TEST_CASE("EventBridge CloudTrail event through SQS", "[lambda-event]") {
  auto ev = DecodeLambdaEvent(SqsEvent(
      {SqsRecord("m-1", EventBridgeEvent("AWS API Call via CloudTrail", "aws.iam", kDetail)),
       SqsRecord("m-2", EventBridgeEvent("EC2 Instance State-change Notification", "aws.ec2",
                                         R"({"instance-id":"i-1","state":"running"})"))}));
  REQUIRE(ev.ok());
  REQUIRE(ev->units.size() == 2);
  CHECK(ev->units[0].path == "sqs/eventbridge");
  CHECK(ev->units[0].records.at(0).json == kDetail);
  REQUIRE_FALSE(ev->units[1].error.ok());
  CHECK(ev->units[1].error.message() ==
        "event: Records[1].body: EventBridge event with detail-type 'EC2 Instance State-change "
        "Notification' (source 'aws.ec2') is neither a CloudTrail event nor an S3 object event");
}

TEST_CASE("A non-CloudTrail EventBridge event is an error naming its detail-type",
          "[lambda-event]") {
  auto ev = DecodeLambdaEvent(EventBridgeEvent("Scheduled Event", "aws.events", "{}"));
  REQUIRE_FALSE(ev.ok());
  CHECK(ev.status().message() ==
        "event: EventBridge event with detail-type 'Scheduled Event' (source 'aws.events') is "
        "neither a CloudTrail event nor an S3 object event");
  auto no_detail = DecodeLambdaEvent(
      R"({"detail-type":"AWS API Call via CloudTrail","source":"aws.iam","detail":"x"})");
  REQUIRE_FALSE(no_detail.ok());
  CHECK(no_detail.status().message() == "event.detail: missing or not an object");
}

TEST_CASE("awslogs and anything unknown go to the subscription decoder", "[lambda-event]") {
  for (const char* event : {R"({"awslogs":{"data":"H4sI"}})", R"("H4sIAAAA")",
                            R"({"messageType":"DATA_MESSAGE","logEvents":[]})", "not json"}) {
    INFO(event);
    auto ev = DecodeLambdaEvent(event);
    REQUIRE(ev.ok());
    CHECK(ev->input == LambdaInput::kAwsLogs);
    CHECK(ev->units.empty());
  }
}

}  // namespace
}  // namespace iam_audit
