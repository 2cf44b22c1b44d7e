#!/usr/bin/python3
"""The handler reading a CloudTrail log file from s3rver (an S3-compatible
server on loopback) for an S3 notification: the real S3 client, path-style
through AWS_ENDPOINT_URL_S3, in ranged GETs of 256 bytes.

This script starts s3rver (s3rver_harness.py), puts one gzip log file under a
key with a space and a '+' in its trail prefix, then runs the hidden Catch2
test "[.s3rver]" of iam_audit_handler_tests (tests/handler/input_test.cc) with
the endpoint in the environment; that test sends the handler S3's
notification for the key (URL-encoded by hand) and checks the summary. Fails
(never skips) when s3rver cannot be installed or started.

The file: 30 records; records 0, 10 and 20 are an assumed role's (the default
IAM_AUDIT_FILTER_PATTERN does not match them), the others IAM user alice's
CreateUser with eventID s3rver-N.

usage: s3rver_handler_test.py LAMBDA_TESTS PACKAGE_DIR BUILD_DIR
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile


import s3rver_harness

TESTS, PACKAGE_DIR, BUILD_DIR = sys.argv[1:4]
BUCKET = "trail-bucket"
KEY = ("my trail+x/AWSLogs/111122223333/CloudTrail/us-east-1/2022/06/21/"
       "111122223333_CloudTrail_us-east-1_20220621T1400Z_s3rverTEST000001.json.gz")


def record(n):
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole" if n % 10 == 0 else "IAMUser", "principalId": "AIDAEXAMPLE",
                         "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333",
                         "userName": "alice"},
        "eventTime": "2022-06-21T13:56:13Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": "CreateUser",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.5",
        "userAgent": "aws-cli/2",
        "eventID": f"s3rver-{n}",
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
    }


def main():
    entry = s3rver_harness.install(PACKAGE_DIR, BUILD_DIR)
    data_dir = tempfile.mkdtemp(prefix="iam-audit-s3rver-handler-")
    server = s3rver_harness.start(entry, data_dir, buckets=[BUCKET])
    try:
        s3 = s3rver_harness.client(server.endpoint)
        body = gzip.compress(json.dumps({"Records": [record(n) for n in range(30)]}).encode())
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_REGION": "us-east-1",
                    "AWS_ENDPOINT_URL_S3": server.endpoint})
        r = subprocess.run([TESTS, "[.s3rver]"], env=env, capture_output=True, text=True, timeout=120)
        sys.stdout.write(r.stdout + r.stderr)
        if r.returncode != 0:
            sys.exit(f"FAIL: {TESTS} [.s3rver] exited {r.returncode}")
        if "1 test case" not in r.stdout and "All tests passed" not in r.stdout:
            sys.exit("FAIL: the [.s3rver] test case did not run")
        print("ok   the handler read the log file from s3rver")
    finally:
        server.stop()


main()
