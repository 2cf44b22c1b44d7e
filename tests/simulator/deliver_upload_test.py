#!/usr/bin/env python3
"""`iam-audit simulate --deliver s3 --endpoint URL` into a real S3-compatible
server (s3rver, pinned in tests/aws/s3rver and installed into the build tree
by tests/aws/s3rver_harness.py), read back with boto3: every object's key,
bytes and ETag must be those written to --out. s3rver does not check
signatures (only that the access key is one it knows), so a second run goes to
a recording server and each request's Authorization header is recomputed with
botocore's S3SigV4Auth (same headers, same clock). A missing node, npm, s3rver
or boto3 fails the test.

Usage: deliver_upload_test.py IAM_AUDIT_BIN FIXTURE_RECORDS_DIR S3RVER_PACKAGE_DIR S3RVER_INSTALL_DIR
"""
import datetime
import hashlib
import http.server
import os
import re
import threading
from unittest import mock
import subprocess
import sys
import tempfile

import boto3
import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "aws"))
import s3rver_harness  # noqa: E402

BIN, RECORDS, S3RVER_PACKAGE, S3RVER_INSTALL = sys.argv[1:5]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


entry = s3rver_harness.install(S3RVER_PACKAGE, S3RVER_INSTALL)
data_dir = tempfile.TemporaryDirectory(prefix="iam-audit-s3rver-")
server = s3rver_harness.start(entry, data_dir.name)
try:
    endpoint = server.endpoint
    # s3rver knows one access key (S3RVER) and accepts any secret, so the
    # secret is one that must not show up in any output.
    env = dict(os.environ, AWS_ACCESS_KEY_ID=s3rver_harness.ACCESS_KEY_ID,
               AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", AWS_REGION="us-east-1")
    env.pop("AWS_SESSION_TOKEN", None)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    s3.create_bucket(Bucket="trail-bucket")

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bucket")
        r = subprocess.run([BIN, "simulate", "--deliver", "s3", "--bucket", "trail-bucket", "--prefix", "my logs+x",
                            "--out", out, "--endpoint", endpoint, RECORDS], env=env, capture_output=True, text=True)
        check(r.returncode == 0, f"upload: exit {r.returncode}: {r.stderr}")
        local = {}
        for dirpath, _, names in os.walk(out):
            for name in names:
                if name.endswith(".json.gz"):
                    path = os.path.join(dirpath, name)
                    local[os.path.relpath(path, out)] = open(path, "rb").read()
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket="trail-bucket").get("Contents", [])]
        check(sorted(listed) == sorted(local), f"upload: keys {sorted(listed)} vs {sorted(local)}")
        check(len(local) == 17, f"upload: {len(local)} objects")
        for key, data in local.items():
            got = s3.get_object(Bucket="trail-bucket", Key=key)
            check(got["Body"].read() == data, f"upload: bytes of {key}")
            check(got["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"', f"upload: ETag of {key}")

        # A bucket that does not exist: S3's error code, exit 1, the run goes on.
        r = subprocess.run([BIN, "simulate", "--deliver", "s3", "--bucket", "no-such-bucket", "--out",
                            os.path.join(tmp, "b2"), "--endpoint", endpoint, RECORDS], env=env, capture_output=True,
                           text=True)
        check(r.returncode == 1, f"missing bucket: exit {r.returncode}")
        # Worded as the engine's S3 client words every S3 error: Code, Message, HTTP status.
        check(re.search(r"^iam-audit simulate: s3: PutObject s3://no-such-bucket/AWSLogs/\S+\.json\.gz: NoSuchBucket: "
                        r"The specified bucket does not exist \(HTTP 404\b", r.stderr, re.M) is not None,
              "missing bucket: " + r.stderr)
        check("; 17 writes or uploads failed" in r.stderr, "missing bucket: summary: " + r.stderr)
        check(env["AWS_SECRET_ACCESS_KEY"] not in r.stderr + r.stdout, "missing bucket: secret not printed")
        # No credentials: the variable is named.
        bare = {k: v for k, v in env.items() if not k.startswith("AWS_")}
        r = subprocess.run([BIN, "simulate", "--deliver", "s3", "--bucket", "b", "--endpoint", endpoint, RECORDS],
                           env=bare, capture_output=True, text=True)
        check(r.returncode == 2 and "AWS_ACCESS_KEY_ID" in r.stderr, f"no credentials: {r.returncode} {r.stderr}")
finally:
    server.stop()
    data_dir.cleanup()

# Signatures: every PUT re-signed by botocore must give the same Authorization.
received = []


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("ETag", '"' + hashlib.md5(body).hexdigest() + '"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


recorder = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
threading.Thread(target=recorder.serve_forever, daemon=True).start()
rport = recorder.server_address[1]
with tempfile.TemporaryDirectory() as tmp:
    for token in [None, "IQoJb3JpZ2luX2VjEXAMPLE+/token="]:
        received.clear()
        env2 = dict(env, AWS_REGION="eu-west-1")
        if token:
            env2["AWS_SESSION_TOKEN"] = token
        r = subprocess.run([BIN, "simulate", "--deliver", "s3", "--bucket", "trail-bucket", "--prefix", "my logs+x",
                            "--endpoint", f"http://127.0.0.1:{rport}", os.path.join(RECORDS, "root_console_login.json"),
                            os.path.join(RECORDS, "access_denied.json")], env=env2, capture_output=True, text=True)
        check(r.returncode == 0, f"signing: exit {r.returncode}: {r.stderr}")
        check(len(received) == 2, f"signing: {len(received)} requests")
        for path, headers, body in received:
            check(path.startswith("/trail-bucket/my%20logs%2Bx/AWSLogs/123456789012/CloudTrail/us-east-1/"),
                  f"signing: path {path}")
            ours = headers.get("authorization", "")
            signed = re.search(r"SignedHeaders=([^,]+)", ours)
            check(signed is not None, f"signing: Authorization {ours}")
            if signed is None:
                continue
            names = signed.group(1).split(";")
            check("x-amz-content-sha256" in names and "host" in names and "x-amz-date" in names,
                  f"signing: signed headers {names}")
            check(("x-amz-security-token" in names) == bool(token), f"signing: token signed {names}")
            check(headers["x-amz-content-sha256"] == hashlib.sha256(body).hexdigest(), "signing: payload hash")
            request = AWSRequest(method="PUT", url=f"http://127.0.0.1:{rport}{path}", data=body,
                                 headers={n: headers[n] for n in names
                                          if n not in ("host", "x-amz-date", "x-amz-security-token")})
            creds = botocore.credentials.Credentials(env2["AWS_ACCESS_KEY_ID"], env2["AWS_SECRET_ACCESS_KEY"], token)
            ts = datetime.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
            with mock.patch("botocore.auth.datetime") as fake:
                fake.datetime.utcnow.return_value = ts
                botocore.auth.S3SigV4Auth(creds, "s3", "eu-west-1").add_auth(request)
            check(request.headers["Authorization"] == ours,
                  f"signing: botocore {request.headers['Authorization']} vs ours {ours}")
recorder.shutdown()

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failures", file=sys.stderr)
sys.exit(1 if failures else 0)
