// Slack Block Kit messages for CloudTrail events, in the layout of the
// original Python Lambda:
//
//   *alice (203.0.113.5)*
//   Time: 2022.06.21 22:25:23
//   Type: AwsApiCall
//   Source: lambda.amazonaws.com
//   Name: UpdateFunctionCode20150331v2
//   Region: ap-northeast-2
//   [Error: AccessDenied — message]
//   _<console link|eventID>_
//
// Every value taken from the record is mrkdwn-escaped (&, <, > only), so no
// record can create a mention, link or formatting; every block stays within
// Slack's limits. Pure functions, thread-safe.
#ifndef IAM_AUDIT_SLACK_MESSAGE_H_
#define IAM_AUDIT_SLACK_MESSAGE_H_

#include <string>
#include <string_view>

#include "iam_audit/cloudtrail.h"
#include "iam_audit/status.h"
#include "iam_audit/time_zone.h"

namespace iam_audit {

inline constexpr std::string_view kDefaultConsoleUrlTemplate =
    "https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}#/events/{eventID}";

// Slack limits we keep to (Block Kit reference).
inline constexpr size_t kSlackMaxSectionText = 3000;
inline constexpr size_t kSlackMaxBlocks = 50;

struct RenderOptions {
  TimeZone time_zone;  // default UTC
  // Placeholders: {region}, {eventID} (URL-encoded on substitution).
  std::string console_url_template = std::string(kDefaultConsoleUrlTemplate);
};

// Checks a console URL template: must be http(s) and use only known placeholders.
Status ValidateConsoleUrlTemplate(std::string_view url_template);

// Escapes Slack's three control characters: & → &amp;, < → &lt;, > → &gt;.
std::string EscapeMrkdwn(std::string_view text);

// The alert for one parsed record, as compact JSON {"text":…,"blocks":[…]}.
std::string RenderRecordMessage(const CloudTrailRecord& record, const RenderOptions& options);

// The fallback alert for a message that is not a valid record: the raw text
// in a code block, truncated (with a note) to fit a section.
std::string RenderRawMessage(std::string_view raw_message, const RenderOptions& options);

// Parses `message` as a CloudTrail record and renders it, falling back to
// RenderRawMessage when it is not one.
std::string RenderMessage(std::string_view message, const RenderOptions& options);

}  // namespace iam_audit

#endif  // IAM_AUDIT_SLACK_MESSAGE_H_
