#!/usr/bin/env bash
# Replays a fuzz target's regressions and seed corpus (see replay.cmake).
#   replay.sh REPLAY_BIN TARGET FIXTURES_DIR DATA_DIR
set -euo pipefail
bin=$1 target=$2 fixtures=$3 data=$4
here=$(cd "$(dirname "$0")" && pwd)
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
python3 "$here/make_seeds.py" "$fixtures" "$data" "$seeds"
inputs=("$here/regressions/$target")
[[ -d "$seeds/$target" ]] && inputs+=("$seeds/$target")
exec "$bin" "${inputs[@]}"
