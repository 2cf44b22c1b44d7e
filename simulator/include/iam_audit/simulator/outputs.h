// Where simulated payloads go: a folder of Lambda event files with a
// manifest, a stream (one Lambda event per line), a Lambda invoke endpoint
// (RIE-compatible), or the engine itself in-process (printing the Slack
// messages it would post). Each is a simulator::Sink; a run may use several.
// Sinks are used from one thread.
#ifndef IAM_AUDIT_SIMULATOR_OUTPUTS_H_
#define IAM_AUDIT_SIMULATOR_OUTPUTS_H_

#include <iosfwd>
#include <memory>
#include <string>

#include "iam_audit/rules.h"
#include "iam_audit/simulator/simulator.h"
#include "iam_audit/slack_message.h"
#include "iam_audit/status.h"

namespace iam_audit::simulator {

// Writes DIR/payload-NNNNNN.json (the Lambda event, one line) for every
// payload and DIR/manifest.jsonl: one line per payload, one per record (its
// outcome, source position, payload and log event id, or why it was not
// delivered), and a final summary line (docs/simulate.md). Creates DIR.
// Errors: DIR already holds payload-*.json or manifest.jsonl and `overwrite`
// is false; DIR cannot be created. With `overwrite`, only those files are
// removed first.
StatusOr<std::unique_ptr<Sink>> MakeOutDirSink(const std::string& dir, bool overwrite);

// Writes each Lambda event as one line to `out`.
std::unique_ptr<Sink> MakeStreamSink(std::ostream& out);

// POSTs each Lambda event to `url` (http://host:port[/path]; the path
// defaults to RIE's /2015-03-31/functions/function/invocations) and writes
// "<payload> <status> <response body>" to `out`. A transport error, a non-2xx
// status or an X-Amz-Function-Error header is a failed delivery (OnPayload
// returns its Status; the run continues). Errors: a URL that is not http://.
StatusOr<std::unique_ptr<Sink>> MakeInvokeSink(const std::string& url, int timeout_seconds,
                                               std::ostream& out);

// Runs the engine in-process: decodes each Lambda event with
// DecodeSubscriptionEvent and writes the Slack message of every log event
// (RenderMessage) as one JSON line to `out`; a CONTROL_MESSAGE is
// acknowledged on `log` without a message.
std::unique_ptr<Sink> MakeHandleSink(const RenderOptions& options, std::ostream& out,
                                     std::ostream& log,
                                     std::shared_ptr<const RuleSet> rules = nullptr);

}  // namespace iam_audit::simulator

#endif  // IAM_AUDIT_SIMULATOR_OUTPUTS_H_
