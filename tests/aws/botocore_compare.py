#!/usr/bin/python3
"""Our SigV4 Authorization headers against botocore's S3SigV4Auth.

Generates N GetObject / ListObjectsV2 requests with awkward keys, prefixes
and tokens (spaces, '+', '~', '=', '/', '%', unicode), signs each with
botocore (Debian's python3-botocore, fixed credentials and a fixed clock) and
with ours (s3_test_tool sign), and requires the Authorization headers, the
Host and the request path to be equal, byte for byte.

usage: botocore_compare.py S3_TEST_TOOL [N]
"""
import datetime
import json
import random
import subprocess
import sys
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest
from botocore.utils import percent_encode

TOOL = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 400
rng = random.Random(20261206)

ALPHABET = list("abcXYZ019-_.~ +=/%&?#!*'(),;:@$") + ["é", "中", "🙂", "ü"]


def odd_text(lo, hi):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(lo, hi)))


def make_case(i):
    bucket = rng.choice(["trail-logs", "my-bucket-123", "logs.example.com", "abc"])
    region = rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2"])
    creds = {
        "access_key_id": "AKIDEXAMPLE" + str(i % 7),
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" + str(i % 3),
    }
    if rng.random() < 0.5:
        creds["session_token"] = "IQoJb3JpZ2luX2VjE" + odd_text(5, 20).replace(" ", "x")
    endpoint = rng.choice(["", "", "http://127.0.0.1:4568", "https://s3.local.test", "http://localhost:80"])
    ts = datetime.datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59),
                           rng.randint(0, 59))
    case = {"bucket": bucket, "region": region, "endpoint_url": endpoint,
            "amz_date": ts.strftime("%Y%m%dT%H%M%SZ"), **creds}
    if rng.random() < 0.5:
        case["op"] = "get"
        key = odd_text(1, 40)
        case["key"] = key
        if rng.random() < 0.5:
            start = rng.randint(0, 1 << 30)
            case["range"] = f"bytes={start}-{start + (8 << 20) - 1}"
    else:
        case["op"] = "list"
        if rng.random() < 0.7:
            case["prefix"] = odd_text(1, 20)
        if rng.random() < 0.4:
            case["continuation-token"] = odd_text(10, 40)
        if rng.random() < 0.3:
            case["start-after"] = odd_text(1, 30)
        if rng.random() < 0.5:
            case["max-keys"] = str(rng.randint(1, 1000))
    return case, ts


def botocore_sign(case, ts):
    """The request as botocore's S3 client builds it (path-style with an
    endpoint override, virtual-hosted on AWS unless the bucket has dots),
    signed by S3SigV4Auth."""
    bucket = case["bucket"]
    if case["endpoint_url"]:
        base = case["endpoint_url"] + "/" + bucket
    elif "." in bucket:
        base = f"https://s3.{case['region']}.amazonaws.com/{bucket}"
    else:
        base = f"https://{bucket}.s3.{case['region']}.amazonaws.com"
    headers = {}
    params = {}
    if case["op"] == "get":
        url = base + "/" + percent_encode(case["key"], safe="/~")
        if "range" in case:
            headers["Range"] = case["range"]
    else:
        url = base if case["endpoint_url"] or "." in bucket else base + "/"
        params["list-type"] = "2"
        params["encoding-type"] = "url"  # botocore's S3 client sets it on every ListObjectsV2
        for name in ("prefix", "continuation-token", "start-after", "max-keys"):
            if name in case:
                params[name] = case[name]
    request = AWSRequest(method="GET", url=url, headers=headers, params=params)
    credentials = botocore.credentials.Credentials(case["access_key_id"], case["secret_access_key"],
                                                   case.get("session_token"))
    auth = botocore.auth.S3SigV4Auth(credentials, "s3", case["region"])
    with mock.patch("botocore.auth.datetime") as fake:
        fake.datetime.utcnow.return_value = ts
        auth.add_auth(request)
    split = urlsplit(url)
    host = split.netloc
    if (split.scheme, split.port) in (("http", 80), ("https", 443)):
        host = split.hostname
    return request.headers["Authorization"], host, split.path


def main():
    cases = [make_case(i) for i in range(N)]
    lines = "".join(json.dumps(c) + "\n" for c, _ in cases)
    out = subprocess.run([TOOL, "sign"], input=lines, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        print("s3_test_tool sign failed:", out.stderr, file=sys.stderr)
        return 1
    ours = [json.loads(line) for line in out.stdout.splitlines()]
    if len(ours) != N:
        print(f"expected {N} answers, got {len(ours)}", file=sys.stderr)
        return 1
    failures = 0
    counts = {"get": 0, "list": 0, "token": 0, "odd-key": 0}
    for (case, ts), mine in zip(cases, ours):
        auth, host, path = botocore_sign(case, ts)
        mine_path = mine["target"].split("?", 1)[0]
        if (mine["authorization"], mine["host"], mine_path) != (auth, host, path):
            failures += 1
            if failures <= 5:
                print("MISMATCH for", json.dumps(case, ensure_ascii=False), file=sys.stderr)
                print("  botocore:", auth, host, path, file=sys.stderr)
                print("  ours:    ", mine["authorization"], mine["host"], mine_path, file=sys.stderr)
                print("  our canonical request:\n" + mine["canonical_request"], file=sys.stderr)
        counts[case["op"]] += 1
        counts["token"] += "session_token" in case
        counts["odd-key"] += any(ch in case.get("key", "") + case.get("prefix", "") for ch in " +~=%é中🙂")
    print(f"{N - failures}/{N} Authorization headers equal botocore's ({counts})")
    # Every kind of request must have been generated, or the comparison proves little.
    if min(counts.values()) < N // 10:
        print("too few of some kind of request:", counts, file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
