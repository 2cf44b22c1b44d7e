"""The security tests' log reading catches a line a runtime writes after it
has answered (sec_harness.Emulator.final_log): a runtime that writes a secret
half a second after each answer must have that secret in the log the tests
check. A quiet-period wait (the log not growing for 0.3 s) returned before
the line was written, and stopping the emulator then killed the runtime, so
such a leak went unseen.

argv: iam-audit (for `emulate`)."""
import os
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sec_harness import SLACK_SECRET, Checks, Emulator, clean_env, leaks, require_files  # noqa: E402

CLI = sys.argv[1]
require_files(CLI)
C = Checks()

# A Runtime API client that answers each invocation, then (later) logs a
# secret, then asks for the next one.
RUNTIME = f"""#!{sys.executable}
import http.client, os, sys, time
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
while True:
    c = http.client.HTTPConnection(host, int(port), timeout=120)
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(1)
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    c.request("POST", f"/2018-06-01/runtime/invocation/{{rid}}/response", body=b"{{}}")
    c.getresponse().read()
    c.close()
    time.sleep(0.5)  # the late line: written well after the answer
    print("late line: webhook {SLACK_SECRET}", file=sys.stderr, flush=True)
"""


def main():
    with tempfile.TemporaryDirectory(prefix="iam-audit-late-") as work:
        runtime = os.path.join(work, "bootstrap")
        with open(runtime, "w") as f:
            f.write(RUNTIME)
        os.chmod(runtime, stat.S_IRWXU)
        emu = Emulator([CLI, "emulate", "--function", runtime, "--port", "0"], env=clean_env())
        try:
            status, _, _ = emu.invoke({"ping": 1})
            C.check(status == 200, f"invocation answered HTTP {status}")
            log = emu.final_log()
        finally:
            emu.close()
        C.check(bool(leaks(log)), f"the line written after the answer is in the log:\n{log[-2000:]}")
    return C.finish("late log lines")


if __name__ == "__main__":
    sys.exit(main())
