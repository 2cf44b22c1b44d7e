#!/usr/bin/python3
"""Narrowed S3 listing, and both listings streamed page by page, against
s3rver: puts a CloudTrail archive into the
bucket "archive", then runs the hidden Catch2 cases "[.s3rver]" of
iam_audit_sources_tests (tests/sources/s3_narrow_test.cc) with the endpoint in
the environment. Fails (never skips) when s3rver cannot be installed or
started, or when the cases did not run.

The archive (bodies are "{}"; only the keys matter):
- account 111111111111, us-east-1: 30 days, 2024-04-16 to 2024-05-15, nine
  log files a day (00:00, 03:00, …, 21:00 and 23:55);
- 111111111111, eu-west-1: 2024-05-01 00:00 and 12:00;
- 111111111111 digests: 2024-04-20 and 2024-05-01;
- 222222222222, us-east-1: 2024-05-01 12:00;
- organisation o-abc123def4, account 333333333333, us-east-1: 2023-12-31
  23:55 and 2024-05-01 06:00;
- outside the layout: AWSLogs/notes.json (beside the accounts), an AWS
  Config file (AWSLogs/111111111111/Config/…), …/2024/05/tmp/extra.jsonl, and
  …/2024/05/01/readme.txt (not a record file name).
- a zero-byte folder marker ("AWSLogs/", "AWSLogs/111111111111/", …) for
  every folder, as the S3 console creates them: s3rver 3.7.1 reports a
  common prefix only for a folder that holds an object of its own (its
  filesystem store does not walk below a delimiter). Its full listing also
  walks folders in name order, so "CloudTrail-Digest/" keys come after
  "CloudTrail/" ones (S3 sorts them first) and a page boundary there drops
  keys: only digests sit in such folders here, and they are not units.

usage: s3_narrow_test.py SOURCES_TESTS PACKAGE_DIR BUILD_DIR
"""
import datetime
import os
import subprocess
import sys
import tempfile


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "aws"))
import s3rver_harness  # noqa: E402

TESTS, PACKAGE_DIR, BUILD_DIR = sys.argv[1:4]
BUCKET = "archive"


def log(account, region, stamp, org="", kind="CloudTrail"):
    day = f"{stamp[0:4]}/{stamp[4:6]}/{stamp[6:8]}"
    return (f"AWSLogs/{org + '/' if org else ''}{account}/{kind}/{region}/{day}/"
            f"{account}_{kind}_{region}_{stamp}_0123456789ABCDEF.json.gz")


def keys():
    a = "111111111111"
    out = []
    day = datetime.date(2024, 4, 16)
    for _ in range(30):
        for hhmm in ["0000", "0300", "0600", "0900", "1200", "1500", "1800", "2100", "2355"]:
            out.append(log(a, "us-east-1", day.strftime("%Y%m%d") + "T" + hhmm + "Z"))
        day += datetime.timedelta(days=1)
    out += [log(a, "eu-west-1", "20240501T0000Z"), log(a, "eu-west-1", "20240501T1200Z")]
    for d in ["2024/04/20", "2024/05/01"]:
        out.append(f"AWSLogs/{a}/CloudTrail-Digest/us-east-1/{d}/"
                   f"{a}_CloudTrail-Digest_us-east-1_trail_us-east-1_{d.replace('/', '')}T120000Z.json.gz")
    out.append(log("222222222222", "us-east-1", "20240501T1200Z"))
    out.append(log("333333333333", "us-east-1", "20231231T2355Z", org="o-abc123def4"))
    out.append(log("333333333333", "us-east-1", "20240501T0600Z", org="o-abc123def4"))
    out.append("AWSLogs/notes.json")
    out.append(f"AWSLogs/{a}/Config/us-east-1/2024/5/1/ConfigHistory/config.json.gz")
    out.append(f"AWSLogs/{a}/CloudTrail/us-east-1/2024/05/tmp/extra.jsonl")
    out.append(f"AWSLogs/{a}/CloudTrail/us-east-1/2024/05/01/readme.txt")
    return out


def main():
    entry = s3rver_harness.install(PACKAGE_DIR, BUILD_DIR)
    data_dir = tempfile.mkdtemp(prefix="iam-audit-s3rver-narrow-")
    server = s3rver_harness.start(entry, data_dir, buckets=[BUCKET])
    try:
        s3 = s3rver_harness.client(server.endpoint)
        markers = set()
        for key in keys():
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}")
            parts = key.split("/")[:-1]
            markers.update("/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))
        for marker in sorted(markers):
            s3.put_object(Bucket=BUCKET, Key=marker, Body=b"")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_REGION": "us-east-1",
                    "AWS_ENDPOINT_URL_S3": server.endpoint})
        r = subprocess.run([TESTS, "[.s3rver]"], env=env, capture_output=True, text=True, timeout=300)
        sys.stdout.write(r.stdout + r.stderr)
        if r.returncode != 0:
            sys.exit(f"FAIL: {TESTS} [.s3rver] exited {r.returncode}")
        if "3 test cases" not in r.stdout:
            sys.exit("FAIL: the three [.s3rver] test cases did not run")
        print("ok   narrowed listings equal the full listings, both streamed page by page")
    finally:
        server.stop()


main()
