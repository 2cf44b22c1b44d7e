#!/usr/bin/python3
"""iam-audit test-filter over s3://bucket/prefix against s3rver (an
S3-compatible server on loopback, tests/aws/s3rver_harness.py): the same
CloudTrail log files read from a bucket and from a folder give the same
matches, named s3://bucket/key; --jobs does not change the output; a
truncated object is reported by its s3:// name and counted (exit 1).
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
server = s3rver_harness.start(entry, tempfile.mkdtemp(prefix="iam-audit-s3rver-"), buckets=[BUCKET])
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
finally:
    server.stop()

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failures")
sys.exit(1 if failures else 0)
