// Printing a rejected filter pattern with a caret under the offending column.
#ifndef IAM_AUDIT_SIMULATOR_CLI_PATTERN_ERROR_H_
#define IAM_AUDIT_SIMULATOR_CLI_PATTERN_ERROR_H_

#include <string>
#include <string_view>

#include "iam_audit/filter.h"
#include "iam_audit/status.h"

namespace iam_audit::cli {

// "<status message>\n  <pattern>\n  <spaces>^\n"; the caret is placed by
// counting UTF-8 code points up to error.column.
std::string CaretMessage(std::string_view pattern, const Status& status, const FilterError& error);

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_SIMULATOR_CLI_PATTERN_ERROR_H_
