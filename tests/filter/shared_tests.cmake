# ctest registrations for the filter tests in iam_audit_shared_data_tests.
add_test(NAME filter-conformance COMMAND iam_audit_shared_data_tests "[conformance]")
set_tests_properties(filter-conformance PROPERTIES LABELS "conformance" SKIP_RETURN_CODE 77)
