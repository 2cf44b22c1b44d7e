# Sources of the filter pattern language (issue [2/8]), relative to engine/.
set(IAM_AUDIT_FILTER_SOURCES)
# Sources of the `iam-audit test-filter` subcommand, relative to engine/.
set(IAM_AUDIT_FILTER_CLI_SOURCES)
