#!/usr/bin/env python3
"""CPU per CloudTrail event of the Lambda's inputs, side by side: the CloudWatch
Logs subscription (awslogs) next to S3 log files read from a local S3 server
(s3rver) and CloudTrail's EventBridge events, all through the real
function.zip under `iam-audit emulate`.

What is measured: the bootstrap process's own CPU time (utime + stime from
/proc/PID/stat, read before and after a run of invocations; the emulator,
s3rver and this script are other processes), divided by the records the
function received. The same real records (tests/data/real-cloudtrail, as
bench/lambda/make_payloads.py reads them) go through every input:

  awslogs-1, awslogs-100, awslogs-1000
                              subscription events of 1 / 100 / 1000 log events (awslogs-1
                              with as many records as eventbridge: the cost of one invocation)
  s3-100, s3-1000             S3 notifications ({"Records":[…]} with one object)
                              of gzip log files of 100 / 1000 records, GET from s3rver
  eventbridge                 one EventBridge CloudTrail event per record
                              (as `iam-audit simulate --deliver eventbridge` writes them)

Every record is dropped by one ignore rule ({ $.eventID = "*" }), so each input
does the same work after decoding (parse the record, run the rules) and
nothing is posted. Two set-ups:
  same-work        IAM_AUDIT_FILTER_PATTERN set empty: every record reaches the rules,
                   as every event of a subscription does;
  default-pattern  the default IAM_AUDIT_FILTER_PATTERN (IAMUser, not Get*/Describe*),
                   as deployed for S3 and EventBridge: most records stop at the pattern
                   (for awslogs CloudWatch Logs runs it, not the function).

Prints a table and RESULT lines (bench/make_results.py's format).

usage: inputs_cpu.py --cli BIN --mock-slack BIN --function-zip ZIP --data tests/data
                     --s3rver-package DIR --s3rver-install DIR [--records 20000]
"""
import argparse
import gzip
import importlib.util
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "aws"))
import s3rver_harness  # noqa: E402

spec = importlib.util.spec_from_file_location("make_payloads", os.path.join(HERE, "make_payloads.py"))
make_payloads = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_payloads)

BUCKET = "bench-trail"
CLK_TCK = os.sysconf("SC_CLK_TCK")
IGNORE_ALL = '{ $.eventID = "*" }'


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


class Function:
    def __init__(self, a, tmp, name, slack, cert, s3_endpoint, extra_env):
        env = {"SLACK_WEBHOOK_URL": f"{slack}/services/T1/B1/benchsecret", "IAM_AUDIT_CA_BUNDLE": cert,
               "IAM_AUDIT_POST_INTERVAL_MS": "0", "IAM_AUDIT_REMEMBERED_IDS": "0",
               "IAM_AUDIT_IGNORE_BENCH_ALL": IGNORE_ALL,
               "AWS_ACCESS_KEY_ID": s3rver_harness.ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": "bench-secret",
               "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": s3_endpoint}
        env.update(extra_env)
        argv = [a.cli, "emulate", "--function", a.function_zip, "--port", "0", "--timeout", "300"]
        for k, v in env.items():
            argv += ["--env", f"{k}={v}"]
        self.err_path = os.path.join(tmp, f"emulate-{name}.err")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=open(self.err_path, "wb"), text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url:
            sys.exit("bench: emulate did not start: " + open(self.err_path).read())
        self.pid = None

    def invoke(self, event):
        req = urllib.request.Request(self.url + "/2015-03-31/functions/function/invocations", data=event.encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            body = r.read().decode()
            if r.headers.get("X-Amz-Function-Error"):
                sys.exit(f"bench: the function failed: {body[:2000]}")
        if self.pid is None:
            m = re.search(r"started runtime pid (\d+)", open(self.err_path).read())
            if not m:
                sys.exit("bench: no runtime pid in emulate's log")
            self.pid = int(m.group(1))
        return json.loads(body)

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def awslogs_events(pool, per):
    out = []
    for start in range(0, len(pool), per):
        out.append(make_payloads.event(pool[start:start + per], start))
    return out


def s3_event(key, size):
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2022-06-21T14:00:07.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:cloudtrail.amazonaws.com"},
        "requestParameters": {"sourceIPAddress": "cloudtrail.amazonaws.com"},
        "responseElements": {"x-amz-request-id": "0123456789ABCDEF", "x-amz-id-2": "bench"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "iam-audit",
               "bucket": {"name": BUCKET, "ownerIdentity": {"principalId": "EXAMPLE"}, "arn": "arn:aws:s3:::" + BUCKET},
               "object": {"key": key, "size": size, "eTag": "0" * 32, "sequencer": "0055AED6DCD90281E5"}}}]})


def upload_s3_files(s3, pool, per, tag):
    events = []
    for n, start in enumerate(range(0, len(pool), per)):
        body = gzip.compress(("{\"Records\":[" + ",".join(pool[start:start + per]) + "]}").encode(), 6)
        key = (f"AWSLogs/123456789012/CloudTrail/us-east-1/2022/06/21/"
               f"123456789012_CloudTrail_us-east-1_20220621T1400Z_{tag}{n:012d}.json.gz")
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        events.append(s3_event(key, len(body)))
    return events


def eventbridge_events(a, pool, tmp):
    path = os.path.join(tmp, "eb-records.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(pool) + "\n")
    r = subprocess.run([a.cli, "simulate", "--deliver", "eventbridge", path], capture_output=True, text=True)
    events = [line for line in r.stdout.splitlines() if line.strip()]
    if r.returncode != 0 and not events:
        sys.exit("bench: simulate --deliver eventbridge failed: " + r.stderr[-2000:])
    return events


def measure(fn, events):
    fn.invoke(events[0])  # warm: the runtime started, its first connections made
    before = cpu_seconds(fn.pid)
    t0 = time.monotonic()
    received = ignored = delivered = 0
    for e in events:
        s = fn.invoke(e)
        received += s.get("received", 0)
        ignored += sum(s.get("ignored", {}).values())
        delivered += s.get("delivered", 0)
    wall = time.monotonic() - t0
    cpu = cpu_seconds(fn.pid) - before
    if delivered != 0 or ignored != received or received == 0:
        sys.exit(f"bench: expected every record received and ignored, none delivered: received {received}, "
                 f"ignored {ignored}, delivered {delivered}")
    return cpu, wall, received


def main():
    ap = argparse.ArgumentParser()
    for name in ("--cli", "--mock-slack", "--function-zip", "--data", "--s3rver-package", "--s3rver-install"):
        ap.add_argument(name, required=True)
    ap.add_argument("--records", type=int, default=200000)
    # One invocation per record (about 1 ms each under emulate).
    ap.add_argument("--eventbridge-records", type=int, default=10000)
    a = ap.parse_args()
    base = list(make_payloads.records(a.data))
    if not base:
        sys.exit("bench: no records under " + a.data)
    pool = [base[i % len(base)] for i in range(a.records)]
    eb_pool = pool[:a.eventbridge_records]
    tmp = tempfile.mkdtemp(prefix="iam-audit-inputs-bench-")
    procs, fns = [], []
    server = None
    try:
        entry = s3rver_harness.install(a.s3rver_package, a.s3rver_install)
        server = s3rver_harness.start(entry, os.path.join(tmp, "s3"), buckets=[BUCKET])
        s3 = s3rver_harness.client(server.endpoint, "bench-secret")
        cert = os.path.join(tmp, "slack.pem")
        slack = subprocess.Popen([a.mock_slack, "--port", "0", "--tls-self-signed", "--cert-out", cert, "--webhook",
                                  "T1/B1/benchsecret", "--no-rate-limit", "--quiet"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
        procs.append(slack)
        slack_url = slack.stdout.readline().strip()

        workloads = {
            "awslogs-1": awslogs_events(eb_pool, 1),
            "awslogs-100": awslogs_events(pool, 100),
            "awslogs-1000": awslogs_events(pool, 1000),
            "s3-100": upload_s3_files(s3, pool, 100, "H"),
            "s3-1000": upload_s3_files(s3, pool, 1000, "K"),
            "eventbridge": eventbridge_events(a, eb_pool, tmp),
        }
        setups = {"same-work": {"IAM_AUDIT_FILTER_PATTERN": ""}, "default-pattern": {}}
        rows = []
        for setup, env in setups.items():
            fn = Function(a, tmp, setup, slack_url, cert, server.endpoint, env)
            fns.append(fn)
            for name, events in workloads.items():
                if setup == "default-pattern" and name.startswith("awslogs"):
                    continue  # the subscription filter runs in CloudWatch Logs
                cpu, wall, received = measure(fn, events)
                rows.append((setup, name, received, len(events), cpu, wall))
        print(f"{'set-up':16} {'input':13} {'records':>8} {'invocations':>11} {'CPU s':>7} {'us CPU/record':>14} "
              f"{'wall s':>7}")
        for setup, name, received, invocations, cpu, wall in rows:
            print(f"{setup:16} {name:13} {received:8d} {invocations:11d} {cpu:7.2f} {cpu * 1e6 / received:14.1f} "
                  f"{wall:7.1f}")
        for setup, name, received, invocations, cpu, wall in rows:
            print("RESULT " + json.dumps({"bench": "lambda-inputs", "kind": "measure", "subject": "iam-audit",
                                          "metric": "cpu_per_record", "value": round(cpu * 1e6 / received, 1),
                                          "unit": "us", "params": {"input": name, "setup": setup,
                                                                   "records": received}}))
    finally:
        for fn in fns:
            fn.close()
        for p in procs:
            p.terminate()
            p.wait()
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


main()
