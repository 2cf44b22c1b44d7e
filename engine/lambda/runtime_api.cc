// The bootstrap's Runtime API client (runtime_api.h): the connection options
// from AWS_LAMBDA_RUNTIME_API, GET next (the invocation and its headers), the
// response and error POSTs, and Lambda's error body.
#include "runtime_api.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "delivery/http1.h"

namespace iam_audit::lambda {
namespace {
constexpr const char* kPrefix = "/2018-06-01/runtime";
constexpr int64_t kPostTimeoutMs = 10'000;

// AWS_LAMBDA_RUNTIME_API is "host:port" ("[v6]:port" allowed).
http1::ConnectionOptions RuntimeApiOptions(const std::string& host_port) {
  http1::ConnectionOptions o;
  std::string_view hp = host_port;
  size_t colon = hp.rfind(':');
  std::string_view host = colon == std::string_view::npos ? hp : hp.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  o.host = std::string(host);
  o.port = 80;
  if (colon != std::string_view::npos) {
    std::string_view port = hp.substr(colon + 1);
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec == std::errc() && ptr == port.data() + port.size() && p > 0 && p <= 65535) o.port = p;
  }
  o.connect_timeout_ms = 1000;  // the Runtime API is local
  o.max_response_bytes = 64u << 20;
  o.user_agent = "iam-audit-bootstrap/0.1";
  return o;
}
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
    : host_port_(std::move(host_port)),
      connection_(std::make_unique<http1::Connection>(RuntimeApiOptions(host_port_))) {}

RuntimeApi::~RuntimeApi() = default;

StatusOr<Invocation> RuntimeApi::Next() {
  // No timeout on /next (the docs say so): the process may be frozen between events.
  auto res = connection_->Request("GET", std::string(kPrefix) + "/invocation/next", {}, "", "", -1);
  if (!res.ok()) return UnavailableError("runtime api: GET next: " + res.status().message());
  if (res->status != 200) {
    return UnavailableError("runtime api: GET next answered " + std::to_string(res->status));
  }
  Invocation inv;
  inv.request_id = res->Header("lambda-runtime-aws-request-id");
  if (inv.request_id.empty())
    return UnavailableError("runtime api: next without Lambda-Runtime-Aws-Request-Id");
  std::string deadline = res->Header("lambda-runtime-deadline-ms");
  auto [ptr, ec] =
      std::from_chars(deadline.data(), deadline.data() + deadline.size(), inv.deadline_ms);
  if (ec != std::errc() || ptr != deadline.data() + deadline.size() || inv.deadline_ms <= 0) {
    return UnavailableError("runtime api: next with a bad Lambda-Runtime-Deadline-Ms");
  }
  inv.function_arn = res->Header("lambda-runtime-invoked-function-arn");
  inv.trace_id = res->Header("lambda-runtime-trace-id");
  inv.payload = std::move(res->body);
  return inv;
}

Status RuntimeApi::Post(const std::string& path, std::string_view body,
                        std::string_view content_type, std::string_view error_type) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!error_type.empty())
    headers.emplace_back("Lambda-Runtime-Function-Error-Type", std::string(error_type));
  auto res = connection_->Request("POST", path, headers, body, content_type, kPostTimeoutMs);
  if (!res.ok())
    return UnavailableError("runtime api: POST " + path + ": " + res.status().message());
  if (res->status < 200 || res->status >= 300) {
    return UnavailableError("runtime api: POST " + path + " answered " +
                            std::to_string(res->status));
  }
  return Status::Ok();
}

Status RuntimeApi::Respond(const std::string& request_id, std::string_view body) {
  return Post(std::string(kPrefix) + "/invocation/" + request_id + "/response", body,
              "application/json", "");
}

Status RuntimeApi::ReportError(const std::string& request_id, std::string_view error_type,
                               std::string_view message) {
  return Post(std::string(kPrefix) + "/invocation/" + request_id + "/error",
              ErrorBody(error_type, message), "application/json", error_type);
}

Status RuntimeApi::ReportInitError(std::string_view error_type, std::string_view message) {
  return Post(std::string(kPrefix) + "/init/error", ErrorBody(error_type, message),
              "application/json", error_type);
}

}  // namespace iam_audit::lambda
