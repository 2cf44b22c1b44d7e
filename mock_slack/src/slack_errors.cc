// The table of Slack's webhook error codes and their HTTP statuses
// (slack_errors.h), and the --status CODE=STATUS overrides of it.
#include "mock_slack/slack_errors.h"

#include <charconv>

namespace mock_slack {

ErrorStatusTable::ErrorStatusTable()
    : status_{
          // Slack's documented statuses; "?" rows are our best guess and overridable.
          {"invalid_payload", 400},
          {"user_not_found", 400},
          {"action_prohibited", 403},
          {"channel_not_found", 404},
          {"channel_is_archived", 410},
          {"rollup_error", 500},
          {"posting_to_general_channel_denied", 403},
          {"no_service", 404},
          {"no_active_hooks", 404},
          {"no_service_id", 400},
          {"no_team", 404},
          {"team_disabled", 404},
          {"invalid_token", 403},
          {"no_text", 400},
          {"too_many_attachments", 400},
          {"invalid_blocks", 400},
          {"invalid_blocks_format", 400},
      } {}

int ErrorStatusTable::StatusFor(std::string_view code) const {
  auto it = status_.find(code);
  return it == status_.end() ? 400 : it->second;
}

bool ErrorStatusTable::IsKnown(std::string_view code) const { return status_.count(code) > 0; }

void ErrorStatusTable::Override(std::string_view code, int status) {
  status_[std::string(code)] = status;
}

std::vector<std::string> ErrorStatusTable::KnownCodes() const {
  std::vector<std::string> codes;
  for (const auto& entry : status_) codes.push_back(entry.first);
  return codes;
}

Expected<bool> ErrorStatusTable::ParseOverride(std::string_view flag) {
  std::size_t eq = flag.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Error{"--status '" + std::string(flag) + "': expected code=status"};
  }
  std::string_view number = flag.substr(eq + 1);
  int status = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), status);
  if (ec != std::errc() || end != number.data() + number.size() || status < 400 || status > 599) {
    return Error{"--status '" + std::string(flag) + "': status must be 400-599"};
  }
  Override(flag.substr(0, eq), status);
  return true;
}

}  // namespace mock_slack
