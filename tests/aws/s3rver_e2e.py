#!/usr/bin/python3
"""The S3 client end to end against s3rver, an S3-compatible server, on
loopback with path-style addressing through AWS_ENDPOINT_URL_S3.

s3rver is pinned in tests/aws/s3rver/package.json and package-lock.json and
installed by `npm ci` into the build tree, then started, by s3rver_harness.py.
Objects are put by botocore's S3 client (Debian's python3-botocore), then read
back by s3_test_tool (our client): a multi-MB object in bounded chunks, odd
keys, ListObjectsV2 pages, NoSuchKey / NoSuchBucket / InvalidAccessKeyId
errors, and https with a verified (and an unverifiable) certificate. The
other way round, objects put by our client's PutObject are read back by
botocore. Fails (never skips) when s3rver cannot be installed or started.

What s3rver does not check (covered elsewhere): it does not verify SigV4
signatures, only that the access key exists (signatures: sigv4_test.cc and
botocore_compare.py); a ranged GET of an empty object hangs in s3rver 3.7.1
where S3 answers 416 InvalidRange (s3_retry_test.py covers that answer).

usage: s3rver_e2e.py S3_TEST_TOOL PACKAGE_DIR BUILD_DIR
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


import s3rver_harness

TOOL, PACKAGE_DIR, BUILD_DIR = sys.argv[1:4]
BUCKET = "iam-audit-test"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run_tool(args, env_extra, drop=()):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in drop}
    env.update(env_extra)
    r = subprocess.run([TOOL] + args, env=env, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout, r.stderr


def put(key, body, env, extra=(), bucket=BUCKET):
    """s3_test_tool put of `body` (bytes) as `key`: (exit status, stdout, stderr)."""
    with tempfile.NamedTemporaryFile(prefix="iam-audit-put-") as f:
        f.write(body)
        f.flush()
        return run_tool(["put", bucket, key, "--body-file", f.name, *extra], env)


def main():
    entry = s3rver_harness.install(PACKAGE_DIR, BUILD_DIR)
    data_dir = tempfile.mkdtemp(prefix="iam-audit-s3rver-")
    server = s3rver_harness.start(entry, data_dir, buckets=[BUCKET])
    try:
        endpoint = server.endpoint
        s3 = s3rver_harness.client(endpoint)
        objects = {}
        big = os.urandom(5 * 1024 * 1024 + 123)
        objects["big/object.bin"] = big
        odd = ["AWSLogs/123/CloudTrail/a b+c~d=e.json.gz", "AWSLogs/123/CloudTrail/\u00e9\u4e2d\U0001f642.json.gz",
               "AWSLogs/123/CloudTrail/x/y/z(1)!*'.json.gz"]
        for n, key in enumerate(odd):
            objects[key] = f"odd {n}".encode() * 100
        for n in range(25):
            objects[f"AWSLogs/123/CloudTrail/log-{n:03d}.json.gz"] = os.urandom(100 + n)
        for key, body in objects.items():
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)

        env = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_REGION": "us-east-1",
               "AWS_ENDPOINT_URL_S3": endpoint}

        # A multi-MB object in 1 MiB chunks: 6 chunks, none larger.
        rc, out, err = run_tool(["get", BUCKET, "big/object.bin", "--chunk-bytes", str(1 << 20)], env)
        check(rc == 0, f"get big/object.bin exits 0 ({err.strip()})")
        if rc == 0:
            got = json.loads(out)
            check(got["size"] == len(big), f"big object size {got['size']} == {len(big)}")
            check(got["sha256"] == hashlib.sha256(big).hexdigest(), "big object sha256 equal")
            check(got["chunks"] == 6, f"big object in 6 chunks (got {got['chunks']})")
            check(got["max_chunk"] <= 1 << 20, f"no chunk above 1 MiB (largest {got['max_chunk']})")

        for key in odd:
            rc, out, err = run_tool(["get", BUCKET, key], env)
            check(rc == 0, f"get {key!r} exits 0 ({err.strip()})")
            if rc == 0:
                got = json.loads(out)
                check(got["sha256"] == hashlib.sha256(objects[key]).hexdigest() and got["size"] == len(objects[key]),
                      f"get {key!r} body equal")

        # AWS_ENDPOINT_URL is the fallback when AWS_ENDPOINT_URL_S3 is unset.
        env_generic = dict(env)
        env_generic["AWS_ENDPOINT_URL"] = env_generic.pop("AWS_ENDPOINT_URL_S3")
        rc, out, err = run_tool(["get", BUCKET, odd[0]], env_generic)
        check(rc == 0, f"get through AWS_ENDPOINT_URL exits 0 ({err.strip()})")

        # ListObjectsV2 in pages of 4, against botocore's own listing.
        prefix = "AWSLogs/123/"
        expected = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
            expected += [[o["Key"], o["Size"]] for o in page.get("Contents", [])]
        check(len(expected) == 28, f"botocore lists 28 objects under {prefix} (got {len(expected)})")
        rc, out, err = run_tool(["list", BUCKET, "--prefix", prefix, "--max-keys", "4"], env)
        check(rc == 0, f"list --max-keys 4 exits 0 ({err.strip()})")
        if rc == 0:
            got = json.loads(out)
            check(got["objects"] == expected, "listing equals botocore's")
            check(got["pages"] == 7, f"28 keys in 7 pages of 4 (got {got['pages']})")
        start_after = expected[10][0]
        rc, out, err = run_tool(["list", BUCKET, "--prefix", prefix, "--start-after", start_after], env)
        check(rc == 0 and json.loads(out)["objects"] == expected[11:], f"list --start-after {start_after!r}")
        rc, out, err = run_tool(["list", BUCKET, "--prefix", "AWSLogs/123/CloudTrail/\u00e9"], env)
        check(rc == 0 and json.loads(out)["objects"] == [[odd[1], len(objects[odd[1]])]], "list with a unicode prefix")

        # A delimiter: keys with a '/' after the prefix are rolled up into
        # CommonPrefixes, also across pages of 2 (s3rver 3.7.1 reports a
        # folder only when it holds an object of its own).
        for key in ["delim/a.json", "delim/b/c.json", "delim/c/d.json", "delim/c/e.json", "delim/d.json"]:
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}")
        for extra in ([], ["--max-keys", "2"]):
            rc, out, err = run_tool(["list", BUCKET, "--prefix", "delim/", "--delimiter", "/", *extra], env)
            check(rc == 0, f"list --delimiter / {extra} exits 0 ({err.strip()})")
            if rc == 0:
                got = json.loads(out)
                check(got["common_prefixes"] == ["delim/b/", "delim/c/"],
                      f"common prefixes {extra}: {got['common_prefixes']}")
                check(got["objects"] == [["delim/a.json", 2], ["delim/d.json", 2]], f"objects {extra}: {got['objects']}")

        # PutObject by our client, read back by botocore. Bodies and digests
        # written out by hand: MD5("abc") from RFC 1321's test suite.
        rc, out, err = put("put/abc.txt", b"abc", env, ["--content-type", "text/plain"])
        check(rc == 0 and json.loads(out) == {"etag": '"900150983cd24fb0d6963f7d28e17f72"'},
              f"put abc: the ETag is its MD5 ({out.strip()} {err.strip()})")
        got = s3.get_object(Bucket=BUCKET, Key="put/abc.txt")
        check(got["Body"].read() == b"abc", "put abc: botocore reads back b'abc'")
        check(got["ContentType"] == "text/plain", f"put abc: Content-Type {got['ContentType']}")
        # An odd key, binary bytes, no Content-Type (S3's default is binary/octet-stream).
        odd_put = "put/a b+c~d=e/\u00e9\u4e2d(1)!*'.bin"
        rc, out, err = put(odd_put, b"\x1f\x8b\x08\x00\x00\xff\r\n\x00end", env)
        check(rc == 0, f"put {odd_put!r} exits 0 ({err.strip()})")
        got = s3.get_object(Bucket=BUCKET, Key=odd_put)
        check(got["Body"].read() == b"\x1f\x8b\x08\x00\x00\xff\r\n\x00end", f"put {odd_put!r}: bytes read back")
        check(got["ContentType"] == "binary/octet-stream", f"put {odd_put!r}: Content-Type {got['ContentType']}")
        # A multi-MB body in one request; then the same key overwritten.
        rc, out, err = put("put/big.bin", b"0123456789abcdef" * (384 * 1024), env)
        check(rc == 0, f"put of 6 MiB exits 0 ({err.strip()})")
        got = s3.get_object(Bucket=BUCKET, Key="put/big.bin")["Body"].read()
        check(got == b"0123456789abcdef" * (384 * 1024), f"put of 6 MiB: {len(got)} bytes read back, equal")
        rc, out, err = put("put/big.bin", b"", env)
        check(rc == 0 and json.loads(out) == {"etag": '"d41d8cd98f00b204e9800998ecf8427e"'},
              f"put of an empty body over it: the ETag is MD5('') ({out.strip()} {err.strip()})")
        check(s3.get_object(Bucket=BUCKET, Key="put/big.bin")["Body"].read() == b"",
              "put of an empty body: botocore reads back nothing")
        rc, out, err = put("k", b"abc", env, bucket="no-such-bucket")
        check(rc == 1 and err.startswith(
            "error (not_found): s3: PutObject s3://no-such-bucket/k: NoSuchBucket: The specified bucket does not exist")
            and "(HTTP 404" in err, f"NoSuchBucket error (PutObject): {err.strip()}")
        rc, out, err = run_tool(["put", BUCKET, "", "--body-file", "/dev/null"], env)
        check(rc == 1 and err.strip() == f"error (invalid_argument): s3: PutObject s3://{BUCKET}: the key is empty",
              f"put with an empty key: {err.strip()}")

        # Errors: S3's Code and Message with the operation, bucket and key.
        rc, out, err = run_tool(["get", BUCKET, "no/such key.json.gz"], env)
        check(rc == 1 and err.startswith(
            f"error (not_found): s3: GetObject s3://{BUCKET}/no/such key.json.gz: NoSuchKey: "
            "The specified key does not exist. (HTTP 404"), f"NoSuchKey error: {err.strip()}")
        rc, out, err = run_tool(["get", "no-such-bucket", "k"], env)
        check(rc == 1 and err.startswith(
            "error (not_found): s3: GetObject s3://no-such-bucket/k: NoSuchBucket: The specified bucket does not exist"),
            f"NoSuchBucket error (GetObject): {err.strip()}")
        rc, out, err = run_tool(["list", "no-such-bucket"], env)
        check(rc == 1 and err.startswith(
            "error (not_found): s3: ListObjectsV2 s3://no-such-bucket: NoSuchBucket: "
            "The specified bucket does not exist"), f"NoSuchBucket error (ListObjectsV2): {err.strip()}")

        # An unknown access key: s3rver answers InvalidAccessKeyId; neither the
        # secret, the session token nor the signature may reach the message.
        bad = dict(env, AWS_ACCESS_KEY_ID="AKIAUNKNOWN", AWS_SECRET_ACCESS_KEY="Wr0ngSecretKeyWr0ngSecretKey",
                   AWS_SESSION_TOKEN="TokenXyzzy123")
        rc, out, err = run_tool(["get", BUCKET, odd[0]], bad)
        check(rc == 1 and err.startswith(
            f"error (invalid_argument): s3: GetObject s3://{BUCKET}/{odd[0]}: InvalidAccessKeyId: "
            "The AWS Access Key Id you provided does not exist in our records. (HTTP 403"),
            f"InvalidAccessKeyId error: {err.strip()}")
        check("Wr0ngSecretKey" not in err + out and "TokenXyzzy123" not in err + out,
              "no secret key or session token in the output")
        check(re.search(r"[0-9a-f]{64}", err) is None and "Signature" not in err,
              "no signature in the error")

        # Over https: s3rver with a self-signed certificate for 127.0.0.1 on
        # the same data; verified against that certificate as the CA bundle,
        # refused against the system bundle.
        tls_dir = os.path.join(data_dir, "tls")
        os.makedirs(tls_dir)
        key_pem, cert_pem = os.path.join(tls_dir, "key.pem"), os.path.join(tls_dir, "cert.pem")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key_pem, "-out",
                            cert_pem, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "openssl made a self-signed certificate" + ("" if r.returncode == 0 else r.stderr))
        tls_server = s3rver_harness.start(entry, data_dir, buckets=[BUCKET],
                                          tls_args=["--key", key_pem, "--cert", cert_pem])
        tls_port = tls_server.port
        try:
            tls_env = dict(env, AWS_ENDPOINT_URL_S3=f"https://127.0.0.1:{tls_port}", IAM_AUDIT_CA_BUNDLE=cert_pem)
            rc, out, err = run_tool(["get", BUCKET, "big/object.bin", "--chunk-bytes", str(2 << 20)], tls_env)
            check(rc == 0 and json.loads(out)["sha256"] == hashlib.sha256(big).hexdigest(),
                  f"get over https, verified ({err.strip()})")
            rc, out, err = run_tool(["list", BUCKET, "--prefix", prefix, "--max-keys", "10"], tls_env)
            check(rc == 0 and json.loads(out)["objects"] == expected, f"list over https ({err.strip()})")
            rc, out, err = put("put/over-https.txt", b"sent over https\n", tls_env)
            check(rc == 0, f"put over https, verified ({err.strip()})")
            check(s3.get_object(Bucket=BUCKET, Key="put/over-https.txt")["Body"].read() == b"sent over https\n",
                  "put over https: botocore reads it back")
            untrusted = dict(tls_env, IAM_AUDIT_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt")
            rc, out, err = run_tool(["get", BUCKET, odd[0]], untrusted)
            check(rc == 1 and f"https: certificate verification failed for https://127.0.0.1:{tls_port}" in err
                  and f"GetObject s3://{BUCKET}/" in err, f"an untrusted certificate is refused ({err.strip()})")
        finally:
            tls_server.stop()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
