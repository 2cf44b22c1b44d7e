// nlohmann::json exception text (what()) as a person needs it: one home for
// taking apart "[json.exception.parse_error.101] parse error at line 1,
// column 5: syntax error while parsing value - ...".
#ifndef IAM_AUDIT_JSON_ERROR_TEXT_H_
#define IAM_AUDIT_JSON_ERROR_TEXT_H_

#include <string_view>

namespace iam_audit {

// `what` without nlohmann's leading "[json.exception.<kind>.<id>] " tag.
inline std::string_view JsonErrorWithoutTag(std::string_view what) {
  if (!what.empty() && what[0] == '[') {
    const auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return what;
}

// Splits a parse_error's "parse error at line L, column C: REASON" into
// `place` ("line L, column C"; "byte N" for that form; empty when nlohmann
// gave none) and `reason`. False, with both untouched, when `what` is not of
// that form.
inline bool SplitJsonParseError(std::string_view what, std::string_view& place,
                                std::string_view& reason) {
  constexpr std::string_view kParseError = "parse error";
  const auto start = what.find(kParseError);
  if (start == std::string_view::npos) return false;
  const auto colon = what.find(": ", start);
  if (colon == std::string_view::npos) return false;
  place = what.substr(start + kParseError.size(), colon - start - kParseError.size());
  if (place.rfind(" at ", 0) == 0) place.remove_prefix(4);
  reason = what.substr(colon + 2);
  return true;
}

}  // namespace iam_audit

#endif  // IAM_AUDIT_JSON_ERROR_TEXT_H_
