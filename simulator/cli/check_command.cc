// iam-audit check: run rule-test files (docs/check-file.md) for CI.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "iam_audit/simulator/check.h"

namespace iam_audit::cli {
namespace {

struct CheckArgs {
  std::vector<std::string> files;
  std::string junit;
  bool update_snapshots = false;
  bool verbose = false;
};

int RunCheck(const CheckArgs& args) {
  simulator::CheckOptions options;
  options.update_snapshots = args.update_snapshots;
  std::vector<simulator::CheckFileResult> results;
  for (const std::string& file : args.files)
    results.push_back(simulator::RunCheckFile(file, options));
  std::cout << simulator::FormatReport(results, args.verbose);
  std::cout.flush();
  if (!args.junit.empty()) {
    std::ofstream out(args.junit, std::ios::binary | std::ios::trunc);
    out << simulator::JUnitXml(results);
    if (!out) {
      std::cerr << "iam-audit check: --junit: " << args.junit << ": cannot write\n";
      return kExitFailure;
    }
  }
  const simulator::CheckTotals totals = simulator::Totals(results);
  if (totals.errors > 0) return kExitBadInput;
  if (totals.failed > 0) return kExitFailure;
  return kExitOk;
}

}  // namespace

void RegisterCheckCommand(CLI::App& app) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Run rule tests: filter patterns against fixture or inline records, expected matches and "
      "golden Slack messages (exit 1 on a failure, 2 on a broken check file)");
  cmd->add_option("FILE", args->files, "Check files (JSON; schema in docs/check-file.md)")
      ->required();
  cmd->add_option("--junit", args->junit, "Also write the results as JUnit XML to this file");
  cmd->add_flag("--update-snapshots", args->update_snapshots,
                "Write the actual Slack messages into missing or differing snapshot files");
  cmd->add_flag("--verbose,-v", args->verbose, "Show details for passing cases too");
  cmd->callback([args] { ExitCode() = RunCheck(*args); });
}

}  // namespace iam_audit::cli
