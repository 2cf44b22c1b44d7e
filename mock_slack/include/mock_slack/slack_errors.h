// Slack's webhook error codes and the HTTP status each is answered with.
//
// Slack answers webhook errors with a 4xx/5xx status and a plain-text body
// that is exactly the code (Slack's incoming-webhook error table). Statuses marked unverified in
// the spec can be overridden per code (ErrorStatusTable::Override), so a test can force whichever
// status it believes Slack sends. Reads are thread-safe once the table is built; Override() is for
// start-up only.
#ifndef MOCK_SLACK_SLACK_ERRORS_H_
#define MOCK_SLACK_SLACK_ERRORS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mock_slack/expected.h"

namespace mock_slack {

class ErrorStatusTable {
 public:
  ErrorStatusTable();  // Slack's documented statuses

  // The status for `code`; 400 for codes Slack does not document.
  int StatusFor(std::string_view code) const;
  bool IsKnown(std::string_view code) const;
  void Override(std::string_view code, int status);
  std::vector<std::string> KnownCodes() const;

  // Parses "code=status" (e.g. "no_team=404") and applies it; on failure the
  // error names the flag text.
  Expected<bool> ParseOverride(std::string_view flag);

 private:
  std::map<std::string, int, std::less<>> status_;
};

}  // namespace mock_slack

#endif  // MOCK_SLACK_SLACK_ERRORS_H_
