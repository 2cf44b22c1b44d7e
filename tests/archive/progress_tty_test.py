#!/usr/bin/python3
"""test-filter's progress line over an archive, on a real terminal (a
pseudo-terminal from Python's pty module) and off one: on a terminal the
line is drawn in place ("\\r") — "N files … counting files" while a second
listing counts the files, then "done/total files", a percentage, events, MB,
MB/s and an ETA (which of the two a short run shows depends on timing; the
text of both is pinned by tests/sources/progress_test.cc) — and erased
before the summary; with stderr not a terminal, or with --no-progress,
nothing but the summary is written. The counts on stdout are the same every
way.

usage: progress_tty_test.py IAM_AUDIT_BIN
"""
import gzip
import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f" {detail!r}"[:600]))
    if not cond:
        failures.append(name)


# 2,000 log files of 5 records each (one CreateUser), in the trail's layout.
FILES = 2000
PER_FILE = 5
root = tempfile.mkdtemp(prefix="progress-")
acct = "111122223333"
records = [{"eventName": "CreateUser", "n": 0}] + [
    {"eventName": "ListUsers", "n": n, "userAgent": "aws-cli/2.15.0 Python/3.11.6"}
    for n in range(1, PER_FILE)]
body = gzip.compress(('{"Records":[' + ",".join(json.dumps(r) for r in records) + "]}").encode())
for i in range(FILES):
    day = f"2024/01/{1 + i // 1000:02d}"
    minute = f"202401{1 + i // 1000:02d}T{(i % 1000) // 60:02d}{(i % 1000) % 60:02d}Z"
    folder = os.path.join(root, "AWSLogs", acct, "CloudTrail", "us-east-1", day)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"{acct}_CloudTrail_us-east-1_{minute}_{i:05d}.json.gz"), "wb") as f:
        f.write(body)
args = [BIN, "test-filter", "--count", "--jobs", "1", "-p", "CreateUser", root]


def on_terminal(extra=()):
    """Runs with stderr on a pseudo-terminal; returns (exit, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    got = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        got += chunk
    out = p.stdout.read()
    p.wait(timeout=120)
    os.close(master)
    return p.returncode, out.decode(), got.decode(errors="replace")


summary = f"iam-audit test-filter: {FILES} files, {PER_FILE * FILES} events"
code, out, tty = on_terminal()
check("terminal: exit 0 and the count", code == 0 and out == f"{FILES}\n", (code, out))
draws = [d.strip() for d in tty.split("\r") if d.strip()]
counting = r"\d+ files  \d+ events  [\d.]+ MB  [\d.]+ MB/s  counting files"
counted = rf"\d+/{FILES} files +\d+%  \d+ events  [\d.]+ MB  [\d.]+ MB/s  ETA (\d+:\d\d|--:--)"
lines = [d for d in draws if not d.startswith("iam-audit") and not d.startswith("pattern")]
check("terminal: the line is drawn in place at least once", tty.startswith("\r") and bool(lines), tty[:300])
check("terminal: every drawing is the files/events/MB/s line",
      all(re.fullmatch(counting, d) or re.fullmatch(counted, d) for d in lines), lines[:4])
check("terminal: the line is erased before the summary",
      re.search(r"\r {100}\r" + re.escape(summary), tty) is not None, tty[-400:])

p = subprocess.run(args, capture_output=True, text=True, timeout=120)
check("not a terminal: the same count", p.returncode == 0 and p.stdout == f"{FILES}\n", p.stdout)
check("not a terminal: no progress line, only the summary",
      "\r" not in p.stderr and p.stderr.startswith(summary) and "files  " not in p.stderr, p.stderr[:300])

code, out, tty = on_terminal(["--no-progress"])
check("terminal with --no-progress: no progress line",
      code == 0 and out == f"{FILES}\n" and tty.startswith(summary), tty[:300])

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failures")
sys.exit(1 if failures else 0)
