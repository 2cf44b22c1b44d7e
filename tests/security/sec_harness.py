"""Helpers for the security tests: the secrets, child processes that are
always stopped, HTTP calls with timeouts, subscription payloads, and the
listening sockets of a process (from /proc).

Every wait is bounded; every process started here is killed in `close()`.
"""
import base64
import gzip
import http.client
import json
import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.parse

# Distinctive secrets: random-looking, so that any 8-character piece of one in
# an output is a leak, never a coincidence.
SLACK_SECRET = "SECRETxyz123q7Wk9Lm2Pz4Rt6Vb8Nd0"
WRONG_SECRET = "WRONGxyz987f3Hj5Kl7Qw9Er1Ty3Ui5Op"
TG_BOT_ID = "424242"
TG_SECRET = "AAtgSECRET555Zx8Cv6Bn4Mq2Ws0Ed9Rf"
TG_TOKEN = f"{TG_BOT_ID}:{TG_SECRET}"
UNKNOWN_TG_TOKEN = "777777:AAunknownTG111Gh3Jk5Lz7Xc9Vb1Nm"
CHAT = "-100123"
SECRETS = [SLACK_SECRET, WRONG_SECRET, TG_SECRET, UNKNOWN_TG_TOKEN.split(":", 1)[1]]
WINDOW = 8


def require_files(*paths):
    """Exits 1 naming the first missing input (a build step not run)."""
    for p in paths:
        if not os.path.exists(p):
            print(f"missing {p}: build it first (e.g. the lambda-package target for function.zip)", flush=True)
            sys.exit(1)


def leaks(text):
    """The secrets (or 8-character pieces of them) that `text` contains."""
    found = []
    for secret in SECRETS:
        for i in range(len(secret) - WINDOW + 1):
            if secret[i:i + WINDOW] in text:
                found.append(f"{secret[:4]}…(piece {secret[i:i + WINDOW]!r})")
                break
    return found


class Checks:
    def __init__(self):
        self.failures = []
        self.count = 0

    def check(self, cond, what):
        self.count += 1
        if not cond:
            self.failures.append(what)
            print(f"FAIL: {what}", flush=True)
        return cond

    def no_leak(self, text, where):
        found = leaks(text)
        return self.check(not found, f"{where}: secret leaked: {found}\n---\n{text[:2000]}\n---")

    def finish(self, name):
        print(f"{name}: {self.count} checks, {len(self.failures)} failed", flush=True)
        return 1 if self.failures else 0


def run(argv, env=None, timeout=60, stdin=None):
    """Runs a command to completion; returns (rc, stdout, stderr) as text."""
    p = subprocess.run(argv, env=env, input=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def clean_env(**extra):
    """This process's environment without TLS trust overrides, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR", "IAM_AUDIT_CA_BUNDLE")}
    env.update(extra)
    return env


class Server:
    """A server process whose first stdout line is its base URL (mock-slack,
    `iam-audit emulate`); stderr goes to a file read by `log()`.

    `final_line`: the line the process writes last on an orderly shutdown
    (mock-slack: "mock-slack: stopped", after its request threads are joined).
    `final_log()` reads the log only after the process has exited that way,
    so a line written late (after an answer was sent) cannot be missed."""

    def __init__(self, argv, env=None, wait=20, final_line=None):
        self.final_line = final_line
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL, env=env)
        ready, _, _ = select.select([self.proc.stdout], [], [], wait)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line:
            self.close()
            raise RuntimeError(f"{argv[0]} printed no URL within {wait} s: {self.log()[-2000:]}")
        self.url = line
        u = urllib.parse.urlparse(line)
        self.scheme, self.host, self.port = u.scheme, u.hostname, u.port

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers dict, body text). TLS is not verified: this is the
        test's own view of its own servers, not the engine's."""
        if self.scheme == "https":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            c = http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=ctx)
        else:
            c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                headers = {"Content-Type": "application/json", **(headers or {})}
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
        finally:
            c.close()

    def log(self):
        """The log as written so far (it may still grow while the process runs)."""
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def final_log(self):
        """The complete log: stops the process (SIGTERM), waits for it to
        exit, and reads the file to its end. Raises unless the process shut
        down in order (exit status 0 and, when given, `final_line` last):
        otherwise lines may be missing and a leak among them would go unseen.
        No writer is left after that: `emulate` kills and reaps its runtime
        before it exits, and the bootstrap writes an invocation's lines
        before it answers it."""
        rc = self.stop()
        text = self.log()
        if rc != 0:
            raise RuntimeError(f"{self.proc.args[0]} exited with {rc} after SIGTERM, not 0: its log may be "
                               f"incomplete:\n{text[-2000:]}")
        if self.final_line is not None and text.rstrip("\n").rsplit("\n", 1)[-1] != self.final_line:
            raise RuntimeError(f"{self.proc.args[0]}'s log does not end with {self.final_line!r}: it may be "
                               f"incomplete:\n{text[-2000:]}")
        return text

    def stop(self):
        """SIGTERM, then SIGKILL after 10 s; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode

    def close(self):
        self.stop()
        if self.proc.stdout:
            self.proc.stdout.close()


MOCK_SLACK_FINAL_LINE = "mock-slack: stopped"


class Emulator(Server):
    INVOKE = "/2015-03-31/functions/function/invocations"

    def invoke(self, event, asynchronous=False):
        headers = {"Content-Type": "application/json"}
        if asynchronous:
            headers["X-Amz-Invocation-Type"] = "Event"
        body = event if isinstance(event, str) else json.dumps(event)
        return self.request("POST", self.INVOKE, body, headers)

    def idle(self):
        return self.request("GET", "/api/idle?timeout_ms=60000")

    def invocations(self):
        return self.request("GET", "/api/invocations")

    def final_log(self):
        """The complete log of the emulator and its runtime. First the queue
        is drained (async events and their retries), then one more synchronous
        invocation is sent as a barrier: a CONTROL_MESSAGE, which posts
        nothing. The runtime takes invocations one at a time, so once the
        barrier is answered it has finished all it does for the earlier ones,
        any line it writes after answering them included. Then the emulator is
        stopped and the log read to its end (Server.final_log)."""
        _, _, idle = self.idle()
        if json.loads(idle).get("idle") is not True:
            raise RuntimeError(f"emulate still busy after 60 s: {idle}")
        status, _, body = self.invoke(subscription_event([], message_type="CONTROL_MESSAGE"))
        if status != 200:
            raise RuntimeError(f"the barrier invocation got HTTP {status}: {body[:500]}")
        return super().final_log()


def subscription_event(records, message_type="DATA_MESSAGE"):
    """A CloudWatch Logs subscription event ({"awslogs":{"data":…}}) holding
    `records` (dicts or raw strings) as log events."""
    events = []
    for i, r in enumerate(records):
        events.append({"id": str(36000000000000000000000000000000000000000000000000000000 + i),
                       "timestamp": 1717000000000 + i,
                       "message": r if isinstance(r, str) else json.dumps(r, separators=(",", ":"))})
    batch = {"messageType": message_type, "owner": "123456789012",
             "logGroup": "aws-cloudtrail-logs-123456789012-0a1b2c3d",
             "logStream": "123456789012_CloudTrail_us-east-1",
             "subscriptionFilters": ["iam-audit"], "logEvents": events}
    data = base64.b64encode(gzip.compress(json.dumps(batch).encode(), mtime=0)).decode()
    return {"awslogs": {"data": data}}


def free_port():
    """A loopback port nobody listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _socket_inodes(pid):
    inodes = set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def _decode_addr(hex_addr, v6):
    addr, port = hex_addr.split(":")
    raw = bytes.fromhex(addr)
    if v6:
        # /proc prints the address as four 32-bit words in host (little-endian) order.
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
        return socket.inet_ntop(socket.AF_INET6, raw), int(port, 16)
    return socket.inet_ntop(socket.AF_INET, raw[::-1]), int(port, 16)


def listening_sockets(pid):
    """[(address, port)] of every TCP socket in LISTEN state that process
    `pid` holds, read from /proc/<pid>/fd and /proc/net/tcp{,6}."""
    inodes = _socket_inodes(pid)
    out = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # 0A = TCP_LISTEN
                out.append(_decode_addr(cols[1], v6))
    return out
