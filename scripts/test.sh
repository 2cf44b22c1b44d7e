#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite through ctest.
#
# With --full (or IAM_AUDIT_FULL=1) it then also
#   - rebuilds and reruns the suite under AddressSanitizer + UBSan (build-asan/),
#   - runs every fuzz target for IAM_AUDIT_FUZZ_SECONDS (default 60) each.
# Extra arguments go to ctest (e.g. -L real-data, -R filter).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
full=false
[[ "${IAM_AUDIT_FULL:-}" == "1" ]] && full=true
if [[ "${1:-}" == "--full" ]]; then full=true; shift; fi
jobs=$(nproc)

"$root/scripts/build.sh"
build="${IAM_AUDIT_BUILD_DIR:-$root/build}"
echo "== tests (build: $build)"
(cd "$build" && ctest --output-on-failure --parallel "$jobs" "$@")

if $full; then
  echo "== tests under ASan + UBSan (build: $root/build-asan)"
  IAM_AUDIT_BUILD_DIR="$root/build-asan" "$root/scripts/build.sh" \
    -DIAM_AUDIT_SANITIZE=ON -DIAM_AUDIT_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
  (cd "$root/build-asan" && \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure --parallel "$jobs" "$@")
  echo "== fuzzing (${IAM_AUDIT_FUZZ_SECONDS:-60}s per target)"
  "$root/scripts/fuzz.sh" "${IAM_AUDIT_FUZZ_SECONDS:-60}"
fi
