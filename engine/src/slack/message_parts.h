// The parts every alert renderer shares (message.cc: plain alerts and raw
// messages; alert_message.cc: rules alerts, digests, Telegram): the Block Kit
// JSON writer, a record's heading and lines (slack_message.h's layout, in any
// inert_text.h markup), the console URL, and the single-event Slack blocks.
// A new line in the alert (say an "Account:" line) is one entry in
// AppendRecordLines; a new block is one SlackBlocks call.
#ifndef IAM_AUDIT_SLACK_MESSAGE_PARTS_H_
#define IAM_AUDIT_SLACK_MESSAGE_PARTS_H_

#include <string>
#include <string_view>

#include "iam_audit/cloudtrail.h"
#include "iam_audit/slack_message.h"
#include "iam_audit/time_zone.h"
#include "inert_text.h"

namespace iam_audit {

// A Slack message {"text":…,"blocks":[…]} written straight as JSON, byte for
// byte what nlohmann's compact dump of the same ordered_json gives. Texts are
// written as given (made inert by the caller); invalid UTF-8 is repaired.
class SlackBlocks {
 public:
  // {"type":"header","text":{"type":"plain_text","text":…}}
  void Header(std::string_view plain_text);
  // {"type":"section","text":{"type":"mrkdwn","text":…,"verbatim":true}}
  void Section(std::string_view mrkdwn);
  // {"type":"context","elements":[{"type":"mrkdwn","text":…,"verbatim":true}]}
  void Context(std::string_view mrkdwn);
  // The whole message, `notification` as its "text".
  std::string Message(std::string_view notification) const;

 private:
  void Next();
  std::string blocks_;  // the elements of "blocks", comma-separated
};

// The heading "identity (ip)" of a record's alert, values inert for `markup`
// (" (ip)" left out when there is none; "unknown identity" when blank).
void AppendRecordHeading(const CloudTrailRecord& record, inert::Markup markup, std::string* out);

// The lines after the heading, each "\nLabel: value" (slack_message.h):
// Time, Type, Source, Name, Region, and Error, Login, MFA when present;
// Account when options.account_aliases is not empty.
void AppendRecordLines(const CloudTrailRecord& record, const RenderOptions& options,
                       inert::Markup markup, std::string* out);

// "Log file: " and a link to options.log_file_url labelled with
// options.log_file_name, in `markup` (kMrkdwn or kHtml); "" when there is no
// log file. A URL too long for a section is left out (the name stays).
std::string LogFileLine(const RenderOptions& options, inert::Markup markup);

// The console URL of `record` from `url_template` ({region} and {eventID}
// percent-encoded), or "" when none can be built: no eventID, a template
// that fails ValidateConsoleUrlTemplate, or {region} with no region.
std::string ConsoleUrl(const CloudTrailRecord& record, const std::string& url_template);

// True when a parsed object has any field a CloudTrail record is known by
// (slack_message.h, RenderMessage).
bool LooksLikeRecord(const CloudTrailRecord& record);

// Adds the sections of RenderMessage(message) to `blocks` and returns its
// notification text.
std::string AddEventSections(std::string_view message, const RenderOptions& options,
                             SlackBlocks* blocks);

}  // namespace iam_audit

#endif  // IAM_AUDIT_SLACK_MESSAGE_PARTS_H_
