#!/usr/bin/env python3
"""scripts/bench.sh --smoke on an existing build: runs, exits 0, and writes a
RESULTS.md-shaped page, a well-formed SVG and, when the micro suite is built,
Google Benchmark JSON. mock-slack vs nginx runs when nginx and wrk are
installed (else it must say it skipped). Shape only: no figure is asserted.

Usage: smoke_test.py PROJECT_ROOT BUILD_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.dom.minidom

root, build = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "out")
    p = subprocess.run(["bash", os.path.join(root, "scripts", "bench.sh"), "--smoke", "--no-setup", "--skip-build",
                        "--build-dir", build, "--out", out, "--only", "micro,mock_slack", "--timeout", "40"],
                       capture_output=True, text=True, timeout=85, stdin=subprocess.DEVNULL)
    check(p.returncode == 0, f"bench.sh exit {p.returncode}")
    md = open(os.path.join(out, "RESULTS.md")).read() if os.path.exists(os.path.join(out, "RESULTS.md")) else ""
    for s in ("# iam-audit benchmark results", "**Smoke run**", "| CPU |", "## Targets", "## Runs",
              "## Micro benchmarks (Google Benchmark)", "## mock-slack vs nginx", "## Tools"):
        check(s in md, f"RESULTS.md lacks {s!r}")
    try:
        xml.dom.minidom.parse(os.path.join(out, "results.svg"))
    except Exception as e:  # noqa: BLE001
        check(False, f"results.svg: {e}")
    if os.path.exists(os.path.join(build, "bin", "iam_audit_bench")):
        try:
            micro = json.load(open(os.path.join(out, "micro.json")))
            check(len(micro.get("benchmarks", [])) > 0, "micro.json has no benchmark")
        except (OSError, ValueError) as e:
            check(False, f"micro.json: {e}")
        check("| micro | ok |" in md, "the micro suite did not run ok")
    have_tools = shutil.which("wrk") and (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"))
    if have_tools:
        check("| mock_slack | ok |" in md, "mock_slack bench did not run ok")
        check("| requests/s mock-slack / nginx (" in md, "no mock-slack / nginx ratio in the targets")
        check("mock-slack vs nginx under wrk" in open(os.path.join(out, "results.svg")).read(), "no mock-slack panel")
    else:
        check("| mock_slack | skipped" in md, "mock_slack bench should be skipped without nginx/wrk")
    if failures:
        print(p.stdout[-4000:])
        print(p.stderr[-4000:], file=sys.stderr)

for f in failures:
    print("FAIL:", f)
print(f"bench-smoke: {'ok' if not failures else f'{len(failures)} failure(s)'}")
sys.exit(1 if failures else 0)
