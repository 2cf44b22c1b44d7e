#!/usr/bin/env bash
# The main job on a built-in default: the shipped CloudTrail fixtures go
# through the whole pipeline as in AWS, offline:
#
#   fixtures → iam-audit simulate (the original's subscription filter pattern)
#            → iam-audit emulate (Lambda Runtime API) running bootstrap from function.zip
#            → mock-slack over HTTPS (a certificate made for this run)
#
# and the alerts Slack received are printed. Then a second act, the
# organisation path, where the trail writes to an S3 bucket:
#
#   fixtures → iam-audit simulate --deliver s3 (an organisation trail's log files
#              PUT into s3rver, a local S3-compatible server; S3 → SNS notifications)
#            → the same function.zip, reading each log file from s3rver and
#              applying IAM_AUDIT_FILTER_PATTERN (default: the same pattern)
#            → the same channel
#
# (s3rver is installed by npm into the build folder on the first run;
# --no-org skips this act). The channel page stays open until you press
# Enter (or at once with --no-wait / when not on a terminal).
#   scripts/demo.sh [--no-wait] [--no-org]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
wait_for_enter=true
org_act=true
[[ -t 0 ]] || wait_for_enter=false
for arg in "$@"; do
  case "$arg" in
    --no-wait) wait_for_enter=false ;;
    --no-org) org_act=false ;;
    *) echo "usage: scripts/demo.sh [--no-wait] [--no-org]" >&2; exit 2 ;;
  esac
done

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
show_channel() {  # show_channel SINCE: the messages after sequence number SINCE; prints the last one
  curl -s --cacert "$tmp/slack.pem" "$slack/api/messages?since=$1" | python3 -c '
import json, sys
msgs = json.load(sys.stdin)
msgs = msgs.get("messages", msgs) if isinstance(msgs, dict) else msgs
for m in msgs:
    payload = m.get("payload", m)
    if isinstance(payload, str):
        payload = json.loads(payload)
    print("┌" + "─" * 60, file=sys.stderr)
    for block in payload.get("blocks", []):
        text = block.get("text", {}).get("text", "")
        for line in text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split("\n"):
            print("│ " + line, file=sys.stderr)
    print("└" + "─" * 60, file=sys.stderr)
print(f"{len(msgs)} messages in #iam-audit", file=sys.stderr)
print(max([m.get("seq", 0) for m in msgs] + [int(sys.argv[1])]))
' "$1" 2>&1 >"$tmp/last-seq"
}
show_channel 0
echo

if $org_act; then
  echo "== act 2: an organisation trail writing to S3 (S3 → SNS → Lambda)"
  # s3rver, as the tests run it (tests/aws/s3rver_harness.py): pinned by
  # tests/aws/s3rver/package-lock.json, installed into the build folder.
  entry=$(cd "$root/tests/aws" && python3 -c 'import sys, s3rver_harness
print(s3rver_harness.install(sys.argv[1], sys.argv[2]))' "$root/tests/aws/s3rver" "$build/demo/s3rver")
  # s3rver makes continuation tokens with DES: Node 17+ needs the legacy provider.
  node --openssl-legacy-provider "$entry" -d "$tmp/s3" -a 127.0.0.1 -p 0 -s \
    --configure-bucket org-trail >"$tmp/s3rver.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do grep -q "S3rver listening" "$tmp/s3rver.out" 2>/dev/null && break; sleep 0.1; done
  s3port=$(sed -n 's/.*S3rver listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/s3rver.out" | head -n 1)
  [[ -n "$s3port" ]] || { echo "demo: s3rver did not start:" >&2; cat "$tmp/s3rver.out" >&2; exit 1; }
  s3="http://127.0.0.1:$s3port"
  # s3rver knows the access key S3RVER and takes any secret.
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY="demo-$secret" AWS_REGION=us-east-1
  unset AWS_SESSION_TOKEN AWS_PROFILE

  # The function as deployed by deploy/iam-audit-s3.yaml: no subscription
  # filter in front of it, so IAM_AUDIT_FILTER_PATTERN (its default, the
  # pattern above) picks the records; the S3 client reads from s3rver.
  "$bin/iam-audit" emulate --function "$build/function.zip" \
    --env "SLACK_WEBHOOK_URL=$slack/services/T0001/B0001/$secret" \
    --env "IAM_AUDIT_CA_BUNDLE=$tmp/slack.pem" \
    --env "IAM_AUDIT_TIME_ZONE=+09:00" \
    --env "AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID" --env "AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY" \
    --env "AWS_REGION=us-east-1" --env "AWS_ENDPOINT_URL_S3=$s3" \
    >"$tmp/emu2.out" 2>"$tmp/emu2.err" &
  pids+=($!)
  emu2=$(first_line "$tmp/emu2.out")

  echo "-- simulate: the organisation trail's log files into s3://org-trail, one SNS notification each"
  "$bin/iam-audit" simulate --deliver s3 --bucket org-trail --org-id o-aa11bb22cc --envelope sns \
    --endpoint "$s3" "${records[@]}" >"$tmp/notifications.jsonl"
  echo "-- the bucket, as the aws CLI lists it"
  /usr/bin/aws --endpoint-url "$s3" s3 ls --recursive s3://org-trail/
  echo "-- each notification → the Lambda (its answer: what it read, ignored and delivered)"
  while IFS= read -r event; do
    curl -s --max-time 120 -H "Content-Type: application/json" --data-binary "$event" \
      "$emu2/2015-03-31/functions/function/invocations"
    echo
  done <"$tmp/notifications.jsonl"
  curl -s --max-time 70 "$emu2/api/idle?timeout_ms=60000" >/dev/null || true
  echo
  echo "== the channel after act 2 (the same alerts, now from the trail's bucket)"
  show_channel "$(cat "$tmp/last-seq")"
  echo
fi
echo "Channel page: $slack/  (certificate: self-signed for this run)"
if $wait_for_enter; then
  read -r -p "Press Enter to stop the demo. " _
fi
