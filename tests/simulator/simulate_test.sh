#!/usr/bin/env bash
# End-to-end tests of `iam-audit simulate`, `generate` and `check`, run as a
# user runs them. Payloads are verified by an independent decoder
# (tests/simulator/roundtrip.py: Debian python3 base64/gzip/json) and by the
# engine's own decoder (`iam-audit decode`).
set -uo pipefail
bin="${IAM_AUDIT_BIN:?}"
fixtures="${IAM_AUDIT_FIXTURES:?}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp=$(mktemp -d)
server_pid=""
trap '[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
passed=0
failed=0
ORIGINAL='{ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") }'

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() {  # check NAME COMMAND...: the command must succeed
  local name=$1; shift
  if "$@"; then ok; else bad "$name"; fi
}
expect_exit() {  # expect_exit CODE NAME COMMAND...
  local want=$1 name=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [[ $got -eq $want ]]; then ok; else bad "$name: exit $got, want $want"; cat "$tmp/err" >&2; fi
}
stderr_has() {  # stderr_has NAME TEXT
  if grep -qF -- "$2" "$tmp/err"; then ok; else bad "$1: stderr lacks '$2'"; cat "$tmp/err" >&2; fi
}
stdout_has() {
  if grep -qF -- "$2" "$tmp/out"; then ok; else bad "$1: stdout lacks '$2'"; head -c 2000 "$tmp/out" >&2; fi
}

records=$(ls "$fixtures"/records/*.json | grep -v '\.expected\.json$' | LC_ALL=C sort)

# --help everywhere.
for sub in simulate generate check; do expect_exit 0 "help $sub" "$bin" $sub --help; done

# 1. The shipped fixtures through the original pattern, with a control message:
#    round trip through Python and through the engine's decoder.
expect_exit 0 "simulate fixtures" "$bin" simulate -p "$ORIGINAL" --control-message --seed 3 \
  --out "$tmp/fx" "$fixtures/records"
stderr_has "simulate summary" "20 records: 6 delivered in"
stderr_has "simulate summary" "14 filtered, 0 dropped, 0 failed"
check "python round trip (fixtures)" python3 "$here/roundtrip.py" "$tmp/fx" --pattern original \
  --expect-control --inputs $records
for p in "$tmp"/fx/payload-*.json; do
  "$bin" decode "$p" >"$tmp/engine.json" 2>"$tmp/err" || { bad "engine decode $p"; continue; }
  check "engine and python decode $p alike" python3 -c "
import base64, gzip, json, sys
ev = json.load(open('$p'))
py = json.loads(gzip.decompress(base64.b64decode(ev['awslogs']['data'])))
en = json.load(open('$tmp/engine.json'))
sys.exit(0 if py == en else 1)"
done
check "manifest accounts for every record" python3 -c "
import json, sys
lines = [json.loads(l) for l in open('$tmp/fx/manifest.jsonl')]
recs = [l for l in lines if 'record' in l]
summary = lines[-1]['summary']
seqs = sorted(r['record'] for r in recs)
assert seqs == list(range(20)), seqs
assert summary == {'records': 20, 'delivered': 6, 'filtered': 14, 'dropped': 0, 'failed': 0, 'payloads': summary['payloads']}, summary
assert all(r['reason'] == 'does not match the filter pattern' for r in recs if r['outcome'] == 'filtered')
pay = {l['payload']: l for l in lines if 'payload' in l and 'file' in l}
for r in recs:
    if r['outcome'] == 'delivered':
        assert r['record'] in pay[r['payload']]['records'], r
"

# 2. Determinism: same inputs and seed → byte-identical files; another seed changes ids.
"$bin" generate --seed 11 --events 3000 --accounts 2 --regions us-east-1,eu-west-1 --days 1 >"$tmp/gen.jsonl" 2>/dev/null
for run in a b; do
  "$bin" simulate --seed 5 --window 300 --max-batch-events 100 --out "$tmp/det-$run" "$tmp/gen.jsonl" 2>/dev/null
done
"$bin" simulate --seed 6 --window 300 --max-batch-events 100 --out "$tmp/det-c" "$tmp/gen.jsonl" 2>/dev/null
check "same seed, identical output" diff -r "$tmp/det-a" "$tmp/det-b"
if diff -q "$tmp/det-a/payload-000001.json" "$tmp/det-c/payload-000001.json" >/dev/null; then
  bad "another seed gives other ids"; else ok; fi
"$bin" generate --seed 11 --events 3000 --accounts 2 --regions us-east-1,eu-west-1 --days 1 >"$tmp/gen2.jsonl" 2>/dev/null
check "generate is deterministic" cmp "$tmp/gen.jsonl" "$tmp/gen2.jsonl"
"$bin" generate --seed 12 --events 3000 --accounts 2 --regions us-east-1,eu-west-1 --days 1 >"$tmp/gen3.jsonl" 2>/dev/null
if cmp -s "$tmp/gen.jsonl" "$tmp/gen3.jsonl"; then bad "another generate seed differs"; else ok; fi

# 3. Generated records, small batches: every record back, in order, per stream; limits kept.
check "python round trip (generated, batches of 100)" python3 "$here/roundtrip.py" "$tmp/det-a" \
  --pattern all --max-events 100 --inputs "$tmp/gen.jsonl"
expect_exit 0 "size-limited batches" "$bin" simulate --max-payload-bytes 20000 --window 0 \
  --out "$tmp/small" "$tmp/gen.jsonl"
check "python round trip (payloads <= 20000 bytes)" python3 "$here/roundtrip.py" "$tmp/small" \
  --pattern all --max-payload-bytes 20000 --inputs "$tmp/gen.jsonl"

# 4. Generated CloudTrail log files (S3 layout, .json.gz) read back from the folder.
expect_exit 0 "generate cloudtrail files" "$bin" generate --seed 2 --events 2000 --format cloudtrail \
  --records-per-file 150 --out "$tmp/s3"
check "log files are gzip {\"Records\":[…]}" python3 -c "
import glob, gzip, json, sys
files = glob.glob('$tmp/s3/AWSLogs/*/CloudTrail/*/*/*/*/*_CloudTrail_*.json.gz')
n = sum(len(json.load(gzip.open(f))['Records']) for f in files)
sys.exit(0 if files and n == 2000 else 1)"
expect_exit 0 "simulate a folder of log files" "$bin" simulate --out "$tmp/s3out" "$tmp/s3"
stderr_has "all generated records delivered" "2000 records: 2000 delivered"
check "python round trip (log files)" python3 "$here/roundtrip.py" "$tmp/s3out" --pattern all \
  --inputs $(find "$tmp/s3" -name '*.json.gz' | LC_ALL=C sort)

# 5. Bad input: errors name file:line:column (and record index), the rest goes on, the summary counts.
head -3 "$tmp/gen.jsonl" >"$tmp/bad.jsonl"
echo '{"eventTime": "2024-01-01T00:00:00Z", "eventName": oops}' >>"$tmp/bad.jsonl"
sed -n 4,5p "$tmp/gen.jsonl" >>"$tmp/bad.jsonl"
expect_exit 2 "broken JSON line" "$bin" simulate --out "$tmp/badout" "$tmp/bad.jsonl"
stderr_has "broken line position" "bad.jsonl:4:52: record 3: invalid JSON"
stderr_has "broken line summary" "6 records: 5 delivered in"
stderr_has "broken line summary" "1 failed"
python3 - "$tmp" <<'PY'
import gzip, json, sys
tmp = sys.argv[1]
rec = lambda i: {"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:0%dZ" % i, "eventName": "E%d" % i,
                 "awsRegion": "us-east-1", "recipientAccountId": "111122223333"}
good = [json.dumps(rec(i), separators=(",", ":")) for i in range(4)]
# Element 2 is broken; the others must still be delivered.
text = '{"Records":[\n' + good[0] + ',\n' + good[1] + ',\n{"eventTime":"2024-01-01T00:00:09Z","x":tru},\n' + good[3] + ']}'
open(tmp + "/broken-records.json", "w").write(text)
with gzip.open(tmp + "/truncated.json.gz", "wb") as f:
    f.write(('{"Records":[' + ",".join(good)).encode())  # no closing ]}
data = gzip.compress(("\n".join(good) + "\n").encode())
open(tmp + "/corrupt.json.gz", "wb").write(data[:len(data) // 2])
big = rec(7)
big["requestParameters"] = {"blob": "x" * 300000}
open(tmp + "/big.json", "w").write(json.dumps(big))
PY
expect_exit 2 "broken Records element" "$bin" simulate --out "$tmp/bro" "$tmp/broken-records.json"
stderr_has "broken element position" "broken-records.json:4:41: record 2: Records[2]: invalid JSON"
stderr_has "broken element: others delivered" "4 records: 3 delivered"
expect_exit 2 "truncated Records array" "$bin" simulate --out "$tmp/tru" "$tmp/truncated.json.gz"
stderr_has "truncated array named" "truncated.json.gz:2:1: record 4: Records: the file ends inside the array (missing ']')"
stderr_has "truncated array: complete records delivered" "4 delivered"
expect_exit 2 "corrupt gzip" "$bin" simulate --out "$tmp/cor" "$tmp/corrupt.json.gz"
stderr_has "corrupt gzip named" "corrupt.json.gz"
expect_exit 0 "oversize record dropped, not failed" "$bin" simulate --out "$tmp/big" "$tmp/big.json"
stderr_has "oversize reported" "dropped: record is"
stderr_has "oversize counted" "1 records: 0 delivered in 0 payloads (0 bytes), 0 filtered, 1 dropped"
expect_exit 2 "invalid pattern" "$bin" simulate -p '{ $.a = }' "$fixtures/records"
stderr_has "caret message" "at column 9"
stderr_has "caret line" "          ^"
cp -r "$tmp/fx" "$tmp/fx2"
expect_exit 2 "existing out dir refused" "$bin" simulate --out "$tmp/fx2" "$fixtures/records"
stderr_has "existing out dir refused" "already holds payloads"
expect_exit 0 "--overwrite" "$bin" simulate --overwrite --out "$tmp/fx2" "$fixtures/records"
check "--overwrite replaced the payloads" python3 "$here/roundtrip.py" "$tmp/fx2" --pattern all --inputs $records

# 6. --handle: the engine in-process prints exactly the golden Slack messages of the matching fixtures.
expect_exit 0 "--handle" "$bin" simulate -p "$ORIGINAL" --handle --time-zone Asia/Seoul $records
check "--handle output equals the goldens" python3 -c "
import json, sys
got = [json.loads(l) for l in open('$tmp/out') if l.strip()]
names = ['access_denied', 'console_login_failure_hidden_user', 'console_login_failure_password',
         'console_login_success_mfa', 'console_login_success_no_mfa', 'iam_user_api_call']
want = [json.load(open('$fixtures/records/%s.expected.json' % n)) for n in names]
# Payloads come per log stream, so compare as a multiset.
key = lambda m: json.dumps(m, sort_keys=True)
sys.exit(0 if sorted(map(key, got)) == sorted(map(key, want)) else 1)"

# 7. --invoke: POST each event to a loopback RIE-style endpoint (python http.server).
python3 - "$tmp" >"$tmp/server.log" 2>&1 <<'PY' &
import http.server, os, sys
tmp = sys.argv[1]
count = 0
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers["Content-Length"]))
        count += 1
        open(os.path.join(tmp, "inv-%06d.json" % count), "wb").write(body + b"\n")
        open(os.path.join(tmp, "inv-paths"), "a").write(self.path + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok":true}')
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(os.path.join(tmp, "port"), "w").write(str(s.server_port))
s.serve_forever()
PY
server_pid=$!
for _ in $(seq 100); do [[ -s "$tmp/port" ]] && break; sleep 0.1; done
port=$(cat "$tmp/port")
expect_exit 0 "--invoke" "$bin" simulate -p "$ORIGINAL" --seed 3 --control-message \
  --invoke "http://127.0.0.1:$port" "$fixtures/records"
stdout_has "--invoke response" 'payload-000001 200 {"ok":true}'
check "invoked bodies equal the --out payloads" bash -c "
  n=\$(ls '$tmp'/fx/payload-*.json | wc -l); m=\$(ls '$tmp'/inv-*.json | wc -l); [[ \$n -eq \$m ]] || exit 1
  i=0; for p in '$tmp'/fx/payload-*.json; do i=\$((i+1)); cmp -s \"\$p\" \"\$(printf '$tmp/inv-%06d.json' \$i)\" || exit 1; done"
check "RIE path" grep -qx "/2015-03-31/functions/function/invocations" "$tmp/inv-paths"
kill "$server_pid" 2>/dev/null; server_pid=""
expect_exit 1 "--invoke to a closed port fails" "$bin" simulate --invoke "http://127.0.0.1:$port" \
  --invoke-timeout 2 "$fixtures/records/iam_user_api_call.json"
stderr_has "--invoke failure counted" "1 payloads not delivered"

# 8. check: the shipped example passes and writes JUnit XML; failures exit 1 with a diff; broken files exit 2.
expect_exit 0 "example check file" "$bin" check "$fixtures/checks/original_pattern.check.json" --junit "$tmp/junit.xml"
check "junit parses" python3 -c "
import xml.etree.ElementTree as ET, sys
r = ET.parse('$tmp/junit.xml').getroot()
cases = r.findall('.//testcase')
sys.exit(0 if r.tag == 'testsuites' and len(cases) == int(r.get('tests')) > 5 and r.get('failures') == '0' else 1)"
mkdir -p "$tmp/chk"
cp "$fixtures/records/iam_user_api_call.json" "$tmp/chk/r.json"
python3 -c "
import json
m = json.load(open('$fixtures/records/iam_user_api_call.expected.json'))
m['text'] = m['text'] + ' (edited)'
json.dump(m, open('$tmp/chk/wrong.expected.json', 'w'), indent=2)
json.dump({'pattern': '{ \$.eventName = \"Update*\" }', 'timeZone': 'Asia/Seoul', 'cases': [
  {'name': 'matches', 'fixtures': ['r.json'], 'expect': 'match'},
  {'name': 'wrongly expected quiet', 'fixtures': ['r.json'], 'expect': 'no-match'},
  {'name': 'snapshot differs', 'fixtures': ['r.json'], 'expect': 'match', 'snapshot': 'wrong.expected.json'},
  {'name': 'new snapshot', 'fixtures': ['r.json'], 'expect': 'match', 'snapshot': 'new.json'},
  {'name': 'bad & <pattern>', 'pattern': '{ \$.a = }', 'records': [{'a': 1}], 'expect': 'match'}]},
  open('$tmp/chk/c.check.json', 'w'))"
expect_exit 2 "failing check file" "$bin" check "$tmp/chk/c.check.json" --junit "$tmp/chk/j.xml"
stdout_has "pass line" "PASS  matches"
stdout_has "fail line" "FAIL  wrongly expected quiet"
stdout_has "fail reason" "expected no match, but the pattern matches"
stdout_has "diff shown" '+   "text": '
stdout_has "missing snapshot" "new.json does not exist"
stdout_has "bad pattern" "ERROR bad & <pattern>"
stdout_has "totals" "5 cases: 1 passed, 3 failed, 1 errors"
check "junit failure/error elements" python3 -c "
import xml.etree.ElementTree as ET, sys
r = ET.parse('$tmp/chk/j.xml').getroot()
sys.exit(0 if len(r.findall('.//failure')) == 3 and len(r.findall('.//error')) == 1 else 1)"
"$bin" check --update-snapshots "$tmp/chk/c.check.json" >/dev/null 2>&1
check "--update-snapshots writes the golden message" python3 -c "
import json, sys
a = json.load(open('$tmp/chk/new.json')); b = json.load(open('$fixtures/records/iam_user_api_call.expected.json'))
sys.exit(0 if a == b else 1)"
python3 -c "
import json; d = json.load(open('$tmp/chk/c.check.json')); d['cases'] = d['cases'][:4]; d['cases'][1]['expect'] = 'match'
json.dump(d, open('$tmp/chk/c2.check.json', 'w'))"
expect_exit 0 "after --update-snapshots the file passes" "$bin" check "$tmp/chk/c2.check.json"
echo '{"cases": [' >"$tmp/chk/broken.check.json"
expect_exit 2 "broken check file" "$bin" check "$tmp/chk/broken.check.json"
stdout_has "broken check file named" "broken.check.json: invalid JSON"

echo "simulate_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
