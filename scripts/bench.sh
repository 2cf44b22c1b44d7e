#!/usr/bin/env bash
# Runs every benchmark side by side with its baseline and writes
# bench/RESULTS.md, bench/results.svg, bench/micro.json and bench/results.log.
# See bench/README.md for what each bench answers and the RESULT convention.
#
#   scripts/bench.sh [--smoke] [--only a,b] [--skip-build] [--no-setup]
#                    [--build-dir DIR] [--out DIR] [--jobs N] [--timeout S] [--budget S]
#
# --timeout bounds each bench (default 300 s, or $BENCH_TIMEOUT); --budget the
# whole run from its start, build included (default 900 s): a bench gets what
# is left, minus a minute for the page, and is stopped past it.
#
# Benches are found by path; one not present yet is skipped with a line
# saying so. Exit: 0 when every bench present ran, 1 when one failed or
# timed out (RESULTS.md is written all the same).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

all_benches=(micro filter_scan archive_scan simulate lambda mock_slack)
build="$root/build-release" out="$root/bench" jobs=$(nproc)
smoke=0 skip_build=0 setup=1 only="" timeout_s="${BENCH_TIMEOUT:-300}" budget=900
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1; shift ;;
    --only) only=$2; shift 2 ;;
    --skip-build) skip_build=1; shift ;;
    --no-setup) setup=0; shift ;;
    --build-dir) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench: unknown argument '$1'" >&2; usage ;;
  esac
done
benches=("${all_benches[@]}")
if [[ -n "$only" ]]; then
  IFS=, read -r -a benches <<<"$only"
  for b in "${benches[@]}"; do
    [[ " ${all_benches[*]} " == *" $b "* ]] || { echo "bench: unknown bench '$b' (known: ${all_benches[*]})" >&2; exit 2; }
  done
fi
build=$(mkdir -p "$build" && cd "$build" && pwd)
out=$(mkdir -p "$out" && cd "$out" && pwd)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_all=$SECONDS

if [[ $setup == 1 ]]; then "$root/scripts/setup.sh"; fi
build_secs=0
if [[ $skip_build == 0 ]]; then
  echo "bench: Release build in $build (-j$jobs)"
  t0=$SECONDS
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIAM_AUDIT_BUILD_TESTS=OFF \
    -DIAM_AUDIT_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" --parallel "$jobs"
  build_secs=$(( SECONDS - t0 ))
fi
read -r load1 _ </proc/loadavg
if awk -v l="$load1" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "bench: warning: load average $load1 on $(nproc) CPUs: the figures will be noisy (RESULTS.md records it)" >&2
fi

work=$(mktemp -d /tmp/iam-audit-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
manifest="$work/manifest.jsonl"
: >"$manifest"
export IAM_AUDIT_BUILD_DIR="$build" BENCH_OUT_DIR="$out" BENCH_SMOKE="$smoke"
export BUILD_DIR="$build" JOBS="$jobs"   # the names bench/filter_scan.sh reads

# Sets cmd to the command that runs a bench, by what is present (empty when
# none is).
find_bench() {
  local f
  cmd=()
  case "$1" in
    micro) [[ -x "$build/bin/iam_audit_bench" ]] && cmd=("$build/bin/iam_audit_bench") ;;
    filter_scan) [[ -f "$root/bench/filter_scan.sh" ]] && cmd=(bash bench/filter_scan.sh) ;;
    archive_scan) [[ -f "$root/bench/archive_scan.py" ]] && cmd=(python3 bench/archive_scan.py --skip-build) ;;
    mock_slack) [[ -f "$root/bench/mock_slack_bench.sh" ]] && cmd=(bash bench/mock_slack_bench.sh) ;;
    lambda)
      for f in bench/lambda/run.sh bench/lambda/bench.sh bench/lambda_bench.sh bench/lambda/lambda_bench.sh; do
        [[ -f "$root/$f" ]] && { cmd=(bash "$f"); return 0; }
      done
      for f in bench/lambda/run.py bench/lambda/bench.py bench/lambda/lambda_bench.py; do
        [[ -f "$root/$f" ]] && { cmd=(python3 "$f"); return 0; }
      done
      f=$(find "$root/bench/lambda" -maxdepth 1 -name '*.sh' 2>/dev/null | sort | head -n 1)
      [[ -n "$f" ]] && cmd=(bash "${f#"$root"/}") ;;
    simulate)
      [[ -f "$root/bench/simulate_bench.sh" ]] && { cmd=(bash bench/simulate_bench.sh); return 0; }
      [[ -f "$root/bench/simulate_bench.py" ]] && { cmd=(python3 bench/simulate_bench.py); return 0; }
      for f in "$build"/bin/*simulate_bench* "$build"/bench/*simulate_bench* "$build"/simulator/*simulate_bench*; do
        [[ -f "$f" && -x "$f" ]] && { cmd=("$f"); return 0; }
      done ;;
  esac
  return 0
}

record() {  # bench status rc seconds log command note [gbench_json]
  python3 -c 'import json,sys; k=["bench","status","rc","seconds","log","command","note","gbench_json"]; v=sys.argv[1:]; v[2]=int(v[2]); v[3]=int(v[3]); print(json.dumps(dict(zip(k,v))))' \
    "$@" >>"$manifest"
}

failed=0
for b in "${benches[@]}"; do
  find_bench "$b"
  log="$work/$b.log"
  if [[ ${#cmd[@]} -eq 0 ]]; then
    echo "== $b: not present yet, skipped"
    record "$b" missing 0 0 "" "" "no bench found by its path (see scripts/bench.sh find_bench)"
    continue
  fi
  args=() gbench=""
  if [[ $b == micro ]]; then
    min_time=0.3 filter=.
    [[ $smoke == 1 ]] && min_time=0.001 filter='Decode|Compile'
    args=(--benchmark_out="$work/micro.json" --benchmark_out_format=json
          --benchmark_min_time="$min_time" --benchmark_filter="$filter")
    gbench="$work/micro.json"
  elif [[ ${#cmd[@]} -eq 1 ]] && "${cmd[0]}" --benchmark_list_tests >/dev/null 2>&1 </dev/null; then
    # A Google Benchmark binary: keep its JSON too, shown as a table.
    gbench="$out/$b.json"
    args=(--benchmark_out="$gbench" --benchmark_out_format=json)
    [[ $smoke == 1 ]] && args+=(--benchmark_min_time=0.001)
  fi
  left=$(( budget - (SECONDS - start_all) - 60 ))
  if (( left < 10 )); then
    echo "== $b: no time left in the ${budget} s budget, not run"
    record "$b" timeout 124 0 "" "${cmd[*]#"$root"/}" "not run: the ${budget} s budget was spent"
    failed=1
    continue
  fi
  limit=$(( left < timeout_s ? left : timeout_s ))
  echo "== $b: ${cmd[*]} ${args[*]} (at most ${limit} s)"
  t0=$SECONDS rc=0
  # Bounded: a bench gets $timeout_s seconds, then TERM, then KILL.
  (cd "$root" && timeout -k 10 "$limit" "${cmd[@]}" "${args[@]}") >"$log" 2>&1 </dev/null || rc=$?
  sed 's/^/   /' "$log" | grep -v '^   RESULT ' | tail -n 25 || true
  grep '^RESULT ' "$log" | sed 's/^/   /' || true
  secs=$(( SECONDS - t0 ))
  case $rc in
    0) status=ok note="" ;;
    77) status=skipped note=$(grep -m1 '^SKIP' "$log" | sed 's/^SKIP *//' || true) ;;
    124|137) status=timeout note="stopped after ${limit} s"; failed=1 ;;
    *) status=failed note=""; failed=1 ;;
  esac
  echo "== $b: $status (exit $rc, ${secs} s)"
  record "$b" "$status" "$rc" "$secs" "$log" "${cmd[*]#"$root"/} ${args[*]}" "$note" "$gbench"
done

{
  for b in "${benches[@]}"; do
    [[ -f "$work/$b.log" ]] || continue
    echo "== $b"
    cat "$work/$b.log"
  done
} >"$out/results.log"
make_args=(--manifest "$manifest" --out "$out/RESULTS.md" --svg "$out/results.svg" --load-before "$load_before"
           --build-seconds "$build_secs" --total-seconds "$(( SECONDS - start_all ))")
if [[ -f "$work/micro.json" ]]; then
  cp "$work/micro.json" "$out/micro.json"
  make_args+=(--micro "$out/micro.json")
fi
[[ $smoke == 1 ]] && make_args+=(--smoke)
python3 "$root/bench/make_results.py" "${make_args[@]}"
echo "bench: done in $(( SECONDS - start_all )) s$([[ $failed == 1 ]] && echo ', with failures')"
exit "$failed"
