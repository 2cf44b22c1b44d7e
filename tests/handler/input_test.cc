// The handler with each input kind other than a CloudWatch Logs
// subscription: S3 notifications of CloudTrail log files (direct, SNS, SQS),
// EventBridge's CloudTrail events, IAM_AUDIT_FILTER_PATTERN, SQS batch item
// failures, the log-file-deleted alert. Log files are served from memory by
// a fake LogObjectSource; Slack by FakeHttpClient.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "handler/lambda_input.h"
#include "iam_audit/handler.h"
#include "iam_audit/json_string.h"
#include "iam_audit/log_object_source.h"
#include "lambda/payloads.h"
#include "testing/fake_http_client.h"

namespace iam_audit {
namespace {

using testing::FakeHttpClient;
using testing::Record;

constexpr char kBucket[] = "trail-bucket";
constexpr char kKey[] =
    "AWSLogs/111122223333/CloudTrail/us-east-1/2022/06/21/"
    "111122223333_CloudTrail_us-east-1_20220621T1400Z_AbCdEf0123456789.json.gz";
constexpr char kDigestKey[] =
    "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2022/06/21/"
    "111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20220621T140000Z.json.gz";

// Objects in memory, handed out in chunks of `chunk` bytes.
class FakeSource : public LogObjectSource {
 public:
  std::map<std::string, std::string> objects;  // "bucket/key" → bytes
  std::map<std::string, Status> failures;      // "bucket/key" → error
  size_t chunk = 1000;
  std::vector<std::string> gets;

  Status Get(const std::string& bucket, const std::string& key,
             const std::function<Status(std::string_view)>& on_chunk, int64_t) override {
    const std::string name = bucket + "/" + key;
    gets.push_back(name);
    if (auto f = failures.find(name); f != failures.end()) return f->second;
    auto it = objects.find(name);
    if (it == objects.end()) return NotFoundError("s3: GetObject s3://" + name + ": NoSuchKey");
    for (size_t i = 0; i < it->second.size(); i += chunk) {
      Status s = on_chunk(std::string_view(it->second).substr(i, chunk));
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
};

std::string LogFile(const std::vector<std::string>& records) {
  std::string body = "{\"Records\":[";
  for (size_t i = 0; i < records.size(); ++i) body += (i ? "," : "") + records[i];
  return GzipDeflate(body + "]}");
}

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// S3's notification (Amazon S3 User Guide, "Event message structure").
std::string S3Event(const std::string& key, const std::string& event_name = "ObjectCreated:Put") {
  return R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",)"
         R"("eventTime":"2022-06-21T14:05:00.000Z","eventName":")" +
         event_name +
         R"(","userIdentity":{"principalId":"AWS:AIDAMALLORY"},)"
         R"("requestParameters":{"sourceIPAddress":"198.51.100.9"},)"
         R"("responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"x"},)"
         R"("s3":{"s3SchemaVersion":"1.0","configurationId":"trail","bucket":{"name":"trail-bucket",)"
         R"("ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::trail-bucket"},)"
         R"("object":{"key":)" +
         Quote(key) +
         R"(,"size":100,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0A1B"}}}]})";
}

std::string SqsRecord(const std::string& id, const std::string& body) {
  return R"({"messageId":")" + id + R"(","receiptHandle":"h","body":)" + Quote(body) +
         R"(,"attributes":{},"messageAttributes":{},"md5OfBody":"x","eventSource":"aws:sqs",)"
         R"("eventSourceARN":"arn:aws:sqs:us-east-1:111122223333:q","awsRegion":"us-east-1"})";
}

std::string EventBridge(const std::string& detail,
                        const std::string& type = "AWS API Call via CloudTrail") {
  return R"({"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":")" + type +
         R"(","source":"aws.iam","account":"111122223333","time":"2022-06-21T13:56:13Z",)"
         R"("region":"us-east-1","resources":[],"detail":)" +
         detail + "}";
}

// A record the default filter pattern does not match (an assumed role).
std::string RoleRecord(const std::string& event_id) {
  auto r = nlohmann::ordered_json::parse(Record(event_id));
  r["userIdentity"]["type"] = "AssumedRole";
  return r.dump();
}

const std::string kWebhook = "https://hooks.example.test/services/T1/B1/XyZsecret";

struct Rig {
  FakeClock clock;
  FakeHttpClient client{&clock};
  FakeSource source;
  std::unique_ptr<Handler> handler;
  explicit Rig(EnvMap env = {}) {
    env.emplace("SLACK_WEBHOOK_URL", kWebhook);
    env.emplace("IAM_AUDIT_POST_INTERVAL_MS", "0");
    auto config = LoadHandlerConfig(env);
    REQUIRE(config.ok());
    auto made = Handler::Create(*config, &client, &clock, &source);
    REQUIRE(made.ok());
    handler = std::move(made).value();
  }
  InvocationResult Handle(const std::string& event) {
    return handler->Handle(event, clock.NowMs() + 60'000);
  }
};

TEST_CASE("input: an S3 notification's log file is read, filtered and delivered",
          "[handler-input]") {
  Rig rig;
  rig.source.objects[std::string(kBucket) + "/" + kKey] =
      LogFile({Record("e1"), RoleRecord("e2"), Record("e3", "alice", "DescribeUsers"),
               Record("e4", "bob", "DeleteUser")});
  InvocationResult r = rig.Handle(S3Event(kKey));
  REQUIRE(r.status.ok());
  CHECK(r.summary.input == "s3");
  CHECK(r.summary.objects == 1);
  CHECK(r.summary.received == 4);
  CHECK(r.summary.ignored.at("filter-pattern") == 2);  // AssumedRole, Describe*
  CHECK(r.summary.delivered == 2);
  CHECK(r.summary.failed == 0);
  REQUIRE(rig.client.calls().size() == 2);
  CHECK(rig.client.calls()[0].body.find("CreateUser") != std::string::npos);
  CHECK(rig.client.calls()[1].body.find("DeleteUser") != std::string::npos);
  const auto j = nlohmann::json::parse(r.summary.ToJson());
  CHECK(j.at("input") == "s3");
  CHECK(j.at("objects") == 1);
  CHECK(j.at("skipped") == nlohmann::json::object());
  CHECK(r.ResponseBody() == r.summary.ToJson());
}

TEST_CASE("input: the same file through SNS and through SNS in SQS", "[handler-input]") {
  Rig rig;
  rig.source.objects[std::string(kBucket) + "/" + kKey] = LogFile({Record("e1")});
  const std::string sns =
      R"({"Records":[{"EventVersion":"1.0","EventSubscriptionArn":"arn:aws:sns:us-east-1:111122223333:t:1","EventSource":"aws:sns","Sns":{"Type":"Notification","MessageId":"m","TopicArn":"arn:aws:sns:us-east-1:111122223333:t","Subject":"Amazon S3 Notification","Message":)" +
      Quote(S3Event(kKey)) + R"(,"Timestamp":"2022-06-21T14:05:01.000Z"}}]})";
  InvocationResult r = rig.Handle(sns);
  REQUIRE(r.status.ok());
  CHECK(r.summary.input == "sns");
  CHECK(r.summary.delivered == 1);

  const std::string envelope =
      R"({"Type":"Notification","MessageId":"m2","TopicArn":"t","Message":)" +
      Quote(S3Event(kKey)) + "}";
  InvocationResult q = rig.Handle(R"({"Records":[)" + SqsRecord("msg-1", envelope) + "]}");
  REQUIRE(q.status.ok());
  CHECK(q.summary.input == "sqs");
  CHECK(q.summary.duplicates == 1);  // e1 was delivered by the SNS invocation
  CHECK(q.ResponseBody() == R"({"batchItemFailures":[]})");
}

TEST_CASE("input: digests, other keys, other events and test events are skipped by reason",
          "[handler-input]") {
  Rig rig;
  const std::string test_event =
      R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2022-06-21T14:00:00.000Z","Bucket":"trail-bucket","RequestId":"r","HostId":"h"})";
  InvocationResult r = rig.Handle(R"({"Records":[)" + SqsRecord("a", S3Event(kDigestKey)) + "," +
                                  SqsRecord("b", S3Event("notes/readme.txt")) + "," +
                                  SqsRecord("c", S3Event(kKey, "ObjectTagging:Put")) + "," +
                                  SqsRecord("d", test_event) + "]}");
  REQUIRE(r.status.ok());
  CHECK(r.summary.skipped.at("digest-file") == 1);
  CHECK(r.summary.skipped.at("not-a-log-file") == 1);
  CHECK(r.summary.skipped.at("not-created-or-removed") == 1);
  CHECK(r.summary.skipped.at("test-event") == 1);
  CHECK(r.summary.objects == 0);
  CHECK(rig.source.gets.empty());
  CHECK(rig.client.calls().empty());
  CHECK(r.ResponseBody() == R"({"batchItemFailures":[]})");
  const auto j = nlohmann::json::parse(r.summary.ToJson());
  CHECK(j.at("skipped").at("digest-file") == 1);
}

TEST_CASE("input: a removed log file is one alert of the log-file-deleted rule",
          "[handler-input]") {
  Rig rig;
  InvocationResult r = rig.Handle(S3Event(kKey, "ObjectRemoved:Delete"));
  REQUIRE(r.status.ok());
  CHECK(rig.source.gets.empty());
  CHECK(r.summary.delivered == 1);
  REQUIRE(rig.client.calls().size() == 1);
  const std::string& body = rig.client.calls()[0].body;
  INFO(body);
  CHECK(body.find("log-file-deleted") != std::string::npos);
  CHECK(body.find("ObjectRemoved:Delete") != std::string::npos);
  CHECK(body.find("AWS:AIDAMALLORY") != std::string::npos);
  CHECK(body.find("198.51.100.9") != std::string::npos);
  CHECK(body.find("trail-bucket") != std::string::npos);
  CHECK(body.find("AbCdEf0123456789.json.gz") != std::string::npos);
  // A removed digest file is skipped, not alerted.
  InvocationResult d = rig.Handle(S3Event(kDigestKey, "ObjectRemoved:Delete"));
  CHECK(d.summary.skipped.at("digest-file") == 1);
  CHECK(rig.client.calls().size() == 1);
}

TEST_CASE("input: SQS names only the messages whose records were not all delivered",
          "[handler-input]") {
  Rig rig;
  const std::string other_key =
      "AWSLogs/111122223333/CloudTrail/us-east-1/2022/06/21/"
      "111122223333_CloudTrail_us-east-1_20220621T1405Z_ZZZZ000011112222.json.gz";
  rig.source.objects[std::string(kBucket) + "/" + kKey] = LogFile({Record("e1")});
  rig.source.failures[std::string(kBucket) + "/" + other_key] =
      UnavailableError("s3: GetObject s3://trail-bucket/x: SlowDown");
  InvocationResult r = rig.Handle(R"({"Records":[)" + SqsRecord("ok-1", S3Event(kKey)) + "," +
                                  SqsRecord("s3-fails", S3Event(other_key)) + "," +
                                  SqsRecord("bad", "not json") + "]}");
  CHECK(r.status.ok());
  CHECK(r.summary.delivered == 1);
  CHECK(r.summary.object_failures == 1);
  CHECK(r.ResponseBody() ==
        R"({"batchItemFailures":[{"itemIdentifier":"s3-fails"},{"itemIdentifier":"bad"}]})");
}

TEST_CASE("input: SQS: a message whose alert could not be posted is a batch item failure",
          "[handler-input]") {
  Rig rig(EnvMap{{"IAM_AUDIT_MAX_ATTEMPTS", "1"}});
  const std::string key2 =
      "AWSLogs/111122223333/CloudTrail/us-east-1/2022/06/21/"
      "111122223333_CloudTrail_us-east-1_20220621T1405Z_ZZZZ000011112222.json.gz";
  rig.source.objects[std::string(kBucket) + "/" + kKey] = LogFile({Record("e1")});
  rig.source.objects[std::string(kBucket) + "/" + key2] = LogFile({Record("e2")});
  rig.client.Respond(500, "boom");  // e1's post fails; e2's gets the default 200
  InvocationResult r = rig.Handle(R"({"Records":[)" + SqsRecord("m1", S3Event(kKey)) + "," +
                                  SqsRecord("m2", S3Event(key2)) + "]}");
  CHECK(r.status.ok());
  CHECK(r.summary.failed == 1);
  CHECK(r.summary.delivered == 1);
  CHECK(r.ResponseBody() == R"({"batchItemFailures":[{"itemIdentifier":"m1"}]})");
}

TEST_CASE("input: not through SQS, an object that cannot be read fails the invocation",
          "[handler-input]") {
  Rig rig;
  InvocationResult r = rig.Handle(S3Event(kKey));
  REQUIRE_FALSE(r.status.ok());
  CHECK(r.error_type == "Function.ObjectReadFailed");
  CHECK(r.status.message() ==
        std::string("s3: GetObject s3://trail-bucket/") + kKey + ": NoSuchKey");
  CHECK(r.summary.object_failures == 1);
  // A corrupt file: the parser's error, naming the object.
  rig.source.objects[std::string(kBucket) + "/" + kKey] = "{\"Records\":[{\"a\":1}";
  InvocationResult c = rig.Handle(S3Event(kKey));
  REQUIRE_FALSE(c.status.ok());
  CHECK(c.status.message().rfind(std::string("s3://trail-bucket/") + kKey + ": log file: ", 0) ==
        0);
}

TEST_CASE("input: EventBridge CloudTrail events, direct and through SQS", "[handler-input]") {
  Rig rig;
  InvocationResult r = rig.Handle(EventBridge(Record("e1")));
  REQUIRE(r.status.ok());
  CHECK(r.summary.input == "eventbridge");
  CHECK(r.summary.received == 1);
  CHECK(r.summary.delivered == 1);
  REQUIRE(rig.client.calls().size() == 1);
  CHECK(rig.client.calls()[0].body.find("CreateUser") != std::string::npos);

  InvocationResult ignored = rig.Handle(EventBridge(RoleRecord("e2")));
  REQUIRE(ignored.status.ok());
  CHECK(ignored.summary.ignored.at("filter-pattern") == 1);
  CHECK(rig.client.calls().size() == 1);

  InvocationResult q =
      rig.Handle(R"({"Records":[)" + SqsRecord("q1", EventBridge(Record("e3", "carol"))) + "," +
                 SqsRecord("q2", EventBridge("{}", "Scheduled Event")) + "]}");
  CHECK(q.status.ok());
  CHECK(q.summary.delivered == 1);
  CHECK(q.ResponseBody() == R"({"batchItemFailures":[{"itemIdentifier":"q2"}]})");

  InvocationResult bad = rig.Handle(EventBridge("{}", "Scheduled Event"));
  REQUIRE_FALSE(bad.status.ok());
  CHECK(bad.error_type == "Function.InvalidPayload");
  CHECK(bad.status.message().find("'Scheduled Event'") != std::string::npos);
}

TEST_CASE("input: the subscription path is not filtered by IAM_AUDIT_FILTER_PATTERN",
          "[handler-input]") {
  Rig rig;
  InvocationResult r = rig.Handle(testing::SubscriptionEvent({RoleRecord("e1")}));
  REQUIRE(r.status.ok());
  CHECK(r.summary.input == "cloudwatch-logs");
  CHECK(nlohmann::json::parse(r.summary.ToJson()).at("input") == "cloudwatch-logs");
  CHECK(r.summary.delivered == 1);
  CHECK(r.summary.ignored.count("filter-pattern") == 0);
}

TEST_CASE("input: an explicit IAM_AUDIT_FILTER_PATTERN decides what goes on", "[handler-input]") {
  Rig rig(EnvMap{{"IAM_AUDIT_FILTER_PATTERN", R"({ $.eventName = "DeleteUser" })"}});
  InvocationResult r = rig.Handle(EventBridge(Record("e1")));  // CreateUser
  CHECK(r.summary.ignored.at("filter-pattern") == 1);
  CHECK(r.summary.delivered == 0);
  InvocationResult d = rig.Handle(EventBridge(Record("e2", "bob", "DeleteUser")));
  CHECK(d.summary.delivered == 1);
}

TEST_CASE("input: the S3 console link of a log file", "[handler-input]") {
  // The S3 console's object page, every byte of the key but A-Z a-z 0-9 - _ . ~
  // percent-encoded.
  CHECK(internal::S3ConsoleObjectUrl("trail-bucket", "us-east-1",
                                     "my trail+x/AWSLogs/a_b-c.json.gz") ==
        "https://s3.console.aws.amazon.com/s3/object/trail-bucket?region=us-east-1&prefix="
        "my%20trail%2Bx%2FAWSLogs%2Fa_b-c.json.gz");
  CHECK(internal::S3ConsoleObjectUrl("b", "", "caf\xc3\xa9~") ==
        "https://s3.console.aws.amazon.com/s3/object/b?prefix=caf%C3%A9~");
}

TEST_CASE("input: an S3 path alert links to its log file in the S3 console", "[handler-input]") {
  Rig rig;
  rig.source.objects[std::string(kBucket) + "/" + kKey] = LogFile({Record("e1")});
  InvocationResult r = rig.Handle(S3Event(kKey));
  REQUIRE(r.status.ok());
  REQUIRE(rig.client.calls().size() == 1);
  // The S3 console's object page: the bucket's region (awsRegion), the key
  // with every '/' as %2F; labelled with the file's name; a section of its own.
  const std::string link =
      R"({"type":"section","text":{"type":"mrkdwn","text":"Log file: )"
      R"(<https://s3.console.aws.amazon.com/s3/object/trail-bucket?region=us-east-1&prefix=)"
      R"(AWSLogs%2F111122223333%2FCloudTrail%2Fus-east-1%2F2022%2F06%2F21%2F)"
      R"(111122223333_CloudTrail_us-east-1_20220621T1400Z_AbCdEf0123456789.json.gz)"
      // the label's '_' fenced with U+200B (slack_message.h: no accidental italics)
      "|111122223333\u200b_\u200bCloudTrail\u200b_\u200bus-east-1\u200b_\u200b20220621T1400Z"
      "\u200b_\u200bAbCdEf0123456789.json.gz>\","
      R"("verbatim":true}})";
  const std::string& body = rig.client.calls()[0].body;
  INFO(body);
  CHECK(body.find(link) != std::string::npos);
  // The same alert through a subscription: the same message without that block.
  Rig plain;
  REQUIRE(plain.Handle(testing::SubscriptionEvent({Record("e1")})).status.ok());
  REQUIRE(plain.client.calls().size() == 1);
  // and without the Account line, which the S3 and EventBridge inputs add.
  const std::string account = R"(\nAccount: 111122223333)";
  std::string without = body;
  without.erase(without.find("," + link), link.size() + 1);
  REQUIRE(without.find(account) != std::string::npos);
  without.erase(without.find(account), account.size());
  CHECK(without == plain.client.calls()[0].body);
  // EventBridge's records come from no file: no link, the Account line.
  Rig eb;
  REQUIRE(eb.Handle(EventBridge(Record("e1"))).status.ok());
  std::string eb_body = eb.client.calls().at(0).body;
  REQUIRE(eb_body.find(account) != std::string::npos);
  eb_body.erase(eb_body.find(account), account.size());
  CHECK(eb_body == plain.client.calls()[0].body);
}

TEST_CASE("input: the Account line on every S3 and EventBridge alert, on every path with aliases",
          "[handler-input]") {
  const EnvMap env{{"IAM_AUDIT_ACCOUNT_ALIASES", "111122223333=prod,444455556666=dev"}};
  Rig sub(env);
  REQUIRE(sub.Handle(testing::SubscriptionEvent({Record("e1")})).status.ok());
  Rig eb(env);
  REQUIRE(eb.Handle(EventBridge(Record("e1"))).status.ok());
  Rig s3(env);
  s3.source.objects[std::string(kBucket) + "/" + kKey] = LogFile({Record("e1")});
  REQUIRE(s3.Handle(S3Event(kKey)).status.ok());
  for (Rig* rig : {&sub, &eb, &s3}) {
    REQUIRE(rig->client.calls().size() == 1);
    const std::string& body = rig->client.calls()[0].body;
    INFO(body);
    CHECK(body.find(R"x(\nRegion: us-east-1\nAccount: 111122223333 (prod)")x") !=
          std::string::npos);
  }
  // An account without an alias: the id alone. Without the variable: the id
  // alone on the S3 and EventBridge inputs, no line on a subscription's.
  auto other = nlohmann::ordered_json::parse(Record("e2"));
  other["recipientAccountId"] = "999988887777";
  Rig unaliased(env);
  REQUIRE(unaliased.Handle(EventBridge(other.dump())).status.ok());
  CHECK(unaliased.client.calls().at(0).body.find(R"x(\nAccount: 999988887777")x") !=
        std::string::npos);
  Rig none_eb;
  REQUIRE(none_eb.Handle(EventBridge(Record("e1"))).status.ok());
  CHECK(none_eb.client.calls().at(0).body.find(
            R"x(\nRegion: us-east-1\nAccount: 111122223333")x") != std::string::npos);
  Rig none_s3;
  none_s3.source.objects[std::string(kBucket) + "/" + kKey] = LogFile({Record("e1")});
  REQUIRE(none_s3.Handle(S3Event(kKey)).status.ok());
  CHECK(none_s3.client.calls().at(0).body.find(
            R"x(\nRegion: us-east-1\nAccount: 111122223333")x") != std::string::npos);
  Rig none_sub;
  REQUIRE(none_sub.Handle(testing::SubscriptionEvent({Record("e1")})).status.ok());
  CHECK(none_sub.client.calls().at(0).body.find("Account:") == std::string::npos);
}

TEST_CASE("input: records are handed to the delivery plan in chunks", "[handler-input]") {
  FakeClock clock;
  FakeSource source;
  source.chunk = 777;
  std::vector<std::string> records;
  for (int i = 0; i < 1203; ++i) records.push_back(Record("id-" + std::to_string(i)));
  source.objects[std::string(kBucket) + "/" + kKey] = LogFile(records);
  std::vector<size_t> sizes;
  internal::InputRun run;
  run.source = &source;
  run.clock = &clock;
  run.deadline_ms = clock.NowMs() + 60'000;
  run.chunk_records = 500;
  run.deliver = [&](const LogBatch& batch, const S3ObjectRef* object, InvocationResult&) {
    CHECK(object != nullptr);
    sizes.push_back(batch.log_events.size());
  };
  run.deliver_deleted = [](const S3ObjectRef&, const LogEvent&, InvocationResult&) {};
  auto event = DecodeLambdaEvent(S3Event(kKey));
  REQUIRE(event.ok());
  InvocationResult result;
  internal::RunLambdaInput(*event, run, result);
  CHECK(result.status.ok());
  CHECK(sizes == std::vector<size_t>{500, 500, 203});
  CHECK(result.summary.received == 1203);
  CHECK(result.summary.objects == 1);
}

}  // namespace
}  // namespace iam_audit

namespace iam_audit {
namespace {

// Run by tests/aws/s3rver_handler_test.py, which starts s3rver, puts the log
// file it describes and sets AWS_ENDPOINT_URL_S3; hidden from the plain run.
TEST_CASE("input: a log file read from s3rver in ranged GETs", "[.s3rver]") {
  auto s3 = s3::S3Config::FromEnvironment();
  REQUIRE(s3.ok());
  REQUIRE_FALSE(s3->endpoint_url.empty());
  s3->chunk_bytes = 256;
  std::unique_ptr<LogObjectSource> source = MakeS3LogObjectSource(*s3);
  FakeClock clock;
  FakeHttpClient client(&clock);
  auto config =
      LoadHandlerConfig({{"SLACK_WEBHOOK_URL", kWebhook}, {"IAM_AUDIT_POST_INTERVAL_MS", "0"}});
  REQUIRE(config.ok());
  auto handler = Handler::Create(*config, &client, &clock, source.get());
  REQUIRE(handler.ok());
  // The key "my trail+x/AWSLogs/…", as S3's notification encodes it.
  const std::string encoded =
      "my+trail%2Bx/AWSLogs/111122223333/CloudTrail/us-east-1/2022/06/21/"
      "111122223333_CloudTrail_us-east-1_20220621T1400Z_s3rverTEST000001.json.gz";
  InvocationResult r = (*handler)->Handle(S3Event(encoded), clock.NowMs() + 60'000);
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  CHECK(r.summary.objects == 1);
  CHECK(r.summary.received == 30);
  CHECK(r.summary.ignored.at("filter-pattern") == 3);
  CHECK(r.summary.delivered == 27);
  CHECK(client.calls().size() == 27);
}

}  // namespace
}  // namespace iam_audit
