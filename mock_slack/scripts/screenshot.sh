#!/usr/bin/env bash
# Renders a sample alert on the mock-slack channel page and saves a PNG
# screenshot of it (for the README). Usage: screenshot.sh [out.png] [mock-slack]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/docs/mock_slack_channel.png}
bin=${2:-$root/build/bin/mock-slack}
[[ -x "$bin" ]] || { echo "screenshot: no $bin (build first)" >&2; exit 1; }
MOCK_SLACK_SCREENSHOT="$out" python3 "$root/tests/mock_slack/mock_slack_page_test.py" "$bin" >/dev/null
echo "screenshot: $out"
