// The subcommands of iam-audit. Each Register* adds one CLI11 subcommand whose
// callback runs it and stores its exit code (0 success, 1 some events failed
// at run time, 2 bad input or usage).
#ifndef IAM_AUDIT_CLI_COMMANDS_H_
#define IAM_AUDIT_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace iam_audit::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

// The exit code the selected subcommand set.
int& ExitCode();
inline int RunSelected(const CLI::App&) { return ExitCode(); }

void RegisterDecodeCommand(CLI::App& app);
void RegisterRenderCommand(CLI::App& app);
void RegisterRuleStatsCommand(CLI::App& app);
void RegisterTestFilterCommand(CLI::App& app);
// simulate, generate, check: simulator/cli/.
void RegisterSimulateCommand(CLI::App& app);
void RegisterGenerateCommand(CLI::App& app);
void RegisterCheckCommand(CLI::App& app);
void RegisterEmulateCommand(CLI::App& app);  // simulator/emulator

}  // namespace iam_audit::cli

#endif  // IAM_AUDIT_CLI_COMMANDS_H_
