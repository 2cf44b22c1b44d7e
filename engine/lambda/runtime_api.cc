#include "runtime_api.h"

#include <httplib.h>

#include <charconv>
#include <nlohmann/json.hpp>

namespace iam_audit::lambda {
namespace {
constexpr const char* kPrefix = "/2018-06-01/runtime";
}  // namespace

std::string ErrorBody(std::string_view error_type, std::string_view message) {
  nlohmann::ordered_json body;
  body["errorMessage"] = std::string(message);
  body["errorType"] = std::string(error_type);
  body["stackTrace"] = nlohmann::ordered_json::array();
  // Replace invalid UTF-8 instead of throwing: the message may quote input.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

RuntimeApi::RuntimeApi(std::string host_port)
    : host_port_(std::move(host_port)), client_(std::make_unique<httplib::Client>("http://" + host_port_)) {
  client_->set_keep_alive(true);
  client_->set_connection_timeout(1, 0);  // the Runtime API is local
  client_->set_write_timeout(10, 0);
  client_->set_default_headers({{"User-Agent", "iam-audit-bootstrap/0.1"}});
}

RuntimeApi::~RuntimeApi() = default;

StatusOr<Invocation> RuntimeApi::Next() {
  // No total timeout on /next (the docs say so): a year is "never".
  client_->set_read_timeout(365 * 24 * 3600, 0);
  auto res = client_->Get(std::string(kPrefix) + "/invocation/next");
  client_->set_read_timeout(10, 0);
  if (!res) {
    client_->stop();
    return UnavailableError("runtime api: GET next: " + httplib::to_string(res.error()));
  }
  if (res->status != 200) {
    return UnavailableError("runtime api: GET next answered " + std::to_string(res->status));
  }
  Invocation inv;
  inv.request_id = res->get_header_value("Lambda-Runtime-Aws-Request-Id");
  if (inv.request_id.empty()) return UnavailableError("runtime api: next without Lambda-Runtime-Aws-Request-Id");
  std::string deadline = res->get_header_value("Lambda-Runtime-Deadline-Ms");
  auto [ptr, ec] = std::from_chars(deadline.data(), deadline.data() + deadline.size(), inv.deadline_ms);
  if (ec != std::errc() || ptr != deadline.data() + deadline.size() || inv.deadline_ms <= 0) {
    return UnavailableError("runtime api: next with a bad Lambda-Runtime-Deadline-Ms");
  }
  inv.function_arn = res->get_header_value("Lambda-Runtime-Invoked-Function-Arn");
  inv.trace_id = res->get_header_value("Lambda-Runtime-Trace-Id");
  inv.payload = std::move(res->body);
  return inv;
}

Status RuntimeApi::Post(const std::string& path, std::string_view body, std::string_view content_type,
                        std::string_view error_type) {
  httplib::Headers headers;
  if (!error_type.empty()) headers.emplace("Lambda-Runtime-Function-Error-Type", std::string(error_type));
  auto res = client_->Post(path, headers, body.data(), body.size(), std::string(content_type));
  if (!res) {
    client_->stop();
    return UnavailableError("runtime api: POST " + path + ": " + httplib::to_string(res.error()));
  }
  if (res->status < 200 || res->status >= 300) {
    return UnavailableError("runtime api: POST " + path + " answered " + std::to_string(res->status));
  }
  return Status::Ok();
}

Status RuntimeApi::Respond(const std::string& request_id, std::string_view body) {
  return Post(std::string(kPrefix) + "/invocation/" + request_id + "/response", body, "application/json", "");
}

Status RuntimeApi::ReportError(const std::string& request_id, std::string_view error_type,
                               std::string_view message) {
  return Post(std::string(kPrefix) + "/invocation/" + request_id + "/error", ErrorBody(error_type, message),
              "application/json", error_type);
}

Status RuntimeApi::ReportInitError(std::string_view error_type, std::string_view message) {
  return Post(std::string(kPrefix) + "/init/error", ErrorBody(error_type, message), "application/json",
              error_type);
}

}  // namespace iam_audit::lambda
