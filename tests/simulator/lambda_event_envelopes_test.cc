// Every envelope the simulator writes (simulator/src/s3_delivery.cc) is
// recognised by the engine's Lambda input decoder (iam_audit/lambda_event.h)
// and names the log file the simulator delivered: its bucket and its key,
// whatever characters the key holds; its CloudTrail EventBridge events carry
// the record.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "iam_audit/lambda_event.h"
#include "iam_audit/simulator/s3_delivery.h"

namespace iam_audit {
namespace {

using simulator::Envelope;

constexpr char kRecord[] =
    R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"},)"
    R"("eventTime":"2024-05-01T10:14:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser",)"
    R"("awsRegion":"us-east-1","eventID":"0f5c6e3a-1","eventType":"AwsApiCall",)"
    R"("recipientAccountId":"111122223333"})";

TEST_CASE("every simulator envelope decodes to the delivered object", "[lambda-event]") {
  simulator::S3DeliveryOptions options;
  options.prefix = "my trail+é";  // a space, a '+' and UTF-8: URL-encoded in S3's notification
  options.default_account = "111122223333";
  simulator::S3Delivery delivery(options);
  REQUIRE(delivery.AddRecord(kRecord, 0).ok());
  std::vector<simulator::LogFile> files = delivery.Finish();
  REQUIRE(files.size() == 1);
  const simulator::LogFile& file = files[0];
  REQUIRE(file.key.rfind("my trail+é/AWSLogs/111122223333/CloudTrail/us-east-1/", 0) == 0);
  simulator::NotificationOptions notify;
  notify.bucket = "trail-bucket";

  const struct {
    Envelope envelope;
    LambdaInput input;
    const char* path;
    bool sqs;
  } cases[] = {
      {Envelope::kS3, LambdaInput::kS3, "s3", false},
      {Envelope::kSns, LambdaInput::kSns, "sns/s3", false},
      {Envelope::kSqs, LambdaInput::kSqs, "sqs/s3", true},
      {Envelope::kSnsSqs, LambdaInput::kSqs, "sqs/sns/s3", true},
      {Envelope::kEventBridge, LambdaInput::kEventBridge, "eventbridge-s3", false},
      {Envelope::kEventBridgeSqs, LambdaInput::kSqs, "sqs/eventbridge-s3", true},
      {Envelope::kCloudTrailSns, LambdaInput::kSns, "sns/cloudtrail", false},
      {Envelope::kCloudTrailSnsSqs, LambdaInput::kSqs, "sqs/sns/cloudtrail", true},
  };
  for (const auto& c : cases) {
    INFO(c.path);
    auto event = DecodeLambdaEvent(simulator::NotificationJson(file, 1, c.envelope, notify));
    REQUIRE(event.ok());
    CHECK(event->input == c.input);
    REQUIRE(event->units.size() == 1);
    const LambdaUnit& unit = event->units[0];
    CHECK(unit.error.ok());
    CHECK(unit.path == c.path);
    CHECK(unit.message_id.empty() == !c.sqs);
    REQUIRE(unit.objects.size() == 1);
    CHECK(unit.objects[0].bucket == "trail-bucket");
    CHECK(unit.objects[0].key == file.key);
    CHECK(unit.objects[0].action == S3ObjectRef::Action::kCreated);
  }
}

TEST_CASE("the simulator's CloudTrail EventBridge events carry the record", "[lambda-event]") {
  auto event = simulator::CloudTrailEventBridgeJson(kRecord, 7, "111122223333", "us-east-1", 1);
  REQUIRE(event.ok());
  simulator::NotificationOptions notify;
  notify.bucket = "trail-bucket";
  for (const std::string& json :
       {*event, simulator::WrapEventBridgeInSqs(*event, 7, 1'700'000'000'000, notify)}) {
    auto decoded = DecodeLambdaEvent(json);
    REQUIRE(decoded.ok());
    REQUIRE(decoded->units.size() == 1);
    CHECK(decoded->units[0].error.ok());
    REQUIRE(decoded->units[0].records.size() == 1);
    CHECK(nlohmann::json::parse(decoded->units[0].records[0].json) ==
          nlohmann::json::parse(kRecord));
  }
}

}  // namespace
}  // namespace iam_audit
