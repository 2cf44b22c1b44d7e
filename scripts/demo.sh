#!/usr/bin/env bash
# The main job on a built-in default: the shipped CloudTrail fixtures go
# through the whole pipeline as in AWS, offline:
#
#   fixtures → iam-audit simulate (the original's subscription filter pattern)
#            → iam-audit emulate (Lambda Runtime API) running bootstrap from function.zip
#            → mock-slack over HTTPS (a certificate made for this run)
#
# and the alerts Slack received are printed; the channel page stays open
# until you press Enter (or at once with --no-wait / when not on a terminal).
#   scripts/demo.sh [--no-wait]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
wait_for_enter=true
[[ "${1:-}" == "--no-wait" || ! -t 0 ]] && wait_for_enter=false

echo "== building (first run: a few minutes)"
"$root/scripts/build.sh" >/dev/null
build="${IAM_AUDIT_BUILD_DIR:-$root/build}"
cmake --build "$build" --target lambda-package >/dev/null
bin="$build/bin"

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

first_line() {  # first_line FILE: wait (≤ 20 s) for a process's first stdout line
  for _ in $(seq 200); do
    [[ -s "$1" ]] && { head -n 1 "$1"; return 0; }
    sleep 0.1
  done
  echo "demo: a service did not start; its log:" >&2
  cat "$1" "${1%.out}.err" >&2 || true
  return 1
}

secret="demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
"$bin/mock-slack" --port 0 --tls-self-signed --cert-out "$tmp/slack.pem" \
  --webhook "T0001/B0001/$secret,channel=iam-audit" --no-rate-limit >"$tmp/slack.out" 2>"$tmp/slack.err" &
pids+=($!)
slack=$(first_line "$tmp/slack.out")

pattern='{ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") }'
"$bin/iam-audit" emulate --function "$build/function.zip" \
  --env "SLACK_WEBHOOK_URL=$slack/services/T0001/B0001/$secret" \
  --env "IAM_AUDIT_CA_BUNDLE=$tmp/slack.pem" \
  --env "IAM_AUDIT_TIME_ZONE=+09:00" \
  --env 'IAM_AUDIT_IGNORE_AWS_HEALTH={ $.eventSource = "health.amazonaws.com" }' \
  --env 'IAM_AUDIT_IGNORE_AWS_INTERNAL={ $.sourceIPAddress = "AWS Internal*" }' \
  --env 'IAM_AUDIT_IGNORE_GET_BUCKET_LOCATION={ $.eventName = "GetBucketLocation" }' \
  >"$tmp/emu.out" 2>"$tmp/emu.err" &
pids+=($!)
emu=$(first_line "$tmp/emu.out")

records=()
for f in "$root"/fixtures/records/*.json; do [[ "$f" == *.expected.json ]] || records+=("$f"); done
echo "== ${#records[@]} CloudTrail fixtures → simulate (pattern: $pattern)"
"$bin/iam-audit" simulate --filter-pattern "$pattern" --control-message --invoke "$emu" "${records[@]}"
curl -s --max-time 70 "$emu/api/idle?timeout_ms=60000" >/dev/null || true

echo
echo "== what the Lambda reported (one line per invocation)"
grep -E '"received"|received=' "$tmp/emu.err" | tail -n 5 || true
echo
echo "== the channel, as Slack received it"
curl -s --cacert "$tmp/slack.pem" "$slack/api/messages" | python3 -c '
import json, sys
msgs = json.load(sys.stdin)
msgs = msgs.get("messages", msgs) if isinstance(msgs, dict) else msgs
for m in msgs:
    payload = m.get("payload", m)
    if isinstance(payload, str):
        payload = json.loads(payload)
    print("┌" + "─" * 60)
    for block in payload.get("blocks", []):
        text = block.get("text", {}).get("text", "")
        for line in text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split("\n"):
            print("│ " + line)
    print("└" + "─" * 60)
print(f"{len(msgs)} messages in #iam-audit")
'
echo
echo "Channel page: $slack/  (certificate: self-signed for this run)"
if $wait_for_enter; then
  read -r -p "Press Enter to stop the demo. " _
fi
