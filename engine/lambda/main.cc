// bootstrap: the iam-audit engine as an AWS Lambda custom runtime.
//
// Start-up reads and checks the configuration (handler.h); a bad value is
// reported to /runtime/init/error and the process exits. Then the loop:
// /next → Handler::Handle (bounded by Lambda-Runtime-Deadline-Ms) → /response
// with the JSON summary (for an SQS batch: {"batchItemFailures":[…]} naming
// the messages to retry), or /error when the payload was bad, a log file
// could not be read or an alert was not delivered (so that Lambda's
// asynchronous retry redelivers the event).
// Each invocation runs inside one exception barrier and logs exactly one line
// of counts. Neither the webhook URL nor any payload is ever logged.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "iam_audit/handler.h"
#include "runtime_api.h"

namespace {

using iam_audit::Handler;
using iam_audit::lambda::Invocation;
using iam_audit::lambda::RuntimeApi;

// Lambda captures stdout and stderr alike; log lines go to stderr, unbuffered.
void Log(const std::string& line) {
  std::fputs(line.c_str(), stderr);
  std::fputc('\n', stderr);
}

// Keep a log field on one line.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (text.size() > 500) text = text.substr(0, 500) + "…";
  return text;
}

int InitFailure(RuntimeApi& api, const std::string& type, const std::string& message) {
  Log("iam-audit: init error " + type + ": " + OneLine(message));
  iam_audit::Status s = api.ReportInitError(type, message);
  if (!s.ok()) Log("iam-audit: could not report the init error: " + s.message());
  return 1;
}

struct Outcome {
  std::string type;     // empty: success
  std::string message;  // error message
  std::string body;     // response body on success
  std::string counts;   // for the log line
};

Outcome RunOne(Handler& handler, const Invocation& inv) {
  Outcome out;
  try {
    iam_audit::InvocationResult result = handler.Handle(inv.payload, inv.deadline_ms);
    const auto& s = result.summary;
    out.counts = "received=" + std::to_string(s.received) +
                 " matched=" + std::to_string(s.matched) +
                 " ignored=" + std::to_string(s.IgnoredTotal()) +
                 " delivered=" + std::to_string(s.delivered) +
                 " duplicates=" + std::to_string(s.duplicates) +
                 " failed=" + std::to_string(s.failed) + " control=" + std::to_string(s.control);
    out.counts += " input=" + s.input;
    if (s.input != "cloudwatch-logs") {
      out.counts += " objects=" + std::to_string(s.objects) +
                    " object_failures=" + std::to_string(s.object_failures);
    }
    if (result.batch_response) {
      // SQS: the body names the failed messages; the log line says why.
      out.counts += " batch_item_failures=" + std::to_string(result.batch_item_failures.size());
      for (const std::string& note : result.notes) out.counts += " [" + OneLine(note) + "]";
    }
    if (result.status.ok()) {
      out.body = result.ResponseBody();
    } else {
      out.type = result.error_type.empty() ? "Function.Error" : result.error_type;
      out.message = result.status.message() + "; summary " + s.ToJson();
    }
  } catch (const std::exception& e) {
    out.type = "Runtime.Unhandled";
    out.message = std::string("unhandled exception: ") + e.what();
  } catch (...) {
    out.type = "Runtime.Unhandled";
    out.message = "unhandled exception of unknown type";
  }
  return out;
}

}  // namespace

int main() {
  const char* endpoint = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (endpoint == nullptr || *endpoint == '\0') {
    Log("iam-audit: AWS_LAMBDA_RUNTIME_API is not set: run under AWS Lambda or `iam-audit "
        "emulate`");
    return 2;
  }
  RuntimeApi api(endpoint);

  std::unique_ptr<Handler> handler;
  try {
    auto config = iam_audit::LoadHandlerConfig(iam_audit::ProcessEnvironment());
    if (!config.ok()) return InitFailure(api, "Runtime.ConfigInvalid", config.status().message());
    auto made = Handler::Create(*config);
    if (!made.ok()) return InitFailure(api, "Runtime.ConfigInvalid", made.status().message());
    handler = std::move(made).value();
    Log("iam-audit: ready " + iam_audit::DescribeConfig(*config));
  } catch (const std::exception& e) {
    return InitFailure(api, "Runtime.InitFailed", std::string("unhandled exception: ") + e.what());
  }

  int next_failures = 0;
  for (;;) {
    auto next = api.Next();
    if (!next.ok()) {
      Log("iam-audit: " + next.status().message());
      if (++next_failures >= 3) {
        Log("iam-audit: giving up after 3 failed /next calls");
        return 1;
      }
      continue;
    }
    next_failures = 0;
    const Invocation& inv = *next;
    if (!inv.trace_id.empty()) ::setenv("_X_AMZN_TRACE_ID", inv.trace_id.c_str(), 1);
    auto start = std::chrono::steady_clock::now();
    Outcome out = RunOne(*handler, inv);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    std::string line = "iam-audit: request_id=" + inv.request_id +
                       " status=" + (out.type.empty() ? "ok" : "error") +
                       (out.counts.empty() ? "" : " " + out.counts) + " ms=" + std::to_string(ms);
    if (!out.type.empty())
      line += " error_type=" + out.type + " error=\"" + OneLine(out.message) + "\"";
    // Logged before the answer is posted: once Lambda has the answer it may
    // freeze the process (and the emulator closes the invocation's log).
    Log(line);
    iam_audit::Status posted = out.type.empty()
                                   ? api.Respond(inv.request_id, out.body)
                                   : api.ReportError(inv.request_id, out.type, out.message);
    if (!posted.ok()) {
      // The Runtime API refused our answer: the container is being torn down
      // or the request expired. Exit; Lambda starts a fresh process.
      Log("iam-audit: " + posted.message() + "; exiting");
      return 1;
    }
  }
}
