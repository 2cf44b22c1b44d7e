#!/usr/bin/env python3
"""Delivery to a server whose certificate is not trusted fails, clearly, and
never falls back to plain HTTP.

mock-slack serves HTTPS with a fresh self-signed certificate
(--tls-self-signed). The real bootstrap runs under `iam-audit emulate` (from
function.zip and bare) with a Slack webhook and a Telegram chat on it, first
without trusting that certificate (the system CA bundle; an unrelated CA),
then trusting it (IAM_AUDIT_CA_BUNDLE, SSL_CERT_FILE). Between the engine and
mock-slack sits a TCP relay that records the first bytes of every
connection: each must open with a TLS handshake record (0x16 0x03), never
with plain HTTP.

Untrusted: the invocation fails with Function.DeliveryFailed, its message
says the certificate could not be verified for that host, the summary counts
the alerts as failed (none delivered), each destination was tried once
(verification failures are not retried), and mock-slack received no request
and stored nothing. A plain http:// webhook or Telegram base is refused at
start-up (Runtime.ConfigInvalid). Trusted: the same event is delivered to
both and stored.

Usage: tls_untrusted_test.py CLI MOCK_SLACK BOOTSTRAP FUNCTION_ZIP FIXTURES_DIR
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sec_harness import CHAT, SLACK_SECRET, require_files, TG_TOKEN, Checks, Emulator, Server, clean_env, subscription_event  # noqa: E402

CLI, MOCK_SLACK, BOOTSTRAP, FUNCTION_ZIP, FIXTURES = sys.argv[1:6]
require_files(CLI, MOCK_SLACK, BOOTSTRAP, FUNCTION_ZIP, FIXTURES)
C = Checks()
RECORD = os.path.join(FIXTURES, "records", "console_login_success_no_mfa.json")
CONFIG = {
    "version": 1,
    "rules": [{"name": "everything", "severity": "critical", "pattern": "{ $.eventName = * }",
               "destinations": ["audit", "oncall"]}],
    "destinations": {
        "audit": {"type": "slack", "webhook_url_env": "SLACK_WEBHOOK_URL"},
        "oncall": {"type": "telegram", "bot_token_env": "TELEGRAM_BOT_TOKEN", "chat_id": CHAT},
    },
}


class Relay:
    """A loopback TCP relay to `target_port` that records the first bytes the
    client sends on each connection."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.first_bytes = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        client.settimeout(10)
        try:
            head = client.recv(5)
        except OSError:
            head = b""
        with self.lock:
            self.first_bytes.append(head)
        if not head:
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        upstream.sendall(head)

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        t = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        t.start()
        pump(client, upstream)
        t.join(10)
        client.close()
        upstream.close()

    def connections(self):
        with self.lock:
            return list(self.first_bytes)

    def close(self):
        self.stopped = True
        self.sock.close()


def unrelated_ca(work):
    """A CA that signed nothing mock-slack uses."""
    key, pem = os.path.join(work, "other.key"), os.path.join(work, "other.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", pem, "-days", "2", "-subj", "/CN=unrelated test CA"],
                   check=True, capture_output=True, timeout=60)
    return pem


def invoke(label, function, env, event):
    argv = [CLI, "emulate", "--function", function, "--port", "0", "--timeout", "60"]
    for k, v in env.items():
        argv += ["--env", f"{k}={v}"]
    emu = Emulator(argv, env=clean_env())
    try:
        status, headers, body = emu.invoke(event)
        log = emu.final_log()
    finally:
        emu.close()
    C.check(status == 200, f"{label}: invoke answered HTTP {status}")
    return headers, json.loads(body), log


def stored(slack):
    _, _, text = slack.request("GET", "/api/messages")
    return json.loads(text)["messages"]


def stats(slack):
    _, _, text = slack.request("GET", "/api/stats")
    return json.loads(text)


def main():
    with open(RECORD) as f:
        event = subscription_event([json.load(f)])
    with tempfile.TemporaryDirectory(prefix="iam-audit-tls-") as work:
        ca = os.path.join(work, "mock-ca.pem")
        slack = Server([MOCK_SLACK, "--port", "0", "--tls-self-signed", "--cert-out", ca,
                        "--webhook", f"T000/B000/{SLACK_SECRET}", "--telegram-bot", f"{TG_TOKEN},chat={CHAT}",
                        "--no-rate-limit"])
        relay = Relay(slack.port)
        try:
            C.check(slack.scheme == "https", f"mock-slack --tls-self-signed serves https: {slack.url}")
            base = f"https://127.0.0.1:{relay.port}"
            origin = f"https://127.0.0.1:{relay.port}"
            hook = f"{base}/services/T000/B000/{SLACK_SECRET}"
            common = {"SLACK_WEBHOOK_URL": hook, "TELEGRAM_BOT_TOKEN": TG_TOKEN, "IAM_AUDIT_TELEGRAM_API_BASE": base,
                      "IAM_AUDIT_CONFIG": json.dumps(CONFIG), "IAM_AUDIT_POST_INTERVAL_MS": "0",
                      "IAM_AUDIT_MAX_ATTEMPTS": "5", "IAM_AUDIT_MAX_BACKOFF_MS": "10"}
            untrusted = [
                ("zip, system CA bundle", FUNCTION_ZIP, {}),
                ("bootstrap, system CA bundle", BOOTSTRAP, {}),
                ("bootstrap, unrelated CA", BOOTSTRAP, {"IAM_AUDIT_CA_BUNDLE": unrelated_ca(work)}),
            ]
            for label, function, extra in untrusted:
                before = len(relay.connections())
                headers, body, log = invoke(label, function, {**common, **extra}, event)
                C.check(headers.get("x-amz-function-error") == "Unhandled", f"{label}: the invocation failed")
                C.check(body.get("errorType") == "Function.DeliveryFailed",
                        f"{label}: errorType {body.get('errorType')!r}, want Function.DeliveryFailed")
                message = body.get("errorMessage", "")
                C.check(f"certificate verification failed for {origin}" in message,
                        f"{label}: the error names the certificate and the server: {message}")
                C.check("1 of 1 alerts not delivered" in message, f"{label}: the alert reported failed: {message}")
                summary = json.loads(message[message.index("summary ") + len("summary "):])
                C.check(summary["received"] == 1 and summary["matched"] == 1 and summary["failed"] == 1
                        and summary["delivered"] == 0,
                        f"{label}: summary counts the event failed, not delivered or dropped: {summary}")
                C.check("certificate verification failed" in log, f"{label}: the log line says why")
                conns = relay.connections()[before:]
                C.check(len(conns) == 2,
                        f"{label}: one connection per destination (Slack, Telegram), no retry: {len(conns)}")
                C.check(all(c[:2] == b"\x16\x03" for c in conns),
                        f"{label}: every connection opened with a TLS handshake, none in plain HTTP: {conns}")
                C.check(stored(slack) == [], f"{label}: mock-slack stored nothing")
                C.check(stats(slack)["requests"] == 0, f"{label}: mock-slack received no request")

            # No downgrade by configuration either: http:// is refused at start-up.
            for label, extra in [
                ("http:// webhook", {"SLACK_WEBHOOK_URL": hook.replace("https://", "http://")}),
                ("http:// Telegram base", {"IAM_AUDIT_TELEGRAM_API_BASE": base.replace("https://", "http://")}),
            ]:
                before = len(relay.connections())
                headers, body, _ = invoke(label, BOOTSTRAP, {**common, **extra}, event)
                C.check(body.get("errorType") == "Runtime.ConfigInvalid",
                        f"{label}: refused at start-up: {body}")
                C.check("must be an https:// URL" in body.get("errorMessage", ""), f"{label}: says why: {body}")
                C.check(len(relay.connections()) == before, f"{label}: no connection was made")

            # Positive control: the same delivery with the certificate trusted.
            sent = 0
            for label, function, extra in [
                ("zip, IAM_AUDIT_CA_BUNDLE", FUNCTION_ZIP, {"IAM_AUDIT_CA_BUNDLE": ca}),
                ("bootstrap, SSL_CERT_FILE", BOOTSTRAP, {"SSL_CERT_FILE": ca}),
            ]:
                before = len(relay.connections())
                headers, body, _ = invoke(label, function, {**common, **extra}, event)
                C.check("x-amz-function-error" not in headers, f"{label}: succeeded: {body}")
                C.check(body.get("delivered") == 1 and body.get("failed") == 0, f"{label}: delivered: {body}")
                sent += 2
                conns = relay.connections()[before:]
                C.check(len(conns) >= 1 and all(c[:2] == b"\x16\x03" for c in conns),
                        f"{label}: over TLS: {conns}")
                C.check(len(stored(slack)) == sent, f"{label}: mock-slack stored {len(stored(slack))}, want {sent}")
            webhooks = sorted(m["webhook"] for m in stored(slack))
            C.check(webhooks == ["T000/B000", "T000/B000", f"telegram/424242/{CHAT}", f"telegram/424242/{CHAT}"],
                    f"trusted: both destinations received each event: {webhooks}")
        finally:
            relay.close()
            slack.close()
    return C.finish("untrusted TLS")


if __name__ == "__main__":
    sys.exit(main())
