// CLI11's failure message with argument values hidden. CLI11 repeats
// unexpected arguments in its error ("The following arguments were not
// expected: …"); one of them may be a secret — a webhook URL after a mistyped
// `--env` or `--webhook`, say. Option names are kept; values and positional
// arguments are shown as ***. Shared by iam-audit and mock-slack:
//   app.failure_message(iam_audit::cli::RedactedParseError);
#ifndef IAM_AUDIT_CLI_REDACTED_PARSE_ERROR_H_
#define IAM_AUDIT_CLI_REDACTED_PARSE_ERROR_H_

#include <CLI/CLI.hpp>
#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>

namespace iam_audit::cli {

inline std::string RedactedParseError(const CLI::App* app, const CLI::Error& e) {
  std::string what = e.what();
  constexpr std::string_view kMarker = "expected: ";
  const std::size_t at = what.find(kMarker);
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && at != std::string::npos) {
    std::istringstream words(what.substr(at + kMarker.size()));
    what.resize(at + kMarker.size());
    std::string word;
    for (bool first = true; words >> word; first = false) {
      if (!first) what += ' ';
      const std::size_t eq = word.find('=');
      if (word.size() < 2 || word[0] != '-') {
        what += "***";
      } else {
        what += eq == std::string::npos ? word : word.substr(0, eq + 1) + "***";
      }
    }
  }
  std::string out = what + "\n";
  if (app->get_help_ptr() != nullptr)
    out += "Run with " + app->get_help_ptr()->get_name() + " for more information.\n";
  return out;
}

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_CLI_REDACTED_PARSE_ERROR_H_
