// Turning a JSON syntax error into "invalid JSON: <reason> at line L, column C".
#ifndef IAM_AUDIT_SOURCES_JSON_ERROR_H_
#define IAM_AUDIT_SOURCES_JSON_ERROR_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace iam_audit::sources {

struct JsonError {
  std::string reason;  // without position
  size_t offset = 0;   // 0-based byte offset of the offending token in the text
};

// Parses `text` with nlohmann::json only to locate the first syntax error.
// Returns false when the text is valid JSON.
bool FindJsonError(std::string_view text, JsonError& error);

// 1-based line and column of `offset` in `text`.
void LineColumn(std::string_view text, size_t offset, uint64_t& line, uint64_t& column);

}  // namespace iam_audit::sources

#endif  // IAM_AUDIT_SOURCES_JSON_ERROR_H_
