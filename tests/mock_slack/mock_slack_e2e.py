#!/usr/bin/env python3
"""End-to-end tests of the real mock-slack binary over HTTP and HTTPS.

Starts build/bin/mock-slack on an ephemeral loopback port, talks to it with
Python's http.client (and curl when installed), and asserts status codes,
bodies, headers, the inspection API, rate limiting, faults, TLS, limits,
timeouts and shutdown. Every network call has a timeout; every server is
killed in a finally block. Usage: mock_slack_e2e.py /path/to/mock-slack
"""
import http.client
import json
import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

BIN = sys.argv[1]
SECRET = "xoxSecretDoNotLog123"
HOOK = f"/services/T0001/B0001/{SECRET}"
FAILURES = []
CHECKS = 0


def check(cond, what):
    global CHECKS
    CHECKS += 1
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}", flush=True)


def check_eq(got, want, what):
    check(got == want, f"{what}: got {got!r}, want {want!r}")


class Server:
    def __init__(self, *args):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([BIN, "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=self.stderr)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        if not ready:
            self.kill()
            raise RuntimeError("mock-slack printed no URL within 10 s")
        self.url = self.proc.stdout.readline().decode().strip()
        parsed = urllib.parse.urlparse(self.url)
        self.https = parsed.scheme == "https"
        self.host, self.port = parsed.hostname, parsed.port
        self.context = None

    def conn(self, timeout=5):
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=self.context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=5):
        c = self.conn(timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                headers = {"Content-Type": "application/json", **(headers or {})}
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read().decode("utf-8", "replace"), r
        finally:
            c.close()

    def post(self, body, path=HOOK, **kw):
        return self.request("POST", path, body, **kw)

    def api(self, method, path, body=None):
        status, text, _ = self.request(method, path, body)
        return status, json.loads(text)

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")


def test_answers(s):
    status, body, r = s.post({"text": "hello"})
    check_eq((status, body), (200, "ok"), "valid post")
    check(r.getheader("Content-Type", "").startswith("text/plain"), "ok is text/plain")
    cases = [
        ("wrong secret", f"/services/T0001/B0001/nope", {"text": "x"}, 403, "invalid_token"),
        ("unknown webhook", "/services/T9999/B9999/x", {"text": "x"}, 404, "no_service"),
        ("short path", "/services/T0001", {"text": "x"}, 404, "no_service"),
        ("archived", "/services/T0001/B0003/arch", {"text": "x"}, 410, "channel_is_archived"),
        ("standing error", "/services/T0001/B0004/gen", {"text": "x"}, 403,
         "posting_to_general_channel_denied"),
        ("broken json", HOOK, '{"text": ', 400, "invalid_payload"),
        ("no text", HOOK, {"username": "x"}, 400, "no_text"),
        ("header too long", HOOK,
         {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]},
         400, "invalid_blocks"),
        ("section too long", HOOK,
         {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}]},
         400, "invalid_blocks"),
        ("51 blocks", HOOK, {"text": "t", "blocks": [{"type": "divider"}] * 51}, 400,
         "invalid_blocks"),
        ("unknown key in block", HOOK, {"blocks": [{"type": "divider", "x": 1}]}, 400,
         "invalid_blocks"),
        ("double-encoded blocks", HOOK, {"blocks": json.dumps([{"type": "divider"}])}, 400,
         "invalid_blocks_format"),
        ("101 attachments", HOOK, {"attachments": [{"text": "a"}] * 101}, 400,
         "too_many_attachments"),
    ]
    for name, path, payload, want_status, want_body in cases:
        if isinstance(payload, str):
            status, body, _ = s.post(payload, path=path,
                                     headers={"Content-Type": "application/json"})
        else:
            status, body, _ = s.post(payload, path=path)
        check_eq((status, body), (want_status, want_body), name)
    status, body, _ = s.request("GET", HOOK)
    check_eq((status, body), (400, "invalid_payload"), "GET on a webhook")
    form = urllib.parse.urlencode({"payload": json.dumps({"text": "from a form &lt;x&gt;"})})
    status, body, _ = s.post(form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    check_eq((status, body), (200, "ok"), "form payload=")
    status, body, _ = s.post(json.dumps({"text": "t", "channel": "#other", "icon_emoji": ":x:"}),
                             headers={"Content-Type": "application/json"})
    check_eq((status, body), (200, "ok"), "unknown top-level keys ignored")


def multipart(parts, boundary="XyZb0und4ry"):
    """A multipart/form-data body as browsers and curl write it (RFC 7578)."""
    out = b""
    for disposition, content in parts:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n"
                .encode() + content.encode() + b"\r\n")
    return out + f"--{boundary}--\r\n".encode()


def test_multipart(s):
    """Slack reads the payload field of a multipart form post; no body gets a 5xx."""
    good = json.dumps({"text": "from multipart"})
    ct = "multipart/form-data; boundary=XyZb0und4ry"
    cases = [
        ("multipart: payload field", ct, multipart([('name="payload"', good)]), 200, "ok"),
        ("multipart: payload field and a file part", ct,
         multipart([('name="payload"', good),
                    ('name="file"; filename="a.txt"\r\nContent-Type: text/plain', "file text")]),
         200, "ok"),
        ("multipart: no payload field", ct, multipart([('name="text"', "hello")]), 400,
         "invalid_payload"),
        ("multipart: only a file part", ct,
         multipart([('name="file"; filename="a.json"\r\nContent-Type: application/json', good)]),
         400, "invalid_payload"),
        ("multipart: payload sent as a file part", ct,
         multipart([('name="payload"; filename="p.json"', good)]), 400, "invalid_payload"),
        ("multipart: payload field with broken JSON", ct,
         multipart([('name="payload"', '{"text": ')]), 400, "invalid_payload"),
        ("multipart: payload field with no text", ct,
         multipart([('name="payload"', '{"username": "x"}')]), 400, "no_text"),
        ("multipart: payload field with bad blocks", ct,
         multipart([('name="payload"', '{"blocks": [{"type": "divider", "x": 1}]}')]), 400,
         "invalid_blocks"),
        ("multipart: boundary parameter missing", "multipart/form-data",
         multipart([('name="payload"', good)]), 400, "invalid_payload"),
        ("multipart: body uses another boundary", ct,
         multipart([('name="payload"', good)], boundary="other"), 400, "invalid_payload"),
        ("multipart: closing boundary missing", ct,
         multipart([('name="payload"', good)])[:-len(b"--XyZb0und4ry--\r\n")], 400,
         "invalid_payload"),
        ("multipart: part without headers", ct, b"--XyZb0und4ry\r\n\r\nx\r\n--XyZb0und4ry--\r\n",
         400, "invalid_payload"),
        ("multipart: empty body", ct, b"", 400, "invalid_payload"),
        ("multipart: garbage", ct, b"\x00\xff--XyZb0und4ry\r\n\r\n\r\n--", 400,
         "invalid_payload"),
        ("multipart: 100 kB part header", ct,
         b'--XyZb0und4ry\r\nContent-Disposition: form-data; name="' + b"p" * 100000 +
         b'"\r\n\r\nx\r\n--XyZb0und4ry--\r\n', 400, "invalid_payload"),
    ]
    for name, content_type, body, want_status, want_body in cases:
        status, text, _ = s.post(body, headers={"Content-Type": content_type})
        check_eq((status, text), (want_status, want_body), name)
    status, j = s.api("GET", "/api/messages")
    check_eq([m["text"] for m in j["messages"] if m["content_type"] == ct],
             ["from multipart", "from multipart"], "multipart posts stored with their text")
    check("internal exception" not in s.log(), "no multipart post reached the 500 handler")


def test_inspection(s):
    status, j = s.api("DELETE", "/api/messages")
    check_eq(status, 200, "DELETE /api/messages")
    status, j = s.api("GET", "/api/messages")
    base = j["last_seq"]
    check_eq(j["messages"], [], "messages empty after DELETE")
    s.post({"text": "*first*"})
    s.post({"text": "second"}, path="/services/T0001/B0002/two")
    s.post({"text": "third"})
    status, j = s.api("GET", f"/api/messages?since={base + 1}&webhook=T0001/B0001")
    check_eq(status, 200, "GET /api/messages")
    check_eq([m["text"] for m in j["messages"]], ["third"], "since + webhook filter")
    check_eq(j["messages"][0]["seq"], base + 3, "sequence numbers")
    check_eq(j["messages"][0]["channel"], "alerts", "channel name")
    status, j = s.api("GET", f"/api/messages?since={base}")
    check_eq([m["payload"]["text"] for m in j["messages"]], ["*first*", "second", "third"],
             "payloads in order")
    status, j = s.api("GET", "/api/messages?since=abc")
    check_eq(status, 400, "bad since")
    status, j = s.api("GET", "/api/stats")
    check_eq(status, 200, "GET /api/stats")
    check(j["accepted"] >= 5, f"stats accepted counts posts: {j['accepted']}")
    check(j["rejected"].get("invalid_blocks", 0) >= 4, "stats rejected by reason")
    check_eq(j["webhooks"]["T0001/B0003"]["rejected"], {"channel_is_archived": 1},
             "per-webhook stats")
    status, j = s.api("GET", "/healthz")
    check_eq((status, j), (200, {"ok": True}), "healthz")
    status, j = s.api("GET", "/api/nope")
    check_eq(status, 404, "unknown API path")


def test_faults(s):
    status, j = s.api("POST", "/api/faults", [
        {"webhook": "T0001/B0002", "kind": "error", "status": 500, "body": "rollup_error"},
        {"webhook": "T0001/B0002", "kind": "rate_limit", "retry_after": 9},
        {"webhook": "T0001/B0002", "kind": "drop"},
        {"webhook": "T0001/B0002", "kind": "delay", "ms": 400},
        {"webhook": "T0001/B0002", "kind": "hang", "ms": 20000},
    ])
    check_eq(status, 200, "POST /api/faults")
    check_eq(len(j["faults"]), 5, "faults armed")
    two = "/services/T0001/B0002/two"
    status, body, _ = s.post({"text": "x"}, path=two)
    check_eq((status, body), (500, "rollup_error"), "fault: 5xx")
    status, body, r = s.post({"text": "x"}, path=two)
    check_eq(status, 429, "fault: 429")
    check_eq(r.getheader("Retry-After"), "9", "fault: Retry-After")
    check_eq(json.loads(body), {"retry_after": 9, "ok": False, "error": "rate_limited"},
             "fault: 429 body")
    try:
        s.post({"text": "x"}, path=two)
        check(False, "fault: drop should give no answer")
    except (ConnectionError, http.client.RemoteDisconnected, ssl.SSLError) as e:
        check(True, f"drop: {e!r}")
    start = time.monotonic()
    status, body, _ = s.post({"text": "delayed"}, path=two)
    elapsed = time.monotonic() - start
    check_eq((status, body), (200, "ok"), "fault: delay still answers ok")
    check(elapsed >= 0.35, f"fault: delay waited ({elapsed:.3f} s)")
    try:
        s.post({"text": "x"}, path=two, timeout=1)
        check(False, "fault: hang should time the client out")
    except (socket.timeout, TimeoutError):
        check(True, "hang")
    status, body, _ = s.post({"text": "after faults"}, path=two)
    check_eq((status, body), (200, "ok"), "faults used up")
    status, j = s.api("GET", "/api/stats")
    check_eq(j["webhooks"]["T0001/B0002"]["faults_served"],
             {"error": 1, "rate_limit": 1, "drop": 1, "delay": 1, "hang": 1}, "faults served")
    status, j = s.api("POST", "/api/faults", {"webhook": "T0001/B0002", "kind": "nope"})
    check_eq((status, j["error"]), (400, "fault: unknown kind 'nope'"), "bad fault")
    s.api("POST", "/api/faults", {"webhook": "*", "kind": "error", "probability": 1, "seed": 3})
    status, body, _ = s.post({"text": "x"})
    check_eq((status, body), (500, "rollup_error"), "probability fault")
    status, j = s.api("DELETE", "/api/faults")
    check_eq(status, 200, "DELETE /api/faults")
    status, body, _ = s.post({"text": "x"})
    check_eq((status, body), (200, "ok"), "faults cleared")


def test_rate_limit():
    s = Server("--webhook", f"T0001/B0001/{SECRET}", "--rate", "0.5", "--burst", "2", "--quiet")
    try:
        got = [s.post({"text": str(i)})[0] for i in range(3)]
        check_eq(got, [200, 200, 429], "burst of 2 then 429")
        status, body, r = s.post({"text": "again"})
        check_eq(status, 429, "still limited")
        check_eq(r.getheader("Retry-After"), "2", "Retry-After at 0.5/s")
        check_eq(json.loads(body)["error"], "rate_limited", "429 body")
        status, j = s.api("GET", "/api/stats")
        check_eq(j["rate_limited"], 2, "stats rate_limited")
        check_eq(j["accepted"], 2, "stats accepted under limit")
    finally:
        check_eq(s.stop(), 0, "rate-limit server exit code")
    s = Server("--webhook", f"T0001/B0001/{SECRET}", "--no-rate-limit", "--quiet",
               "--legacy-rate-limit-body", "--fault", "T0001/B0001:rate_limit,retry_after=3")
    try:
        status, body, r = s.post({"text": "x"})
        check_eq((status, r.getheader("Retry-After")), (429, "3"), "start-up fault")
        check("count_minute_ago" in json.loads(body), "legacy 429 body")
        got = [s.post({"text": str(i)})[0] for i in range(20)]
        check_eq(got, [200] * 20, "--no-rate-limit")
    finally:
        check_eq(s.stop(signal.SIGINT), 0, "SIGINT exit code")


def test_limits_and_timeouts():
    s = Server("--webhook", f"T0001/B0001/{SECRET}", "--max-body", "1000", "--read-timeout", "1",
               "--no-rate-limit")
    try:
        status, body, r = s.post({"text": "x" * 2000})
        check_eq((status, body, r.getheader("Connection")), (413, "request_too_large", "close"),
                 "body over --max-body")
        status, body, _ = s.post({"text": "x" * 900})
        check_eq((status, body), (200, "ok"), "body under --max-body")
        # The same answers for a multipart body, and each counted by its reason.
        status, body, r = s.post(multipart([('name="payload"', json.dumps({"text": "x" * 2000}))]),
                                 headers={"Content-Type": "multipart/form-data; boundary=XyZb0und4ry"})
        check_eq((status, body, r.getheader("Connection")), (413, "request_too_large", "close"),
                 "multipart body over --max-body")
        status, body, r = s.post(b"junk", headers={"Content-Type": "multipart/form-data"})
        check_eq((status, body, r.getheader("Connection")), (400, "invalid_payload", "close"),
                 "multipart body without a boundary")
        status, j = s.api("GET", "/api/stats")
        check_eq(j["transport_rejected"], {"request_too_large": 2, "multipart_unreadable": 1},
                 "transport rejects by reason")
        # A client that stops mid-request is cut off by the read timeout.
        with socket.create_connection((s.host, s.port), timeout=10) as sock:
            sock.sendall(b"POST " + HOOK.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Len")
            start = time.monotonic()
            data = sock.recv(1024)
            check(time.monotonic() - start < 9.5, "slow client is cut off")
            check(not data.startswith(b"HTTP/1.1 200"), f"slow client gets no 200: {data[:40]!r}")
        # Garbage never crashes it.
        for junk in [b"\x00\xff" * 500 + b"\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                     b"POST /services/a/b/c HTTP/1.1\r\nContent-Length: -5\r\n\r\n"]:
            with socket.create_connection((s.host, s.port), timeout=5) as sock:
                sock.sendall(junk)
                try:
                    sock.recv(1024)
                except (ConnectionError, socket.timeout):
                    pass
        status, j = s.api("GET", "/healthz")
        check_eq(status, 200, "alive after garbage")
    finally:
        check_eq(s.stop(), 0, "limits server exit code")
        check(SECRET not in s.log(), "the secret is never logged")
        check("/services/T0001/B0001/***" in s.log(), "log shows the redacted path")


def test_tls():
    with tempfile.TemporaryDirectory() as tmp:
        cert = os.path.join(tmp, "cert.pem")
        s = Server("--tls-self-signed", "--cert-out", cert, "--webhook", f"T0001/B0001/{SECRET}")
        try:
            check(s.url.startswith("https://127.0.0.1:"), f"https URL: {s.url}")
            s.context = ssl.create_default_context(cafile=cert)
            status, body, _ = s.post({"text": "over TLS"})
            check_eq((status, body), (200, "ok"), "self-signed TLS post")
            status, j = s.api("GET", "/api/messages")
            check_eq(j["messages"][-1]["text"], "over TLS", "TLS message stored")
            s.api("POST", "/api/faults", {"webhook": "T0001/B0001", "kind": "drop"})
            try:
                s.post({"text": "x"})
                check(False, "TLS drop should give no answer")
            except (ConnectionError, http.client.RemoteDisconnected, ssl.SSLError) as e:
                check(True, f"TLS drop: {e!r}")
            strict = ssl.create_default_context()
            s.context = strict
            try:
                s.post({"text": "x"})
                check(False, "an untrusted certificate must be refused by the client")
            except ssl.SSLError:
                check(True, "untrusted")
        finally:
            check_eq(s.stop(), 0, "TLS server exit code")
        if shutil.which("openssl"):
            key = os.path.join(tmp, "key.pem")
            crt = os.path.join(tmp, "crt.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt,
                            "-days", "1", "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True, timeout=30)
            s = Server("--tls", "--cert", crt, "--key", key, "--webhook", f"T0001/B0001/{SECRET}")
            try:
                s.context = ssl.create_default_context(cafile=crt)
                status, body, _ = s.post({"text": "x"})
                check_eq((status, body), (200, "ok"), "--tls --cert --key post")
            finally:
                check_eq(s.stop(), 0, "--tls server exit code")


def test_curl(s):
    # scripts/setup.sh installs curl: without it this test fails, never skips.
    if not shutil.which("curl"):
        check(False, "curl is not installed (scripts/setup.sh installs it)")
        return
    # The classic one-liner: no Content-Type, so curl sends a form type.
    out = subprocess.run(["curl", "-sS", "-m", "5", "-w", " %{http_code}", "-d",
                          '{"text":"from curl"}', s.url + HOOK],
                         capture_output=True, text=True, timeout=10)
    check_eq(out.stdout, "ok 200", "curl -d")
    out = subprocess.run(["curl", "-sS", "-m", "5", "-w", " %{http_code}", "-H",
                          "Content-Type: application/json", "--data-binary", '{"text":',
                          s.url + HOOK], capture_output=True, text=True, timeout=10)
    check_eq(out.stdout, "invalid_payload 400", "curl broken JSON")
    # curl -F: multipart/form-data with a payload field, exactly as curl writes it.
    with tempfile.TemporaryDirectory() as tmp:
        payload_file = os.path.join(tmp, "payload.json")
        with open(payload_file, "w") as f:
            f.write('{"text":"curl -F from a file"}')
        for args, want, what in [
                (["-F", 'payload={"text":"curl -F"}'], "ok 200", "curl -F payload="),
                (["-F", f"payload=<{payload_file}"], "ok 200", "curl -F payload=<file"),
                (["-F", 'payload={"text":"curl -F"}', "-F", f"attachment=@{payload_file}"],
                 "ok 200", "curl -F payload= with a file part"),
                (["-F", 'payload={"text":'], "invalid_payload 400", "curl -F broken JSON"),
                (["-F", "text=hello"], "invalid_payload 400", "curl -F without payload"),
                (["-F", f"payload=@{payload_file}"], "invalid_payload 400",
                 "curl -F payload=@file (a file part)"),
                (["-H", "Content-Type: multipart/form-data", "--data-binary", "payload=x"],
                 "invalid_payload 400", "curl multipart type without boundary")]:
            out = subprocess.run(["curl", "-sS", "-m", "5", "-w", " %{http_code}", *args,
                                  s.url + HOOK], capture_output=True, text=True, timeout=10)
            check_eq(out.stdout, want, what)
    status, j = s.api("GET", "/api/messages")
    check_eq([m["text"] for m in j["messages"] if m["content_type"].startswith("multipart/")][-3:],
             ["curl -F", "curl -F from a file", "curl -F"], "curl -F posts stored")


TG_TOKEN = "4242:TgSecretDoNotLog_77"


def test_telegram():
    """Telegram Bot API sendMessage on the same server, with a token that must never leak."""
    s = Server("--webhook", f"T0001/B0001/{SECRET},channel=alerts",
               "--telegram-bot", f"{TG_TOKEN},chat=-100777:sec-chat",
               "--rate", "1", "--burst", "2",
               "--fault", "telegram/4242:error,status=502,body=Bad Gateway")
    send = f"/bot{TG_TOKEN}/sendMessage"
    try:
        status, text, _ = s.post({"chat_id": -100777, "text": "x"}, path=send)
        check_eq(status, 502, "telegram fault from the flag")
        check_eq(json.loads(text)["description"], "Bad Gateway", "fault description")
        status, text, r = s.post({"chat_id": -100777, "text": "<b>Root</b> &amp; co",
                                  "parse_mode": "HTML"}, path=send)
        check_eq(status, 200, "telegram sendMessage JSON")
        check_eq(r.getheader("Content-Type"), "application/json", "telegram content type")
        body = json.loads(text)
        check_eq(body["ok"], True, "ok:true")
        check_eq(body["result"]["text"], "Root & co", "entities parsed")
        form = urllib.parse.urlencode({"chat_id": "-100777", "text": "a &lt; b", "parse_mode": "HTML"})
        status, text, _ = s.request("POST", send, form,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        check_eq((status, json.loads(text)["result"]["text"]), (200, "a < b"), "form body")
        # The bucket (burst 2; the fault took no token) is empty now.
        status, text, _ = s.post({"chat_id": -100777, "text": "x"}, path=send)
        check_eq(status, 429, "telegram rate limit")
        check_eq(json.loads(text)["parameters"]["retry_after"], 1, "retry_after")
        status, text, _ = s.post({"chat_id": 1, "text": "x"}, path=send)
        check_eq((status, json.loads(text)["description"]), (400, "Bad Request: chat not found"),
                 "unknown chat")
        status, text, _ = s.post({"chat_id": -100777, "text": "x"},
                                 path="/bot4242:wrong/sendMessage")
        check_eq((status, json.loads(text)), (401, {"ok": False, "error_code": 401,
                                                     "description": "Unauthorized"}),
                 "unknown token")
        _, msgs = s.api("GET", "/api/messages?webhook=telegram/4242/-100777")
        check_eq([m["text"] for m in msgs["messages"]], ["Root & co", "a < b"], "stored once each")
        status, page, _ = s.request("GET", "/")
        check("#sec-chat" in page and "<b>Root</b> &amp; co" in page, "chat on the page")
        if shutil.which("curl"):
            p = subprocess.run(["curl", "-sS", "--max-time", "5", "-d", "chat_id=-100777",
                                "--data-urlencode", "text=<i>curl</i>", "-d", "parse_mode=HTML",
                                s.url + send], capture_output=True, text=True, timeout=10)
            # Rate limited or accepted, depending on the bucket: both are Bot API JSON.
            check(json.loads(p.stdout)["ok"] in (True, False), f"curl form body: {p.stdout!r}")
    finally:
        check_eq(s.stop(), 0, "telegram server exit code")
    log = s.log()
    check(TG_TOKEN not in log and "TgSecretDoNotLog" not in log, "token never in the log")
    check("/bot4242:***/sendMessage" in log, "redacted path in the log")


def test_telegram_multipart():
    """The Bot API takes multipart/form-data parameters (curl -F); no body gets a 5xx."""
    s = Server("--telegram-bot", f"{TG_TOKEN},chat=-100777:sec-chat", "--no-rate-limit")
    send = f"/bot{TG_TOKEN}/sendMessage"

    def parsed(text):
        try:
            return json.loads(text)
        except ValueError:
            return {"not JSON": text}
    try:
        body = multipart([('name="chat_id"', "-100777"), ('name="text"', "<b>multi</b> & part"),
                          ('name="parse_mode"', "HTML")])
        status, text, _ = s.post(body, path=send,
                                 headers={"Content-Type": "multipart/form-data; boundary=XyZb0und4ry"})
        check_eq((status, parsed(text).get("result", {}).get("text")), (200, "multi & part"),
                 "telegram multipart sendMessage")
        status, text, _ = s.post(multipart([('name="chat_id"', "-100777")]), path=send,
                                 headers={"Content-Type": "multipart/form-data; boundary=XyZb0und4ry"})
        check_eq((status, parsed(text).get("description")),
                 (400, "Bad Request: message text is empty"), "telegram multipart without text")
        status, text, _ = s.post(b"junk", path=send, headers={"Content-Type": "multipart/form-data"})
        check_eq((status, text), (400, "bad_request"), "telegram multipart without boundary")
        p = subprocess.run(["curl", "-sS", "-m", "5", "-F", "chat_id=-100777", "-F",
                            "text=from curl -F", s.url + send],
                           capture_output=True, text=True, timeout=10)
        check_eq(parsed(p.stdout).get("result", {}).get("text"), "from curl -F",
                 f"telegram curl -F: {p.stdout!r}")
    finally:
        check_eq(s.stop(), 0, "telegram multipart server exit code")
    check("internal exception" not in s.log(), "no telegram multipart post reached the 500 handler")


def test_bad_flags():
    for args, needle in [(["--webhook", "T1/B1"], "--webhook: expected TEAM/BOT/SECRET"),
                         (["--fault", "T1/B1:boom"], "fault: unknown kind 'boom'"),
                         (["--status", "no_team"], "expected code=status"),
                         (["--telegram-bot", "4242-TgSecretDoNotLog_77"],
                          "--telegram-bot: expected a token")]:
        p = subprocess.run([BIN, "--port", "0", *args], capture_output=True, text=True,
                           timeout=10)
        check_eq(p.returncode, 2, f"exit code for {args}")
        check(needle in p.stderr, f"error names the problem: {p.stderr.strip()!r}")
        check("TgSecretDoNotLog" not in p.stderr, "bad flag error hides the token")


def main():
    s = Server("--webhook", f"T0001/B0001/{SECRET},channel=alerts",
               "--webhook", "T0001/B0002/two,channel=ops",
               "--webhook", "T0001/B0003/arch,archived",
               "--webhook", "T0001/B0004/gen,error=posting_to_general_channel_denied",
               "--no-rate-limit")
    try:
        check(s.url.startswith("http://127.0.0.1:"), f"URL on the first line: {s.url}")
        test_answers(s)
        test_multipart(s)
        test_inspection(s)
        test_faults(s)
        test_curl(s)
    finally:
        code = s.stop()
        check_eq(code, 0, "SIGTERM exit code (with a hanging request pending)")
    test_rate_limit()
    test_limits_and_timeouts()
    test_tls()
    test_telegram()
    test_telegram_multipart()
    test_bad_flags()
    print(f"{CHECKS - len(FAILURES)}/{CHECKS} checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
