#!/usr/bin/env python3
"""Independent checker for `iam-audit simulate --out DIR` (Debian python3 only).

Decodes every payload-*.json with base64/gzip/json, checks the CloudWatch Logs
invariants, and compares the delivered messages, in order, with the records
Python itself reads from the inputs and selects with its own predicate.

usage: roundtrip.py OUT_DIR --pattern original|all [--inputs FILE...] [--max-events N]
                    [--max-payload-bytes N] [--expect-control]
"""
import argparse, base64, glob, gzip, json, os, re, sys

def fail(msg):
    print("roundtrip: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

def minify(text):
    """Whitespace outside strings removed; everything else byte for byte."""
    out, in_str, esc = [], False, False
    for c in text:
        if in_str:
            out.append(c)
            if esc: esc = False
            elif c == "\\": esc = True
            elif c == '"': in_str = False
        elif c in " \t\r\n":
            continue
        else:
            out.append(c)
            if c == '"': in_str = True
    return "".join(out)

def read_records(path):
    """Records of one input file in file order, as (ordered pairs) objects."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    hook = lambda pairs: pairs  # keep key order: objects become lists of pairs
    lines = [l for l in text.splitlines() if l.strip()]
    try:
        json.loads(lines[0])
        docs = [(json.loads(l, object_pairs_hook=hook), l) for l in lines]
    except ValueError:
        docs = [(json.loads(text, object_pairs_hook=hook), text)]
    out = []  # (record as pairs, exact compact text or None)
    for d, t in docs:
        if isinstance(d, list) and (not d or not isinstance(d[0], tuple)):
            out.extend((r, None) for r in d)  # a top-level array of records
        elif dict(d).get("Records") is not None:
            out.extend((r, None) for r in dict(d)["Records"])
        else:
            out.append((d, minify(t)))
    return out

def predicate(name):
    if name == "all":
        return lambda r: True
    if name == "original":
        def original(r):
            d = dict(r)
            ui = d.get("userIdentity")
            t = dict(ui).get("type") if isinstance(ui, list) else None
            n = d.get("eventName")
            return t == "IAMUser" and isinstance(n, str) and not n.startswith("Get") and not n.startswith("Describe")
        return original
    if name == "iamuser":
        def iamuser(r):
            ui = dict(r).get("userIdentity")
            return isinstance(ui, list) and dict(ui).get("type") == "IAMUser"
        return iamuser
    fail("unknown predicate " + name)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--pattern", default="all")
    ap.add_argument("--inputs", nargs="*", default=[])
    ap.add_argument("--max-events", type=int, default=10000)
    ap.add_argument("--max-payload-bytes", type=int, default=1048576)
    ap.add_argument("--expect-control", action="store_true")
    a = ap.parse_args()

    files = sorted(glob.glob(os.path.join(a.out, "payload-*.json")))
    if not files:
        fail("no payloads in " + a.out)
    hook = lambda pairs: pairs
    delivered = {}  # stream -> list of messages (as ordered pairs)
    order = []  # (stream, message) in payload order
    order_text = []  # the raw messages, same order
    last_id = {}
    control_seen = False
    for i, f in enumerate(files):
        raw = open(f, "rb").read()
        if len(raw.rstrip(b"\n")) > a.max_payload_bytes:
            fail(f"{f}: {len(raw)} bytes, over {a.max_payload_bytes}")
        event = json.loads(raw)
        if list(event) != ["awslogs"] or list(event["awslogs"]) != ["data"]:
            fail(f"{f}: envelope is not {{awslogs:{{data}}}}")
        data = event["awslogs"]["data"]
        if "\n" in data or not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", data) or len(data) % 4:
            fail(f"{f}: data is not padded standard base64")
        gz = base64.b64decode(data, validate=True)
        if gz[:2] != b"\x1f\x8b":
            fail(f"{f}: not gzip")
        batch = json.loads(gzip.decompress(gz))
        if batch["messageType"] == "CONTROL_MESSAGE":
            if i != 0:
                fail(f"{f}: CONTROL_MESSAGE is not the first payload")
            if batch["owner"] != "CloudwatchLogs" or batch["logGroup"] or batch["logStream"] or batch["logEvents"][0]["id"] != "":
                fail(f"{f}: CONTROL_MESSAGE shape")
            control_seen = True
            continue
        if batch["messageType"] != "DATA_MESSAGE":
            fail(f"{f}: messageType {batch['messageType']}")
        stream = batch["logStream"]
        if not re.fullmatch(r"[^_]+_CloudTrail_[^_]+", stream):
            fail(f"{f}: stream name {stream}")
        if not batch["owner"] or not batch["logGroup"].startswith("aws-cloudtrail-logs-" + batch["owner"] + "-") and not batch["logGroup"]:
            fail(f"{f}: owner/logGroup")
        if not isinstance(batch["subscriptionFilters"], list) or not batch["subscriptionFilters"]:
            fail(f"{f}: subscriptionFilters")
        evs = batch["logEvents"]
        if not 1 <= len(evs) <= a.max_events:
            fail(f"{f}: {len(evs)} events")
        for e in evs:
            if not isinstance(e["id"], str) or not re.fullmatch(r"[0-9]{50,60}", e["id"]):
                fail(f"{f}: id {e['id']!r}")
            if not isinstance(e["timestamp"], int):
                fail(f"{f}: timestamp not an integer")
            n = int(e["id"])
            if n >> 144 < e["timestamp"]:
                fail(f"{f}: id {n} does not embed timestamp {e['timestamp']}")
            if stream in last_id and n <= last_id[stream]:
                fail(f"{f}: ids not increasing within {stream}")
            last_id[stream] = n
            rec = json.loads(e["message"], object_pairs_hook=hook)
            order_text.append(e["message"])
            d = dict(rec)
            acct = d.get("recipientAccountId") or dict(d.get("userIdentity") or []).get("accountId")
            if acct and not stream.startswith(acct + "_"):
                fail(f"{f}: record of account {acct} in stream {stream}")
            if d.get("awsRegion") and not stream.endswith("_" + d["awsRegion"]):
                fail(f"{f}: record of region {d['awsRegion']} in stream {stream}")
            order.append((stream, rec))
    if a.expect_control and not control_seen:
        fail("no CONTROL_MESSAGE")

    if a.inputs:
        want = []
        pred = predicate(a.pattern)
        for path in a.inputs:
            want.extend(x for x in read_records(path) if pred(x[0]))
        exact = {}
        for r, t in want:
            if t is not None:
                exact.setdefault(json.dumps(r), []).append(t)
        for text in order_text:
            key = json.dumps(json.loads(text, object_pairs_hook=hook))
            if key in exact and text not in exact[key]:
                fail("a message is not the exact compact form of its record: " + text[:120])
        want = [r for r, _ in want]
        # Per stream, the delivered records are the wanted ones in input order.
        got_by_stream, want_by_stream = {}, {}
        for s, r in order:
            got_by_stream.setdefault(s, []).append(r)
        for r in want:
            d = dict(r)
            acct = d.get("recipientAccountId") or dict(d.get("userIdentity") or []).get("accountId") or "123456789012"
            want_by_stream.setdefault(f"{acct}_CloudTrail_{d.get('awsRegion') or 'us-east-1'}", []).append(r)
        if sorted(got_by_stream) != sorted(want_by_stream):
            fail(f"streams differ: got {sorted(got_by_stream)} want {sorted(want_by_stream)}")
        for s in want_by_stream:
            if got_by_stream[s] != want_by_stream[s]:
                g, w = got_by_stream[s], want_by_stream[s]
                first = next((i for i in range(min(len(g), len(w))) if g[i] != w[i]), min(len(g), len(w)))
                fail(f"stream {s}: {len(g)} delivered, {len(w)} wanted; first difference at event {first}")
        if len(order) != len(want):
            fail(f"{len(order)} delivered, {len(want)} wanted")
    print(f"roundtrip: ok: {len(files)} payloads, {len(order)} events")

main()
