# ctest registrations for the filter tests in iam_audit_shared_data_tests.
