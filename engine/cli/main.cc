// iam-audit: the offline command-line tool.
#include <CLI/CLI.hpp>
#include <sstream>
#include <string>

#include "commands.h"

namespace {

// CLI11 repeats unexpected arguments in its error ("The following arguments
// were not expected: …"). One of them may be a secret: a webhook URL after a
// mistyped `--env`, say. Option names are kept; values and positional
// arguments are shown as ***.
std::string ParseErrorMessage(const CLI::App* app, const CLI::Error& e) {
  std::string what = e.what();
  constexpr std::string_view kMarker = "expected: ";
  const size_t at = what.find(kMarker);
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && at != std::string::npos) {
    std::istringstream words(what.substr(at + kMarker.size()));
    what.resize(at + kMarker.size());
    std::string word;
    for (bool first = true; words >> word; first = false) {
      if (!first) what += ' ';
      const size_t eq = word.find('=');
      if (word.size() < 2 || word[0] != '-') {
        what += "***";
      } else {
        what += eq == std::string::npos ? word : word.substr(0, eq + 1) + "***";
      }
    }
  }
  std::string out = what + "\n";
  if (app->get_help_ptr() != nullptr) out += "Run with " + app->get_help_ptr()->get_name() + " for more information.\n";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"iam-audit: audit AWS IAM activity from CloudTrail, and prove the rules offline"};
  app.failure_message(ParseErrorMessage);  // before the subcommands, which copy it
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
