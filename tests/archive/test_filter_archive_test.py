#!/usr/bin/env python3
"""iam-audit test-filter over a CloudTrail archive, run as a user runs it.

The archive is written here by hand (Python's gzip and json), so every
expected value below follows from the files and from the documented output
(engine/cli/test_filter_command.cc, engine/cli/event_sources.h), not from a
previous run: log files are their records (eventNumber = record number), a
digest file is skipped and counted, a truncated file is reported by name and
counted while the rest goes on (exit 1), several patterns get "filter"
numbers and a "filters" summary, and the output does not depend on --jobs.

Usage: test_filter_archive_test.py IAM_AUDIT_BIN
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
failures = []


def check(name, cond, detail=""):
    if not cond:
        failures.append(name)
        print(f"FAIL: {name} {detail}", file=sys.stderr)


def run(*args, stdin=None):
    p = subprocess.run([BIN, "test-filter", *args], capture_output=True, input=stdin)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def rec(name, **extra):
    r = {"eventVersion": "1.08", "eventName": name, "userIdentity": {"type": "IAMUser"}}
    r.update(extra)
    return r


def compact(r):
    return json.dumps(r, separators=(",", ":"))


def log_doc(records):
    return ('{"Records":[' + ",".join(compact(r) for r in records) + "]}").encode()


tmp = tempfile.mkdtemp()
root = os.path.join(tmp, "trail")
acct = "111122223333"


def log_path(region, stamp, suffix, ext=".json.gz"):
    d = os.path.join(root, "AWSLogs", acct, "CloudTrail", region, "2024", "01", "02")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, f"{acct}_CloudTrail_{region}_{stamp}_{suffix}{ext}")


A = rec("CreateUser")
B = rec("GetObject", errorCode="AccessDenied")
C = rec("DeleteUser")
D = rec("CreateUser", errorCode="AccessDenied")
E = rec("CreateUser", awsRegion="us-west-2")
f1 = log_path("us-east-1", "20240102T0000Z", "aaaa")
f2 = log_path("us-east-1", "20240102T0005Z", "bbbb")
f3 = log_path("us-west-2", "20240102T0000Z", "cccc")  # truncated
f4 = log_path("us-west-2", "20240102T0005Z", "dddd", ext=".json")  # plain JSON
open(f1, "wb").write(gzip.compress(log_doc([A, B])))
open(f2, "wb").write(gzip.compress(log_doc([C, D])))
open(f3, "wb").write(gzip.compress(log_doc([A, A, A]))[:15])  # no record comes out
open(f4, "wb").write(log_doc([E]))
dd = os.path.join(root, "AWSLogs", acct, "CloudTrail-Digest", "us-east-1", "2024", "01", "02")
os.makedirs(dd)
digest = os.path.join(dd, f"{acct}_CloudTrail-Digest_us-east-1_trail_us-east-1_20240102T010000Z.json.gz")
open(digest, "wb").write(gzip.compress(b'{"awsAccountId":"111122223333","logFiles":[]}'))

P1 = '{ $.eventName = "CreateUser" }'
P2 = "AccessDenied"

# One pattern, --count: A, D, E (f3 is unreadable), exit 1 for the bad file.
code, out, err = run("--count", "--no-progress", "-p", P1, root)
check("count over the archive", out == "3\n", repr(out))
check("count: a bad file gives exit 1", code == 1, code)
check("count: the bad file is named", f"{f3}: log file:" in err, err)
check("count: summary", "4 files, 5 events" in err and "1 bad files; skipped 1 digest file" in err,
      err)

# Selection by key (the sources library): us-east-1 only is f1 and f2.
code, out, err = run("--count", "-p", P1, "--region", "us-east-1", root)
check("--region: only that region's files", out == "2\n" and code == 0, (code, out, err))
code, out2, err = run("--count", "--region", "us-east-1", "--account", acct, "--region", "eu-west-9",
                      "-p", P1, root)
check("--region and --account take one value each, repeatable; the source stays a source",
      code == 0 and out2 == "2\n", (code, out2, err))
check("--region: the others counted as skipped",
      "2 files, 4 events" in err and "skipped 1 digest file, 2 log files outside the selection" in err, err)

# One pattern, matches: "file" and the record number within the file.
code, out, err = run("-p", P1, root)
m = json.loads(out)["matches"]
got = [(x["file"], x["eventNumber"], x["eventMessage"], x["extractedValues"]) for x in m]
check("one pattern over the archive: file, record number, exact record bytes",
      got == [(f1, 1, compact(A), {}), (f2, 2, compact(D), {}), (f4, 1, compact(E), {})], got)
check("one pattern: no filter numbers", all("filter" not in x for x in m))

# Two patterns: one pass, each match numbered, an event matching both twice in pattern order.
code, out, err = run("-p", P1, "-p", P2, "--jobs", "2", root)
doc = json.loads(out)
got = [(x["filter"], os.path.basename(x["file"]), x["eventNumber"]) for x in doc["matches"]]
want = [(1, os.path.basename(f1), 1), (2, os.path.basename(f1), 2), (1, os.path.basename(f2), 2),
        (2, os.path.basename(f2), 2), (1, os.path.basename(f4), 1)]
check("two patterns: matches in source order, pattern order within an event", got == want, got)
check("two patterns: key order", list(doc["matches"][0]) ==
      ["filter", "file", "eventNumber", "eventMessage", "extractedValues"], list(doc["matches"][0]))
check("two patterns: filters summary",
      doc["filters"] == [{"filter": 1, "filterPattern": P1, "matchCount": 3},
                         {"filter": 2, "filterPattern": P2, "matchCount": 2}], doc.get("filters"))
check("two patterns: exit 1 (bad file)", code == 1, code)
check("two patterns: summary per pattern",
      f"pattern 1: 3 matches  {P1}" in err and f"pattern 2: 2 matches  {P2}" in err, err)

# --patterns FILE: comments and blank lines skipped, after the -p patterns.
pf = os.path.join(tmp, "patterns.txt")
open(pf, "w").write("# IAM changes\n\n" + P2 + "\r\n  # indented comment\n{ $.eventName = \"DeleteUser\" }\n")
code, out, err = run("--count", "--no-summary", "-p", P1, "--patterns", pf, root)
check("--patterns: counts per pattern, -p first",
      out == f"3\t{P1}\n2\t{P2}\n1\t{{ $.eventName = \"DeleteUser\" }}\n", repr(out))
check("--no-summary: only the bad file on stderr", err.count("\n") == 1 and f3 in err, err)
open(pf, "w").write("ok\n\n{ $.a = }\n")
code, out, err = run("--count", "--patterns", pf, root)
check("--patterns: a bad pattern names file and line, exit 2",
      code == 2 and f"{pf}:3: " in err and out == "", (code, err))
code, out, err = run("--count", "--patterns", os.path.join(tmp, "nope.txt"), root)
check("--patterns: a missing file is exit 2", code == 2 and "nope.txt" in err, (code, err))

# Determinism: many units, --jobs 1 and --jobs 4 print the same bytes.
big = os.path.join(tmp, "big")
for i in range(80):
    d = os.path.join(big, "AWSLogs", acct, "CloudTrail", "eu-west-1", "2024", "02", f"{1 + i % 28:02d}")
    os.makedirs(d, exist_ok=True)
    recs = [rec("CreateUser" if (i + k) % 3 == 0 else "ListUsers", requestID=f"{i}-{k}")
            for k in range(i % 5)]
    name = f"{acct}_CloudTrail_eu-west-1_202402{1 + i % 28:02d}T{i % 24:02d}{i % 60:02d}Z_u{i:03d}.json.gz"
    open(os.path.join(d, name), "wb").write(gzip.compress(log_doc(recs)))
outs = []
for jobs in ("1", "4"):
    code, out, err = run("-p", P1, "-p", "ListUsers", "--jobs", jobs, "--no-summary", big)
    check(f"--jobs {jobs}: exit 0", code == 0 and err == "", (code, err))
    outs.append(out)
check("--jobs 1 and --jobs 4 give identical output", outs[0] == outs[1])
doc = json.loads(outs[0])
want_create = sum(1 for i in range(80) for k in range(i % 5) if (i + k) % 3 == 0)
want_list = sum(1 for i in range(80) for k in range(i % 5) if (i + k) % 3 != 0)
check("determinism run: counts", [f["matchCount"] for f in doc["filters"]] == [want_create, want_list],
      doc["filters"])
ids = [json.loads(x["eventMessage"])["requestID"] for x in doc["matches"]]
files = sorted((os.path.join(dp, f) for dp, _, fs in os.walk(big) for f in fs))
want_ids = [r for f in files for r in
            [x["requestID"] for x in json.loads(gzip.decompress(open(f, "rb").read()))["Records"]]]
check("determinism run: matches in sorted path order, record order", ids == want_ids)

# rule-stats: the same folder, any --jobs, the same answer.
rs = []
for jobs in ("1", "3"):
    p = subprocess.run([BIN, "rule-stats", "--default-rules", "--json", "--jobs", jobs, big],
                       capture_output=True)
    check(f"rule-stats --jobs {jobs}: exit 0", p.returncode == 0, p.stderr)
    rs.append(p.stdout)
check("rule-stats: --jobs 1 and --jobs 3 give identical output", rs[0] == rs[1])
check("rule-stats: every record counted", json.loads(rs[0])["records"] == 160)  # 16 x (0+1+2+3+4)

# Several sources: a file of lines and a log file; "file" tells them apart.
lines = os.path.join(tmp, "events.txt")
open(lines, "w").write("CreateUser here\n\nnothing\nCreateUser again\n")
code, out, err = run("-p", "CreateUser", lines, f1)
got = [(x["file"], x["eventNumber"], x["eventMessage"]) for x in json.loads(out)["matches"]]
check("a text file and a log file", got == [(lines, 1, "CreateUser here"), (lines, 4, "CreateUser again"),
                                            (f1, 1, compact(A))], got)
check("a text file and a log file: exit 0", code == 0, code)

# A log file outside CloudTrail's layout is still its records.
flat = os.path.join(tmp, "downloaded.json.gz")
open(flat, "wb").write(gzip.compress(log_doc([A, C])))
code, out, err = run("-p", "DeleteUser", "--file", flat)
got = [(x["eventNumber"], x["eventMessage"]) for x in json.loads(out)["matches"]]
check("a log file by its content: records, no file key", got == [(2, compact(C))], got)
check("one file: no summary", err == "", err)

# Long strings (the log file scanner skips plain string bytes in blocks):
# escapes and a raw control character past the first 16 bytes of a string.
esc = os.path.join(tmp, "escapes")
pe = log_path("eu-central-1", "20240102T0000Z", "eeee").replace(root, esc)
os.makedirs(os.path.dirname(pe))
long_text = "x" * 37 + '\\"quoted\\" back\\\\slash \\u00e9 ' + "y" * 21 + " needle " + "z" * 50
rec_text = '{"eventName":"' + long_text + '","n":1}'
open(pe, "wb").write(gzip.compress(('{"Records":[' + rec_text + "," + rec_text + "]}").encode()))
pc = log_path("eu-central-1", "20240102T0005Z", "ffff").replace(root, esc)
open(pc, "wb").write(gzip.compress(('{"Records":[{"eventName":"' + "a" * 40 + "\x01" + 'b"}]}').encode()))
code, out, err = run("-p", "needle", esc)
got = [(x["file"], x["eventNumber"], x["eventMessage"]) for x in json.loads(out)["matches"]]
check("long strings with escapes: the records' exact bytes", got == [(pe, 1, rec_text), (pe, 2, rec_text)], got)
check("a raw control character deep in a string is an error at its byte",
      code == 1 and f"{pc}: log file: record 0 at byte 12: control character" in err and "in a string at byte 66" in err,  # 12 + 14 + 40
      (code, err))

# Usage errors.
code, out, err = run("--count", root)
check("no pattern: exit 2", code == 2 and "--filter-pattern" in err, (code, err))
code, out, err = run("-p", "x", os.path.join(tmp, "missing"))
check("missing source: exit 2, named", code == 2 and "missing" in err, (code, err))
code, out, err = run("-p", "x", "--jobs", "0", root)
check("--jobs 0 is refused", code == 2, code)

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failures")
sys.exit(1 if failures else 0)
