#!/usr/bin/python3
"""The S3 client's retries, deadline and error hygiene against a scripted
local server (Python's http.server on loopback, path-style through
AWS_ENDPOINT_URL_S3): 503 SlowDown and 500 InternalError are retried with
backoff; a server that never recovers ends in "gave up after N attempts" or,
with a short deadline, deadline_exceeded; S3's SignatureDoesNotMatch document
(which carries the string to sign and the signature) leaks no secret; a
zero-byte object, to whose Range S3 answers 416 InvalidRange, reads as empty;
a PutObject answered 503 SlowDown is sent again, the same body and signed
payload hash each time.

usage: s3_retry_test.py S3_TEST_TOOL
"""
import os
import re
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOOL = sys.argv[1]
SECRET = "SecretKeyThatMustNotLeak0123456789abcdef"
TOKEN = "SessionTokenThatMustNotLeak"
seen = {}
seen_headers = {}
put_bodies = []
lock = threading.Lock()

LIST_OK = (b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
           b"<Name>b</Name><IsTruncated>false</IsTruncated><Contents><Key>a</Key><Size>3</Size></Contents>"
           b"</ListBucketResult>")


def error_doc(code, message, extra=""):
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>{extra}'
            f"<RequestId>REQ123</RequestId></Error>").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "REQ123")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        with lock:
            n = seen[path] = seen.get(path, 0) + 1
            seen_headers[path] = dict(self.headers)
        if path == "/slow":  # ListObjectsV2: SlowDown twice, then the listing
            if n <= 2:
                return self.send(503, error_doc("SlowDown", "Please reduce your request rate."))
            return self.send(200, LIST_OK)
        if path == "/flaky/k":  # GetObject: one 500, then the object (Range ignored)
            if n == 1:
                return self.send(500, error_doc("InternalError", "We encountered an internal error."))
            return self.send(200, b"abc")
        if path.startswith("/down"):
            return self.send(503, error_doc("SlowDown", "Please reduce your request rate."))
        if path == "/sig/k":
            auth = self.headers.get("Authorization", "")
            sig = auth.rsplit("Signature=", 1)[-1]
            extra = (f"<AWSAccessKeyId>AKID</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20260101T000000Z\n"
                     f"x</StringToSign><SignatureProvided>{sig}</SignatureProvided>")
            return self.send(403, error_doc("SignatureDoesNotMatch", "The request signature we calculated does not "
                                            "match the signature you provided.", extra))
        if path == "/empty/k":  # S3's answer to a Range on a zero-byte object
            if self.headers.get("Range") != "bytes=0-8388607":
                return self.send(400, error_doc("InvalidRequest", "unexpected Range"))
            return self.send(416, error_doc("InvalidRange", "The requested range is not satisfiable"),
                             [("Content-Range", "bytes */0")])
        if path == "/changing/k":  # the object changes between two ranges
            if n == 1:
                return self.send(206, b"0123", [("Content-Range", "bytes 0-3/10"), ("ETag", '"v1"')])
            if self.headers.get("If-Match") != '"v1"' or self.headers.get("Range") != "bytes=4-7":
                return self.send(400, error_doc("InvalidRequest", "expected If-Match and the next range"))
            return self.send(412, error_doc("PreconditionFailed",
                                            "At least one of the pre-conditions you specified did not hold"))
        if path == "/badrange/k":  # a Content-Range that does not answer the request
            return self.send(206, b"5678", [("Content-Range", "bytes 5-8/10")])
        if path == "/moved/k":  # a bucket in another region
            return self.send(301, error_doc("PermanentRedirect", "The bucket you are attempting to access must be "
                                            "addressed using the specified endpoint."),
                             [("x-amz-bucket-region", "eu-west-1")])
        if path == "/echo/k":  # a server that quotes the request's secrets in its Message
            sig = self.headers.get("Authorization", "").rsplit("Signature=", 1)[-1]
            token = self.headers.get("X-Amz-Security-Token", "")
            return self.send(400, error_doc("InvalidRequest", f"bad signature {sig} for token {token}"))
        if path == "/bare/k":
            return self.send(404, b"")
        return self.send(400, error_doc("InvalidRequest", "unexpected path " + path))

    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with lock:
            n = seen[self.path] = seen.get(self.path, 0) + 1
            put_bodies.append((self.path, body, self.headers.get("x-amz-content-sha256"),
                               self.headers.get("Authorization", "")))
        if self.path == "/flakyput/k":  # PutObject: SlowDown once, then stored
            if n == 1:
                return self.send(503, error_doc("SlowDown", "Please reduce your request rate."))
            return self.send(200, b"", [("ETag", '"900150983cd24fb0d6963f7d28e17f72"')])
        return self.send(400, error_doc("InvalidRequest", "unexpected path " + self.path))


failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(args, port):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN,
                "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}"})
    r = subprocess.run([TOOL] + args, env=env, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr.strip()


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        rc, out, err = run(["list", "slow"], port)
        check(rc == 0 and '"objects":[["a",3]]' in out, f"SlowDown twice, then the listing ({err})")
        check(seen.get("/slow") == 3, f"3 requests for /slow (saw {seen.get('/slow')})")

        rc, out, err = run(["get", "flaky", "k"], port)
        check(rc == 0 and '"size":3' in out, f"InternalError once, then the object ({err})")
        check(seen.get("/flaky/k") == 2, f"2 requests for /flaky/k (saw {seen.get('/flaky/k')})")
        h = seen_headers.get("/flaky/k", {})
        check(h.get("X-Amz-Security-Token") == TOKEN, "the session token is sent as X-Amz-Security-Token")
        check(h.get("x-amz-content-sha256") ==
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              "x-amz-content-sha256 is the empty body's SHA-256")
        check("x-amz-security-token" in h.get("Authorization", ""), "the session token is signed")

        with tempfile.NamedTemporaryFile() as f:
            f.write(b"abc")
            f.flush()
            rc, out, err = run(["put", "flakyput", "k", "--body-file", f.name], port)
        check(rc == 0 and out.strip() == '{"etag":"\\"900150983cd24fb0d6963f7d28e17f72\\""}',
              f"PutObject: SlowDown once, then stored ({out.strip()} {err})")
        puts = [p for p in put_bodies if p[0] == "/flakyput/k"]
        check(len(puts) == 2, f"2 PUTs of /flakyput/k (saw {len(puts)})")
        # SHA-256("abc") from FIPS 180-2's examples.
        check(all(b == b"abc" and h == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
                  and "x-amz-content-sha256" in a for _, b, h, a in puts),
              "each PUT carries the body and its signed SHA-256")

        rc, out, err = run(["get", "down", "k", "--timeout-ms", "60000"], port)
        check(rc == 1 and err.startswith("error (unavailable): s3: GetObject s3://down/k: SlowDown: Please reduce "
                                         "your request rate. (HTTP 503, request id REQ123) (gave up after 6 attempts)"),
              f"a server that stays down: gave up after 6 attempts ({err})")
        check(seen.get("/down/k") == 6, f"6 requests for /down/k (saw {seen.get('/down/k')})")

        rc, out, err = run(["list", "down2", "--timeout-ms", "700"], port)
        check(rc == 1 and err.startswith("error (deadline_exceeded): s3: ListObjectsV2 s3://down2: SlowDown:")
              and "deadline reached after" in err, f"a short deadline ends the retries ({err})")

        rc, out, err = run(["get", "empty", "k"], port)
        check(rc == 0 and '"size":0' in out and '"chunks":0' in out, f"an empty object (416 to its Range) ({err})")

        rc, out, err = run(["get", "changing", "k", "--chunk-bytes", "4"], port)
        check(rc == 1 and err == "error (invalid_argument): s3: GetObject s3://changing/k: PreconditionFailed: At "
              "least one of the pre-conditions you specified did not hold (HTTP 412, request id REQ123)",
              f"later ranges carry If-Match: a changed object is an error, not mixed bytes ({err})")
        check(seen.get("/changing/k") == 2, f"2 requests for /changing/k (saw {seen.get('/changing/k')})")

        rc, out, err = run(["get", "badrange", "k", "--chunk-bytes", "4"], port)
        check(rc == 1 and err == "error (data_loss): s3: GetObject s3://badrange/k: a ranged response does not "
              "match its request (Content-Range \"bytes 5-8/10\", 4 bytes)", f"a wrong Content-Range ({err})")

        rc, out, err = run(["get", "moved", "k"], port)
        check(rc == 1 and err == "error (invalid_argument): s3: GetObject s3://moved/k: PermanentRedirect: The bucket "
              "you are attempting to access must be addressed using the specified endpoint. (HTTP 301, request id "
              "REQ123, bucket region eu-west-1)", f"a bucket in another region names that region ({err})")

        rc, out, err = run(["get", "echo", "k"], port)
        check(rc == 1 and err == "error (invalid_argument): s3: GetObject s3://echo/k: InvalidRequest: bad signature "
              "<redacted> for token <redacted> (HTTP 400, request id REQ123)",
              f"a signature or token quoted back by the server is redacted ({err})")

        rc, out, err = run(["get", "bare", "k"], port)
        check(rc == 1 and err == "error (not_found): s3: GetObject s3://bare/k: no S3 error document "
              "(HTTP 404, request id REQ123)", f"a 404 without a body ({err})")

        rc, out, err = run(["get", "sig", "k"], port)
        check(rc == 1 and err == "error (invalid_argument): s3: GetObject s3://sig/k: SignatureDoesNotMatch: The "
              "request signature we calculated does not match the signature you provided. (HTTP 403, request id REQ123)",
              f"SignatureDoesNotMatch: Code and Message only ({err})")
        sent_sig = seen_headers.get("/sig/k", {}).get("Authorization", "").rsplit("Signature=", 1)[-1]
        check(len(sent_sig) == 64, "a signature was sent")
        everything = out + err
        check(SECRET not in everything and TOKEN not in everything and sent_sig not in everything,
              "no secret key, session token or signature in the output")
        check(re.search(r"[0-9a-f]{64}", everything) is None, "no 64-hex-digit string in the output")
    finally:
        server.shutdown()
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
