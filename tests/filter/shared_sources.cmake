# Filter tests that read ../shared (the conformance corpus), relative to tests/.
set(IAM_AUDIT_SHARED_TEST_SOURCES
  filter/conformance_test.cc
  filter/filter_set_corpus_test.cc
)
