// The emulator's HTTP routes (routes.h): the Runtime API handlers (next,
// response, error, init error), the Invoke API handler with Lambda's
// validation, limits and errors, the 404 for any other path, and the
// inspection endpoints. It owns reading request bodies raw and the shape of
// every answer; waiting, handing out and timing out are the queue's.
#include "routes.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <utility>
#include <vector>

#include "iam_audit/json_error_text.h"
#include "iam_audit/payload.h"

namespace iam_audit::emulator {
namespace {

using httplib::ContentReader;
using httplib::Request;
using httplib::Response;

// Lambda's Invoke limits: a synchronous payload of at most 6 MB, an
// asynchronous (Event) one of at most 1 MB (the simulator's default
// --max-payload-bytes).
constexpr size_t kMaxSyncPayload = 6291456;
constexpr size_t kMaxAsyncPayload = 1048576;

// An Invoke API error as Lambda answers it: the code in X-Amzn-ErrorType (what
// the SDKs report as the error code), the message in the body; `type` is the
// body's "Type" field, which Lambda sends on some errors ("User").
void InvokeError(Response& res, int status, const std::string& code, const std::string& type,
                 const std::string& message) {
  nlohmann::ordered_json j;
  if (!type.empty()) j["Type"] = type;
  j["message"] = message;
  res.status = status;
  res.set_header("X-Amzn-ErrorType", code);
  res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

enum class BodyRead { kOk, kTooLarge, kUnreadable };

// Reads a request body as the raw bytes sent, whatever its Content-Type
// (cpp-httplib parses form and multipart bodies itself when it reads them,
// and refuses form bodies over 8 KB), keeping at most `limit` bytes: a longer
// body is still consumed, so that the connection stays usable, and reported
// too large. A request with neither Content-Length nor chunked
// Transfer-Encoding has an empty body (RFC 9112 section 6.3), not one that
// lasts until the client closes the connection.
// `size` is the body's whole length.
BodyRead ReadBody(const Request& req, const ContentReader& reader, size_t limit, std::string& body,
                  uint64_t& size) {
  body.clear();
  size = 0;
  std::string encoding = req.get_header_value("Transfer-Encoding");
  std::transform(encoding.begin(), encoding.end(), encoding.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const bool chunked = encoding.find("chunked") != std::string::npos;
  if (!chunked && !req.has_header("Content-Length")) return BodyRead::kOk;
  if (req.is_multipart_form_data()) {
    // The reader would hand a multipart body to httplib's form parser; without
    // the Content-Type it hands over the bytes. The server owns a non-const
    // Request and passes it to handlers as const, so this edit is well-defined.
    const_cast<Request&>(req).headers.erase("Content-Type");
  }
  uint64_t total = 0;
  const bool read = reader([&](const char* data, size_t n) {
    total += n;
    if (body.size() <= limit) body.append(data, std::min(n, limit + 1 - body.size()));
    return true;
  });
  // A Content-Length over the server's payload cap is skipped unread by httplib.
  const uint64_t length =
      std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
  size = chunked ? total : std::max(total, length);
  if (size > limit) {
    body.clear();
    return BodyRead::kTooLarge;
  }
  return read ? BodyRead::kOk : BodyRead::kUnreadable;
}

// "1 validation error detected: Value 'x' at 'invocationType' failed to ..."
// for each header value outside its enum, as AWS's request validation says it;
// empty when all are valid.
std::string ValidationErrors(const std::vector<std::pair<std::string, std::string>>& bad) {
  std::string out;
  for (const auto& [value, text] : bad) {
    if (!out.empty()) out += "; ";
    out += "Value '";
    out += value;
    out += "' at ";
    out += text;
  }
  if (bad.empty()) return out;
  return std::to_string(bad.size()) +
         (bad.size() == 1 ? " validation error detected: " : " validation errors detected: ") + out;
}

// RIE keeps an error type that looks like Category.Reason, else Runtime.Unknown.
std::string NormaliseErrorType(const std::string& header) {
  static const std::regex kValid("(Runtime|Function)\\.[A-Z][a-zA-Z]+");
  std::smatch m;
  if (std::regex_search(header, m, kValid)) return m.str(0);
  return header.rfind("Function.", 0) == 0 ? "Function.Unknown" : "Runtime.Unknown";
}

// The Invoke API's checks after the body is read, in Lambda's order: the
// header enums, the payload limits, the client context, the payload's JSON.
// False with `res` set to Lambda's error; else `client_context` is the
// decoded X-Amz-Client-Context on one line (empty: none).
bool ValidateInvoke(const Request& req, Response& res, BodyRead read, uint64_t size,
                    const std::string& payload, std::string& client_context) {
  // An absent (or empty) header is the default.
  const std::string type = req.get_header_value("X-Amz-Invocation-Type");
  const std::string log_type = req.get_header_value("X-Amz-Log-Type");
  std::vector<std::pair<std::string, std::string>> invalid;
  if (!type.empty() && type != "RequestResponse" && type != "Event" && type != "DryRun") {
    invalid.emplace_back(
        type,
        "'invocationType' failed to satisfy constraint: Member must satisfy enum value set: "
        "[DryRun, RequestResponse, Event]");
  }
  if (!log_type.empty() && log_type != "None" && log_type != "Tail") {
    invalid.emplace_back(log_type,
                         "'logType' failed to satisfy constraint: Member must satisfy enum value "
                         "set: [None, Tail]");
  }
  if (!invalid.empty()) {
    InvokeError(res, 400, "ValidationException", "", ValidationErrors(invalid));
    return false;
  }
  // Lambda's service answers RequestEntityTooLargeException here (its API
  // model also names a RequestTooLargeException; the SDKs report the former).
  if (type == "Event" && read != BodyRead::kUnreadable && size > kMaxAsyncPayload) {
    InvokeError(res, 413, "RequestEntityTooLargeException", "User",
                std::to_string(size) +
                    " byte payload is too large for the Event invocation type (limit " +
                    std::to_string(kMaxAsyncPayload) + " bytes)");
    return false;
  }
  if (read == BodyRead::kTooLarge) {
    InvokeError(res, 413, "RequestEntityTooLargeException", "User",
                "Request must be smaller than " + std::to_string(kMaxSyncPayload) +
                    " bytes for the InvokeFunction operation");
    return false;
  }
  if (read == BodyRead::kUnreadable) {
    InvokeError(res, 400, "InvalidRequestContentException", "User",
                "Could not read the request body");
    return false;
  }
  client_context.clear();
  if (req.has_header("X-Amz-Client-Context")) {
    auto decoded = Base64Decode(req.get_header_value("X-Amz-Client-Context"));
    const nlohmann::ordered_json context =
        decoded.ok() ? nlohmann::ordered_json::parse(*decoded, nullptr, false)
                     : nlohmann::ordered_json();
    if (!context.is_object()) {
      InvokeError(res, 400, "InvalidRequestContentException", "User",
                  "Client context must be a valid Base64-encoded JSON object.");
      return false;
    }
    // On one line: it travels in a header (Lambda-Runtime-Client-Context).
    client_context = context.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (!payload.empty() && !nlohmann::json::accept(payload)) {
    std::string why;
    try {
      const nlohmann::json parsed = nlohmann::json::parse(payload);
      why = "not JSON (" + std::to_string(parsed.size()) + ")";  // not reached: accept() said no
    } catch (const nlohmann::json::parse_error& e) {
      // "[json.exception.parse_error.101] parse error at line 1, ..." without its tag.
      why = JsonErrorWithoutTag(e.what());
    }
    InvokeError(res, 400, "InvalidRequestContentException", "User",
                "Could not parse request body into json: " + why);
    return false;
  }
  return true;
}

std::string Hex(std::mt19937_64& rng, int digits) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out += kDigits[rng() & 15];
  return out;
}

}  // namespace

std::string Routes::RandomHex(int digits) {
  std::lock_guard<std::mutex> lock(rng_mu_);
  return Hex(rng_, digits);
}

std::string Routes::RandomUuid() {
  std::lock_guard<std::mutex> lock(rng_mu_);
  std::string h = Hex(rng_, 32);
  h[12] = '4';
  h[16] = "89ab"[rng_() & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

void Routes::Next(Response& res) {
  sandbox_.MarkInitialised();
  const std::optional<Handout> handout = queue_.Next();
  if (!handout) {
    res.status = 500;
    res.set_content(ErrorJson("InternalServerError", "Internal Server Error"), "application/json");
    return;
  }
  res.set_header("Lambda-Runtime-Aws-Request-Id", handout->request_id);
  res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(handout->deadline_ms));
  res.set_header("Lambda-Runtime-Invoked-Function-Arn",
                 "arn:aws:lambda:us-east-1:012345678912:function:" + options_.function_name);
  const int64_t now_s = EpochMs() / 1000;
  char epoch_hex[16];
  std::snprintf(epoch_hex, sizeof epoch_hex, "%08llx", static_cast<unsigned long long>(now_s));
  res.set_header("Lambda-Runtime-Trace-Id", "Root=1-" + std::string(epoch_hex) + "-" +
                                                RandomHex(24) + ";Parent=" + RandomHex(16) +
                                                ";Sampled=0");
  if (!handout->client_context.empty())
    res.set_header("Lambda-Runtime-Client-Context", handout->client_context);
  res.set_content(handout->payload, "application/json");
}

// The Runtime API's POSTs, like the Invoke API, read their bodies raw
// (ReadBody) whatever the Content-Type: `curl -d` sends form-urlencoded.
void Routes::Respond(const Request& req, Response& res, const ContentReader& reader, bool ok) {
  std::string body;
  uint64_t size = 0;
  const BodyRead read = ReadBody(req, reader, kMaxPayload, body, size);
  const std::string id = req.matches[1];
  const auto invalid_id = [&res] {
    res.status = 400;
    res.set_content(ErrorJson("InvalidRequestID", "Invalid request ID"), "application/json");
  };
  if (read == BodyRead::kUnreadable) {
    if (!queue_.Awaits(id)) return invalid_id();
    res.status = 400;
    res.set_content(ErrorJson("TruncatedHTTPRequest", "HTTP request detected as truncated"),
                    "application/json");
    return;
  }
  if (read == BodyRead::kTooLarge) {
    const std::string type = "Function.ResponseSizeTooLarge";
    if (!queue_.Respond(id,
                        {false,
                         ErrorJson(type,
                                   "Response payload size exceeded maximum allowed payload size "
                                   "(6291556 bytes)."),
                         type})) {
      return invalid_id();
    }
    res.status = 413;
    res.set_content(ErrorJson("RequestEntityTooLarge",
                              "Exceeded maximum allowed payload size (6291556 bytes)."),
                    "application/json");
    return;
  }
  const std::string type =
      ok ? "" : NormaliseErrorType(req.get_header_value("Lambda-Runtime-Function-Error-Type"));
  if (!ok && body.empty()) body = ErrorJson(type, "");
  if (!queue_.Respond(id, {ok, std::move(body), type})) return invalid_id();
  res.status = 202;
  res.set_content(R"({"status":"OK"})", "application/json");
}

void Routes::InitError(const Request& req, Response& res, const ContentReader& reader) {
  std::string body;
  uint64_t size = 0;
  const BodyRead read = ReadBody(req, reader, kMaxPayload, body, size);
  const std::string type =
      NormaliseErrorType(req.get_header_value("Lambda-Runtime-Function-Error-Type"));
  if (!sandbox_.ReportInitError(
          type, read != BodyRead::kOk || body.empty() ? ErrorJson(type, "") : body)) {
    res.status = 403;
    res.set_content(
        ErrorJson("InvalidStateTransition", "State transition from Ready to InitError failed"),
        "application/json");
    return;
  }
  res.status = 202;
  res.set_content(R"({"status":"OK"})", "application/json");
  queue_.Wake();
}

// The Invoke API (and RIE's front door, where the name is "function"), with
// Lambda's validation and limits; its errors are Lambda's (InvokeError).
void Routes::Invoke(const Request& req, Response& res, const ContentReader& reader) {
  std::string payload;
  uint64_t size = 0;
  const BodyRead read = ReadBody(req, reader, kMaxSyncPayload, payload, size);
  const std::string request_id = RandomUuid();
  res.set_header("X-Amzn-RequestId", request_id);
  std::string client_context;
  if (!ValidateInvoke(req, res, read, size, payload, client_context)) return;
  const std::string type = req.get_header_value("X-Amz-Invocation-Type");
  if (type == "DryRun") {
    res.status = 204;
    return;
  }
  if (type == "Event") {
    // Lambda gives the client context to synchronous invocations only.
    queue_.Add(request_id, std::move(payload), "", true);
    res.status = 202;
    return;
  }
  auto invocation = queue_.Add(request_id, std::move(payload), std::move(client_context), false);
  const std::optional<Outcome> outcome = queue_.WaitDone(invocation);
  if (!outcome) {
    res.status = 502;
    return;
  }
  res.status = 200;
  res.set_header("X-Amz-Executed-Version", "$LATEST");
  if (!outcome->ok) res.set_header("X-Amz-Function-Error", "Unhandled");
  if (req.get_header_value("X-Amz-Log-Type") == "Tail")
    res.set_header("X-Amz-Log-Result", Base64Encode(outcome->log_tail));
  res.set_content(outcome->result, "application/json");
}

void Routes::Install(httplib::Server& server) {
  const std::string runtime = "/2018-06-01/runtime";
  server.Get(runtime + "/invocation/next", [this](const Request&, Response& res) { Next(res); });
  server.Post(runtime + R"(/invocation/([^/]+)/response)",
              [this](const Request& req, Response& res, const ContentReader& reader) {
                Respond(req, res, reader, true);
              });
  server.Post(runtime + R"(/invocation/([^/]+)/error)",
              [this](const Request& req, Response& res, const ContentReader& reader) {
                Respond(req, res, reader, false);
              });
  server.Post(runtime + "/init/error",
              [this](const Request& req, Response& res, const ContentReader& reader) {
                InitError(req, res, reader);
              });
  server.Post(R"(/2015-03-31/functions/([^/]+)/invocations)",
              [this](const Request& req, Response& res, const ContentReader& reader) {
                Invoke(req, res, reader);
              });

  // Any other path: its body is read (or known to be empty) before the 404,
  // so that a POST without Content-Length is answered at once.
  auto not_found = [](const Request& req, Response& res, const ContentReader& reader) {
    std::string body;
    uint64_t size = 0;
    ReadBody(req, reader, 0, body, size);
    res.status = 404;
  };
  server.Post(".*", not_found);
  server.Put(".*", not_found);
  server.Patch(".*", not_found);
  server.Delete(".*", not_found);

  // Inspection: every invocation, and a wait until nothing is queued or running.
  server.Get("/api/invocations", [this](const Request&, Response& res) {
    res.set_content(
        queue_.Describe().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
        "application/json");
  });
  server.Get("/api/idle", [this](const Request& req, Response& res) {
    int64_t timeout_ms = 10000;
    if (req.has_param("timeout_ms")) timeout_ms = std::stoll(req.get_param_value("timeout_ms"));
    const bool idle = queue_.WaitIdle(std::chrono::milliseconds(timeout_ms));
    res.set_content(std::string(R"({"idle":)") + (idle ? "true" : "false") + "}",
                    "application/json");
  });
  server.Get("/healthz",
             [](const Request&, Response& res) { res.set_content("ok", "text/plain"); });
}

}  // namespace iam_audit::emulator
