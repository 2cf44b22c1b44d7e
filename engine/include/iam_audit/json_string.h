// JSON string literals written straight into a buffer, without a JSON
// library (the Slack message renderer, the simulator's CloudWatch payloads).
#ifndef IAM_AUDIT_JSON_STRING_H_
#define IAM_AUDIT_JSON_STRING_H_

#include <string>
#include <string_view>

namespace iam_audit {

// Appends `s` as a JSON string literal (quotes included), escaped exactly as
// nlohmann's dump(-1, ' ', false) escapes valid UTF-8: '"', '\\' and \b \f \n
// \r \t by name, other bytes below 0x20 as \u00xx (lower-case hex),
// everything else copied as is.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace iam_audit

#endif  // IAM_AUDIT_JSON_STRING_H_
