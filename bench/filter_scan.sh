#!/usr/bin/env bash
# Side-by-side scan with the seed's pattern over real CloudTrail records:
#   iam-audit test-filter --count   vs   jq select(...)   vs   bare simdjson On-Demand
# The 4175 records of ../shared/real-cloudtrail (the five record files; odd.jsonl
# and the subscription payloads are not records) are replicated into a temp
# dir (never into the repo) at two sizes; counts must agree (else exit 1).
# Prints wall and CPU (user+sys) times, ratios and peak RSS (flat RSS =
# streaming). Each tool runs $RUNS times (default 3) and the best run counts,
# so that a busy shared machine disturbs the comparison less; the ratios are
# given on CPU time, which load does not inflate, and on wall time.
#
# Usage: bench/filter_scan.sh [LINES]   (default 200000; a second file of 4x)
# Env:   BUILD_DIR (default $root/build-release), JOBS (default 2),
#        CXXFLAGS_EXTRA (e.g. -march=native, applied to every target alike).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${IAM_AUDIT_SHARED_DIR:-$root/../shared}
build=${BUILD_DIR:-$root/build-release}
lines=${1:-200000}
jobs=${JOBS:-2}
runs=${RUNS:-3}
pattern='{ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") }'
jq_filter='select((.userIdentity.type? == "IAMUser") and ((.eventName? | type) == "string") and ((.eventName | startswith("Get")) | not) and ((.eventName | startswith("Describe")) | not))'

for tool in jq cmake /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "filter_scan: $tool not found" >&2; exit 2; }
done
records=()
for f in aws-docs-examples invictus-aws_dataset otrf-ec2_proxy_s3_exfiltration.logstash \
         panther-analysis-tests stratus-red-team-detonation-logs; do
  records+=("$shared/real-cloudtrail/$f.jsonl")
done
for f in "${records[@]}"; do [[ -r $f ]] || { echo "filter_scan: missing $f" >&2; exit 2; }; done

echo "== build (Release, $build)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIAM_AUDIT_BUILD_TESTS=OFF \
  ${CXXFLAGS_EXTRA:+-DCMAKE_CXX_FLAGS="$CXXFLAGS_EXTRA"} >/dev/null
cmake --build "$build" --target iam_audit_cli iam_audit_simdjson_baseline -j"$jobs" >/dev/null
cli=$build/bin/iam-audit
base=$build/bin/iam_audit_simdjson_baseline

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat "${records[@]}" | grep -v '^[[:space:]]*$' >"$tmp/records.jsonl"
n=$(wc -l <"$tmp/records.jsonl")
echo "== $n records from $shared/real-cloudtrail"

make_file() {  # make_file OUT LINES
  local out=$1 want=$2 have=0
  : >"$out"
  while (( have + n <= want )); do cat "$tmp/records.jsonl" >>"$out"; (( have += n )); done
  head -n $(( want - have )) "$tmp/records.jsonl" >>"$out"
}

# run NAME CMD...: best of $runs runs; sets wall, cpu (s), rss (KiB), out.
run() {
  local name=$1; shift
  local best_cpu="" i w u s r
  for (( i = 0; i < runs; i++ )); do
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
      echo "filter_scan: $name failed:" >&2; cat "$tmp/err" >&2; exit 1; }
    read -r w u s r <"$tmp/time"
    local c; c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    if [[ -z $best_cpu ]] || awk -v a="$c" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then
      best_cpu=$c; wall=$w; rss=$r
    fi
  done
  cpu=$best_cpu
  out=$(tr -d '[:space:]' <"$tmp/out")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }'; }

status=0
declare -A rss_at
for size in "$lines" $(( lines * 4 )); do
  file=$tmp/events-$size.jsonl
  make_file "$file" "$size"
  mb=$(du -m "$file" | cut -f1)
  echo
  echo "== $size lines ($mb MB)"
  run iam-audit "$cli" test-filter --no-progress --count --filter-pattern "$pattern" --file "$file"
  ours=$out ours_t=$wall ours_c=$cpu ours_rss=$rss
  run simdjson "$base" "$file"
  simd=$out simd_t=$wall simd_c=$cpu simd_rss=$rss
  fmt='  %-30s %8s matches  %7.2f s wall  %7.2f s cpu  %8d KiB peak RSS\n'
  printf "$fmt" "iam-audit test-filter --count" "$ours" "$ours_t" "$ours_c" "$ours_rss"
  printf "$fmt" "bare simdjson on-demand" "$simd" "$simd_t" "$simd_c" "$simd_rss"
  if (( size == lines )); then
    runs_saved=$runs; runs=1
    run jq jq -c "$jq_filter" "$file"
    runs=$runs_saved
    jq_count=$(wc -l <"$tmp/out"); jq_t=$wall jq_c=$cpu
    printf "$fmt" "jq select(...)" "$jq_count" "$jq_t" "$jq_c" "$rss"
    if [[ $ours != "$jq_count" ]]; then echo "  COUNT MISMATCH: iam-audit $ours vs jq $jq_count"; status=1; fi
    echo "  speed-up vs jq:        $(ratio "$jq_c" "$ours_c")x cpu, $(ratio "$jq_t" "$ours_t")x wall  (target >= 20x)"
  fi
  if [[ $ours != "$simd" ]]; then echo "  COUNT MISMATCH: iam-audit $ours vs simdjson $simd"; status=1; fi
  echo "  time vs bare simdjson: $(ratio "$ours_c" "$simd_c")x cpu, $(ratio "$ours_t" "$simd_t")x wall  (target <= 1.5x)"
  rss_at[$size]=$ours_rss
done
echo
echo "== peak RSS of iam-audit: ${rss_at[$lines]} KiB at $lines lines, ${rss_at[$(( lines * 4 ))]} KiB at $(( lines * 4 )) lines"
awk -v a="${rss_at[$lines]}" -v b="${rss_at[$(( lines * 4 ))]}" \
  'BEGIN { r = b / a; printf "   ratio %.2f (flat if close to 1)\n", r; exit (r > 1.5) }' || status=1
exit $status
