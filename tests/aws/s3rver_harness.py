"""s3rver, an S3-compatible server, for tests: install it into the build tree,
start it on loopback, stop it. Shared by tests/aws/s3rver_e2e.py and
tests/simulator/deliver_upload_test.py.

s3rver is pinned in tests/aws/s3rver/package.json and package-lock.json and
installed by `npm ci` into an install directory in the build tree (again when
either file changes). A missing node or npm, a failed install or a server that
does not start ends the test with "FAIL: ..." and a non-zero exit: never a skip.

What s3rver checks: the access key must be one it knows (S3RVER, the only one
its default account has); it does not verify Signature Version 4 signatures, so
any secret key is accepted.

    entry = s3rver_harness.install(PACKAGE_DIR, INSTALL_DIR)
    server = s3rver_harness.start(entry, data_dir, buckets=["b"])
    ... server.endpoint (http://127.0.0.1:PORT), server.port ...
    server.stop()
"""
import fcntl
import os
import re
import shutil
import subprocess
import sys
import threading

# The access key of s3rver's default account.
ACCESS_KEY_ID = "S3RVER"


def install(package_dir, install_dir):
    """npm ci the pinned s3rver into install_dir (once); returns bin/s3rver.js."""
    os.makedirs(install_dir, exist_ok=True)
    entry = os.path.join(install_dir, "node_modules", "s3rver", "bin", "s3rver.js")
    # Two runs sharing install_dir must not npm ci into it at the same time.
    with open(os.path.join(install_dir, ".install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for name in ("package.json", "package-lock.json"):
            src, dst = os.path.join(package_dir, name), os.path.join(install_dir, name)
            if not os.path.exists(dst) or open(src, "rb").read() != open(dst, "rb").read():
                shutil.copyfile(src, dst)
                shutil.rmtree(os.path.join(install_dir, "node_modules"), ignore_errors=True)
        if not os.path.exists(entry):
            npm = shutil.which("npm")
            if npm is None:
                sys.exit("FAIL: npm is not installed (this test needs Node.js 18+ with npm)")
            r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=install_dir, capture_output=True,
                               text=True, timeout=300)
            if r.returncode != 0 or not os.path.exists(entry):
                sys.exit("FAIL: npm ci of s3rver failed:\n" + r.stdout + r.stderr)
    return entry


class Server:
    def __init__(self, proc, port, scheme):
        self.proc = proc
        self.port = port
        self.endpoint = f"{scheme}://127.0.0.1:{port}"

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def client(endpoint, secret_access_key="S3RVER"):
    """botocore's S3 client for the server at `endpoint`: s3rver's default
    account, path-style addressing and Signature Version 4, as the tests
    and benches talk to it."""
    import botocore.config
    import botocore.session
    return botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=secret_access_key,
        config=botocore.config.Config(s3={"addressing_style": "path"}, signature_version="s3v4"))


def start(entry, data_dir, buckets=(), tls_args=()):
    """Starts s3rver on 127.0.0.1 on a free port, storing under data_dir, with
    the given buckets created; tls_args = ["--key", KEY_PEM, "--cert", CERT_PEM]
    for https. Returns once it listens."""
    node = shutil.which("node") or sys.exit("FAIL: node is not installed (this test needs Node.js 18+ with npm)")
    bucket_args = [a for b in buckets for a in ("--configure-bucket", b)]
    # s3rver makes its continuation tokens with DES, which Node 17+ (OpenSSL 3)
    # only offers with the legacy provider.
    proc = subprocess.Popen([node, "--openssl-legacy-provider", entry, "-d", data_dir, "-a", "127.0.0.1", "-p", "0",
                             "-s", *bucket_args, *tls_args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    timer = threading.Timer(60, proc.kill)  # a stuck start ends the read below
    timer.start()
    port = None
    for line in proc.stdout:
        m = re.search(r"S3rver listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    timer.cancel()
    if port is None:
        proc.kill()
        sys.exit("FAIL: s3rver did not start:\n" + (proc.stdout.read() if proc.stdout else ""))
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain
    return Server(proc, port, "https" if tls_args else "http")
