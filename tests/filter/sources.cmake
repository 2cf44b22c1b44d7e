# Unit-test sources of the filter pattern language, relative to tests/.
set(IAM_AUDIT_FILTER_TEST_SOURCES
  filter/error_test.cc
  filter/filter_set_test.cc
  filter/match_test.cc
  filter/parse_test.cc
)
