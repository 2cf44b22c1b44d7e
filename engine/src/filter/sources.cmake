# Sources of the filter pattern language, relative to engine/.
set(IAM_AUDIT_FILTER_SOURCES
  src/filter/ast.cc
  src/filter/compiler.cc
  src/filter/filter.cc
  src/filter/filter_set.cc
  src/filter/json_index.cc
  src/filter/lexer.cc
  src/filter/match.cc
  src/filter/match_json.cc
  src/filter/parser.cc
  src/filter/regex.cc
)
# Sources of the `iam-audit test-filter` subcommand, relative to engine/.
set(IAM_AUDIT_FILTER_CLI_SOURCES
  cli/test_filter_command.cc
  cli/event_sources.cc
)
