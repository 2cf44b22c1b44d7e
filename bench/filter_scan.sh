#!/usr/bin/env bash
# Side-by-side scan over real CloudTrail records, four filter patterns:
#   iam-audit test-filter --count   vs   jq   vs   a bare simdjson pass
# The 4175 records of tests/data/real-cloudtrail (the five record files; odd.jsonl
# and the subscription payloads are not records) are replicated into a temp
# dir (never into the repo) at each size. Patterns:
#   original   the original Lambda's subscription filter (a JSON pattern)
#   term       AccessDenied -GetObject
#   delimited  [head = *IAMUser*, ...]   (the first blank-separated field)
#   regex      %arn:aws:iam::[0-9]{12}:user/%
# jq runs the same predicate (on parsed JSON for the JSON pattern, on raw
# lines with -R for the others); the bare simdjson pass
# (bench/simdjson_baseline.cc) reads the original pattern's two fields of
# every line with On-Demand (the target's baseline), and again after a full
# DOM parse (`--dom`: what validating every event costs, for reference). Counts must agree (else exit 1). Times are CPU (user+sys, from
# wait4, microseconds) and wall, best of $RUNS runs so that a busy shared
# machine disturbs the comparison less; ratios are on CPU time. Each figure is
# also printed as a RESULT line (bench/README.md).
#
# Usage: bench/filter_scan.sh [SIZE...]   (default 10000 100000 1000000;
#        BENCH_SMOKE=1: 2000 only, one run)
# Env:   BUILD_DIR (default $root/build-release), JOBS (default 2), RUNS (3),
#        JQ_MAX_RECORDS (largest size jq runs at, default 100000: jq's rate
#        does not depend on the size), PATTERNS (default: all four),
#        CXXFLAGS_EXTRA (e.g. -march=native, applied to every target alike),
#        FILTER_SCAN_SKIP_BUILD=1 (use the binaries already in $BUILD_DIR/bin).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/tests/data
build=${BUILD_DIR:-$root/build-release}
jobs=${JOBS:-2}
runs=${RUNS:-3}
jq_max=${JQ_MAX_RECORDS:-100000}
if [[ ${BENCH_SMOKE:-0} == 1 ]]; then
  sizes=(2000); runs=1
elif (( $# > 0 )); then
  sizes=("$@")
else
  sizes=(10000 100000 1000000)
fi
read -r -a patterns <<<"${PATTERNS:-original term delimited regex}"

declare -A pattern jq_args
pattern[original]='{ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") }'
jq_args[original]='-c|select((.userIdentity.type? == "IAMUser") and ((.eventName? | type) == "string") and ((.eventName | startswith("Get")) | not) and ((.eventName | startswith("Describe")) | not))'
pattern[term]='AccessDenied -GetObject'
jq_args[term]='-R|select(contains("AccessDenied") and (contains("GetObject") | not))'
pattern[delimited]='[head = *IAMUser*, ...]'
# The first field as the matcher splits it: blanks separate fields; one that
# starts with '"' runs to the next '"', one that starts with '[' to the next ']'.
jq_args[delimited]='-R|select(([match("^[ \t\r\n]*(?:\"([^\"]*)|\\[([^\\]]*)|([^ \t\r\n]+))").captures[].string | strings] | first // "") | contains("IAMUser"))'
pattern[regex]='%arn:aws:iam::[0-9]{12}:user/%'
jq_args[regex]='-R|select(test("arn:aws:iam::[0-9]{12}:user/"))'

for tool in jq cmake python3; do
  command -v "$tool" >/dev/null || { echo "SKIP filter_scan: $tool not found"; exit 77; }
done
records=()
for f in aws-docs-examples invictus-aws_dataset otrf-ec2_proxy_s3_exfiltration.logstash \
         panther-analysis-tests stratus-red-team-detonation-logs; do
  records+=("$data/real-cloudtrail/$f.jsonl")
done
for f in "${records[@]}"; do [[ -r $f ]] || { echo "filter_scan: missing $f" >&2; exit 1; }; done

if [[ ${FILTER_SCAN_SKIP_BUILD:-0} == 1 ]]; then
  echo "== using the binaries in $build/bin (FILTER_SCAN_SKIP_BUILD=1)"
else
  echo "== build (Release, $build)"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIAM_AUDIT_BUILD_TESTS=OFF \
    ${CXXFLAGS_EXTRA:+-DCMAKE_CXX_FLAGS="$CXXFLAGS_EXTRA"} >/dev/null
  cmake --build "$build" --target iam_audit_cli iam_audit_simdjson_baseline -j"$jobs" >/dev/null
fi
cli=$build/bin/iam-audit
base=$build/bin/iam_audit_simdjson_baseline

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat "${records[@]}" | grep -v '^[[:space:]]*$' >"$tmp/records.jsonl"
n=$(wc -l <"$tmp/records.jsonl")
echo "== $n records from $data/real-cloudtrail"

make_file() {  # make_file OUT LINES
  local out=$1 want=$2 have=0
  : >"$out"
  while (( have + n <= want )); do cat "$tmp/records.jsonl" >>"$out"; (( have += n )); done
  head -n $(( want - have )) "$tmp/records.jsonl" >>"$out"
}

# Runs a command with stdout to $tmp/out; prints "wall_s cpu_s maxrss_kib"
# (CPU = the child's own user + system time, from wait4).
cat >"$tmp/timeit.py" <<'EOF'
import os, sys, time
out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
err = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(out, 1)
    os.dup2(err, 2)
    try:
        os.execvp(sys.argv[3], sys.argv[3:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)  # this child's own usage, nothing else's
wall = time.perf_counter() - t0
print(f"{wall:.6f} {ru.ru_utime + ru.ru_stime:.6f} {ru.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
EOF

# run NAME CMD...: best of $runs runs; sets wall, cpu (s), rss (KiB), out.
run() {
  local name=$1; shift
  local best_cpu="" i t w c r
  for (( i = 0; i < runs; i++ )); do
    t=$(python3 "$tmp/timeit.py" "$tmp/out" "$tmp/err" "$@") || {
      echo "filter_scan: $name failed:" >&2; cat "$tmp/err" >&2; exit 1; }
    read -r w c r <<<"$t"
    if [[ -z $best_cpu ]] || awk -v a="$c" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then
      best_cpu=$c; wall=$w; rss=$r
    fi
  done
  cpu=$best_cpu
  out=$(tr -d '[:space:]' <"$tmp/out")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 1e-6) }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 1e-6) }'; }
measure() {  # measure SUBJECT PATTERN SIZE CPU
  echo "RESULT {\"bench\":\"filter_scan\",\"kind\":\"measure\",\"subject\":\"$1\",\"metric\":\"throughput\",\"value\":$(rate "$3" "$4"),\"unit\":\"records/s\",\"params\":{\"records\":$3,\"pattern\":\"$2\",\"input\":\"real\",\"time\":\"cpu\"}}"
}
target() {  # target NAME VALUE OP TARGET PATTERN SIZE
  echo "RESULT {\"bench\":\"filter_scan\",\"kind\":\"target\",\"name\":\"$1\",\"value\":$2,\"op\":\"$3\",\"target\":$4,\"unit\":\"x\",\"params\":{\"records\":$6,\"pattern\":\"$5\"}}"
}

status=0
declare -A rss_at
fmt='  %-34s %8s matches  %8.3f s wall  %8.3f s cpu  %8d KiB peak RSS\n'
for size in "${sizes[@]}"; do
  file=$tmp/events-$size.jsonl
  make_file "$file" "$size"
  mb=$(du -m "$file" | cut -f1)
  echo
  echo "== $size lines ($mb MB)"
  run simdjson "$base" "$file"
  simd=$out simd_t=$wall simd_c=$cpu
  printf "$fmt" "bare simdjson (original's fields)" "$simd" "$simd_t" "$simd_c" "$rss"
  measure simdjson original "$size" "$simd_c"
  run simdjson-dom "$base" --dom "$file"
  dom_c=$cpu
  printf "$fmt" "bare simdjson DOM (validating)" "$out" "$wall" "$cpu" "$rss"
  measure simdjson-dom original "$size" "$dom_c"
  if [[ $out != "$simd" ]]; then echo "  COUNT MISMATCH: simdjson DOM $out vs On-Demand $simd"; status=1; fi
  for name in "${patterns[@]}"; do
    run iam-audit "$cli" test-filter --no-progress --count --filter-pattern "${pattern[$name]}" --file "$file"
    ours=$out ours_t=$wall ours_c=$cpu
    rss_at[$size]=$rss
    printf "$fmt" "iam-audit $name" "$ours" "$ours_t" "$ours_c" "$rss"
    measure iam-audit "$name" "$size" "$ours_c"
    if [[ $name == original && $ours != "$simd" ]]; then
      echo "  COUNT MISMATCH: iam-audit $ours vs simdjson $simd"; status=1
    fi
    echo "  $name: time vs bare simdjson: $(ratio "$ours_c" "$simd_c")x cpu, $(ratio "$ours_t" "$simd_t")x wall  (target <= 1.5x); vs validating DOM pass $(ratio "$ours_c" "$dom_c")x cpu"
    target "cpu time iam-audit / bare simdjson" "$(ratio "$ours_c" "$simd_c")" "<=" 1.5 "$name" "$size"
    if (( size <= jq_max )); then
      IFS='|' read -r jq_opt jq_prog <<<"${jq_args[$name]}"
      runs_saved=$runs; runs=1
      run jq jq "$jq_opt" "$jq_prog" "$file"
      runs=$runs_saved
      jq_count=$(wc -l <"$tmp/out") jq_t=$wall jq_c=$cpu
      printf "$fmt" "jq $name" "$jq_count" "$jq_t" "$jq_c" "$rss"
      measure jq "$name" "$size" "$jq_c"
      if [[ $ours != "$jq_count" ]]; then echo "  COUNT MISMATCH: iam-audit $ours vs jq $jq_count"; status=1; fi
      echo "  $name: speed-up vs jq: $(ratio "$jq_c" "$ours_c")x cpu, $(ratio "$jq_t" "$ours_t")x wall  (target >= 20x)"
      target "cpu speed-up iam-audit vs jq" "$(ratio "$jq_c" "$ours_c")" ">=" 20 "$name" "$size"
    fi
  done
done
if (( ${#sizes[@]} > 1 )); then
  lo=${sizes[0]} hi=${sizes[-1]}
  echo
  echo "== peak RSS of iam-audit: ${rss_at[$lo]} KiB at $lo lines, ${rss_at[$hi]} KiB at $hi lines"
  awk -v a="${rss_at[$lo]}" -v b="${rss_at[$hi]}" \
    'BEGIN { r = b / a; printf "   ratio %.2f (flat if close to 1)\n", r; exit (r > 1.5) }' || status=1
fi
exit $status
