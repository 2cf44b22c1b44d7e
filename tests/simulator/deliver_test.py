#!/usr/bin/env python3
"""`iam-audit simulate --deliver s3|eventbridge` as a user runs it.

The bucket folder is read back with Python's own gzip, json and hashlib (not
the simulator's code): keys and their layout (hard-coded for records picked by
hand from fixtures/records), each log file's bytes, ETags and sizes, and the
notifications' links to the objects.

Usage: deliver_test.py IAM_AUDIT_BIN FIXTURE_RECORDS_DIR
"""
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

BIN, RECORDS = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(*args, stdin=None):
    return subprocess.run([BIN, "simulate", *args], input=stdin, capture_output=True, text=True)


def objects(root):
    """key → bytes for every *.json.gz below root."""
    found = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith(".json.gz"):
                path = os.path.join(dirpath, name)
                found[os.path.relpath(path, root)] = open(path, "rb").read()
    return found


def notifications(root):
    d = os.path.join(root, "notifications")
    return [json.load(open(os.path.join(d, n))) for n in sorted(os.listdir(d))]


with tempfile.TemporaryDirectory() as tmp:
    # 1. The fixture set: hand-picked records and the keys CloudTrail would use.
    out = os.path.join(tmp, "bucket")
    r = run("--deliver", "s3", "--bucket", "trail-bucket", "--out", out, "--seed", "5", RECORDS)
    check(r.returncode == 0, f"fixtures: exit {r.returncode}: {r.stderr}")
    check("20 records: 20 delivered in 17 log files" in r.stderr, "fixtures: summary line: " + r.stderr)
    objs = objects(out)
    check(len(objs) == 17, f"fixtures: {len(objs)} objects")
    uniq = "[A-Za-z0-9]{16}"
    expected = {
        # root_alias_api_call (08:02:41) and root_console_login (08:00:05): one
        # file for 08:00-08:05, delivered 08:05; console login first by time.
        "AWSLogs/123456789012/CloudTrail/us-east-1/2023/03/01/123456789012_CloudTrail_us-east-1_20230301T0805Z_":
            ["root_console_login.json", "root_alias_api_call.json"],
        # web_identity_user_ipv6 at 2022-12-24T23:59:59Z is delivered at midnight: next day's folder.
        "AWSLogs/123456789012/CloudTrail/ap-southeast-1/2022/12/25/123456789012_CloudTrail_ap-southeast-1_20221225T0000Z_":
            ["web_identity_user_ipv6.json"],
        # console_login_failure_password 16:23:58 and console_login_success_no_mfa 16:24:34.
        "AWSLogs/123456789012/CloudTrail/us-east-1/2022/11/10/123456789012_CloudTrail_us-east-1_20221110T1625Z_":
            ["console_login_failure_password.json", "console_login_success_no_mfa.json"],
        # access_denied 16:30:02: the next window.
        "AWSLogs/123456789012/CloudTrail/us-east-1/2022/11/10/123456789012_CloudTrail_us-east-1_20221110T1635Z_":
            ["access_denied.json"],
        # aws_account_cross_account: recipientAccountId 123456789012 (userIdentity's is 111122223333).
        "AWSLogs/123456789012/CloudTrail/us-east-1/2022/09/14/123456789012_CloudTrail_us-east-1_20220914T0735Z_":
            ["aws_account_cross_account.json"],
    }
    for prefix, files in expected.items():
        matches = [k for k in objs if re.fullmatch(re.escape(prefix) + uniq + r"\.json\.gz", k)]
        check(len(matches) == 1, f"fixtures: one object {prefix}*, got {matches}")
        if not matches:
            continue
        body = gzip.decompress(objs[matches[0]]).decode("utf-8")
        # A single-record file's record is its document: the text without the
        # surrounding blank space.
        want = '{"Records":[' + ",".join(open(os.path.join(RECORDS, f)).read().strip() for f in files) + "]}"
        check(body == want, f"fixtures: bytes of {matches[0]}")
    for key, data in objs.items():
        doc = json.loads(gzip.decompress(data))
        check(list(doc) == ["Records"] and len(doc["Records"]) >= 1, f"fixtures: {key} is a log file")
    # The S3 event of each object names it, with its size and MD5.
    notes = notifications(out)
    check(len(notes) == 17, f"fixtures: {len(notes)} notifications")
    seen = set()
    for n in notes:
        obj = n["Records"][0]["s3"]["object"]
        key = obj["key"]  # nothing to decode in these keys
        seen.add(key)
        data = objs.get(key)
        check(data is not None, f"notification names a missing object {key}")
        if data is not None:
            check(obj["size"] == len(data), f"{key}: size")
            check(obj["eTag"] == hashlib.md5(data).hexdigest(), f"{key}: eTag")
        check(n["Records"][0]["s3"]["bucket"]["name"] == "trail-bucket", "bucket name")
    check(seen == set(objs), "one notification per object")
    # Delivery order: the sequencers and the eventTimes grow.
    seqs = [n["Records"][0]["s3"]["object"]["sequencer"] for n in notes]
    check(seqs == sorted(seqs), "sequencers in delivery order")

    # Determinism: the same seed gives the same bytes.
    out2 = os.path.join(tmp, "bucket2")
    run("--deliver", "s3", "--bucket", "trail-bucket", "--out", out2, "--seed", "5", RECORDS)
    check(objects(out2) == objs, "same seed, same objects")
    check(notifications(out2) == notes, "same seed, same notifications")

    # 2. Exact bytes, time order within a file, an organization trail and a key
    # prefix with a space and a '+', through SNS then SQS.
    lines = [
        '{"eventTime":"2024-01-01T10:04:59Z","awsRegion":"eu-west-1","recipientAccountId":"111122223333","eventSource":"iam.amazonaws.com","x":"b\\u00e9"}',
        '{"eventTime":"2024-01-01T10:00:00Z", "awsRegion":"eu-west-1","recipientAccountId":"111122223333","x":1.50,"eventSource":"sts.amazonaws.com"}',
        '{"eventTime":"2024-01-01T10:05:00Z","awsRegion":"eu-west-1","recipientAccountId":"111122223333","eventSource":"s3.amazonaws.com"}',
    ]
    jsonl = os.path.join(tmp, "in.jsonl")
    open(jsonl, "w").write("\n".join(lines) + "\n")
    out3 = os.path.join(tmp, "org")
    r = run("--deliver", "s3", "--bucket", "org-trail", "--prefix", "my logs+x", "--org-id", "o-aa11bb22cc",
            "--envelope", "sns-sqs", "--out", out3, jsonl)
    check(r.returncode == 0, f"org: exit {r.returncode}: {r.stderr}")
    objs = objects(out3)
    first = [k for k in objs if "_20240101T1005Z_" in k]
    check(len(objs) == 2 and len(first) == 1, f"org: objects {sorted(objs)}")
    if first:
        key = first[0]
        check(key.startswith("my logs+x/AWSLogs/o-aa11bb22cc/111122223333/CloudTrail/eu-west-1/2024/01/01/"
                             "111122223333_CloudTrail_eu-west-1_20240101T1005Z_"), f"org: key {key}")
        check(gzip.decompress(objs[key]).decode() == '{"Records":[' + lines[1] + "," + lines[0] + "]}",
              "org: records in eventTime order, bytes kept")
        sqs = notifications(out3)[0]["Records"][0]
        check(sqs["eventSource"] == "aws:sqs", "org: SQS record")
        check(sqs["md5OfBody"] == hashlib.md5(sqs["body"].encode()).hexdigest(), "org: md5OfBody")
        sns = json.loads(sqs["body"])
        check(sns["Type"] == "Notification" and sns["Subject"] == "Amazon S3 Notification", "org: SNS document")
        s3 = json.loads(sns["Message"])["Records"][0]["s3"]["object"]
        check(s3["key"] == key.replace("+", "%2B").replace(" ", "+"), f"org: encoded key {s3['key']}")
        check(s3["eTag"] == hashlib.md5(objs[key]).hexdigest(), "org: eTag")

    # CloudTrail's own SNS notification names the key as is.
    out4 = os.path.join(tmp, "ctsns")
    r = run("--deliver", "s3", "--bucket", "org-trail", "--prefix", "my logs+x", "--envelope", "cloudtrail-sns",
            "--out", out4, jsonl)
    check(r.returncode == 0, f"cloudtrail-sns: exit {r.returncode}: {r.stderr}")
    msg = json.loads(notifications(out4)[0]["Records"][0]["Sns"]["Message"])
    check(msg["s3Bucket"] == "org-trail" and len(msg["s3ObjectKey"]) == 1 and msg["s3ObjectKey"][0] in objects(out4),
          f"cloudtrail-sns: message {msg}")

    # 3. Bad input: reported with its place, the rest still delivered, exit 2.
    badf = os.path.join(tmp, "bad.jsonl")
    open(badf, "w").write(lines[0] + "\n" + '{"eventName":"NoTime"}' + "\n" + "{not json\n")
    out5 = os.path.join(tmp, "bad")
    r = run("--deliver", "s3", "--bucket", "b", "--out", out5, badf)
    check(r.returncode == 2, f"bad input: exit {r.returncode}")
    check(f"{badf}:2:1: record 1: record has no eventTime" in r.stderr, "bad input: no eventTime: " + r.stderr)
    check(f"{badf}:3:" in r.stderr and "record 2:" in r.stderr, "bad input: bad JSON: " + r.stderr)
    check(len(objects(out5)) == 1, "bad input: the good record is delivered")

    # Options: errors name the option; an earlier run is not overwritten by surprise.
    for args, text in [
        (["--deliver", "s3", "--out", out5], "--deliver s3 needs --bucket NAME"),
        (["--deliver", "s3", "--bucket", "b"], "--deliver s3 needs --out DIR"),
        (["--deliver", "s3", "--bucket", "b", "--out", out5], "not empty (use --overwrite"),
        (["--deliver", "s3", "--bucket", "b", "--out", out5 + "x", "--org-id", "o-X"], "--org-id 'o-X'"),
        (["--deliver", "s3", "--bucket", "b", "--out", out5 + "y", "--envelope", "kinesis"], "--envelope 'kinesis'"),
        (["--deliver", "s3", "--bucket", "b", "--out", out5 + "z", "--invoke", "http://127.0.0.1:1"],
         "--invoke works only with --deliver cloudwatch"),
        (["--bucket", "b"], "need --deliver s3 or eventbridge"),
        (["--endpoint", "http://127.0.0.1:1"], "need --deliver s3 or eventbridge"),
        (["--deliver", "eventbridge", "--bucket", "b"], "--bucket, --prefix and --org-id work only with --deliver s3"),
        (["--deliver", "eventbridge", "--endpoint", "http://127.0.0.1:1"], "--endpoint works only with --deliver s3"),
        (["--deliver", "eventbridge", "--envelope", "sns"], "with --deliver eventbridge, expected eventbridge or sqs"),
    ]:
        r = run(*args, jsonl)
        check(r.returncode == 2 and text in r.stderr, f"option error {args}: exit {r.returncode}: {r.stderr}")
    r = run("--deliver", "s3", "--bucket", "b", "--out", out5, "--overwrite", jsonl)
    check(r.returncode == 0 and len(objects(out5)) == 2, f"--overwrite: exit {r.returncode}, {sorted(objects(out5))}")
    check(len(os.listdir(os.path.join(out5, "notifications"))) == 2, "--overwrite: old notifications removed")

    # 4. --deliver eventbridge: one event per record on stdout, detail = the record.
    r = run("--deliver", "eventbridge", jsonl)
    check(r.returncode == 0, f"eventbridge: exit {r.returncode}: {r.stderr}")
    events = [json.loads(l) for l in r.stdout.splitlines()]
    check(len(events) == 3, f"eventbridge: {len(events)} events")
    for e, line in zip(events, lines):
        check(e["detail"] == json.loads(line), "eventbridge: detail")
    login = os.path.join(RECORDS, "root_console_login.json")
    r = run("--deliver", "eventbridge", "--envelope", "sqs", login)
    sqs = json.loads(r.stdout)["Records"][0]
    event = json.loads(sqs["body"])
    check(event["detail-type"] == "AWS Console Sign In via CloudTrail" and event["source"] == "aws.signin"
          and event["account"] == "123456789012" and event["region"] == "us-east-1"
          and event["time"] == "2023-03-01T08:00:05Z", f"eventbridge sqs: {event}")
    check(sqs["md5OfBody"] == hashlib.md5(sqs["body"].encode()).hexdigest(), "eventbridge sqs: md5OfBody")
    check(sqs["attributes"]["SentTimestamp"] == "1677657605000", "eventbridge sqs: SentTimestamp")

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failures", file=sys.stderr)
sys.exit(1 if failures else 0)
