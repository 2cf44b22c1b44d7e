// iam-audit decode: a subscription payload (Lambda event, bare base64 or
// decoded batch) as pretty JSON.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "iam_audit/payload.h"
#include "input.h"

namespace iam_audit::cli {

int& ExitCode() {
  static int code = kExitOk;
  return code;
}

namespace {

struct DecodeArgs {
  std::string input = "-";
  size_t max_inflated_bytes = DecodeOptions{}.max_inflated_bytes;
};

int RunDecode(const DecodeArgs& args) {
  auto content = ReadInput(args.input);
  if (!content.ok()) {
    std::cerr << "iam-audit decode: " << content.status().message() << "\n";
    return kExitBadInput;
  }
  DecodeOptions options;
  options.max_inflated_bytes = args.max_inflated_bytes;
  auto batch = DecodeSubscriptionEvent(*content, options);
  if (!batch.ok()) {
    std::cerr << "iam-audit decode: " << (args.input == "-" ? "<stdin>" : args.input) << ": "
              << batch.status().message() << "\n";
    return kExitBadInput;
  }
  std::cout << LogBatchToJson(*batch) << "\n";
  return kExitOk;
}

}  // namespace

void RegisterDecodeCommand(CLI::App& app) {
  auto args = std::make_shared<DecodeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "decode",
      "Decode a CloudWatch Logs subscription payload ({\"awslogs\":{\"data\":…}}, bare "
      "base64, or decoded JSON) and print the batch as JSON");
  cmd->add_option("FILE", args->input, "Payload file, or - for standard input")->default_val("-");
  cmd->add_option("--max-inflated-bytes", args->max_inflated_bytes,
                  "Refuse payloads that inflate beyond this many bytes")
      ->capture_default_str();
  cmd->callback([args] { ExitCode() = RunDecode(*args); });
}

}  // namespace iam_audit::cli
