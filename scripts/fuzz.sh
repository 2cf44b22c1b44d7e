#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (+ ASan/UBSan) and runs each for
# SECONDS (default 60). Seed corpora come from fixtures/ and tests/data (the
# filter corpus and real CloudTrail records). Fails on any crash, leak or
# sanitizer report; crashing inputs are kept in build-fuzz/crashes/<target>/.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
seconds="${1:-60}"
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: needs clang and libclang-rt-dev (scripts/setup.sh installs them)" >&2
  exit 1
fi
build="$root/build-fuzz"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DIAM_AUDIT_FUZZ=ON \
  -DIAM_AUDIT_BUILD_TESTS=OFF -DIAM_AUDIT_BUILD_BENCH=OFF >/dev/null
targets=(payload_fuzz filter_compile_fuzz filter_match_fuzz render_fuzz)
[[ -f "$root/tests/fuzz/slack_payload_fuzz.cc" ]] && targets+=(slack_payload_fuzz)
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}"

seeds="$build/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"
python3 "$root/tests/fuzz/make_seeds.py" "$root/fixtures" "$root/tests/data" "$seeds"

status=0
summary=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  crashes="$build/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  echo "fuzz: $t for ${seconds}s"
  t0=$SECONDS
  verdict=clean
  if ! "$build/bin/$t" "$corpus" "$seeds/$t" -max_total_time="$seconds" -max_len=65536 \
      -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$crashes/" \
      >"$build/$t.log" 2>&1; then
    echo "fuzz: $t FAILED (log: $build/$t.log, inputs: $crashes)" >&2
    echo "fuzz: fix it, then copy the input into tests/fuzz/regressions/$t/ (ctest replays it in every build)" >&2
    tail -n 40 "$build/$t.log" >&2
    status=1
    verdict=FAILED
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$t.log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$build/$t.log" | tail -1)
  summary+=("$(printf '%-20s %6ss %12s %8s MB  %s' "$t" "$(( SECONDS - t0 ))" "${execs:-?}" "${rss:-?}" "$verdict")")
done
echo "fuzz: target               time   executions  peak RSS  verdict"
printf 'fuzz: %s\n' "${summary[@]}"
exit $status
