// `iam-audit emulate`: the Lambda Runtime API emulator as a command.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "commands.h"
#include "emulator.h"

namespace iam_audit::cli {
namespace {

struct EmulateArgs {
  emulator::EmulatorOptions options;
  std::vector<std::string> env;
};

int RunEmulate(EmulateArgs& args) {
  for (const std::string& kv : args.env) {
    size_t eq = kv.find('=');
    if (eq == 0 || eq == std::string::npos) {
      // Without '=' the argument may be the value alone, i.e. a secret: it is
      // quoted only when it is a plain variable name.
      const std::string key = kv.substr(0, eq);
      const bool name = !key.empty() && key.size() <= 128 &&
                        key.find_first_not_of(
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
                            std::string::npos;
      std::fprintf(stderr, "emulate: --env wants KEY=VALUE, got %s\n",
                   name ? ("'" + key + "'").c_str()
                        : ("an argument without a variable name (" + std::to_string(kv.size()) +
                           " characters, not shown: it may be a secret)")
                              .c_str());
      return kExitBadInput;
    }
    args.options.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // SIGINT/SIGTERM are taken by a thread of ours (sigwait) so that the
  // runtime process is killed and temporary files are removed.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  emulator::Emulator emu(args.options);
  if (Status s = emu.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return kExitBadInput;
  }
  std::printf("%s\n", emu.BaseUrl().c_str());
  std::fflush(stdout);
  std::thread waiter([&emu, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    emu.Stop();
  });
  emu.Run();
  // Run() returned because of a signal, or the server failed: wake the waiter.
  // SIGTERM is blocked in every thread and taken by the waiter's sigwait(), so
  // this wakes the thread rather than terminating anything: the check's
  // concern does not apply.
  pthread_kill(waiter.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  waiter.join();
  return kExitOk;
}

}  // namespace

void RegisterEmulateCommand(CLI::App& app) {
  auto args = std::make_shared<EmulateArgs>();
  CLI::App* cmd = app.add_subcommand("emulate",
                                     "Run a Lambda function (bootstrap or function.zip) behind an "
                                     "emulated Lambda Runtime API and Invoke API");
  cmd->add_option("--function", args->options.function,
                  "The bootstrap executable, or a function.zip")
      ->required();
  cmd->add_option("--env", args->env, "KEY=VALUE for the function's environment (repeatable)");
  cmd->add_option("--port", args->options.port, "Port to listen on (0: a free one)");
  cmd->add_option("--timeout", args->options.timeout_seconds, "Function timeout in seconds")
      ->check(CLI::Range(1, 900))
      ->capture_default_str();
  cmd->add_option("--memory", args->options.memory_mb, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE in MB")
      ->capture_default_str();
  cmd->add_option("--function-name", args->options.function_name, "AWS_LAMBDA_FUNCTION_NAME")
      ->capture_default_str();
  cmd->add_option("--retry-delay-ms", args->options.retry_delay_ms,
                  "Async retries: wait this before the 2nd attempt and twice this before the 3rd "
                  "(Lambda: ~60000)")
      ->capture_default_str();
  cmd->add_option("--async-retries", args->options.async_retries,
                  "Retries of a failed async event (0..2)")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  cmd->add_option("--root", args->options.root,
                  "Run the bootstrap chrooted into this directory (function under /var/task), "
                  "in a user+mount namespace: nothing of this machine is visible to it");
  cmd->footer(
      "Prints its base URL on the first line of stdout. Invoke with\n"
      "  POST <url>/2015-03-31/functions/function/invocations   (sync; X-Amz-Invocation-Type: "
      "Event for async)\n"
      "or with `aws lambda invoke --endpoint-url <url> --function-name function` or boto3 "
      "(X-Amz-Log-Type: Tail,\n"
      "X-Amz-Client-Context, Lambda's size limits and error codes).\n"
      "Inspect with GET <url>/api/invocations and GET <url>/api/idle?timeout_ms=N.");
  cmd->callback([args] { ExitCode() = RunEmulate(*args); });
}

}  // namespace iam_audit::cli
