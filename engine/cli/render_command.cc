// iam-audit render: CloudTrail records → the Slack messages the engine posts,
// one compact JSON message per line.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "commands.h"
#include "iam_audit/slack_message.h"
#include "source_options.h"

namespace iam_audit::cli {
namespace {

struct RenderArgs {
  std::vector<std::string> inputs{"-"};
  SourceSelectionArgs selection;
  std::string time_zone = "UTC";
  std::string console_url = std::string(kDefaultConsoleUrlTemplate);
  std::string format = "json";
};

// Undoes Slack's three escapes, for showing a message in a terminal.
std::string Unescape(std::string text) {
  for (auto [from, to] :
       {std::pair{"&lt;", "<"}, std::pair{"&gt;", ">"}, std::pair{"&amp;", "&"}}) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) {
      text.replace(at, std::string_view(from).size(), to);
    }
  }
  return text;
}

// A terminal view of a Slack message: each section's text, as a person
// reads it in the channel.
void PrintAsText(const std::string& message_json, std::ostream& out) {
  const auto msg = nlohmann::json::parse(message_json);
  out << "┌────────────────────────────────────────────────────────────\n";
  for (const auto& block : msg.value("blocks", nlohmann::json::array())) {
    if (!block.contains("text")) continue;
    std::string text = Unescape(block["text"].value("text", ""));
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out << "│ " << text.substr(start, end - start) << "\n";
      start = end + 1;
    }
  }
  out << "└────────────────────────────────────────────────────────────\n";
}

int RunRender(const RenderArgs& args) {
  RenderOptions options;
  auto tz = TimeZone::Parse(args.time_zone);
  if (!tz.ok()) {
    std::cerr << "iam-audit render: --time-zone: " << tz.status().message() << "\n";
    return kExitBadInput;
  }
  options.time_zone = *tz;
  if (Status s = ValidateConsoleUrlTemplate(args.console_url); !s.ok()) {
    std::cerr << "iam-audit render: --console-url: " << s.message() << "\n";
    return kExitBadInput;
  }
  options.console_url_template = args.console_url;

  auto source_options = MakeSourceOptions(args.selection);
  if (!source_options.ok()) {
    std::cerr << "iam-audit render: " << source_options.status().message() << "\n";
    return kExitBadInput;
  }
  size_t rendered = 0;
  size_t failed = 0;
  auto totals = sources::ReadSources(
      args.inputs, *source_options,
      [&](std::string_view json, const sources::SourcePosition&) {
        const std::string message = RenderMessage(json, options);
        if (args.format == "text") {
          PrintAsText(message, std::cout);
        } else {
          std::cout << message << "\n";
        }
        ++rendered;
      },
      [&](const sources::SourcePosition& pos, const std::string& message) {
        std::cerr << pos.ToString() << ": " << message << "\n";
        ++failed;
      });
  if (!totals.ok()) {
    std::cerr << "iam-audit render: " << totals.status().message() << "\n";
    return kExitBadInput;
  }
  if (const std::string skipped = sources::DescribeSkipped(*totals); !skipped.empty()) {
    std::cerr << "iam-audit render: " << skipped << "\n";
  }
  std::cout.flush();
  if (failed > 0) {
    std::cerr << "iam-audit render: " << rendered << " rendered, " << failed << " failed\n";
    return kExitBadInput;
  }
  return kExitOk;
}

}  // namespace

void RegisterRenderCommand(CLI::App& app) {
  auto args = std::make_shared<RenderArgs>();
  CLI::App* cmd = app.add_subcommand(
      "render",
      "Render CloudTrail records as the Slack messages the engine posts (one JSON per line)");
  cmd->add_option("FILE", args->inputs, kSourcesHelp)->default_val(std::vector<std::string>{"-"});
  AddSourceSelectionOptions(cmd, &args->selection);
  cmd->add_option("--time-zone", args->time_zone,
                  "Time zone for the Time: line: an IANA name (Asia/Seoul) or an offset (+09:00)")
      ->capture_default_str();
  cmd->add_option("--console-url", args->console_url,
                  "Console link template; placeholders {region} and {eventID}")
      ->capture_default_str();
  cmd->add_option("--format", args->format,
                  "json: one Slack message per line; text: the messages as a person reads them")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  cmd->callback([args] { ExitCode() = RunRender(*args); });
}

}  // namespace iam_audit::cli
