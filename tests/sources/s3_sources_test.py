#!/usr/bin/env python3
"""Record sources over s3://bucket/prefix, end to end: a trail bucket in s3rver
(tests/aws/s3rver, installed into the build tree by tests/aws/s3rver_harness.py),
objects put with boto3, read by `iam-audit render s3://…` (ListObjectsV2 paged,
GetObject streamed). The bucket holds what tests/sources/sources_test.cc puts
in a folder: two good log files, a .json.gz that is not gzip, an empty one, a
digest, a log file outside the dates, a JSON Lines file; and 1000 objects
under 0noise/ that sort first, so the log files are only on the second page
of the listing. Each record's eventID names it; render's Slack message links
to it. A missing node, npm, s3rver or boto3 fails the test.

Usage: s3_sources_test.py IAM_AUDIT_BIN S3RVER_PACKAGE_DIR S3RVER_INSTALL_DIR
"""
import gzip
import os
import re
import subprocess
import sys
import tempfile

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "aws"))
import s3rver_harness  # noqa: E402

BIN, S3RVER_PACKAGE, S3RVER_INSTALL = sys.argv[1:4]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def record(event_id, time):
    return '{"eventTime":"%s","eventID":"%s","eventName":"CreateUser","awsRegion":"us-east-1"}' % (time, event_id)


DAY = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/"
NAME = "123456789012_CloudTrail_us-east-1_"
LOG_1200 = DAY + NAME + "20240501T1200Z_AAAAAAAAAAAAAAAA.json.gz"
LOG_1230 = DAY + NAME + "20240501T1230Z_BBBBBBBBBBBBBBBB.json.gz"
NOT_GZIP = DAY + NAME + "20240501T1300Z_CCCCCCCCCCCCCCCC.json.gz"
EMPTY = DAY + NAME + "20240501T1305Z_DDDDDDDDDDDDDDDD.json.gz"
APRIL = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/04/20/" + NAME + "20240420T0000Z_EEEEEEEEEEEEEEEE.json.gz"
DIGEST = ("AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/05/01/"
          "123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T120000Z.json.gz")
OBJECTS = {
    LOG_1200: gzip.compress(('{"Records":[%s,\n%s]}' % (record("r1", "2024-05-01T11:55:10Z"),
                                                        record("r2", "2024-05-01T11:59:59Z"))).encode()),
    LOG_1230: gzip.compress(('{"Records":[%s,%s]}' % (record("r3", "2024-05-01T12:20:00Z"),
                                                      record("r4", "2024-05-01T12:29:30Z"))).encode()),
    NOT_GZIP: b"this is not a log file",
    EMPTY: b"",
    APRIL: gzip.compress(('{"Records":[%s]}' % record("r0", "2024-04-19T23:58:00Z")).encode()),
    DIGEST: gzip.compress(b'{"awsAccountId":"123456789012"}'),
    "records.jsonl": (record("r5", "2024-05-01T08:00:00Z") + "\n").encode(),
}


def ids(stdout):
    """The eventIDs of render's messages, in order (from the console link)."""
    return re.findall(r"#/events/(r\d)\|", stdout)


entry = s3rver_harness.install(S3RVER_PACKAGE, S3RVER_INSTALL)
data_dir = tempfile.TemporaryDirectory(prefix="iam-audit-s3rver-")
server = s3rver_harness.start(entry, data_dir.name)
try:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    env = dict(os.environ, AWS_ACCESS_KEY_ID=s3rver_harness.ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=secret,
               AWS_REGION="us-east-1", AWS_ENDPOINT_URL_S3=server.endpoint)
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_ENDPOINT_URL", None)
    s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                      aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=secret)
    s3.create_bucket(Bucket="trail")
    for key, body in OBJECTS.items():
        s3.put_object(Bucket="trail", Key=key, Body=body)
    for i in range(1000):
        s3.put_object(Bucket="trail", Key="0noise/%04d.txt" % i, Body=b"x")

    def render(*args):
        r = subprocess.run([BIN, "render", *args], env=env, capture_output=True, text=True, timeout=300)
        check(secret not in r.stdout + r.stderr, f"render {args}: the secret key is printed")
        return r

    # The whole bucket: every file accounted for, in key order.
    r = render("s3://trail")
    check(ids(r.stdout) == ["r0", "r1", "r2", "r3", "r4", "r5"], f"whole bucket: records {ids(r.stdout)}")
    check(r.returncode == 2, f"whole bucket: exit {r.returncode} (two bad files)")
    check(f"s3://trail/{NOT_GZIP}:1:1: log file: expected '{{\"Records\":[' at byte 0" in r.stderr,
          f"whole bucket: the non-gzip file is named: {r.stderr}")
    check(f"s3://trail/{EMPTY}:1:1: log file: empty" in r.stderr, f"whole bucket: the empty file is named: {r.stderr}")
    check("skipped 1 digest file\n" in r.stderr, f"whole bucket: digest reported: {r.stderr}")
    check("6 rendered, 2 failed" in r.stderr, f"whole bucket: summary: {r.stderr}")

    # A prefix, since inclusive and until exclusive: 11:59:59 is in, 12:29:30 out;
    # the April file is not read (its key is before --since).
    r = render("s3://trail/AWSLogs/123456789012/", "--since", "2024-05-01T11:59:59Z",
               "--until", "2024-05-01T12:29:30Z")
    check(ids(r.stdout) == ["r2", "r3"], f"since/until: records {ids(r.stdout)}")
    check("skipped 1 digest file, 1 log file outside the selection, 2 records outside the time range" in r.stderr,
          f"since/until: skipped: {r.stderr}")

    # An account that is not in the bucket: no log file is read.
    r = render("s3://trail/AWSLogs/", "--account", "999999999999")
    check(r.returncode == 0 and ids(r.stdout) == [], f"account: exit {r.returncode}, records {ids(r.stdout)}")
    check("skipped 1 digest file, 5 log files outside the selection" in r.stderr, f"account: {r.stderr}")

    # One object named in full; --until 11:59:59 is exclusive.
    r = render("s3://trail/" + LOG_1200, "--until", "2024-05-01T11:59:59Z")
    check(ids(r.stdout) == ["r1"] and "skipped 1 record outside the time range" in r.stderr,
          f"one object, until: {ids(r.stdout)} {r.stderr}")

    # A bucket that does not exist: S3's error, nothing read.
    r = render("s3://no-such-bucket/AWSLogs/")
    check(r.returncode == 2 and "NoSuchBucket" in r.stderr, f"missing bucket: exit {r.returncode}: {r.stderr}")
finally:
    server.stop()

if failures:
    sys.exit(f"{len(failures)} checks failed")
print("s3 sources: all checks passed")
