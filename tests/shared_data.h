// Where the shared reference material lives for the tests: the folder given
// by the IAM_AUDIT_SHARED_DIR environment variable, else the one configured
// at build time (../shared beside the project).
#ifndef IAM_AUDIT_TESTS_SHARED_DATA_H_
#define IAM_AUDIT_TESTS_SHARED_DATA_H_

#include <cstdlib>
#include <filesystem>

namespace iam_audit::testing {

inline std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("IAM_AUDIT_SHARED_DIR"); env && *env) return env;
  return IAM_AUDIT_SHARED_DIR;
}

}  // namespace iam_audit::testing

#endif  // IAM_AUDIT_TESTS_SHARED_DATA_H_
