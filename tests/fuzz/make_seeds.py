#!/usr/bin/env python3
"""Writes the seed corpora for the fuzz targets.

usage: make_seeds.py FIXTURES_DIR DATA_DIR OUT_DIR
Seeds are built from the project's fixtures, and from the filter corpus and a
sample of the real CloudTrail records in DATA_DIR (tests/data, read in place).
"""
import base64
import glob
import gzip
import json
import os
import sys

fixtures, data_dir, out = sys.argv[1:4]
real = os.path.join(data_dir, "real-cloudtrail")
corpus = os.path.join(data_dir, "filter-corpus.jsonl")
for needed in (real, corpus):
    if not os.path.exists(needed):
        sys.exit(f"make_seeds.py: {needed} not found")


def write(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape"))


records = []
for path in sorted(glob.glob(os.path.join(fixtures, "records", "*.json"))):
    if not path.endswith(".expected.json"):
        records.append(open(path, encoding="utf-8").read())
for name in sorted(os.listdir(real)):
    if name.endswith(".jsonl") and not name.startswith("subscription"):
        with open(os.path.join(real, name), encoding="utf-8") as f:
            records += [line for i, line in enumerate(f) if i % 50 == 0]

for i, rec in enumerate(records):
    write("render_fuzz", f"r{i}", rec)
    batch = {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "g",
             "logStream": "s", "subscriptionFilters": ["f"],
             "logEvents": [{"id": str(10**55 + i), "timestamp": 1, "message": rec}]}
    data = base64.b64encode(gzip.compress(json.dumps(batch).encode(), mtime=0)).decode()
    write("payload_fuzz", f"p{i}", json.dumps({"awslogs": {"data": data}}))
    write("payload_fuzz", f"d{i}", json.dumps(batch))

patterns = ['{ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") }']
cases = []
with open(corpus, encoding="utf-8") as f:
    for line in f:
        try:
            case = json.loads(line)
        except ValueError:
            continue
        if isinstance(case.get("pattern"), str):
            patterns.append(case["pattern"])
            msgs = case.get("messages") or case.get("message") or case.get("events") or []
            if isinstance(msgs, str):
                msgs = [msgs]
            for m in msgs if isinstance(msgs, list) else []:
                if isinstance(m, str):
                    cases.append((case["pattern"], m))
for i, p in enumerate(sorted(set(patterns))):
    write("filter_compile_fuzz", f"f{i}", p)
for i, (p, m) in enumerate(cases[:2000]):
    write("filter_match_fuzz", f"m{i}", p.replace("\n", " ") + "\n" + m)
for i, rec in enumerate(records[:50]):
    write("filter_match_fuzz", f"c{i}", patterns[0] + "\n" + rec)

slack = [{"text": "hello"}, {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*a*"}}]},
         {"text": "x", "attachments": [{"fallback": "f"}]}]
for i, m in enumerate(slack):
    write("slack_payload_fuzz", f"s{i}", json.dumps(m))
