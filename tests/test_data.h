// Where the tests find the data kept in the repository (tests/data: real
// CloudTrail records and the filter conformance corpus; origin and licences
// in tests/data/NOTICE). IAM_AUDIT_TEST_DATA_DIR is set by the build.
#ifndef IAM_AUDIT_TESTS_TEST_DATA_H_
#define IAM_AUDIT_TESTS_TEST_DATA_H_

#include <filesystem>

namespace iam_audit::testing {

inline std::filesystem::path TestDataDir() { return IAM_AUDIT_TEST_DATA_DIR; }

}  // namespace iam_audit::testing

#endif  // IAM_AUDIT_TESTS_TEST_DATA_H_
