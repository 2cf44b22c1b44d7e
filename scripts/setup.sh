#!/usr/bin/env bash
# Installs the Debian packages iam-audit needs to build, test and demo.
# Idempotent: quiet when everything is there; installs only what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  catch2                      # unit tests (Catch2 v2)
  nlohmann-json3-dev          # JSON DOM for payloads, records, Slack messages
  libsimdjson-dev             # on-demand JSON scanning for the filter matcher
  zlib1g-dev libdeflate-dev   # gzip inflate/deflate; libdeflate: simulate's payload compression
  libssl-dev                  # HTTPS (with cpp-httplib)
  libcpp-httplib-dev          # HTTP(S) client and server
  libcli11-dev                # command-line parsing
  libhowardhinnant-date-dev   # IANA time zones (GCC 12 has no std::chrono::tzdb)
  tzdata                      # the zone database itself
  libbenchmark-dev            # Google Benchmark
  jq python3                  # baselines for the side-by-side benchmarks, test helpers
  clang libclang-rt-dev       # libFuzzer + sanitizer runtimes (scripts/fuzz.sh)
  clang-format clang-tidy     # scripts/lint.py: the style the test command enforces
  chromium curl openssl       # mock_slack tests: channel page in a real browser, curl client, TLS certs
  zip unzip                   # function.zip (scripts/package.sh) and the emulator unpacking it
  python3-requests python3-dateutil  # bench/lambda: the original Python handler as baseline
  nginx wrk                   # bench/mock_slack_bench.sh: nginx as the baseline, wrk as the load
  time                        # bench/archive_scan.py: a child's own peak RSS (GNU time's %M)
  awscli python3-boto3        # AWS's own clients (aws CLI v2, boto3) against the Lambda emulator
  python3-botocore            # tests/aws: botocore's SigV4 signer and S3 client as references
  python3-yaml                # tests/deploy/cfn_check.py reads the CloudFormation template
  fonts-noto-color-emoji      # the channel page's emoji drawn as pictures in the browser test's screenshot
)
# Node.js with npm runs the test-only npm tools (@slack/webhook, s3rver, the
# CloudFormation spec). A machine that already has a Node.js with npm (e.g.
# NodeSource's nodejs, which conflicts with Debian's npm package) keeps it.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo=(sudo); else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get update -qq >/dev/null || \
   ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/iam-audit-setup.log 2>&1; then
  echo "setup: apt-get could not install: ${missing[*]} (log: /tmp/iam-audit-setup.log)" >&2
  tail -n 20 /tmp/iam-audit-setup.log >&2 || true
  exit 1
fi
