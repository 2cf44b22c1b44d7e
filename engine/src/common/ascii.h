// Internal: ASCII lower-casing for protocol tokens (HTTP header names and
// values such as "close" or "chunked", URL schemes), the same under any C
// locale: only 'A'-'Z' change, every other byte is kept.
#ifndef IAM_AUDIT_SRC_COMMON_ASCII_H_
#define IAM_AUDIT_SRC_COMMON_ASCII_H_

#include <string>
#include <string_view>

namespace iam_audit::internal {

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace iam_audit::internal

#endif  // IAM_AUDIT_SRC_COMMON_ASCII_H_
