#!/usr/bin/env bash
# Configures and builds iam-audit into build/ (binaries in build/bin/).
# Extra arguments are passed to the CMake configure step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
build="${IAM_AUDIT_BUILD_DIR:-$root/build}"
cmake_args=(-S "$root" -B "$build" -G Ninja)
[[ "${CI:-}" == "true" ]] && cmake_args+=(-DIAM_AUDIT_WERROR=ON)
cmake "${cmake_args[@]}" "$@" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
