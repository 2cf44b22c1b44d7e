#!/usr/bin/env bash
# Installs the CloudFormation resource specification (npm @aws-cdk/cfnspec,
# pinned by cfnspec/package-lock.json) into WORK_DIR with `npm ci`; a no-op
# when WORK_DIR already holds that lock's install. Fails (never skips) when
# node/npm are missing or npm cannot install: the deploy check needs the spec.
# Usage: install_cfnspec.sh WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: install_cfnspec.sh WORK_DIR}
spec="$work/node_modules/@aws-cdk/cfnspec/spec/specification.json"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: '$tool' is not installed; the CloudFormation check needs node and npm to install @aws-cdk/cfnspec" >&2
    exit 1
  fi
done
mkdir -p "$work"
if [[ -f "$spec" ]] && cmp -s "$here/cfnspec/package-lock.json" "$work/package-lock.json"; then
  echo "cfnspec: up to date in $work"
  exit 0
fi
cp "$here/cfnspec/package.json" "$here/cfnspec/package-lock.json" "$work/"
if ! (cd "$work" && npm ci --no-audit --no-fund --silent); then
  echo "FAIL: npm ci of @aws-cdk/cfnspec into $work failed (is the npm registry reachable?)" >&2
  exit 1
fi
[[ -f "$spec" ]] || { echo "FAIL: npm ci did not install $spec" >&2; exit 1; }
echo "cfnspec: installed $(node -p "require('$work/node_modules/@aws-cdk/cfnspec/package.json').version") into $work"
