#!/usr/bin/env python3
"""Writes Lambda events for the handler benchmarks, one JSON event per line.

Usage: make_payloads.py DATA_DIR OUT.jsonl [--events-per-payload 100] [--payloads 20]
       make_payloads.py DATA_DIR OUT.json --target-bytes 1000000   (one event of about that size)

DATA_DIR is tests/data. Records come from DATA_DIR/real-cloudtrail/*.jsonl (valid JSON objects
only), in file order, as CloudTrail writes them to CloudWatch Logs (compact).
"""
import argparse, base64, glob, gzip, json, os

def records(data_dir):
    for path in sorted(glob.glob(os.path.join(data_dir, "real-cloudtrail", "*.jsonl"))):
        if os.path.basename(path).startswith(("odd", "subscription")):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if isinstance(r, dict) and "eventID" in r:
                    yield json.dumps(r, separators=(",", ":"))

def event(messages, first_id):
    batch = {"messageType": "DATA_MESSAGE", "owner": "123456789012",
             "logGroup": "aws-cloudtrail-logs-123456789012-bench",
             "logStream": "123456789012_CloudTrail_us-east-1", "subscriptionFilters": ["iam-audit"],
             "logEvents": [{"id": str(36953980115632178234634613784712304985760000 + first_id + i),
                            "timestamp": 1655819773000, "message": m} for i, m in enumerate(messages)]}
    data = base64.b64encode(gzip.compress(json.dumps(batch).encode(), 6, mtime=0)).decode()
    return json.dumps({"awslogs": {"data": data}})

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir"); ap.add_argument("out")
    ap.add_argument("--events-per-payload", type=int, default=100)
    ap.add_argument("--payloads", type=int, default=20)
    ap.add_argument("--target-bytes", type=int, default=0)
    a = ap.parse_args()
    pool = list(records(a.data_dir))
    if not pool:
        raise SystemExit("no records under " + a.data_dir)
    if a.target_bytes:
        # Grow one event until its JSON is just under the target size.
        n, lo, hi = 0, 1, 200000
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if len(event([pool[i % len(pool)] for i in range(mid)], 0)) <= a.target_bytes:
                lo = mid
            else:
                hi = mid - 1
        n = lo
        with open(a.out, "w") as f:
            f.write(event([pool[i % len(pool)] for i in range(n)], 0))
        print(f"{a.out}: one event of {os.path.getsize(a.out)} bytes, {n} log events")
        return
    with open(a.out, "w") as f:
        for p in range(a.payloads):
            start = p * a.events_per_payload
            msgs = [pool[(start + i) % len(pool)] for i in range(a.events_per_payload)]
            f.write(event(msgs, start) + "\n")
    print(f"{a.out}: {a.payloads} events of {a.events_per_payload} log events")

if __name__ == "__main__":
    main()
