#!/usr/bin/env bash
# Real CloudTrail records (tests/data/real-cloudtrail) through
# `iam-audit simulate`, decoded again by Python.
#   IAM_AUDIT_BIN=… real_data_test.sh REAL_CLOUDTRAIL_DIR
set -uo pipefail
bin="${IAM_AUDIT_BIN:?}"
dir="${1:?usage: real_data_test.sh REAL_CLOUDTRAIL_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -d "$dir" ]]; then echo "FAIL: $dir not found"; exit 1; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
inputs=()
for f in invictus-aws_dataset panther-analysis-tests stratus-red-team-detonation-logs aws-docs-examples; do
  [[ -f "$dir/$f.jsonl" ]] || { echo "FAIL: $dir/$f.jsonl not found"; exit 1; }
  inputs+=("$dir/$f.jsonl")
done
# Records without a usable eventTime fail (reported); everything else must come back.
"$bin" simulate --window 0 --out "$tmp/all" "${inputs[@]}" 2>"$tmp/err"
rc=$?
grep -q "records: " "$tmp/err" || { echo "FAIL: no summary"; failed=1; }
python3 - "$tmp/all" "${inputs[@]}" <<'PY' || failed=1
import json, sys
out, inputs = sys.argv[1], sys.argv[2:]
lines = [json.loads(l) for l in open(out + "/manifest.jsonl")]
summary = lines[-1]["summary"]
total = sum(1 for p in inputs for l in open(p) if l.strip())
assert summary["records"] == total, (summary, total)
assert summary["delivered"] + summary["failed"] + summary["dropped"] == total, summary
for l in lines:
    if l.get("outcome") == "failed":
        assert "eventTime" in l["reason"] or "invalid JSON" in l["reason"], l
print("real-data: %d records, %d delivered, %d failed" % (total, summary["delivered"], summary["failed"]))
PY
# The round trip, on the records Python also accepts (those with an ISO eventTime).
python3 - "$tmp" "${inputs[@]}" <<'PY'
import json, re, sys
tmp, inputs = sys.argv[1], sys.argv[2:]
with open(tmp + "/ok.jsonl", "w") as out:
    for p in inputs:
        for line in open(p):
            r = json.loads(line)
            t = r.get("eventTime")
            if isinstance(t, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t):
                out.write(line if line.endswith("\n") else line + "\n")
PY
"$bin" simulate --window 60 --out "$tmp/ok" -p '{ $.userIdentity.type = "IAMUser" }' "$tmp/ok.jsonl" 2>/dev/null \
  || { echo "FAIL: simulate ok.jsonl"; failed=1; }
python3 "$here/roundtrip.py" "$tmp/ok" --pattern iamuser --inputs "$tmp/ok.jsonl" || failed=1
echo "real-data simulate: rc=$rc failed=$failed"
exit $failed
