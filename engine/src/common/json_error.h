// Internal: nlohmann/json error text as a person needs it.
#ifndef IAM_AUDIT_SRC_COMMON_JSON_ERROR_H_
#define IAM_AUDIT_SRC_COMMON_JSON_ERROR_H_

#include <exception>
#include <string>

#include "iam_audit/json_error_text.h"

namespace iam_audit::internal {

// nlohmann's messages start with "[json.exception.parse_error.101] "; keep the
// part a person needs ("parse error at line 1, column 5: ...").
inline std::string CleanJsonError(const std::exception& e) {
  return std::string(JsonErrorWithoutTag(e.what()));
}

}  // namespace iam_audit::internal

#endif  // IAM_AUDIT_SRC_COMMON_JSON_ERROR_H_
