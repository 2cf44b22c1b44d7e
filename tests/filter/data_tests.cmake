# ctest registrations for the filter tests in iam_audit_data_tests.
add_test(NAME filter-conformance COMMAND iam_audit_data_tests -w NoTests "[conformance]")
set_tests_properties(filter-conformance PROPERTIES LABELS "conformance")
