// iam-audit: the offline command-line tool. main() registers every
// subcommand and is the last exception barrier: an exception that no command
// turned into an error message ends the run with exit 1 and one line that
// does not quote the exception's text (it could hold a secret from the
// command line, such as a webhook URL given to emulate --env).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "commands.h"
#include "redacted_parse_error.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app{"iam-audit: audit AWS IAM activity from CloudTrail, and prove the rules offline"};
  app.failure_message(iam_audit::cli::RedactedParseError);  // before the subcommands, which copy it
  app.require_subcommand(1);
  app.set_version_flag("--version", "iam-audit 0.1.0");
  iam_audit::cli::RegisterDecodeCommand(app);
  iam_audit::cli::RegisterRenderCommand(app);
  iam_audit::cli::RegisterRuleStatsCommand(app);
  iam_audit::cli::RegisterTestFilterCommand(app);
  iam_audit::cli::RegisterSimulateCommand(app);
  iam_audit::cli::RegisterGenerateCommand(app);
  iam_audit::cli::RegisterCheckCommand(app);
  iam_audit::cli::RegisterEmulateCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return iam_audit::cli::RunSelected(app);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("iam-audit: out of memory\n", stderr);
  } catch (...) {
    std::fputs("iam-audit: internal error: an unexpected exception ended the run\n", stderr);
  }
  return 1;
}
