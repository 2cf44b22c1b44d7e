#!/usr/bin/python3
"""The Lambda's inputs end to end: the same CloudTrail fixtures reach mock-slack
as the same alerts whichever way they are carried to function.zip.

Started here, all on loopback: s3rver (an S3-compatible server, installed by
tests/aws/s3rver_harness.py) with the bucket org-trail; mock-slack over HTTPS
(a self-signed certificate for this run); `iam-audit emulate` running
function.zip with the S3 client pointed at s3rver (AWS_ENDPOINT_URL_S3) and no
IAM_AUDIT_FILTER_PATTERN (so the default, the original's IAMUser pattern).

Mode `paths` sends fixtures/records (20 records) through each input:
  subscription   simulate --filter-pattern P --invoke (CloudWatch Logs, as before)
  s3, sns, sqs, sns-sqs, eventbridge, eventbridge-sqs, cloudtrail-sns,
  cloudtrail-sns-sqs
                 simulate --deliver s3 --endpoint (the log files PUT into s3rver)
                 --envelope E; each notification POSTed to the emulator
  cloudtrail-eventbridge, cloudtrail-eventbridge-sqs
                 simulate --deliver eventbridge [--envelope sqs]
and checks every time the six alerts of the fixtures' goldens (see below), the
function's answers (its summary, or batchItemFailures through SQS), then an SQS
batch with one missing object and a digest file's notification.

Mode `memory` puts one 50 MB (inflated; about 17 MB gzip, so several of the
S3 client's 8 MiB ranged GETs) CloudTrail log file into s3rver, sends S3's
notification for it, and checks that every record is read and the
bootstrap's peak RSS (VmHWM, emulate's max_memory_used_kb) stays under 64 MB.

A missing node/npm/s3rver fails the test (never a skip).

usage: inputs_e2e_test.py paths|memory IAM_AUDIT MOCK_SLACK FUNCTION_ZIP FIXTURES S3RVER_PACKAGE S3RVER_INSTALL
"""
import gzip
import json
import os
import random
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "aws"))
import s3rver_harness  # noqa: E402

MODE, CLI, MOCK_SLACK, FUNCTION_ZIP, FIXTURES, S3RVER_PACKAGE, S3RVER_INSTALL = sys.argv[1:8]
BUCKET = "org-trail"
SECRET = "e2eInPuTsSeCrEt"
# The S3 client's credentials; s3rver knows only the access key S3RVER and
# accepts any secret, so this one must never be printed by anyone.
AWS_SECRET = "e2e/K7MDENG/bPxRfiCYINPUTSKEY"
# The subscription filter pattern of the original project's README (and the
# default of IAM_AUDIT_FILTER_PATTERN, docs/deploy.md).
PATTERN = '{ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") }'

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return cond


def first_line(proc, what):
    line = proc.stdout.readline().strip()
    if not line:
        sys.exit(f"FAIL: {what} did not start")
    return line


class Services:
    """s3rver, mock-slack and emulate(function.zip), stopped by close()."""

    def __init__(self, tmp, extra_env=()):
        self.tmp = tmp
        self.procs = []
        entry = s3rver_harness.install(S3RVER_PACKAGE, S3RVER_INSTALL)
        self.s3rver = s3rver_harness.start(entry, os.path.join(tmp, "s3"), buckets=[BUCKET])
        self.s3 = s3rver_harness.client(self.s3rver.endpoint, AWS_SECRET)
        cert = os.path.join(tmp, "slack.pem")
        slack = self.spawn([MOCK_SLACK, "--port", "0", "--tls-self-signed", "--cert-out", cert, "--webhook",
                            f"T0001/B0001/{SECRET}", "--no-rate-limit", "--quiet"], "mock-slack")
        self.slack = first_line(slack, "mock-slack")
        self.slack_ctx = ssl.create_default_context(cafile=cert)
        env = {
            "SLACK_WEBHOOK_URL": f"{self.slack}/services/T0001/B0001/{SECRET}",
            "IAM_AUDIT_CA_BUNDLE": cert,
            "IAM_AUDIT_TIME_ZONE": "Asia/Seoul",  # the goldens' time zone
            "IAM_AUDIT_POST_INTERVAL_MS": "0",
            # The same events are sent once per path: no duplicate skipping.
            "IAM_AUDIT_REMEMBERED_IDS": "0",
            "AWS_ACCESS_KEY_ID": s3rver_harness.ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_S3": self.s3rver.endpoint,
        }
        env.update(extra_env)
        argv = [CLI, "emulate", "--function", FUNCTION_ZIP, "--port", "0", "--timeout", "120"]
        for k, v in env.items():
            argv += ["--env", f"{k}={v}"]
        self.emulate_err = os.path.join(tmp, "emulate.err")
        emu = self.spawn(argv, "emulate", self.emulate_err)
        self.emu = first_line(emu, "emulate")

    def spawn(self, argv, name, err_path=None):
        err = open(err_path or os.path.join(self.tmp, name + ".err"), "wb")
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True)
        self.procs.append(proc)
        return proc

    def close(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.s3rver.stop()

    # mock-slack's control API (docs/mock_slack.md).
    def slack_api(self, method, path):
        req = urllib.request.Request(self.slack + path, method=method)
        with urllib.request.urlopen(req, context=self.slack_ctx, timeout=30) as r:
            return json.load(r)

    def messages(self):
        return [m["payload"] for m in self.slack_api("GET", "/api/messages")["messages"]]

    def clear_messages(self):
        self.slack_api("DELETE", "/api/messages")

    def invoke(self, event):
        """A synchronous invocation: (the function's answer as JSON or text, function error or None)."""
        req = urllib.request.Request(self.emu + "/2015-03-31/functions/function/invocations",
                                     data=event.encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=150) as r:
            body = r.read().decode()
            error = r.headers.get("X-Amz-Function-Error")
        try:
            return json.loads(body), error
        except ValueError:
            return body, error

    def invocations(self):
        with urllib.request.urlopen(self.emu + "/api/invocations", timeout=30) as r:
            return json.load(r)

    def idle(self):
        with urllib.request.urlopen(self.emu + "/api/idle?timeout_ms=60000", timeout=70) as r:
            return json.load(r).get("idle") is True


def run(argv, env=None):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    return r.returncode, r.stdout, r.stderr


def fixture_files():
    d = os.path.join(FIXTURES, "records")
    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(".json") and not n.endswith(".expected.json"))


def golden(name, account=False):
    """The fixture's golden alert; with account, as the S3 and EventBridge
    inputs post it: its record lines end with the event's account (every
    fixture's recipientAccountId is 123456789012)."""
    with open(os.path.join(FIXTURES, "records", name + ".expected.json")) as f:
        message = json.load(f)
    if account:
        message["blocks"][0]["text"]["text"] += "\nAccount: 123456789012"
    return message


# What the default pattern lets through, worked out by hand from the fixtures
# (fixtures/records/README.md): seven records have userIdentity.type IAMUser;
# read_only_call is DescribeInstances, which the pattern drops. So 6 alerts,
# and 20 - 6 = 14 records ignored by the pattern (13 other identity types and
# DescribeInstances). No ignore rule is configured.
ALERTS = ["access_denied", "console_login_failure_hidden_user", "console_login_failure_password",
          "console_login_success_mfa", "console_login_success_no_mfa", "iam_user_api_call"]
RECORDS = 20
IGNORED = 14
# The log files of --deliver s3 (300 s windows per account and region): all
# 20 records are account 123456789012; three pairs share a region and a
# window (ap-northeast-2 2022-06-21 13:25:23/13:25:31, us-east-1 2022-11-10
# 16:23:58/16:24:34, us-east-1 2023-03-01 08:00:05/08:02:41), every other
# record is alone: 17 files, one notification each.
LOG_FILES = 17
# The file of iam_user_api_call (ap-northeast-2, 13:25:23Z: window 13:25–13:30,
# named by its end), whose S3 console link is checked by hand.
API_CALL_KEY = re.compile(r"AWSLogs/123456789012/CloudTrail/ap-northeast-2/2022/06/21/"
                          r"123456789012_CloudTrail_ap-northeast-2_20220621T1330Z_[A-Za-z0-9]{16}\.json\.gz")
S3_CONSOLE = "https://s3.console.aws.amazon.com/"


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def split_s3_link(message):
    """(the message without blocks that link to the S3 console, the links found)."""
    links = []
    kept = []
    for block in message.get("blocks", []):
        found = [s for s in strings_in(block) if S3_CONSOLE in s]
        if not found:
            kept.append(block)
            continue
        for s in found:
            at = s.index(S3_CONSOLE)
            url = re.split(r"[|>\s]", s[at:])[0]
            links.append(url.replace("&amp;", "&"))
    out = dict(message)
    if "blocks" in message:
        out["blocks"] = kept
    return out, links


def expected_link(key, region="us-east-1"):
    # Written from the S3 console's object URL:
    # https://s3.console.aws.amazon.com/s3/object/BUCKET?region=REGION&prefix=KEY, KEY URL-encoded.
    return (f"https://s3.console.aws.amazon.com/s3/object/{BUCKET}?region={region}&prefix="
            + urllib.parse.quote(key, safe=""))


def check_alerts(path, messages, s3_links_allowed, keys=(), pairs=None, account=True):
    """The six goldens, each once, nothing else; with s3_links_allowed, modulo one S3 console block.
    pairs, if given, gets (message without the link block, [link]) for each message."""
    pairs = [] if pairs is None else pairs
    wanted = [golden(n, account) for n in ALERTS]
    got = []
    links = []
    for m in messages:
        found = []
        if s3_links_allowed:
            m, found = split_s3_link(m)
            check(len(found) <= 1, f"{path}: more than one S3 console link in a message: {found}")
            links += found
        got.append(m)
        pairs.append((m, found))
    check(len(messages) == len(ALERTS), f"{path}: {len(messages)} alerts, expected {len(ALERTS)}")
    for name, g in zip(ALERTS, wanted):
        check(got.count(g) == 1, f"{path}: the alert of {name} arrived {got.count(g)} times")
    extra = [m for m in got if m not in wanted]
    check(not extra, f"{path}: unexpected messages: {json.dumps(extra)[:2000]}")
    if links:
        check(len(links) == len(messages), f"{path}: S3 console links in {len(links)} of {len(messages)} alerts")
        allowed = {expected_link(k) for k in keys}
        for link in links:
            check(link in allowed, f"{path}: S3 console link {link} names none of the log files")
    return links


def invoke_all(sv, path, events):
    """Each event, synchronously; one failure reported per path (the first error, and how many)."""
    answers, errors = [], []
    for event in events:
        answer, error = sv.invoke(event)
        if error is not None:
            errors.append(f"{error}: {answer}")
        answers.append(answer)
    check(not errors, f"{path}: {len(errors)} of {len(events)} invocations failed; the first: "
          + (errors[0] if errors else ""))
    return answers


def summaries_total(answers, path):
    total = {"received": 0, "delivered": 0, "failed": 0, "filter-pattern": 0}
    bad = [a for a in answers if not (isinstance(a, dict) and "received" in a)]
    check(not bad, f"{path}: {len(bad)} answers are not summaries; the first: {bad[:1]}")
    for a in answers:
        if not (isinstance(a, dict) and "received" in a):
            continue
        total["received"] += a["received"]
        total["delivered"] += a.get("delivered", 0)
        total["failed"] += a.get("failed", 0)
        total["filter-pattern"] += a.get("ignored", {}).get("filter-pattern", 0)
    return total


def mode_paths(tmp):
    sv = Services(tmp)
    try:
        env = dict(os.environ, AWS_ACCESS_KEY_ID=s3rver_harness.ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=AWS_SECRET,
                   AWS_REGION="us-east-1")
        env.pop("AWS_SESSION_TOKEN", None)
        records = fixture_files()
        check(len(records) == RECORDS, f"{len(records)} fixture records, expected {RECORDS}")
        every_output = []

        # 1. CloudWatch Logs subscription, as before: the pattern runs in the
        # simulated CloudWatch Logs, the function gets only the 6 events.
        sv.clear_messages()
        rc, out, err = run([CLI, "simulate", "--filter-pattern", PATTERN, "--invoke", sv.emu, *records], env)
        every_output.append(out + err)
        check(rc == 0, f"subscription: simulate exit {rc}: {err}")
        check(sv.idle(), "subscription: emulate not idle")
        check_alerts("subscription", sv.messages(), s3_links_allowed=False, account=False)

        # 2. The trail's bucket, each S3 notification route.
        link_seen = {}
        for envelope in ["s3", "sns", "sqs", "sns-sqs", "eventbridge", "eventbridge-sqs", "cloudtrail-sns",
                         "cloudtrail-sns-sqs"]:
            path = "s3/" + envelope
            sv.clear_messages()
            rc, out, err = run([CLI, "simulate", "--deliver", "s3", "--bucket", BUCKET, "--endpoint",
                                sv.s3rver.endpoint, "--envelope", envelope, *records], env)
            every_output.append(out + err)
            check(rc == 0, f"{path}: simulate exit {rc}: {err}")
            events = [line for line in out.splitlines() if line.strip()]
            check(len(events) == LOG_FILES, f"{path}: {len(events)} notifications, expected {LOG_FILES}")
            listed = [o["Key"] for o in sv.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
            check(len(listed) == LOG_FILES, f"{path}: {len(listed)} objects in s3rver, expected {LOG_FILES}")
            answers = invoke_all(sv, path, events)
            if envelope.endswith("sqs"):
                # Through SQS the function answers a partial batch response.
                bad = [a for a in answers if a != {"batchItemFailures": []}]
                check(not bad, f"{path}: {len(bad)} answers are not an empty batchItemFailures; the first: {bad[:1]}")
            else:
                total = summaries_total(answers, path)
                check(total == {"received": RECORDS, "delivered": len(ALERTS), "failed": 0,
                                "filter-pattern": IGNORED}, f"{path}: summaries add up to {total}")
            check(sv.idle(), f"{path}: emulate not idle")
            pairs = []
            links = check_alerts(path, sv.messages(), s3_links_allowed=True, keys=listed, pairs=pairs)
            link_seen[path] = len(links)
            # The link in iam_user_api_call's alert, written out by hand: its
            # log file; the bucket's region (us-east-1), not the record's
            # (ap-northeast-2); '/' in the key encoded as %2F.
            api_keys = [k for k in listed if API_CALL_KEY.fullmatch(k)]
            check(len(api_keys) == 1, f"{path}: the log file of iam_user_api_call: {api_keys}")
            api_links = [found for m, found in pairs if m == golden("iam_user_api_call", True)]
            if api_keys and links:
                unique = api_keys[0][-len("XXXXXXXXXXXXXXXX.json.gz"):-len(".json.gz")]
                by_hand = ("https://s3.console.aws.amazon.com/s3/object/org-trail?region=us-east-1&prefix="
                           "AWSLogs%2F123456789012%2FCloudTrail%2Fap-northeast-2%2F2022%2F06%2F21%2F"
                           "123456789012_CloudTrail_ap-northeast-2_20220621T1330Z_" + unique + ".json.gz")
                check(api_links == [[by_hand]], f"{path}: the link of iam_user_api_call's alert: {api_links}, "
                      f"expected {by_hand}")
        print("S3 console links per S3 path: " + json.dumps(link_seen))

        # 3. CloudTrail's EventBridge events, one per record, direct and through SQS.
        for envelope in ["eventbridge", "sqs"]:
            path = "cloudtrail-eventbridge" + ("-sqs" if envelope == "sqs" else "")
            sv.clear_messages()
            rc, out, err = run([CLI, "simulate", "--deliver", "eventbridge", "--envelope", envelope, *records], env)
            every_output.append(out + err)
            check(rc == 0, f"{path}: simulate exit {rc}: {err}")
            events = [line for line in out.splitlines() if line.strip()]
            check(len(events) == RECORDS, f"{path}: {len(events)} events, expected {RECORDS}")
            answers = invoke_all(sv, path, events)
            if envelope == "sqs":
                bad = [a for a in answers if a != {"batchItemFailures": []}]
                check(not bad, f"{path}: {len(bad)} answers are not an empty batchItemFailures; the first: {bad[:1]}")
            else:
                total = summaries_total(answers, path)
                check(total == {"received": RECORDS, "delivered": len(ALERTS), "failed": 0,
                                "filter-pattern": IGNORED}, f"{path}: summaries add up to {total}")
            check(sv.idle(), f"{path}: emulate not idle")
            check_alerts(path, sv.messages(), s3_links_allowed=False)

        # 4. One SQS batch of three messages (S3 → SQS), one per log file of
        # three fixtures in three files (different regions or windows):
        # iam_user_api_call (IAMUser: an alert), access_denied (IAMUser: an
        # alert), root_console_login (Root: ignored by the pattern). The
        # first one's object is deleted before the batch is sent: exactly its
        # messageId comes back; the others are read and alerted.
        sv.clear_messages()
        three = [os.path.join(FIXTURES, "records", n + ".json")
                 for n in ("iam_user_api_call", "access_denied", "root_console_login")]
        rc, out, err = run([CLI, "simulate", "--deliver", "s3", "--bucket", BUCKET, "--prefix", "batch", "--endpoint",
                            sv.s3rver.endpoint, "--envelope", "sqs", *three], env)
        check(rc == 0, f"sqs batch: simulate exit {rc}: {err}")
        notes = [json.loads(line) for line in out.splitlines() if line.strip()]
        check(len(notes) == 3, f"sqs batch: {len(notes)} notifications, expected 3")
        batch = {"Records": [n["Records"][0] for n in notes]}
        missing = None
        for rec in batch["Records"]:
            key = urllib.parse.unquote_plus(json.loads(rec["body"])["Records"][0]["s3"]["object"]["key"])
            if "/ap-northeast-2/" in key:
                missing = rec["messageId"]
                sv.s3.delete_object(Bucket=BUCKET, Key=key)
        check(missing is not None, "sqs batch: no message for iam_user_api_call's log file")
        answer, error = sv.invoke(json.dumps(batch))
        check(error is None, f"sqs batch: function error {error}: {answer}")
        check(answer == {"batchItemFailures": [{"itemIdentifier": missing}]},
              f"sqs batch: answer {answer}, expected only {missing}")
        check(sv.idle(), "sqs batch: emulate not idle")
        got = [split_s3_link(m)[0] for m in sv.messages()]
        check(got == [golden("access_denied", True)], f"sqs batch: alerts {json.dumps(got)[:2000]}")

        # 5. A digest file's notification: skipped and counted, nothing read
        # (the object is not in the bucket, so a read would fail).
        sv.clear_messages()
        digest_key = ("AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2022/06/21/"
                      "123456789012_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20220621T140000Z.json.gz")
        rc, out, err = run([CLI, "simulate", "--deliver", "s3", "--bucket", BUCKET, "--prefix", "digest",
                            "--endpoint", sv.s3rver.endpoint, "--envelope", "s3", three[0]], env)
        check(rc == 0, f"digest: simulate exit {rc}: {err}")
        note = json.loads(out.splitlines()[0])
        note["Records"][0]["s3"]["object"]["key"] = digest_key  # no character S3 would encode
        answer, error = sv.invoke(json.dumps(note))
        check(error is None, f"digest: function error {error}: {answer}")
        check(isinstance(answer, dict) and answer.get("received") == 0 and answer.get("delivered") == 0
              and answer.get("skipped", {}).get("digest-file") == 1,
              f"digest: answer {answer}, expected received 0, delivered 0, skipped digest-file 1")
        check(sv.idle(), "digest: emulate not idle")
        check(sv.messages() == [], "digest: an alert was posted")

        # Secrets: not in any output of the simulator or the function's log.
        log = open(sv.emulate_err).read()
        for text in every_output + [log]:
            check(AWS_SECRET not in text and SECRET not in text, "a secret was printed")
    finally:
        sv.close()


def make_big_log(path, target_bytes):
    """A CloudTrail log file of about target_bytes inflated: records of an
    assumed role (the default pattern ignores them) with distinct eventIDs, a
    request parameter that varies and a long random session token, so that
    gzip compresses it only about 3 times: the object is larger than one of
    the S3 client's ranged GETs (8 MiB, s3_client.h), which the engine must
    not hold more than one of; plus three IAM user CreateUser records.
    Returns (inflated size, records)."""
    rng = random.Random(7)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def record(n, iam_user):
        return json.dumps({
            "eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser" if iam_user else "AssumedRole", "principalId": "AIDAEXAMPLE",
                             "arn": "arn:aws:iam::123456789012:user/alice", "accountId": "123456789012",
                             "userName": "alice"},
            "eventTime": "2022-06-21T13:56:13Z", "eventSource": "iam.amazonaws.com",
            "eventName": "CreateUser" if iam_user else "ListUsers", "awsRegion": "us-east-1",
            "sourceIPAddress": "203.0.113.5", "userAgent": "aws-cli/2.13.0 Python/3.11.4 Linux/5.10",
            "requestParameters": {"userName": f"user-{n:08d}", "path": "/team/" + "x" * (n % 97)},
            "responseElements": {"credentials": {"sessionToken": "".join(rng.choices(alphabet, k=600))}},
            "requestID": f"{n:08d}-aaaa-bbbb-cccc-ddddeeeeffff",
            "eventID": f"{n:08d}-big0-4000-8000-000000000000", "readOnly": not iam_user,
            "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": "123456789012",
            "eventCategory": "Management"}, separators=(",", ":"))
    size = 0
    n = 0
    with gzip.open(path, "wb", compresslevel=6) as out:
        out.write(b'{"Records":[')
        size += 12
        while size < target_bytes:
            iam_user = n in (0, 15000, 30000)
            text = ("," if n else "") + record(n, iam_user)
            out.write(text.encode())
            size += len(text)
            n += 1
        out.write(b"]}")
        size += 2
    return size, n


# Under AddressSanitizer (scripts/test.sh --full) freed blocks wait in ASan's
# quarantine (256 MB by default) before they are reused, so the RSS would
# grow with every byte the function ever allocated: the function runs there
# without a quarantine. ASan's shadow memory and allocator still add about
# 25 MB (77 MB measured on the 50 MB file), so the bound there is 96 MB; a
# reader holding the file would need 67 MB for the compressed and inflated
# bytes alone, before ASan's share. The 64 MB bound is the plain build's.
SANITIZED = os.environ.get("IAM_AUDIT_SANITIZED") in ("1", "ON", "TRUE")
LIMIT_MB = 96 if SANITIZED else 64


def mode_memory(tmp):
    extra = {"ASAN_OPTIONS": "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"} if SANITIZED else {}
    sv = Services(tmp, extra)
    try:
        key = ("AWSLogs/123456789012/CloudTrail/us-east-1/2022/06/21/"
               "123456789012_CloudTrail_us-east-1_20220621T1400Z_BIGFILE000000001.json.gz")
        local = os.path.join(tmp, "big.json.gz")
        inflated, count = make_big_log(local, 50 * 1000 * 1000)
        compressed = os.path.getsize(local)
        check(count > 30000, f"the big file has only {count} records")
        with open(local, "rb") as f:
            sv.s3.put_object(Bucket=BUCKET, Key=key, Body=f)
        print(f"log file: {inflated} bytes inflated ({inflated / 1e6:.1f} MB), {compressed} bytes gzip, "
              f"{count} records")
        event = {"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2022-06-21T14:00:07.000Z", "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "AWS:cloudtrail.amazonaws.com"},
            "requestParameters": {"sourceIPAddress": "cloudtrail.amazonaws.com"},
            "responseElements": {"x-amz-request-id": "0123456789ABCDEF", "x-amz-id-2": "example"},
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "iam-audit",
                   "bucket": {"name": BUCKET, "ownerIdentity": {"principalId": "EXAMPLE"},
                              "arn": "arn:aws:s3:::" + BUCKET},
                   "object": {"key": key, "size": compressed, "eTag": "0" * 32, "sequencer": "0055AED6DCD90281E5"}}}]}
        answer, error = sv.invoke(json.dumps(event))
        check(error is None, f"memory: function error {error}: {answer}")
        check(isinstance(answer, dict) and answer.get("received") == count and answer.get("delivered") == 3
              and answer.get("ignored", {}).get("filter-pattern") == count - 3,
              f"memory: answer {answer}, expected received {count}, delivered 3, filter-pattern {count - 3}")
        check(sv.idle(), "memory: emulate not idle")
        check(len(sv.messages()) == 3, f"memory: {len(sv.messages())} alerts, expected 3")
        attempts = [a for inv in sv.invocations() for a in inv.get("attempts", [])]
        check(len(attempts) == 1, f"memory: {len(attempts)} attempts")
        if attempts:
            kb = attempts[-1]["max_memory_used_kb"]
            ms = attempts[-1]["duration_ms"]
            print(f"peak RSS (VmHWM) of the bootstrap: {kb} KB = {kb / 1024:.1f} MB (limit {LIMIT_MB} MB); "
                  f"duration {ms:.0f} ms")
            check(0 < kb < LIMIT_MB * 1024, f"memory: peak RSS {kb} KB, limit {LIMIT_MB * 1024} KB")
    finally:
        sv.close()


def main():
    tmp = tempfile.mkdtemp(prefix="iam-audit-e2e-inputs-")
    try:
        {"paths": mode_paths, "memory": mode_memory}[MODE](tmp)
    finally:
        err = os.path.join(tmp, "emulate.err")
        if failures and os.path.exists(err):
            print("--- emulate's log (last 6000 bytes):\n" + open(err).read()[-6000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failures", file=sys.stderr)
    sys.exit(1 if failures else 0)


main()
