#!/usr/bin/env python3
"""mock-slack and `iam-audit emulate` listen on loopback only by default.

For each server: the URL it prints names 127.0.0.1, and every TCP socket the
process listens on (read from /proc/<pid>/fd and /proc/net/tcp{,6}) is bound
to 127.0.0.1 — the emulator's Runtime API for the bootstrap included, checked
while a bootstrap runs. The control: `mock-slack --bind 0.0.0.0` is seen
listening on 0.0.0.0, so the check can tell.

Usage: loopback_test.py CLI MOCK_SLACK BOOTSTRAP
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sec_harness import SLACK_SECRET, require_files, Checks, Emulator, Server, clean_env, listening_sockets  # noqa: E402

CLI, MOCK_SLACK, BOOTSTRAP = sys.argv[1:4]
require_files(CLI, MOCK_SLACK, BOOTSTRAP)
C = Checks()


def check_loopback(label, server):
    C.check(server.host == "127.0.0.1", f"{label}: prints a loopback URL: {server.url}")
    sockets = listening_sockets(server.proc.pid)
    C.check(sockets, f"{label}: found its listening sockets in /proc")
    C.check((("127.0.0.1", server.port) in sockets), f"{label}: listens on 127.0.0.1:{server.port}: {sockets}")
    C.check(all(addr == "127.0.0.1" for addr, _ in sockets), f"{label}: listens on loopback only: {sockets}")


def main():
    if not os.path.exists("/proc/net/tcp"):
        print("no /proc/net/tcp: cannot read listening sockets")
        return 77
    for label, argv in [("mock-slack", []), ("mock-slack --tls-self-signed", ["--tls-self-signed"])]:
        s = Server([MOCK_SLACK, "--port", "0", "--webhook", f"T000/B000/{SLACK_SECRET}", *argv])
        try:
            check_loopback(label, s)
        finally:
            s.close()

    emu = Emulator([CLI, "emulate", "--function", BOOTSTRAP, "--port", "0",
                    "--env", "SLACK_WEBHOOK_URL=https://127.0.0.1:9/services/T000/B000/x"], env=clean_env())
    try:
        check_loopback("iam-audit emulate", emu)
        # With a runtime started (an invocation), the Runtime API it calls is
        # the same loopback listener, and nothing else listens.
        status, _, _ = emu.invoke(json.dumps("not a payload"))  # Lambda refuses a body that is not JSON
        C.check(status == 200, f"emulate answered the invocation: {status}")
        check_loopback("iam-audit emulate, runtime started", emu)
    finally:
        emu.close()

    # Control: binding elsewhere on request is visible to the same check.
    s = Server([MOCK_SLACK, "--port", "0", "--bind", "0.0.0.0", "--webhook", f"T000/B000/{SLACK_SECRET}"])
    try:
        sockets = listening_sockets(s.proc.pid)
        C.check(("0.0.0.0", s.port) in sockets, f"--bind 0.0.0.0 is seen as 0.0.0.0: {sockets}")
    finally:
        s.close()
    return C.finish("loopback by default")


if __name__ == "__main__":
    sys.exit(main())
