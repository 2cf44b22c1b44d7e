#!/usr/bin/python3
"""iam-audit test-filter over s3://bucket/prefix against s3rver (an
S3-compatible server on loopback, tests/aws/s3rver_harness.py): the same
CloudTrail log files read from a bucket and from a folder give the same
matches, named s3://bucket/key; --jobs does not change the output; a
truncated object is reported by its s3:// name and counted (exit 1).
A month's backtest, `-p P s3://org-trail/AWSLogs/ --since 2024-01-01 --until
2024-02-01`, and the same over a folder: the log files selected by the time
in their keys (a minute's file holds events before the next minute; files
are delivered up to an hour late), then records by eventTime (since
inclusive, until exclusive); a file that is not gzip and an empty file are
named and counted as bad, a digest file is skipped; what was left out is in
the summary (the bucket's listing also names the prefixes it did not list).
Objects are put by botocore (Debian's python3-botocore). Fails (never skips)
when s3rver cannot be installed or started.

usage: test_filter_s3_test.py IAM_AUDIT_BIN PACKAGE_DIR INSTALL_DIR
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

import botocore.session

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "aws"))
import s3rver_harness  # noqa: E402

BIN, PACKAGE_DIR, INSTALL_DIR = sys.argv[1:4]
BUCKET = "trail"
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f" {detail}"))
    if not cond:
        failures.append(name)


def compact(r):
    return json.dumps(r, separators=(",", ":"))


acct = "111122223333"
records = {
    "us-east-1/2024/03/01/" + f"{acct}_CloudTrail_us-east-1_20240301T0000Z_a1.json.gz":
        [{"eventName": "CreateUser", "n": 1}, {"eventName": "ListUsers", "n": 2}],
    "us-east-1/2024/03/01/" + f"{acct}_CloudTrail_us-east-1_20240301T0005Z_a2.json.gz":
        [{"eventName": "CreateUser", "n": 3}],
    "us-west-2/2024/03/01/" + f"{acct}_CloudTrail_us-west-2_20240301T0000Z_b1.json.gz":
        [{"eventName": "DeleteUser", "n": 4}, {"eventName": "CreateUser", "n": 5}],
}
tmp = tempfile.mkdtemp()
folder = os.path.join(tmp, "folder")
keys = {}
for rel, recs in records.items():
    key = f"logs/AWSLogs/{acct}/CloudTrail/{rel}"
    body = gzip.compress(('{"Records":[' + ",".join(compact(r) for r in recs) + "]}").encode())
    keys[key] = body
    path = os.path.join(folder, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "wb").write(body)

entry = s3rver_harness.install(PACKAGE_DIR, INSTALL_DIR)
server = s3rver_harness.start(entry, tempfile.mkdtemp(prefix="iam-audit-s3rver-"),
                               buckets=[BUCKET, "org-trail"])
try:
    s3 = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url=server.endpoint, aws_access_key_id="S3RVER",
        aws_secret_access_key="S3RVER")
    for key, body in keys.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL_S3=server.endpoint, AWS_ACCESS_KEY_ID="S3RVER",
               AWS_SECRET_ACCESS_KEY="S3RVER", AWS_REGION="us-east-1")

    def run(*args):
        p = subprocess.run([BIN, "test-filter", *args], capture_output=True, text=True, env=env,
                           timeout=120)
        return p.returncode, p.stdout, p.stderr

    code, out, err = run("-p", '{ $.eventName = "CreateUser" }', "--no-summary", f"s3://{BUCKET}/logs/")
    check("s3: exit 0", code == 0, (code, err))
    got = [(x["file"], x["eventNumber"], x["eventMessage"]) for x in json.loads(out)["matches"]]
    order = sorted(keys)  # S3 lists keys in byte order
    want = [(f"s3://{BUCKET}/{order[0]}", 1, compact({"eventName": "CreateUser", "n": 1})),
            (f"s3://{BUCKET}/{order[1]}", 1, compact({"eventName": "CreateUser", "n": 3})),
            (f"s3://{BUCKET}/{order[2]}", 2, compact({"eventName": "CreateUser", "n": 5}))]
    check("s3: matches named s3://bucket/key, record numbers, exact bytes", got == want, got)

    code, fout, err = run("-p", '{ $.eventName = "CreateUser" }', "--no-summary", folder)
    strip = lambda text, prefix: [(x["eventNumber"], x["eventMessage"], x["file"][len(prefix):])
                                  for x in json.loads(text)["matches"]]
    check("s3 and folder: the same matches",
          strip(out, f"s3://{BUCKET}/") == strip(fout, folder + "/"), (out, fout))

    outs = [run("-p", "User", "-p", "Create", "--jobs", j, "--no-summary", f"s3://{BUCKET}/")[1]
            for j in ("1", "3")]
    check("s3: --jobs 1 and --jobs 3 give identical output", outs[0] == outs[1] and outs[0])
    check("s3: two patterns counted",
          [f["matchCount"] for f in json.loads(outs[0])["filters"]] == [5, 3], outs[0])

    code, out, err = run("--count", "--region", "us-west-2", "-p", "User", f"s3://{BUCKET}/logs/")
    check("s3: --region selects by key", code == 0 and out == "2\n", (code, out, err))

    bad = f"logs/AWSLogs/{acct}/CloudTrail/us-east-1/2024/03/02/{acct}_CloudTrail_us-east-1_20240302T0000Z_c1.json.gz"
    s3.put_object(Bucket=BUCKET, Key=bad, Body=keys[order[0]][:15])
    code, out, err = run("--count", "-p", "CreateUser", f"s3://{BUCKET}/logs/")
    check("s3: a truncated object is named and counted, the rest read",
          code == 1 and out == "3\n" and f"s3://{BUCKET}/{bad}" in err and "1 bad files" in err,
          (code, out, err))

    # A month's backtest. Account 111122223333, us-east-1; each file named at
    # minute M (UTC) of its key. Expected results written from the rules in
    # iam_audit/sources/sources.h (by key: skipped when M + 1 min <= since or
    # M >= until + 60 min; then by eventTime: since <= t < until).
    month = tempfile.mkdtemp(prefix="month-")
    def log_key(day, minute, tag):  # day "2024/01/15", minute "20240115T1200Z"
        return (f"AWSLogs/{acct}/CloudTrail/us-east-1/{day}/"
                f"{acct}_CloudTrail_us-east-1_{minute}_{tag}.json.gz")
    def log_body(*events):  # (eventTime, eventName) pairs
        recs = [{"eventTime": t, "eventName": n, "awsRegion": "us-east-1"} for t, n in events]
        return gzip.compress(('{"Records":[' + ",".join(compact(r) for r in recs) + "]}").encode())
    month_objects = {
        # outside by key: 22:00 and 23:59 on the last day of 2023 (23:59 + 1 min = since)
        log_key("2023/12/31", "20231231T2200Z", "k01"): log_body(("2023-12-31T21:59:00Z", "CreateUser")),
        log_key("2023/12/31", "20231231T2359Z", "k02"): log_body(("2023-12-31T23:58:00Z", "CreateUser")),
        # read: one record before since, one at since (kept), one not matching
        log_key("2024/01/01", "20240101T0000Z", "k03"): log_body(
            ("2023-12-31T23:59:58Z", "CreateUser"), ("2024-01-01T00:00:00Z", "CreateUser"),
            ("2024-01-01T00:00:01Z", "ListUsers")),
        # not gzip, and empty: bad files, named
        log_key("2024/01/15", "20240115T1200Z", "k04"): b"this is not a log file",
        log_key("2024/01/15", "20240115T1205Z", "k05"): b"",
        # a digest file: skipped
        (f"AWSLogs/{acct}/CloudTrail-Digest/us-east-1/2024/01/15/"
         f"{acct}_CloudTrail-Digest_us-east-1_trail_us-east-1_20240115T120000Z.json.gz"):
            gzip.compress(b'{"awsAccountId":"111122223333","logFiles":[]}'),
        # read: the last second of January kept, midnight (until) left out
        log_key("2024/01/31", "20240131T2355Z", "k07"): log_body(
            ("2024-01-31T23:59:59Z", "CreateUser"), ("2024-02-01T00:00:00Z", "CreateUser")),
        # read: delivered 30 minutes into February, one January event in it
        log_key("2024/02/01", "20240201T0030Z", "k08"): log_body(
            ("2024-01-31T23:58:00Z", "CreateUser"), ("2024-02-01T00:20:00Z", "CreateUser")),
        # outside by key: an hour after until, and two days after
        log_key("2024/02/01", "20240201T0100Z", "k09"): log_body(("2024-02-01T00:59:00Z", "CreateUser")),
        log_key("2024/02/03", "20240203T0000Z", "k10"): log_body(("2024-02-02T23:59:00Z", "CreateUser")),
    }
    # A zero-byte marker for every folder, as the S3 console makes them: s3rver
    # reports a common prefix only for a folder holding an object of its own
    # (tests/sources/s3_narrow_test.py), and the narrowed listing needs them.
    markers = {"/".join(key.split("/")[:n]) + "/" for key in month_objects
               for n in range(1, key.count("/") + 1)}
    for marker in sorted(markers):
        s3.put_object(Bucket="org-trail", Key=marker, Body=b"")
    for key, body in month_objects.items():
        s3.put_object(Bucket="org-trail", Key=key, Body=body)
        path = os.path.join(month, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "wb").write(body)
    pattern = '{ $.eventName = "CreateUser" }'
    window = ["--since", "2024-01-01", "--until", "2024-02-01"]
    k = lambda tag: [key for key in month_objects if key.endswith(f"_{tag}.json.gz")][0]
    want = [(k("k03"), 2, "2024-01-01T00:00:00Z"), (k("k07"), 1, "2024-01-31T23:59:59Z"),
            (k("k08"), 1, "2024-01-31T23:58:00Z")]
    for name, root in (("s3", "s3://org-trail/"), ("folder", month + "/")):
        code, out, err = run("-p", pattern, root + "AWSLogs/", *window)
        check(f"month over {name}: exit 1 (two bad files)", code == 1, (code, err))
        matches = json.loads(out)["matches"]
        got = [(m["file"][len(root):], m["eventNumber"], json.loads(m["eventMessage"])["eventTime"])
               for m in matches]
        check(f"month over {name}: the three January CreateUser records, in key order", got == want, got)
        check(f"month over {name}: the file that is not gzip is named",
              f"{root}{k('k04')}" in err, err)
        check(f"month over {name}: the empty file is named", f"{root}{k('k05')}" in err and "empty" in err, err)
        # 5 files read (k03, k04, k05, k07, k08); 4 events delivered (k03: 2, k07: 1, k08: 1).
        check(f"month over {name}: files, events and bad files counted",
              "5 files, 4 events" in err and "2 bad files" in err, err)
        check(f"month over {name}: 1 digest file and 3 records outside the time range",
              "skipped 1 digest file" in err and "3 records outside the time range" in err, err)
        if name == "folder":
            check("month over folder: 4 log files outside the selection",
                  "4 log files outside the selection" in err, err)
        else:
            # The listing goes by prefix: the year 2023 and the day 2024/02/03 are
            # not listed at all; of the listed days, only k09 is outside.
            check("month over s3: 1 log file outside, 2 prefixes not listed",
                  "1 log file outside the selection" in err
                  and "2 S3 prefixes outside the selection (not listed)" in err, err)

    # rule-stats reads the same month the same way: 4 records in (k03: 2,
    # k07: 1, k08: 1), the 2 bad files failed, the same answer from both.
    answers = []
    for name, root in (("s3", "s3://org-trail/"), ("folder", month + "/")):
        p = subprocess.run([BIN, "rule-stats", "--default-rules", "--json", root + "AWSLogs/", *window],
                           capture_output=True, text=True, env=env, timeout=120)
        stats = json.loads(p.stdout)
        answers.append(stats)
        check(f"rule-stats month over {name}: 4 records, 2 failed inputs, exit 2",
              p.returncode == 2 and stats["records"] == 4 and stats["failed"] == 2,
              (p.returncode, p.stdout[:200], p.stderr))
        check(f"rule-stats month over {name}: 3 records outside the time range",
              "3 records outside the time range" in p.stderr, p.stderr)
    check("rule-stats month: s3:// and folder give the same answer", answers[0] == answers[1], answers)
finally:
    server.stop()

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failures")
sys.exit(1 if failures else 0)
