// The Lambda event, recognised by its shape: what invoked the function and
// what it carries. No setting chooses the input: each shape below is told
// apart from the others by its fields.
//
//   cloudwatch-logs  {"awslogs":{"data":…}}: a CloudWatch Logs subscription
//                (payload.h decodes it; DecodeLambdaEvent only names it).
//   s3           S3's event notification, {"Records":[{"eventSource":"aws:s3",
//                "eventName":"ObjectCreated:Put","s3":{"bucket":{"name"},
//                "object":{"key"}}}]} (key URL-encoded, '+' for a space).
//   sns          SNS → Lambda, {"Records":[{"EventSource":"aws:sns","Sns":{
//                "Message":"…"}}]}: the Message is S3's notification, S3's
//                s3:TestEvent, or CloudTrail's own delivery notification
//                {"s3Bucket":"…","s3ObjectKey":["…"]}.
//   sqs          SQS → Lambda, {"Records":[{"messageId","body","eventSource":
//                "aws:sqs"}]}: each body is any of the S3/SNS contents above,
//                an SNS envelope ({"Type":"Notification","Message":"…"}, raw
//                message delivery off) around them, or an EventBridge event.
//   eventbridge  {"detail-type","source","detail"}: S3's "Object Created" /
//                "Object Deleted" (source aws.s3; detail.object.key not
//                URL-encoded), or CloudTrail's "AWS API Call via CloudTrail",
//                "AWS Console Sign In via CloudTrail", "AWS Service Event via
//                CloudTrail", "AWS Console Action via CloudTrail" and "AWS
//                Insight via CloudTrail", whose detail is one CloudTrail record.
//
// References: the Amazon S3 User Guide ("Event message structure",
// "EventBridge event message structure"), the AWS Lambda Developer Guide
// ("Using Lambda with Amazon SQS / Amazon SNS"), the AWS CloudTrail User Guide
// ("Configuring Amazon SNS notifications for CloudTrail", "CloudTrail events
// in EventBridge").
//
// The decoder is pure: it reads no object and delivers nothing. Its result is
// a list of units: one per SQS message, else one for the whole event. Errors
// name the place: "event: Records[1].body: Sns.Message: not JSON: line 1,
// column 3: …". Through SQS a bad message is that unit's error (the handler
// answers it as a batch item failure); otherwise the whole event is refused.
#ifndef IAM_AUDIT_LAMBDA_EVENT_H_
#define IAM_AUDIT_LAMBDA_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/status.h"

namespace iam_audit {

// What invoked the function: the outermost layer of the event.
enum class LambdaInput { kAwsLogs, kS3, kSns, kSqs, kEventBridge };

// "cloudwatch-logs", "s3", "sns", "sqs", "eventbridge" (the summary's "input").
std::string_view LambdaInputName(LambdaInput input);

// One S3 object that a notification names.
struct S3ObjectRef {
  enum class Action { kCreated, kRemoved, kOther };
  std::string bucket;
  std::string key;  // decoded: the object's real key
  Action action = Action::kCreated;
  std::string event_name;  // "ObjectCreated:Put", "ObjectRemoved:Delete", "Object Created",
                           // "CloudTrail" for CloudTrail's own notification
  std::optional<uint64_t> size;
  // The bucket's region as the notification gives it (S3's awsRegion,
  // EventBridge's region); for CloudTrail's notification, which names none,
  // its SNS topic's region (else the SQS queue's); "" when unknown.
  std::string region;
  std::string requester;   // userIdentity.principalId / detail.requester, when present
  std::string source_ip;   // requestParameters.sourceIPAddress / detail.source-ip-address
  std::string event_time;  // when present
};

// One CloudTrail record carried inside an EventBridge event.
struct CarriedRecord {
  std::string id;    // the EventBridge event's id ("" when absent)
  std::string json;  // `detail`, byte for byte as it stood in the event
};

struct LambdaUnit {
  std::string message_id;  // the SQS messageId; "" when not through SQS
  // Layers from outside in, e.g. "sqs/sns/s3", "eventbridge", "sns/cloudtrail".
  std::string path;
  std::vector<S3ObjectRef> objects;
  std::vector<CarriedRecord> records;
  size_t test_events = 0;  // S3's s3:TestEvent: nothing to do
  Status error;            // through SQS: why this message cannot be read
};

struct LambdaEvent {
  LambdaInput input = LambdaInput::kAwsLogs;
  // Empty for kAwsLogs (decode it with payload.h's DecodeSubscriptionEvent).
  std::vector<LambdaUnit> units;
};

// Classifies `event` and, for every shape but awslogs, decodes it into units.
// An event that is none of the shapes above is kAwsLogs: the subscription
// decoder (which also takes a bare base64 string or a decoded batch) gives
// its own error for it. Errors (whole event): "event: …" naming the place.
StatusOr<LambdaEvent> DecodeLambdaEvent(std::string_view event);

// S3 notification keys: '+' is a space and %XX a byte. Errors name the offset
// of a '%' not followed by two hex digits.
StatusOr<std::string> DecodeS3NotificationKey(std::string_view key);

}  // namespace iam_audit

#endif  // IAM_AUDIT_LAMBDA_EVENT_H_
