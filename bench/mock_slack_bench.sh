#!/usr/bin/env bash
# Question: can mock-slack, validating and storing every message with the
# rate limit off, keep up with a load test? Baseline, same run, same load:
# nginx answering a static "ok". Targets: >= 0.5x nginx's
# requests/s, mock-slack p99 < 2 ms.
#
# Both servers bind 127.0.0.1 on ephemeral ports and are driven in turn by
# wrk --latency with the same duration, connections and threads, POSTing a
# typical alert (iam-audit render of a fixture). --rounds alternates them and
# keeps each one's median round. Prints RESULT lines (bench/README.md).
# Exit: 0 done, 77 a tool is missing (nginx, wrk, curl), 1 failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build="${IAM_AUDIT_BUILD_DIR:-$root/build-release}"
duration=10 connections=8 threads=1 rounds=3
if [[ "${BENCH_SMOKE:-}" == 1 ]]; then duration=1 connections=2 rounds=1; fi
usage() {
  echo "usage: $0 [--build-dir DIR] [--duration S] [--connections N] [--threads N] [--rounds N]" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "mock_slack_bench: unknown argument '$1'" >&2; usage ;;
  esac
done
for n in "$duration" "$connections" "$threads" "$rounds"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "mock_slack_bench: '$n' is not a positive integer" >&2; exit 2; }
done

skip() { echo "SKIP mock_slack: $*"; exit 77; }
nginx_bin=$(PATH="$PATH:/usr/sbin:/sbin" command -v nginx || true)
[[ -n "$nginx_bin" ]] || skip "nginx not installed (scripts/setup.sh installs it)"
command -v wrk >/dev/null || skip "wrk not installed (scripts/setup.sh installs it)"
command -v curl >/dev/null || skip "curl not installed"
mock="$build/bin/mock-slack" iam="$build/bin/iam-audit"
for b in "$mock" "$iam"; do
  [[ -x "$b" ]] || { echo "mock_slack_bench: $b not built" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/iam-audit-mock-slack-bench.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The body: a typical alert, as the engine posts it.
"$iam" render "$root/fixtures/records/access_denied.json" | head -n 1 >"$tmp/body.json"
body_bytes=$(wc -c <"$tmp/body.json")
export BENCH_BODY="$tmp/body.json"

# mock-slack: one valid webhook, rate limit off, no request log; one thread per
# keep-alive connection, so more threads than connections.
mock_threads=$(( connections + 8 > 32 ? connections + 8 : 32 ))
"$mock" --bind 127.0.0.1 --port 0 --webhook T0BENCH/B0BENCH/benchsecret --no-rate-limit --quiet \
  --threads "$mock_threads" >"$tmp/mock.out" 2>"$tmp/mock.err" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$tmp/mock.out" ]] && break; sleep 0.1; done
mock_base=$(head -n 1 "$tmp/mock.out")
[[ "$mock_base" == http://127.0.0.1:* ]] || { echo "mock_slack_bench: mock-slack did not start:" >&2; cat "$tmp/mock.err" >&2; exit 1; }
mock_url="$mock_base/services/T0BENCH/B0BENCH/benchsecret"

# nginx: foreground, private prefix and config, loopback, static "ok". The
# port is picked free by the kernel, then handed to nginx (retried if taken
# in between).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
chmod 755 "$tmp"
mkdir -p "$tmp/nginx/logs"
nginx_url=""
for attempt in 1 2 3; do
  port=$(free_port)
  cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/plain;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 "ok"; }
  }
}
EOF
  "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" \
    >"$tmp/nginx/stdout" 2>&1 &
  npid=$!
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && { nginx_url="http://127.0.0.1:$port/services/x"; break; }
    kill -0 "$npid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -n "$nginx_url" ]]; then pids+=("$npid"); break; fi
  kill -TERM "$npid" 2>/dev/null || true; wait "$npid" 2>/dev/null || true
done
[[ -n "$nginx_url" ]] || { echo "mock_slack_bench: nginx did not start:" >&2; cat "$tmp/nginx/stdout" "$tmp/nginx/logs/error.log" >&2 || true; exit 1; }

# Both must answer the body with 200 ok before they are timed.
for url in "$mock_url" "$nginx_url"; do
  code=$(curl -s -o "$tmp/answer" -w '%{http_code}' --max-time 5 -X POST \
    -H 'Content-Type: application/json' --data-binary "@$tmp/body.json" "$url")
  if [[ "$code" != 200 || "$(cat "$tmp/answer")" != ok ]]; then
    echo "mock_slack_bench: ${url%%/services/*} answered $code '$(head -c 200 "$tmp/answer")'" >&2; exit 1
  fi
done

echo "mock_slack: wrk -t$threads -c$connections -d${duration}s --latency, $rounds round(s), body $body_bytes bytes, $(nproc) cores"
run_wrk() {  # name url round
  local out="$tmp/wrk.$1.$3"
  timeout -k 5 $(( duration + 30 )) wrk -t"$threads" -c"$connections" -d"${duration}s" --latency \
    -s "$root/bench/wrk_post.lua" "$2" >"$out" 2>&1 || { echo "mock_slack_bench: wrk failed on $1:" >&2; cat "$out" >&2; exit 1; }
  grep -q '^WRK ' "$out" || { echo "mock_slack_bench: wrk printed no summary on $1:" >&2; cat "$out" >&2; exit 1; }
  grep -m1 '^WRK ' "$out" | sed "s/^WRK /$1 $3 /" >>"$tmp/rounds"
  sed -n 's/^ *\(Requests\/sec\|Non-2xx.*\|Socket errors.*\)/  '"$1"' round '"$3"': \1/p' "$out"
}
for r in $(seq "$rounds"); do
  run_wrk nginx "$nginx_url" "$r"
  run_wrk mock-slack "$mock_url" "$r"
done
curl -s --max-time 5 "$mock_base/api/stats" >"$tmp/stats.json"

python3 - "$tmp/rounds" "$tmp/stats.json" "$duration" "$connections" "$threads" "$rounds" "$body_bytes" <<'PY'
import json, sys
rounds_file, stats_file, duration, conns, threads, nrounds, body = sys.argv[1:]
runs = {}
for line in open(rounds_file):
    name, rnd, js = line.split(" ", 2)
    runs.setdefault(name, []).append(json.loads(js))
params = {"duration_s": int(duration), "connections": int(conns), "threads": int(threads),
          "rounds": int(nrounds), "body_bytes": int(body)}
failed = False
picked = {}
for name, rs in runs.items():
    for r in rs:
        if r["errors_status"]:
            print(f"mock_slack: {name} answered {r['errors_status']} requests with a non-2xx status", file=sys.stderr)
            failed = True
    rs = sorted(rs, key=lambda r: r["requests_per_s"])
    picked[name] = rs[(len(rs) - 1) // 2]  # median round (the lower one for an even count)

stats = json.load(open(stats_file))
sent = sum(r["requests"] for r in runs.get("mock-slack", []))
if stats.get("accepted", 0) < sent or stats.get("rejected") or stats.get("rate_limited"):
    print(f"mock_slack: mock-slack stats do not show every request accepted (wrk counted {sent}): "
          + json.dumps({k: stats.get(k) for k in ("requests", "accepted", "rejected", "rate_limited")}),
          file=sys.stderr)
    failed = True

results = []
def result(obj):
    results.append("RESULT " + json.dumps(obj, separators=(",", ":")))

print(f"{'server':<12}{'requests/s':>12}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'sock err':>9}")
for name in ("nginx", "mock-slack"):
    r = picked[name]
    errs = r["errors_connect"] + r["errors_read"] + r["errors_write"] + r["errors_timeout"]
    print(f"{name:<12}{r['requests_per_s']:>12.0f}{r['latency_p50_us']/1000:>9.3f}{r['latency_p90_us']/1000:>9.3f}"
          f"{r['latency_p99_us']/1000:>9.3f}{r['latency_max_us']/1000:>9.3f}{errs:>9}")
    result({"bench": "mock_slack", "kind": "measure", "subject": name, "metric": "requests_per_s",
            "value": round(r["requests_per_s"], 1), "unit": "req/s", "params": params})
    for p in ("p50", "p99"):
        result({"bench": "mock_slack", "kind": "measure", "subject": name, "metric": f"latency_{p}",
                "value": r[f"latency_{p}_us"] / 1000, "unit": "ms", "params": params})
    if errs:
        result({"bench": "mock_slack", "kind": "measure", "subject": name, "metric": "socket_errors",
                "value": errs, "unit": "count", "params": params})
ratio = picked["mock-slack"]["requests_per_s"] / picked["nginx"]["requests_per_s"]
p99 = picked["mock-slack"]["latency_p99_us"] / 1000
print(f"mock-slack / nginx: {ratio:.2f}x requests/s (target >= 0.5x); mock-slack p99 {p99:.3f} ms (target < 2 ms)")
result({"bench": "mock_slack", "kind": "target", "name": "requests/s mock-slack / nginx",
        "value": round(ratio, 3), "op": ">=", "target": 0.5, "unit": "x", "params": params})
result({"bench": "mock_slack", "kind": "target", "name": "mock-slack p99 latency",
        "value": p99, "op": "<=", "target": 2, "unit": "ms", "params": params})
print("\n".join(results))
sys.exit(1 if failed else 0)
PY
