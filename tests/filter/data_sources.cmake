# Filter tests that read the conformance corpus (tests/data/filter-corpus.jsonl),
# relative to tests/.
set(IAM_AUDIT_DATA_TEST_SOURCES
  filter/conformance_test.cc
  filter/filter_set_corpus_test.cc
)
