#!/usr/bin/env python3
"""Slack's official Node client (@slack/webhook, pinned in node_client/) against
the real mock-slack. Installs the package with npm into WORK_DIR (once), starts
mock-slack on an ephemeral loopback port and runs node_client/client_test.mjs.
node and npm are requirements (see tests/mock_slack/CMakeLists.txt): when
either is missing, or npm cannot install the package, the test fails.
Usage: mock_slack_node_client_test.py /path/to/mock-slack WORK_DIR
"""
import os
import select
import shutil
import signal
import subprocess
import sys

BIN, WORK = sys.argv[1], sys.argv[2]
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_client")


def main():
    missing = [tool for tool in ("node", "npm") if not shutil.which(tool)]
    if missing:
        print(f"FAIL: {' and '.join(missing)} not installed: this test needs node and npm")
        return 1
    os.makedirs(WORK, exist_ok=True)
    for name in ("package.json", "client_test.mjs"):
        shutil.copy(os.path.join(HERE, name), os.path.join(WORK, name))
    if not os.path.isdir(os.path.join(WORK, "node_modules", "@slack", "webhook")):
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=WORK,
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            print("FAIL: npm install of @slack/webhook failed (is the npm registry reachable?):",
                  r.stderr[-800:])
            return 1
    proc = subprocess.Popen([BIN, "--port", "0", "--no-rate-limit", "--quiet",
                             "--webhook", "T0001/B0001/sekrit"], stdout=subprocess.PIPE)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 10)
        if not ready:
            print("FAIL: no URL from mock-slack")
            return 1
        base = proc.stdout.readline().decode().strip()
        r = subprocess.run(["node", "client_test.mjs", base], cwd=WORK, timeout=60)
        return r.returncode
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
