#!/usr/bin/env bash
# Builds build/function.zip, the self-contained Lambda deployment package:
#   bootstrap          static launcher (engine/lambda/launcher.cc): runs
#                      lib/<loader> --library-path lib bin/bootstrap
#   bin/bootstrap      the engine's custom runtime (stripped)
#   lib/               every shared library `ldd` resolves, and the loader
# This is aws-lambda-cpp's packager approach (bundle libc and the loader so
# the host's glibc does not matter), with an ELF launcher instead of a bash
# script so that it also runs in a root with nothing else in it.
#
# With IAM_AUDIT_PACKAGE_CONFIG=FILE, the rule configuration (docs/
# configuration.md) is checked with `iam-audit rule-stats --config` and
# bundled as iam-audit.json: set IAM_AUDIT_CONFIG=/var/task/iam-audit.json.
#
# Usage: scripts/package.sh [BOOTSTRAP LAUNCHER OUT.zip]
# Without arguments it builds the targets in build/ (IAM_AUDIT_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ $# -eq 0 ]]; then
  build="${IAM_AUDIT_BUILD_DIR:-$root/build}"
  [[ -f "$build/build.ninja" || -f "$build/Makefile" ]] || cmake -S "$root" -B "$build" -G Ninja >/dev/null
  cmake --build "$build" --target iam_audit_bootstrap iam_audit_bootstrap_launcher >/dev/null
  set -- "$build/bin/bootstrap" "$build/bin/bootstrap-launcher" "$build/function.zip"
fi
[[ $# -eq 3 ]] || { echo "usage: $0 [BOOTSTRAP LAUNCHER OUT.zip]" >&2; exit 2; }
binary=$1 launcher=$2 out=$3
for tool in ldd zip strip; do
  command -v "$tool" >/dev/null || { echo "package: '$tool' is required (scripts/setup.sh installs it)" >&2; exit 1; }
done
[[ -x "$binary" ]] || { echo "package: no executable at $binary" >&2; exit 1; }
[[ -x "$launcher" ]] || { echo "package: no executable at $launcher" >&2; exit 1; }
if ldd "$launcher" >/dev/null 2>&1 && ! ldd "$launcher" 2>&1 | grep -q "not a dynamic executable"; then
  echo "package: $launcher must be static" >&2; exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
strip --strip-all -o "$stage/bootstrap" "$launcher"
strip --strip-all -o "$stage/bin/bootstrap" "$binary"
chmod 755 "$stage/bootstrap" "$stage/bin/bootstrap"

loader=""
while read -r line; do
  # "libfoo.so.1 => /usr/lib/…/libfoo.so.1 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
  if [[ "$line" == *"=> not found"* ]]; then
    echo "package: unresolved library: $line" >&2; exit 1
  elif [[ "$line" =~ ^([^[:space:]]+)[[:space:]]+=\>[[:space:]]+(/[^[:space:]]+) ]]; then
    cp -L "${BASH_REMATCH[2]}" "$stage/lib/${BASH_REMATCH[1]}"
  elif [[ "$line" =~ ^(/[^[:space:]]*/(ld-linux[^[:space:]/]*))[[:space:]] ]]; then
    loader="${BASH_REMATCH[2]}"
    cp -L "${BASH_REMATCH[1]}" "$stage/lib/$loader"
  fi
done < <(ldd "$binary")
[[ -n "$loader" ]] || { echo "package: could not identify the dynamic loader of $binary" >&2; exit 1; }
chmod 755 "$stage/lib/$loader"

config="${IAM_AUDIT_PACKAGE_CONFIG:-}"
if [[ -n "$config" ]]; then
  cli="$(dirname "$binary")/iam-audit"
  [[ -x "$cli" ]] || { echo "package: need $cli to check $config" >&2; exit 1; }
  # An invalid configuration is refused here, not at the Lambda's start-up.
  echo '{}' | "$cli" rule-stats --config "$config" --json - >/dev/null || {
    echo "package: $config is not a valid configuration" >&2; exit 1; }
  cp "$config" "$stage/iam-audit.json"
  chmod 644 "$stage/iam-audit.json"
fi

mkdir -p "$(dirname "$out")"
rm -f "$out"
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
# Fixed timestamps and order: the same inputs give the same zip.
find "$stage" -exec touch -h -d @946684800 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | sed 's|^\./||' | zip -X -q --symlinks "$out_abs" -@)
size=$(stat -c %s "$out")
libs=$(ls "$stage/lib" | wc -l)
echo "package: $out: $size bytes ($(( (size + 1023) / 1024 )) KiB), $libs libraries incl. $loader"
[[ -z "$config" ]] || echo "package: bundled $config as iam-audit.json (set IAM_AUDIT_CONFIG=/var/task/iam-audit.json)"
