#!/usr/bin/env bash
# The Lambda handler's benchmarks, side by side in one run:
#  1. handler CPU per payload of 1, 10, 100 and 1000 real CloudTrail events vs
#     the original's Python handler doing the same work (target: >= 50x less CPU);
#  2. bootstrap exec → first /next, median of N cold starts, from function.zip
#     (launcher + bundled loader) and from the bare binary (target: <= 5 ms);
#  3. peak RSS of the bootstrap handling a 1 MB event delivered to mock-slack
#     over HTTPS (target: <= 32 MB);
#  4. CPU per record of each input next to the subscription: awslogs, S3 log
#     files read from s3rver (a local S3 server, installed by npm into the
#     build folder) and EventBridge events (inputs_cpu.py).
# Usage: bench/lambda/run.sh [BUILD_DIR]   (default build/; records from tests/data)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${IAM_AUDIT_BUILD_DIR:-$root/build}}
data=$root/tests/data
[[ -d "$data/real-cloudtrail" ]] || { echo "bench: $data/real-cloudtrail is missing" >&2; exit 1; }
[[ -f "$build/build.ninja" ]] || cmake -S "$root" -B "$build" -G Ninja >/dev/null
cmake --build "$build" --target iam_audit_lambda_bench iam_audit_cli lambda-package mock_slack_server >/dev/null
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== 1. handler CPU per payload (1, 10, 100, 1000 events)"
for events in 1 10 100 1000; do
  python3 "$root/bench/lambda/make_payloads.py" "$data" "$tmp/payloads-$events.jsonl" \
    --events-per-payload "$events" --payloads 20 >/dev/null
  "$build/bin/iam_audit_lambda_bench" "$tmp/payloads-$events.jsonl" --benchmark_format=json \
    --benchmark_min_time=1 >"$tmp/cxx-$events.json" 2>/dev/null
  cxx_us=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["benchmarks"][0]; print(b["cpu_time"])' "$tmp/cxx-$events.json")
  rounds=$(( events >= 1000 ? 2 : 5 ))
  py_s=$(python3 "$root/bench/lambda/original_handler.py" "$tmp/payloads-$events.jsonl" "$rounds")
  python3 - "$cxx_us" "$py_s" "$events" <<'PY'
import json, sys
cxx_us, py_s, events = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
ratio = py_s * 1e6 / cxx_us
if events == 100:  # the lines bench/make_results.py reads when there are no RESULT lines
    print(f"engine handler : {cxx_us:10.1f} us CPU per payload")
    print(f"python original: {py_s*1e6:10.1f} us CPU per payload")
    print(f"ratio          : {ratio:10.1f}x less CPU (target >= 50x)")
else:
    print(f"{events:4d} events: engine {cxx_us:10.1f} us, python {py_s*1e6:10.1f} us, {ratio:6.1f}x less CPU")
for subject, value in (("iam-audit", cxx_us), ("python", py_s * 1e6)):
    print("RESULT " + json.dumps({"bench": "lambda", "kind": "measure", "subject": subject,
                                  "metric": "cpu_per_payload", "value": round(value, 1), "unit": "us",
                                  "params": {"events": events}}))
print("RESULT " + json.dumps({"bench": "lambda", "kind": "target",
                              "name": f"CPU per {events}-event payload, python / iam-audit",
                              "value": round(ratio, 2), "op": ">=", "target": 50, "unit": "x",
                              "params": {"events": events}}))
PY
done

echo "== 2. bootstrap exec -> first /next (median of 15 cold starts)"
ca=/etc/ssl/certs/ca-certificates.crt; [[ -f $ca ]] || ca=/etc/pki/tls/certs/ca-bundle.crt
control='{"awslogs":{"data":"'$(printf '%s' '{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[]}' | gzip -c | base64 -w0)'"}}'
startup() {  # $1: --function value
  local times=()
  for i in $(seq 15); do
    "$build/bin/iam-audit" emulate --function "$1" --env SLACK_WEBHOOK_URL=https://127.0.0.1:9/services/T/B/x \
      --env IAM_AUDIT_CA_BUNDLE=$ca >"$tmp/emu.out" 2>"$tmp/emu.err" &
    local pid=$!
    for _ in $(seq 100); do [[ -s "$tmp/emu.out" ]] && break; sleep 0.05; done
    curl -s -m 20 -o /dev/null -H "Content-Type: application/json" -X POST "$(head -1 "$tmp/emu.out")/2015-03-31/functions/function/invocations" -d "$control"
    kill $pid; wait $pid 2>/dev/null || true
    times+=("$(sed -n 's/.*first \/next \([0-9.]*\) ms after exec.*/\1/p' "$tmp/emu.err")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median %.2f ms (min %.2f, max %.2f)", a[int((NR+1)/2)], a[1], a[NR]}'
}
for which in zip bare; do
  if [[ $which == zip ]]; then label="function.zip (launcher + bundled loader)"; fn="$build/function.zip"
  else label="bare build/bin/bootstrap                "; fn="$build/bin/bootstrap"; fi
  line=$(startup "$fn")
  echo "$label: $line"
  median=$(sed -n 's/^median \([0-9.]*\) ms.*/\1/p' <<<"$line")
  [[ -n $median ]] || median=null
  subject=$([[ $which == zip ]] && echo "function.zip" || echo "bootstrap")
  echo "RESULT {\"bench\":\"lambda\",\"kind\":\"measure\",\"subject\":\"$subject\",\"metric\":\"cold_start_median\",\"value\":$median,\"unit\":\"ms\"}"
  if [[ $which == zip ]]; then
    echo "RESULT {\"bench\":\"lambda\",\"kind\":\"target\",\"name\":\"cold start, function.zip (median)\",\"value\":$median,\"op\":\"<=\",\"target\":5,\"unit\":\"ms\"}"
  fi
done

echo "== 3. peak RSS with a 1 MB event"
python3 "$root/bench/lambda/make_payloads.py" "$data" "$tmp/big.json" --target-bytes 1000000
"$build/bin/mock-slack" --port 0 --tls-self-signed --cert-out "$tmp/slack.pem" --webhook T1/B1/benchsecret \
  --no-rate-limit --quiet >"$tmp/slack.out" 2>"$tmp/slack.err" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$tmp/slack.out" ]] && break; sleep 0.05; done
slack=$(head -1 "$tmp/slack.out")
"$build/bin/iam-audit" emulate --function "$build/function.zip" --timeout 300 \
  --env SLACK_WEBHOOK_URL="$slack/services/T1/B1/benchsecret" --env IAM_AUDIT_CA_BUNDLE="$tmp/slack.pem" \
  --env IAM_AUDIT_POST_INTERVAL_MS=0 >"$tmp/emu.out" 2>"$tmp/emu.err" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$tmp/emu.out" ]] && break; sleep 0.05; done
emu=$(head -1 "$tmp/emu.out")
curl -s -m 300 -H "Content-Type: application/json" -X POST "$emu/2015-03-31/functions/function/invocations" --data-binary @"$tmp/big.json" >"$tmp/big.out"
echo "summary: $(cat "$tmp/big.out")"
curl -s "$emu/api/invocations" | python3 -c '
import json,sys
a=json.load(sys.stdin)[0]["attempts"][0]
kb, ms = a["max_memory_used_kb"], a["duration_ms"]
print(f"peak RSS (VmHWM) of the bootstrap: {kb/1024:.1f} MB (target <= 32 MB); duration {ms:.0f} ms")
mb = round(kb / 1024, 1)
print("RESULT " + json.dumps({"bench": "lambda", "kind": "measure", "subject": "iam-audit", "metric": "peak_rss",
                              "value": mb, "unit": "MB", "params": {"payload_bytes": 1000000}}))
print("RESULT " + json.dumps({"bench": "lambda", "kind": "target", "name": "peak RSS at a 1 MB payload",
                              "value": mb, "op": "<=", "target": 32, "unit": "MB"}))'

echo "== 4. CPU per record by input: awslogs, S3 log files from s3rver, EventBridge"
python3 "$root/bench/lambda/inputs_cpu.py" --cli "$build/bin/iam-audit" --mock-slack "$build/bin/mock-slack" \
  --function-zip "$build/function.zip" --data "$data" --s3rver-package "$root/tests/aws/s3rver" \
  --s3rver-install "$build/bench/lambda/s3rver"
