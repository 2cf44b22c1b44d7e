#!/usr/bin/env bash
# The main job on a built-in default: the shipped CloudTrail fixtures through
# the engine, shown as the Slack alerts it would post.
#   scripts/demo.sh [--time-zone TZ]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >/dev/null
build="${IAM_AUDIT_BUILD_DIR:-$root/build}"
tz="${2:-UTC}"
[[ "${1:-}" == "--time-zone" ]] || tz=UTC

shopt -s nullglob
records=()
for f in "$root"/fixtures/records/*.json; do
  [[ "$f" == *.expected.json ]] || records+=("$f")
done
echo "iam-audit demo: ${#records[@]} CloudTrail fixtures → Slack alerts (time zone $tz)"
echo
"$build/bin/iam-audit" render --format text --time-zone "$tz" "${records[@]}"
