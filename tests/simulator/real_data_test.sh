#!/usr/bin/env bash
# Real CloudTrail records (../shared/real-cloudtrail, not in the repo) through
# `iam-audit simulate`, decoded again by Python. Exits 77 (skipped) when the
# shared folder is absent.
set -uo pipefail
bin="${IAM_AUDIT_BIN:?}"
dir="${IAM_AUDIT_SHARED_DIR:-}/real-cloudtrail"
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -d "$dir" ]]; then echo "skipped: $dir not found (set IAM_AUDIT_SHARED_DIR)"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
inputs=()
for f in invictus-aws_dataset panther-analysis-tests stratus-red-team-detonation-logs aws-docs-examples; do
  [[ -f "$dir/$f.jsonl" ]] && inputs+=("$dir/$f.jsonl")
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
