// JSON answers shared by the Service's endpoints and control API (private to
// mock_slack_lib): compact dumps that replace invalid UTF-8 rather than throw.
#ifndef MOCK_SLACK_SRC_SERVICE_JSON_H_
#define MOCK_SLACK_SRC_SERVICE_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "mock_slack/service.h"

namespace mock_slack {

inline std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline Reply JsonReply(int status, const nlohmann::json& body) {
  Reply r;
  r.status = status;
  r.body = Dump(body);
  r.content_type = "application/json";
  return r;
}

}  // namespace mock_slack

#endif  // MOCK_SLACK_SRC_SERVICE_JSON_H_
