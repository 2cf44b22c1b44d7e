#!/usr/bin/env python3
"""Chaos end to end (issue #8, "Faults under load"), on loopback:

  iam-audit generate (10 000 synthetic CloudTrail records, seeded)
    → iam-audit simulate --out (CloudWatch Logs + the original's subscription
      filter pattern: the Lambda events and a manifest of every record)
    → each Lambda event invoked asynchronously (X-Amz-Invocation-Type: Event,
      as CloudWatch Logs invokes) on one of several `iam-audit emulate`
      processes (Lambda containers), each running bootstrap from function.zip;
      a failed invocation is retried twice by the emulator, as Lambda does
    → mock-slack over HTTPS with a seeded fault schedule: 10 % 5xx, 10 % 429
      with Retry-After, 5 % dropped connections, 5 % slow answers (200 ms),
      0.2 % answers slower than the function's HTTP timeout (stored, then the
      client gives up: README's "posted twice" case), and a few alerts that
      Slack keeps failing (`match=<eventID>`), which must end up reported
      failed after Lambda's retries.

Then it reconciles, by CloudTrail eventID: every record that passes the
subscription filter and no ignore rule is in mock-slack's store exactly once,
or is in an invocation the emulator reports failed after its retries.
Expected sets are computed from the generated input (`iam-audit test-filter`
for the ignore rules, simulate's manifest for the subscription filter), the
delivered set from mock-slack's /api/messages (the eventID in each alert's
console link), the failed set from the emulators' /api/invocations (the
request id each async invoke was answered with → its payload → its records).

Exit 0 when nothing is lost and extra copies stay within what README allows
(at most one per answer that outlived the client's timeout, counted by
mock-slack's /api/faults); 1 otherwise or when a component does not start.

  chaos_e2e.py --cli build/bin/iam-audit --mock-slack build/bin/mock-slack \
               --function-zip build/function.zip [--events 10000] [--seed 8]
"""
import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

# The original project's subscription filter pattern (README, deploy/).
PATTERN = ('{ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") '
           '&& ($.eventName != "Describe*") }')

# Ignore rules, one per IAM_AUDIT_IGNORE_<NAME> variable. The handler applies
# them in variable-name order and counts an event under the first that
# matches; rule name = <NAME> lower-cased, '_' → '-'. The original's three
# exceptions plus two that take a real share of this input.
IGNORE_RULES = {
    'IAM_AUDIT_IGNORE_AWS_HEALTH': '{ $.eventSource = "health.amazonaws.com" }',
    'IAM_AUDIT_IGNORE_AWS_INTERNAL': '{ $.sourceIPAddress = "AWS Internal*" }',
    'IAM_AUDIT_IGNORE_GET_BUCKET_LOCATION': '{ $.eventName = "GetBucketLocation" }',
    'IAM_AUDIT_IGNORE_NOISY_SERVICES': '{ ($.eventSource = "ec2.amazonaws.com") || '
                                       '($.eventSource = "ssm.amazonaws.com") || '
                                       '($.eventSource = "rds.amazonaws.com") }',
    'IAM_AUDIT_IGNORE_READ_ONLY': '{ $.readOnly IS TRUE }',
}

HTTP_TIMEOUT_MS = 2000  # IAM_AUDIT_HTTP_TIMEOUT_MS of the function
SECRET = 'cHaOs' + 'x' * 19
WEBHOOK = 'T0CHAOS/B0CHAOS'
CONSOLE_LINK = re.compile(r'#/events/([0-9A-Za-z-]+)')

procs = []  # (name, Popen, stderr path)


def fail(message):
    print('chaos: FAIL: ' + message, file=sys.stderr, flush=True)
    sys.exit(1)


def rule_name(var):
    return var[len('IAM_AUDIT_IGNORE_'):].lower().replace('_', '-')


def run(argv, log_path, timeout):
    with open(log_path, 'wb') as log:
        try:
            rc = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            fail('%s did not finish in %d s; log %s' % (argv[1], timeout, log_path))
    if rc != 0:
        with open(log_path, errors='replace') as f:
            tail = f.read()[-3000:]
        fail('%s exited %d:\n%s' % (' '.join(argv[:2]), rc, tail))


def start(name, argv, work, timeout=30):
    """Starts a service that prints its base URL on its first stdout line."""
    out_path = os.path.join(work, name + '.out')
    err_path = os.path.join(work, name + '.err')
    out = open(out_path, 'wb')
    err = open(err_path, 'wb')
    p = subprocess.Popen(argv, stdout=out, stderr=err, start_new_session=True)
    procs.append((name, p, err_path))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(out_path, 'rb') as f:
            line = f.readline()
        if line.endswith(b'\n'):
            return line.decode().strip()
        if p.poll() is not None:
            break
        time.sleep(0.05)
    with open(err_path, errors='replace') as f:
        log = f.read()[-3000:]
    fail('%s did not start (exit status %s); its log:\n%s' % (name, p.poll(), log))


def stop_all():
    for _, p, _ in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + 10
    for _, p, _ in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def http(url, method='GET', body=None, headers=None, context=None, timeout=60):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout, context=context) as res:
        return res.status, dict(res.headers), res.read()


def get_json(url, context=None, timeout=60):
    status, _, body = http(url, context=context, timeout=timeout)
    if status != 200:
        fail('GET %s: HTTP %d' % (url, status))
    return json.loads(body)


def fault_schedule(seed, poisoned):
    """mock-slack --fault flags. Probabilistic faults are drawn in order and
    the first that fires wins, so each is armed with its share of what the
    earlier ones leave (docs/mock_slack.md)."""
    flags = ['*:error,status=500,probability=1,match=%s' % event_id for event_id in poisoned]
    shares = [
        ('error,status=500,body=rollup_error', 0.05),
        ('error,status=503,body=service_unavailable', 0.05),
        ('rate_limit,retry_after=1', 0.10),
        ('drop', 0.05),
        ('delay,ms=200', 0.05),
        ('delay,ms=%d' % (HTTP_TIMEOUT_MS + 1000), 0.002),  # outlives the client's timeout
    ]
    left = 1.0
    for i, (kind, share) in enumerate(shares):
        flags.append('%s:%s,probability=%.6f,seed=%d' % (WEBHOOK, kind, share / left, seed * 100 + i))
        left -= share
    return flags


def summary_of(job):
    """The handler's summary from an invocation's final result: the response
    itself, or the JSON after '; summary ' in a function error's message."""
    result = job.get('result')
    if isinstance(result, dict) and 'received' in result:
        return result
    message = result.get('errorMessage', '') if isinstance(result, dict) else str(result)
    at = message.rfind('; summary ')
    if at < 0:
        return None
    try:
        return json.loads(message[at + len('; summary '):])
    except ValueError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cli', required=True)
    ap.add_argument('--mock-slack', required=True)
    ap.add_argument('--function-zip', required=True)
    ap.add_argument('--events', type=int, default=10000)
    ap.add_argument('--seed', type=int, default=8)
    ap.add_argument('--containers', type=int, default=8, help='emulators (Lambda containers) in parallel')
    ap.add_argument('--poisoned', type=int, default=3, help='alerts Slack keeps failing')
    ap.add_argument('--budget', type=int, default=240, help='seconds to wait for the emulators to go idle')
    ap.add_argument('--keep', action='store_true', help='keep the work folder')
    ap.add_argument('--env', action='append', default=[], metavar='KEY=VALUE',
                    help='extra function environment (e.g. IAM_AUDIT_REMEMBERED_IDS=0 must make the test fail)')
    args = ap.parse_args()
    for path in (args.cli, args.mock_slack, args.function_zip):
        if not os.path.exists(path):
            fail(path + ' does not exist (build the iam_audit_cli, mock_slack_server and lambda-package targets)')

    work = tempfile.mkdtemp(prefix='iam-audit-chaos-')
    ok = False
    started = time.monotonic()
    try:
        ok = chaos(args, work, started)
    finally:
        stop_all()
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print('chaos: work folder kept: ' + work, file=sys.stderr)
    return 0 if ok else 1


def chaos(args, work, started):
    cli = args.cli
    # 1. Input.
    generated = os.path.join(work, 'generated.jsonl')
    run([cli, 'generate', '--seed', str(args.seed), '--events', str(args.events), '--days', '1',
         '--out', generated], os.path.join(work, 'generate.log'), 120)
    event_ids = {}  # line number → eventID
    with open(generated) as f:
        for line_no, line in enumerate(f, 1):
            if line.strip():
                event_ids[line_no] = json.loads(line)['eventID']
    if len(event_ids) != args.events:
        fail('generate wrote %d records, asked for %d' % (len(event_ids), args.events))
    if len(set(event_ids.values())) != len(event_ids):
        fail('generated eventIDs are not unique: cannot reconcile by eventID')

    # 2. CloudWatch Logs and the subscription filter.
    payload_dir = os.path.join(work, 'payloads')
    run([cli, 'simulate', '--filter-pattern', PATTERN, '--seed', str(args.seed), '--window', '300',
         '--control-message', '--out', payload_dir, generated], os.path.join(work, 'simulate.log'), 120)
    record_line = {}        # manifest record number → line in generated.jsonl
    subscribed = set()      # lines that pass the subscription filter
    payload_lines = {}      # payload file name (payload-000001.json) → lines it carries
    with open(os.path.join(payload_dir, 'manifest.jsonl')) as f:
        manifest = [json.loads(line) for line in f if line.strip()]
    for entry in manifest:
        if 'record' in entry:
            _, line, _ = entry['source'].rsplit(':', 2)
            record_line[entry['record']] = int(line)
            if entry['outcome'] == 'delivered':
                subscribed.add(int(line))
            elif entry['outcome'] != 'filtered':
                fail('simulate: record %s %s: %s' % (entry['record'], entry['outcome'], entry.get('reason')))
    for entry in manifest:
        if 'payload' in entry and 'records' in entry:
            payload_lines[entry['file']] = [record_line[r] for r in entry['records']]
    carried = [line for lines in payload_lines.values() for line in lines]
    if sorted(carried) != sorted(subscribed):
        fail('simulate: the payloads do not carry exactly the records that passed the filter')

    # 3. What the ignore rules take, computed apart from the Lambda.
    matches_rule = {}
    for var, pattern in IGNORE_RULES.items():
        out = subprocess.run([cli, 'test-filter', '--filter-pattern', pattern, '--file', generated],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            fail('test-filter %s: %s' % (var, out.stderr.strip()))
        matches_rule[var] = {m['eventNumber'] for m in json.loads(out.stdout or '{"matches":[]}')['matches']}
    ignored_by = {}  # line → rule name (first in variable-name order)
    for line in subscribed:
        for var in sorted(IGNORE_RULES):
            if line in matches_rule[var]:
                ignored_by[line] = rule_name(var)
                break
    expected = {event_ids[line] for line in subscribed if line not in ignored_by}
    event_line = {event_ids[line]: line for line in event_ids}
    poisoned = random.Random(args.seed).sample(sorted(expected), args.poisoned)

    # 4. Slack, with faults.
    cert = os.path.join(work, 'slack.pem')
    slack_argv = [args.mock_slack, '--port', '0', '--tls-self-signed', '--cert-out', cert,
                  '--webhook', '%s/%s,channel=chaos' % (WEBHOOK, SECRET), '--no-rate-limit', '--quiet',
                  '--max-messages', '1000000', '--threads', '64']
    for flag in fault_schedule(args.seed, poisoned):
        slack_argv += ['--fault', flag]
        print('chaos: mock-slack --fault ' + flag, flush=True)
    slack = start('mock-slack', slack_argv, work)
    tls = ssl.create_default_context(cafile=cert)
    if get_json(slack + '/healthz', tls).get('ok') is not True:
        fail('mock-slack: /healthz is not ok')

    # 5. Lambda containers: function.zip under the Runtime API emulator.
    env = {
        'SLACK_WEBHOOK_URL': '%s/services/%s/%s' % (slack, WEBHOOK, SECRET),
        'IAM_AUDIT_CA_BUNDLE': cert,
        'IAM_AUDIT_TIME_ZONE': '+09:00',
        # Two HTTP attempts per alert: a 429 is still waited out once, and an
        # alert that meets two faults in a row fails its invocation, so that
        # Lambda's retries (and the memory of delivered eventIDs) get work too.
        'IAM_AUDIT_MAX_ATTEMPTS': '2',
        'IAM_AUDIT_HTTP_TIMEOUT_MS': str(HTTP_TIMEOUT_MS),
        'IAM_AUDIT_MAX_BACKOFF_MS': '800',
        # mock-slack runs with --no-rate-limit: no pacing, so that every
        # alert is posted on its own (a digest would hide its eventID).
        'IAM_AUDIT_POST_INTERVAL_MS': '0',
    }
    env.update(IGNORE_RULES)
    for kv in args.env:
        key, eq, value = kv.partition('=')
        if not eq:
            fail('--env wants KEY=VALUE, got ' + key)
        env[key] = value
    emulators = []
    for c in range(args.containers):
        argv = [cli, 'emulate', '--function', args.function_zip, '--port', '0', '--timeout', '120',
                '--function-name', 'iam-audit-chaos', '--retry-delay-ms', '300']
        for key, value in env.items():
            argv += ['--env', '%s=%s' % (key, value)]
        emulators.append(start('emulate-%d' % c, argv, work))

    # 6. CloudWatch Logs invokes asynchronously: each payload as an Event.
    t_invoke = time.monotonic()
    job_payload = {}  # (container, request id) → payload name
    names = sorted(n for n in os.listdir(payload_dir) if n.startswith('payload-'))
    for i, name in enumerate(names):
        with open(os.path.join(payload_dir, name), 'rb') as f:
            body = f.read().rstrip(b'\n')
        c = i % len(emulators)
        status, headers, _ = http(emulators[c] + '/2015-03-31/functions/function/invocations', 'POST', body,
                                  {'Content-Type': 'application/json', 'X-Amz-Invocation-Type': 'Event'})
        request_id = headers.get('X-Amzn-RequestId') or headers.get('X-Amzn-Requestid')
        if status != 202 or not request_id:
            fail('invoke %s: HTTP %d without a request id' % (name, status))
        job_payload[(c, request_id)] = name

    deadline = started + args.budget
    for c, url in enumerate(emulators):
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                fail('emulate-%d not idle within the %d s budget' % (c, args.budget))
            if get_json('%s/api/idle?timeout_ms=%d' % (url, min(left_ms, 20000)), timeout=30)['idle']:
                break
    elapsed_delivery = time.monotonic() - t_invoke

    # 7. What happened.
    jobs = []
    for c, url in enumerate(emulators):
        for job in get_json(url + '/api/invocations'):
            key = (c, job['id'])
            if key not in job_payload:
                fail('emulate-%d ran an invocation nobody sent: %s' % (c, job['id']))
            jobs.append((job_payload[key], job))
    if len(jobs) != len(names):
        fail('%d invocations sent, the emulators know %d' % (len(names), len(jobs)))
    messages = get_json(slack + '/api/messages', tls, timeout=120)['messages']
    stats = get_json(slack + '/api/stats', tls)
    faults = get_json(slack + '/api/faults', tls)['faults']

    copies = collections.Counter()
    problems = []
    for m in messages:
        ids = set(CONSOLE_LINK.findall(json.dumps(m['payload'])))
        if len(ids) != 1:
            problems.append('message seq %s carries %d eventIDs (one alert per event expected)' % (m['seq'], len(ids)))
        for event_id in ids:
            copies[event_id] += 1
    unexpected = sorted(e for e in copies if e not in expected)
    for e in unexpected[:10]:
        line = event_line.get(e)
        why = 'not generated' if line is None else ('ignored by ' + ignored_by[line]) if line in ignored_by \
            else 'filtered by the subscription'
        problems.append('alert for %s, which was %s' % (e, why))

    failed_jobs, attempts, retried, summaries = [], 0, 0, []
    for name, job in jobs:
        attempts += len(job['attempts'])
        retried += len(job['attempts']) > 1
        for a in job['attempts']:
            # Under these faults every attempt must end in the handler's own
            # answer: a crash or a Lambda timeout would also replace the
            # container and its memory of delivered eventIDs.
            if not a['ok'] and a.get('error_type') != 'Function.DeliveryFailed':
                problems.append('%s: an attempt ended with %s' % (name, a.get('error_type')))
        if job['state'] not in ('succeeded', 'failed'):
            problems.append('%s: invocation still %s' % (name, job['state']))
            continue
        s = summary_of(job)
        if s is None:
            problems.append('%s: no handler summary in the final result: %s' % (name, json.dumps(job.get('result'))[:300]))
            continue
        summaries.append(s)
        if job['state'] == 'failed':
            if job.get('error_type') != 'Function.DeliveryFailed':
                problems.append('%s: failed with %s' % (name, job.get('error_type')))
            failed_jobs.append((name, job, s))

    reported_failed = set()
    for name, job, s in failed_jobs:
        lines = payload_lines.get(name, [])
        undelivered = [event_ids[l] for l in lines if event_ids[l] in expected and copies[event_ids[l]] == 0]
        reported_failed.update(undelivered)
        if len(undelivered) > s['failed']:
            problems.append('%s: %d alerts missing from Slack, the Lambda reported %d failed'
                            % (name, len(undelivered), s['failed']))

    delivered_once = {e for e in expected if copies[e] == 1}
    delivered_more = {e for e in expected if copies[e] > 1}
    extra_copies = sum(copies[e] - 1 for e in delivered_more)
    lost = expected - delivered_once - delivered_more - reported_failed
    late = [f for f in faults if f.get('kind') == 'delay' and f.get('ms', 0) >= HTTP_TIMEOUT_MS]
    allowed_extra = sum(f.get('fired', 0) for f in late)

    ignored_expected = collections.Counter(ignored_by.values())
    ignored_lambda = collections.Counter()
    for s in summaries:
        for rule, n in s.get('ignored', {}).items():
            ignored_lambda[rule] += n
    received = sum(s['received'] for s in summaries)
    control = sum(s['control'] for s in summaries)
    duplicates_skipped = sum(s['duplicates'] for s in summaries)

    # 8. The table.
    rows = [
        ('generated (iam-audit generate --seed %d)' % args.seed, len(event_ids)),
        ('matched by the subscription filter', len(subscribed)),
    ]
    for var in sorted(IGNORE_RULES):
        rows.append(('  ignored by rule %s' % rule_name(var), ignored_expected[rule_name(var)]))
    rows += [
        ('alerts expected (matched, not ignored)', len(expected)),
        ('delivered once', len(delivered_once)),
        ('delivered >1 (duplicates)', len(delivered_more)),
        ('  extra copies / allowed (answers past the timeout)', '%d / %d' % (extra_copies, allowed_extra)),
        ('reported failed after Lambda retries', len(reported_failed)),
        ('  of which poisoned (Slack always fails them)', len(set(poisoned) & reported_failed)),
        ('lost (expected - delivered - failed)', len(lost)),
        ('alerts for unexpected events', len(unexpected)),
    ]
    print()
    print('chaos reconciliation (%d events, %d containers)' % (args.events, len(emulators)))
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print('  %-*s %8s' % (width, label, value))
    print()
    served = stats.get('faults_served', {})
    print('  invocations %d (+1 control), attempts %d, retried %d, failed finally %d; '
          'redelivered alerts not posted again: %d'
          % (len(jobs) - control, attempts, retried, len(failed_jobs), duplicates_skipped))
    print('  mock-slack: %d requests, %d stored; faults served %s'
          % (stats.get('requests', 0), stats.get('stored', 0), json.dumps(served, sort_keys=True)))
    print('  delivery took %.1f s; whole run %.1f s' % (elapsed_delivery, time.monotonic() - started))
    print(flush=True)

    # 9. The verdict.
    if received != len(subscribed):
        problems.append('the Lambda received %d events, the filter passed %d' % (received, len(subscribed)))
    if control != 1:
        problems.append('control messages acknowledged: %d, sent 1' % control)
    for var in sorted(IGNORE_RULES):
        name = rule_name(var)
        if ignored_lambda[name] != ignored_expected[name]:
            problems.append('rule %s: the Lambda ignored %d, test-filter says %d'
                            % (name, ignored_lambda[name], ignored_expected[name]))
    for e in poisoned:
        if copies[e] or e not in reported_failed:
            problems.append('poisoned alert %s: %d copies, reported failed: %s' % (e, copies[e], e in reported_failed))
    if lost:
        problems.append('%d alerts lost, e.g. %s' % (len(lost), ', '.join(sorted(lost)[:5])))
    if extra_copies > allowed_extra:
        problems.append('%d extra copies, README allows %d here (one per answer that outlived the timeout)'
                        % (extra_copies, allowed_extra))
    for p in problems:
        print('chaos: ' + p, file=sys.stderr)
    if problems:
        print('chaos: FAIL (%d problems)' % len(problems), file=sys.stderr)
        return False
    print('chaos: PASS: 0 lost, %d extra copies (allowed %d), %d reported failed'
          % (extra_copies, allowed_extra, len(reported_failed)))
    return True


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # ctest's timeout: still clean up
    sys.exit(main())
