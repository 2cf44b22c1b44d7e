#!/usr/bin/python3
"""`iam-audit emulate` as a drop-in for AWS's Runtime Interface Emulator (RIE),
driven by the clients people point at it: curl exactly as RIE's README shows
it, the aws CLI v2 (/usr/bin/aws) and boto3, both with --endpoint-url.

Usage: emulate_clients_test.py IAM_AUDIT_CLI FUNCTION_ZIP CASE

Each CASE starts its own emulator. Most run a small bash bootstrap, zipped
here the way function.zip is laid out (`bootstrap` at the root), whose
behaviour is picked by its MODE variable and which records what it saw under
OUT; the case `real-zip` runs the real function.zip. A missing client (curl,
/usr/bin/aws, boto3 under /usr/bin/python3, unzip) fails the test: it is never
skipped. Expected values (Lambda's error codes, messages and limits) are
written out here from Lambda's documentation and observed answers, not taken
from the emulator.
"""
import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile

AWS = "/usr/bin/aws"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"

# Lambda's limits: a synchronous payload of at most 6 MB (6291456 bytes), an
# asynchronous one of at most 1 MB (1048576 bytes, the simulator's default).
SYNC_LIMIT = 6291456
ASYNC_LIMIT = 1048576

BOOTSTRAP = r"""#!/bin/bash
# A Runtime API client in bash and curl. MODE picks what it does with each
# event; OUT is where it records the headers and bodies it received.
set -u
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
n=0
while :; do
  n=$((n + 1))
  curl -sS -D "$OUT/next-$n.headers" -o "$OUT/next-$n.event" "$api/invocation/next" || exit 1
  id=$(sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\([^[:space:]]*\).*/\1/p' "$OUT/next-$n.headers")
  echo "$id" >> "$OUT/ids"
  case "$MODE" in
    log)
      for i in $(seq 1 200); do printf 'log line %04d of invocation %s\n' "$i" "$id"; done
      ;;
    fail-once)
      if [ "$n" = 1 ]; then
        curl -sS -o /dev/null -H 'Lambda-Runtime-Function-Error-Type: Function.FirstTry' \
          -d '{"errorMessage":"the first attempt fails","errorType":"Function.FirstTry"}' \
          "$api/invocation/$id/error"
        continue
      fi
      ;;
    crash)
      exit 3
      ;;
    spawn-hang|spawn-crash)
      sleep 600 </dev/null >/dev/null 2>&1 &
      echo $! > "$OUT/child.pid"
      if [ "$MODE" = spawn-crash ]; then exit 3; fi
      sleep 600 </dev/null >/dev/null 2>&1  # until the emulator's timeout
      ;;
  esac
  # The event back as the response, posted the way `curl -d` posts it:
  # Content-Type application/x-www-form-urlencoded.
  curl -sS -o "$OUT/post-$n.body" -w '%{http_code}' -d @"$OUT/next-$n.event" \
    "$api/invocation/$id/response" > "$OUT/post-$n.status"
done
"""


class Failures:
    def __init__(self):
        self.count = 0
        self.failed = []

    def check(self, cond, what, detail=""):
        self.count += 1
        if not cond:
            self.failed.append(what)
            print(f"FAIL: {what}" + (f"\n      {detail}" if detail else ""), flush=True)
        return cond

    def equal(self, got, want, what):
        return self.check(got == want, what, f"got {shorten(got)!r}, want {shorten(want)!r}")


def shorten(value, limit=400):
    text = value if isinstance(value, (str, bytes)) else repr(value)
    return text if len(text) <= limit else text[:limit] + (b"..." if isinstance(text, bytes) else "...")


def require_clients():
    """Exits 1 (a failure, not a skip) naming the first client that is missing."""
    missing = [name for name in ("curl", "unzip") if shutil.which(name) is None]
    if not os.access(AWS, os.X_OK):
        missing.append(f"{AWS} (Debian package awscli)")
    try:
        import boto3  # noqa: F401
        import botocore  # noqa: F401
    except ImportError as e:
        missing.append(f"boto3 for {sys.executable} (Debian package python3-boto3): {e}")
    if missing:
        print("missing client(s): " + "; ".join(missing) + " (scripts/setup.sh installs them)", flush=True)
        sys.exit(1)


class Emulator:
    """`iam-audit emulate --function FUNCTION`, stopped by close()."""

    def __init__(self, work, cli, function, env=None, extra=()):
        self.work = work
        argv = [cli, "emulate", "--function", function, "--port", "0", *extra]
        for key, value in (env or {}).items():
            argv += ["--env", f"{key}={value}"]
        self.err_path = os.path.join(work, "emulate.err")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.err)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            self.close()
            raise RuntimeError(f"emulate printed no URL ({line!r}); stderr:\n{self.logs()}")
        self.url = line

    def logs(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def get_json(self, path):
        status, _, body = curl(["-XGET", self.url + path])
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body!r}")
        return json.loads(body)

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def curl(args, max_time=60):
    """Runs curl; returns (status, headers with lower-case names, body). A curl
    failure (no answer within max_time, connection refused) raises."""
    fd, head = tempfile.mkstemp()
    os.close(fd)
    try:
        r = subprocess.run(["curl", "-sS", "--max-time", str(max_time), "-D", head, "-o", "-", *args],
                           capture_output=True)
        if r.returncode != 0:
            raise RuntimeError(f"curl {' '.join(args)}: exit {r.returncode} ({r.stderr.decode().strip()})")
        with open(head, "rb") as f:
            raw = f.read().decode(errors="replace")
    finally:
        os.unlink(head)
    blocks = [b for b in raw.split("\r\n\r\n") if b.strip()]
    lines = blocks[-1].split("\r\n")  # after any "100 Continue"
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, r.stdout


def aws_env(work):
    """Dummy credentials and no configuration of this machine's user."""
    config = os.path.join(work, "aws-config")
    open(config, "w").close()
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard", "AWS_PAGER": "", "AWS_CONFIG_FILE": config,
        "AWS_SHARED_CREDENTIALS_FILE": config, "HOME": work,
    })
    env.pop("AWS_PROFILE", None)
    return env


def aws_invoke(work, url, *args, outfile=None):
    """/usr/bin/aws lambda invoke ...; returns (exit code, stdout, stderr, what it wrote to outfile)."""
    outfile = outfile or os.path.join(work, "aws-out.json")
    if os.path.exists(outfile):
        os.unlink(outfile)
    r = subprocess.run([AWS, "lambda", "invoke", "--endpoint-url", url, "--function-name", "function",
                        "--cli-connect-timeout", "5", "--cli-read-timeout", "120", *args, outfile],
                       env=aws_env(work), capture_output=True, timeout=180)
    written = open(outfile, "rb").read() if os.path.exists(outfile) else None
    return r.returncode, r.stdout.decode(), r.stderr.decode(), written


def boto3_client(url):
    import boto3
    from botocore.config import Config
    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x",
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                                      read_timeout=120))


def boto3_error(call):
    """Runs call(); returns (Error.Code, Error.Message, HTTP status) of the ClientError it raises."""
    from botocore.exceptions import ClientError
    try:
        call()
    except ClientError as e:
        return (e.response["Error"].get("Code"), e.response["Error"].get("Message"),
                e.response["ResponseMetadata"].get("HTTPStatusCode"))
    return (None, None, None)


def make_zip(work):
    path = os.path.join(work, "function.zip")
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o100755 << 16  # a regular file, executable
        z.writestr(info, BOOTSTRAP)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


def recorded_ids(out):
    path = os.path.join(out, "ids")
    return read(path).decode().split() if os.path.exists(path) else []


def next_headers(out, n):
    """The headers of the n-th /next answer the bootstrap received (lower-case names)."""
    headers = {}
    for line in read(os.path.join(out, f"next-{n}.headers")).decode().split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return headers


def json_of_size(size):
    """A JSON document of exactly `size` bytes, without a newline (curl -d strips them)."""
    doc = '{"p":"' + "x" * (size - 8) + '"}'
    assert len(doc) == size
    return doc


# --- the cases --------------------------------------------------------------

def case_clients(t, work, cli, _zip, out):
    """Sync, Event and DryRun through the aws CLI, boto3, and curl as RIE's README has it."""
    emu = Emulator(work, cli, make_zip(work), {"MODE": "echo", "OUT": out})
    try:
        payload = '{"hello":"world"}'
        with open(os.path.join(work, "p.json"), "w") as f:
            f.write(payload)
        rc, stdout, stderr, written = aws_invoke(work, emu.url, "--payload", "fileb://" + os.path.join(work, "p.json"))
        t.check(rc == 0, "aws lambda invoke succeeded", stderr)
        meta = json.loads(stdout) if rc == 0 else {}
        t.equal(meta.get("StatusCode"), 200, "aws sync: StatusCode")
        t.equal(meta.get("ExecutedVersion"), "$LATEST", "aws sync: ExecutedVersion")
        t.equal(written, payload.encode(), "aws sync: the function's response in the outfile")
        rc, stdout, stderr, _ = aws_invoke(work, emu.url, "--invocation-type", "Event", "--payload",
                                           "fileb://" + os.path.join(work, "p.json"))
        t.check(rc == 0, "aws Event succeeded", stderr)
        t.equal(json.loads(stdout).get("StatusCode") if rc == 0 else None, 202, "aws Event: StatusCode")
        rc, stdout, stderr, _ = aws_invoke(work, emu.url, "--invocation-type", "DryRun", "--payload",
                                           "fileb://" + os.path.join(work, "p.json"))
        t.check(rc == 0, "aws DryRun succeeded", stderr)
        t.equal(json.loads(stdout).get("StatusCode") if rc == 0 else None, 204, "aws DryRun: StatusCode")

        client = boto3_client(emu.url)
        r = client.invoke(FunctionName="function", Payload=payload.encode())
        t.equal(r["StatusCode"], 200, "boto3 sync: StatusCode")
        t.equal(r["Payload"].read(), payload.encode(), "boto3 sync: payload")
        t.check("FunctionError" not in r, "boto3 sync: no FunctionError")
        r = client.invoke(FunctionName="function", InvocationType="Event", Payload=payload.encode())
        t.equal(r["StatusCode"], 202, "boto3 Event: StatusCode")
        r = client.invoke(FunctionName="function", InvocationType="DryRun", Payload=payload.encode())
        t.equal(r["StatusCode"], 204, "boto3 DryRun: StatusCode")

        # RIE's README: curl -XPOST "http://localhost:9000/2015-03-31/functions/function/invocations" -d '{}'
        status, _, body = curl(["-XPOST", emu.url + INVOKE_PATH, "-d", "{}"])
        t.equal((status, body), (200, b"{}"), "curl as in RIE's README")
        t.check(emu.get_json("/api/idle?timeout_ms=30000")["idle"], "emulator idle after the Event invocations")
    finally:
        emu.close()


def case_raw_bodies(t, work, cli, _zip, out):
    """Bodies over 8 KB whatever their Content-Type, on the Invoke API and the Runtime API."""
    emu = Emulator(work, cli, make_zip(work), {"MODE": "echo", "OUT": out})
    try:
        payload = json_of_size(20000)
        path = os.path.join(work, "payload.json")
        with open(path, "w") as f:
            f.write(payload)
        # Exactly RIE's documented usage: curl sends application/x-www-form-urlencoded.
        status, headers, body = curl(["-XPOST", emu.url + INVOKE_PATH, "-d", "@" + path])
        t.equal(status, 200, "curl -d @payload.json (20000 bytes, form-urlencoded): status")
        t.equal(body, payload.encode(), "curl -d @payload.json: the event came back whole")
        for content_type in ("multipart/form-data; boundary=zz", "text/plain", "application/octet-stream"):
            status, _, body = curl(["-XPOST", emu.url + INVOKE_PATH, "-H", "Content-Type: " + content_type,
                                    "--data-binary", "@" + path])
            t.equal((status, body == payload.encode()), (200, True), f"Content-Type {content_type}: raw body")
        # The bootstrap posted each response (20000 bytes) with `curl -d`, and
        # records curl's status once it has the answer; it asks for a 5th
        # event only after that, so the 5th invocation marks the 4th recorded.
        curl(["-XPOST", emu.url + INVOKE_PATH, "-d", "{}"])
        statuses = [read(os.path.join(out, f"post-{n}.status")).decode() for n in range(1, 5)
                    if os.path.exists(os.path.join(out, f"post-{n}.status"))]
        t.equal(statuses, ["202"] * 4, "Runtime API: responses over 8 KB posted form-urlencoded are accepted")
    finally:
        emu.close()


def case_empty_post(t, work, cli, _zip, out):
    """A POST without Content-Length or chunked encoding has an empty body: answered at once."""
    emu = Emulator(work, cli, make_zip(work), {"MODE": "echo", "OUT": out})
    try:
        def prompt(args, what):
            try:
                return curl(args, max_time=10)
            except RuntimeError as e:
                t.check(False, what + ": answered within 10 s", str(e))
                return None, None, None

        status, _, body = prompt(["-XPOST", emu.url + INVOKE_PATH], "sync invoke without a body")
        t.equal((status, body), (200, b""), "sync invoke without a body: 200, the (empty) response")
        status, _, _ = prompt(["-XPOST", "-H", "X-Amz-Invocation-Type: Event", emu.url + INVOKE_PATH],
                              "Event invoke without a body")
        t.equal(status, 202, "Event invoke without a body: 202")
        status, _, body = prompt(["-XPOST", emu.url + "/2018-06-01/runtime/invocation/no-such-id/response"],
                                 "Runtime API response without a body")
        t.equal(status, 400, "Runtime API response for an unknown id, without a body: 400")
        status, _, _ = prompt(["-XPOST", emu.url + "/no/such/path"], "POST to an unknown path without a body")
        t.equal(status, 404, "POST to an unknown path without a body: 404")
        t.equal(read(os.path.join(out, "next-1.event")), b"", "the function got an empty event")
    finally:
        emu.close()


def check_tail(t, what, log_result, request_id, emulator_log):
    """LogResult: base64 of the last 4 KB of the invocation's log, ending with its REPORT line."""
    try:
        tail = base64.b64decode(log_result, validate=True).decode()
    except Exception as e:  # noqa: BLE001 (any decoding failure is the finding)
        t.check(False, what + ": LogResult is base64", f"{log_result!r}: {e}")
        return
    t.equal(len(tail.encode()), 4096, what + ": the last 4096 bytes of a longer log")
    lines = tail.split("\n")
    if not t.check(len(lines) >= 4, what + ": several lines", repr(tail)):
        return
    t.equal(lines[-1], "", what + ": ends with a whole line")
    t.check(lines[-2].startswith(f"REPORT RequestId: {request_id}\t") and "\tDuration: " in lines[-2],
            what + ": ends with REPORT", lines[-2])
    t.equal(lines[-3], f"END RequestId: {request_id}", what + ": END before REPORT")
    t.equal(lines[-4], f"log line 0200 of invocation {request_id}", what + ": the function's last line")
    t.check(f"log line 0001 of invocation {request_id}" not in tail, what + ": the log's start is cut")
    whole = [line for line in lines[1:-1]]  # the first line may be cut
    t.check(all(line in emulator_log for line in whole), what + ": every line is in the emulator's log")


def case_log_tail(t, work, cli, _zip, out):
    """--log-type Tail: X-Amz-Log-Result, through the aws CLI (--query LogResult) and boto3."""
    emu = Emulator(work, cli, make_zip(work), {"MODE": "log", "OUT": out})
    try:
        with open(os.path.join(work, "p.json"), "w") as f:
            f.write('{"tail":true}')
        rc, stdout, stderr, _ = aws_invoke(work, emu.url, "--log-type", "Tail", "--query", "LogResult", "--output",
                                           "text", "--payload", "fileb://" + os.path.join(work, "p.json"))
        t.check(rc == 0, "aws --log-type Tail succeeded", stderr)
        aws_tail = stdout.strip()
        aws_id = recorded_ids(out)[-1]

        client = boto3_client(emu.url)
        r = client.invoke(FunctionName="function", LogType="Tail", Payload=b"{}")
        boto_tail, boto_id = r.get("LogResult"), r["ResponseMetadata"]["RequestId"]
        r = client.invoke(FunctionName="function", Payload=b"{}")
        t.check("LogResult" not in r, "no LogResult without --log-type Tail")
        status, headers, _ = curl(["-XPOST", emu.url + INVOKE_PATH, "-H", "X-Amz-Invocation-Type: Event",
                                   "-H", "X-Amz-Log-Type: Tail", "-d", "{}"])
        t.check(status == 202 and "x-amz-log-result" not in headers, "an Event invocation has no log tail",
                repr(headers))
        t.check(emu.get_json("/api/idle?timeout_ms=30000")["idle"], "idle")
        logs = emu.logs()
        check_tail(t, "aws CLI", aws_tail, aws_id, logs)
        check_tail(t, "boto3", boto_tail or "", boto_id, logs)
    finally:
        emu.close()


def case_request_id(t, work, cli, _zip, out):
    """One request id per invocation: response header, /next header, START/END/REPORT, error body, retries."""
    emu = Emulator(work, cli, make_zip(work), {"MODE": "echo", "OUT": out})
    try:
        r = boto3_client(emu.url).invoke(FunctionName="function", Payload=b"{}")
        rid = r["ResponseMetadata"]["RequestId"]
        t.check(len(rid) == 36, "sync: X-Amzn-RequestId is a UUID", rid)
        t.equal(recorded_ids(out), [rid], "sync: Lambda-Runtime-Aws-Request-Id == X-Amzn-RequestId")
        emu.close()
        logs = emu.logs()
        for line in (f"START RequestId: {rid} Version: $LATEST\n", f"END RequestId: {rid}\n",
                     f"REPORT RequestId: {rid}\t"):
            t.check(line in logs, "sync: log line " + line.split(" ")[0] + " names the request id", logs[-2000:])
    finally:
        emu.close()

    out2 = os.path.join(work, "crash")
    os.makedirs(out2)
    emu = Emulator(work, cli, make_zip(work), {"MODE": "crash", "OUT": out2})
    try:
        r = boto3_client(emu.url).invoke(FunctionName="function", Payload=b"{}")
        rid = r["ResponseMetadata"]["RequestId"]
        error = json.loads(r["Payload"].read())
        t.equal(r.get("FunctionError"), "Unhandled", "crash: FunctionError")
        t.equal(error.get("errorMessage"), f"RequestId: {rid} Error: Runtime exited with error: exit status 3",
                "crash: the error body names the request id of the response header")
        t.equal(recorded_ids(out2), [rid], "crash: the runtime got the same request id")
        emu.close()
        t.check(f"START RequestId: {rid} " in emu.logs(), "crash: START names the request id")
    finally:
        emu.close()

    out3 = os.path.join(work, "async")
    os.makedirs(out3)
    emu = Emulator(work, cli, make_zip(work), {"MODE": "fail-once", "OUT": out3}, ["--retry-delay-ms", "10"])
    try:
        r = boto3_client(emu.url).invoke(FunctionName="function", InvocationType="Event", Payload=b"{}")
        t.equal(r["StatusCode"], 202, "async: 202")
        rid = r["ResponseMetadata"]["RequestId"]
        t.check(emu.get_json("/api/idle?timeout_ms=30000")["idle"], "async: idle after the retry")
        jobs = emu.get_json("/api/invocations")
        t.equal([j["id"] for j in jobs], [rid], "async: /api/invocations has the 202's id")
        attempts = jobs[0]["attempts"] if jobs else []
        t.equal([a["request_id"] for a in attempts], [rid, rid], "async: both attempts keep the 202's request id")
        t.equal(jobs[0]["state"] if jobs else None, "succeeded", "async: the retry succeeded")
        t.equal(recorded_ids(out3), [rid, rid], "async: the runtime got the 202's id on each attempt")
        emu.close()
        logs = emu.logs()
        t.equal(logs.count(f"START RequestId: {rid} "), 2, "async: two START lines with the 202's id")
        t.equal(logs.count(f"END RequestId: {rid}\n"), 2, "async: two END lines with the 202's id")
    finally:
        emu.close()


def case_limits(t, work, cli, _zip, out):
    """Lambda's payload limits, as boto3, the aws CLI and curl see them."""
    emu = Emulator(work, cli, make_zip(work), {"MODE": "echo", "OUT": out})
    try:
        client = boto3_client(emu.url)
        sync_msg = "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
        code = boto3_error(lambda: client.invoke(FunctionName="function", Payload=json_of_size(SYNC_LIMIT + 1).encode()))
        t.equal(code, ("RequestEntityTooLargeException", sync_msg, 413), "boto3: sync payload over 6291456 bytes")
        r = client.invoke(FunctionName="function", Payload=json_of_size(SYNC_LIMIT).encode())
        t.equal((r["StatusCode"], len(r["Payload"].read())), (200, SYNC_LIMIT), "boto3: 6291456 bytes sync is fine")

        code = boto3_error(lambda: client.invoke(FunctionName="function", InvocationType="Event",
                                                 Payload=json_of_size(ASYNC_LIMIT + 1).encode()))
        t.equal(code, ("RequestEntityTooLargeException",
                       "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)", 413),
                "boto3: Event payload over 1048576 bytes")
        r = client.invoke(FunctionName="function", InvocationType="Event", Payload=json_of_size(ASYNC_LIMIT).encode())
        t.equal(r["StatusCode"], 202, "boto3: 1048576 bytes Event is fine")

        with open(os.path.join(work, "big.json"), "w") as f:
            f.write(json_of_size(SYNC_LIMIT + 1))
        rc, _, stderr, _ = aws_invoke(work, emu.url, "--payload", "fileb://" + os.path.join(work, "big.json"))
        t.check(rc != 0 and "(RequestEntityTooLargeException)" in stderr and sync_msg in stderr,
                "aws CLI: a payload over 6291456 bytes", stderr)
        status, headers, body = curl(["-XPOST", emu.url + INVOKE_PATH, "--data-binary",
                                      "@" + os.path.join(work, "big.json")])
        t.equal((status, headers.get("x-amzn-errortype"), json.loads(body) if status == 413 else body),
                (413, "RequestEntityTooLargeException", {"Type": "User", "message": sync_msg}),
                "curl: a payload over 6291456 bytes")
        t.check(len(headers.get("x-amzn-requestid", "")) == 36, "curl: the error has a request id", repr(headers))

        t.check(emu.get_json("/api/idle?timeout_ms=30000")["idle"], "idle")
        jobs = emu.get_json("/api/invocations")
        t.equal(len(jobs), 2, "only the two payloads within the limits were run")
    finally:
        emu.close()


def case_validation(t, work, cli, _zip, out):
    """Lambda's validation errors: invocation and log type, a body that is not JSON, a bad client context."""
    emu = Emulator(work, cli, make_zip(work), {"MODE": "echo", "OUT": out})
    try:
        client = boto3_client(emu.url)

        code = boto3_error(lambda: client.invoke(FunctionName="function", InvocationType="Bogus", Payload=b"{}"))
        t.equal(code, ("ValidationException",
                       "1 validation error detected: Value 'Bogus' at 'invocationType' failed to satisfy "
                       "constraint: Member must satisfy enum value set: [DryRun, RequestResponse, Event]", 400),
                "boto3: unknown InvocationType")
        code = boto3_error(lambda: client.invoke(FunctionName="function", LogType="Everything", Payload=b"{}"))
        t.equal(code, ("ValidationException",
                       "1 validation error detected: Value 'Everything' at 'logType' failed to satisfy "
                       "constraint: Member must satisfy enum value set: [None, Tail]", 400),
                "boto3: unknown LogType")
        code = boto3_error(lambda: client.invoke(FunctionName="function", Payload=b"not json"))
        t.equal((code[0], code[2]), ("InvalidRequestContentException", 400), "boto3: a body that is not JSON")
        t.check((code[1] or "").startswith("Could not parse request body into json: "),
                "boto3: the message says the body is not JSON", code[1])
        code = boto3_error(lambda: client.invoke(FunctionName="function", ClientContext="not base64!",
                                                 Payload=b"{}"))
        t.equal(code, ("InvalidRequestContentException",
                       "Client context must be a valid Base64-encoded JSON object.", 400),
                "boto3: a client context that is not base64 JSON")

        with open(os.path.join(work, "bad.json"), "w") as f:
            f.write("{not json")
        rc, _, stderr, _ = aws_invoke(work, emu.url, "--payload", "fileb://" + os.path.join(work, "bad.json"))
        t.check(rc != 0 and "(InvalidRequestContentException)" in stderr, "aws CLI: a body that is not JSON",
                stderr)
        status, headers, body = curl(["-XPOST", emu.url + INVOKE_PATH, "-d", "not json"])
        t.equal((status, headers.get("x-amzn-errortype")), (400, "InvalidRequestContentException"),
                "curl: a body that is not JSON")
        t.equal(json.loads(body).get("Type") if status == 400 else body, "User", "curl: the error body's Type")
        t.check(len(headers.get("x-amzn-requestid", "")) == 36, "curl: the error has a request id", repr(headers))
        status, headers, body = curl(["-XPOST", emu.url + INVOKE_PATH, "-H", "X-Amz-Invocation-Type: Sync",
                                      "-d", "{}"])
        t.equal((status, headers.get("x-amzn-errortype")), (400, "ValidationException"),
                "curl: unknown X-Amz-Invocation-Type")
        t.equal(json.loads(body) if status == 400 else body,
                {"message": "1 validation error detected: Value 'Sync' at 'invocationType' failed to satisfy "
                            "constraint: Member must satisfy enum value set: [DryRun, RequestResponse, Event]"},
                "curl: the validation error's body")
        t.check(emu.get_json("/api/idle?timeout_ms=30000")["idle"], "idle")
        t.equal(emu.get_json("/api/invocations"), [], "no invalid request was run")
    finally:
        emu.close()


def case_client_context(t, work, cli, _zip, out):
    """X-Amz-Client-Context (base64 JSON) reaches the function as Lambda-Runtime-Client-Context."""
    emu = Emulator(work, cli, make_zip(work), {"MODE": "echo", "OUT": out})
    try:
        context = '{"custom":{"source":"emulate_clients_test"},"env":{"locale":"en_GB"}}'
        encoded = base64.b64encode(context.encode()).decode()
        with open(os.path.join(work, "p.json"), "w") as f:
            f.write("{}")
        rc, _, stderr, _ = aws_invoke(work, emu.url, "--client-context", encoded, "--payload",
                                      "fileb://" + os.path.join(work, "p.json"))
        t.check(rc == 0, "aws --client-context succeeded", stderr)
        t.equal(next_headers(out, 1).get("lambda-runtime-client-context"), context, "aws CLI: client context")
        client = boto3_client(emu.url)
        client.invoke(FunctionName="function", ClientContext=encoded, Payload=b"{}")
        t.equal(next_headers(out, 2).get("lambda-runtime-client-context"), context, "boto3: client context")
        status, _, _ = curl(["-XPOST", emu.url + INVOKE_PATH, "-H", "X-Amz-Client-Context: " + encoded, "-d", "{}"])
        t.equal(next_headers(out, 3).get("lambda-runtime-client-context"), context, "curl: client context")
        # Lambda passes the client context to synchronous invocations only.
        client.invoke(FunctionName="function", InvocationType="Event", ClientContext=encoded, Payload=b"{}")
        client.invoke(FunctionName="function", Payload=b"{}")
        t.check(emu.get_json("/api/idle?timeout_ms=30000")["idle"], "idle")
        t.check("lambda-runtime-client-context" not in next_headers(out, 4), "Event: no client context")
        t.check("lambda-runtime-client-context" not in next_headers(out, 5), "without one: no client context")
    finally:
        emu.close()


def child_gone(t, what, out):
    """The bootstrap's background child has exited (its pidfd is readable)."""
    path = os.path.join(out, "child.pid")
    if not t.check(os.path.exists(path), what + ": the bootstrap started its child"):
        return
    pid = int(read(path).decode())
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # gone and reaped already
    try:
        readable, _, _ = select.select([fd], [], [], 10)
        if not t.check(bool(readable), what + ": the bootstrap's child is gone", f"pid {pid} still runs"):
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    finally:
        os.close(fd)


def case_process_group(t, work, cli, _zip, out):
    """A timed-out or crashed function's whole process group is killed, children included."""
    emu = Emulator(work, cli, make_zip(work), {"MODE": "spawn-hang", "OUT": out}, ["--timeout", "1"])
    try:
        r = boto3_client(emu.url).invoke(FunctionName="function", Payload=b"{}")
        error = json.loads(r["Payload"].read())
        t.equal(error.get("errorType"), "Sandbox.Timedout", "timeout: errorType")
        child_gone(t, "timeout", out)
    finally:
        emu.close()
    out2 = os.path.join(work, "crash")
    os.makedirs(out2)
    emu = Emulator(work, cli, make_zip(work), {"MODE": "spawn-crash", "OUT": out2})
    try:
        r = boto3_client(emu.url).invoke(FunctionName="function", Payload=b"{}")
        error = json.loads(r["Payload"].read())
        t.equal(error.get("errorType"), "Runtime.ExitError", "crash: errorType")
        child_gone(t, "crash", out2)
    finally:
        emu.close()


def case_real_zip(t, work, cli, function_zip, out):
    """The real function.zip: its init error, with request id and log tail, through boto3 and the aws CLI."""
    if not t.check(os.path.exists(function_zip), "function.zip exists (target lambda-package)", function_zip):
        return
    # No SLACK_WEBHOOK_URL: the bootstrap reports an init error (Runtime.ConfigInvalid).
    emu = Emulator(work, cli, function_zip, {})
    try:
        r = boto3_client(emu.url).invoke(FunctionName="function", LogType="Tail", Payload=b"{}")
        rid = r["ResponseMetadata"]["RequestId"]
        error = json.loads(r["Payload"].read())
        t.equal(r.get("FunctionError"), "Unhandled", "function.zip: FunctionError")
        t.equal(error.get("errorType"), "Runtime.ConfigInvalid", "function.zip: errorType")
        tail = base64.b64decode(r.get("LogResult", "")).decode(errors="replace")
        lines = tail.split("\n")
        t.check(len(lines) >= 3 and lines[-2].startswith(f"REPORT RequestId: {rid}\t"),
                "function.zip: the log tail ends with REPORT for the response's request id", tail)
        t.check(f"END RequestId: {rid}\n" in tail, "function.zip: END in the log tail", tail)
        t.check("SLACK_WEBHOOK_URL" in tail, "function.zip: the bootstrap's own error line in the log tail", tail)
        with open(os.path.join(work, "p.json"), "w") as f:
            f.write("{}")
        rc, stdout, stderr, _ = aws_invoke(work, emu.url, "--log-type", "Tail", "--query", "LogResult", "--output",
                                           "text", "--payload", "fileb://" + os.path.join(work, "p.json"))
        t.check(rc == 0 and "REPORT RequestId: " in base64.b64decode(stdout.strip() or "").decode(errors="replace"),
                "aws CLI on function.zip: LogResult holds the REPORT line", stdout + stderr)
    finally:
        emu.close()


CASES = {
    "clients": case_clients,
    "raw-bodies": case_raw_bodies,
    "empty-post": case_empty_post,
    "log-tail": case_log_tail,
    "request-id": case_request_id,
    "limits": case_limits,
    "validation": case_validation,
    "client-context": case_client_context,
    "process-group": case_process_group,
    "real-zip": case_real_zip,
}


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in CASES:
        print(f"usage: {sys.argv[0]} IAM_AUDIT_CLI FUNCTION_ZIP CASE  (CASE: {', '.join(CASES)})")
        return 2
    cli, function_zip, name = sys.argv[1:]
    require_clients()
    t = Failures()
    work = tempfile.mkdtemp(prefix="emulate-clients-")
    out = os.path.join(work, "out")
    os.makedirs(out)
    try:
        CASES[name](t, work, cli, function_zip, out)
    except Exception as e:  # noqa: BLE001 (an unexpected error fails the case, with its cause)
        import traceback
        traceback.print_exc()
        t.check(False, f"{name}: {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{name}: {t.count - len(t.failed)} of {t.count} checks passed", flush=True)
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
