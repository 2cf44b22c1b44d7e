#!/usr/bin/env bash
# Runs the iam-audit CLI as a user runs it: exit codes, one-line errors with
# file:line:column, and output checked by an independent decoder (python3).
set -uo pipefail
bin="${IAM_AUDIT_BIN:?}"
fixtures="${IAM_AUDIT_FIXTURES:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

check() {  # check NAME COMMAND...: the command must succeed
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name" >&2; fi
}
expect_exit() {  # expect_exit CODE NAME COMMAND...
  local want=$1 name=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [[ $got -eq $want ]]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $name: exit $got, want $want" >&2; cat "$tmp/err" >&2; fi
}
stderr_has() {  # stderr_has NAME TEXT: last command's stderr contains TEXT
  if grep -qF -- "$2" "$tmp/err"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $1: stderr lacks '$2':" >&2; cat "$tmp/err" >&2; fi
}

# --help on every subcommand.
for sub in "" decode render rule-stats; do
  expect_exit 0 "help $sub" "$bin" $sub --help
done
expect_exit 2 "no subcommand" "$bin"

# A payload encoded independently (Python's gzip + base64), decoded by us.
python3 - "$tmp" <<'PY'
import base64, gzip, json, sys
tmp = sys.argv[1]
batch = {"messageType": "DATA_MESSAGE", "owner": "123456789012",
         "logGroup": "aws-cloudtrail-logs-123456789012-0a1b2c3d",
         "logStream": "123456789012_CloudTrail_us-east-1", "subscriptionFilters": ["iam-audit"],
         "logEvents": [{"id": "3" * 56, "timestamp": 1655816723000,
                        "message": json.dumps({"eventName": "CreateUser", "eventTime": "2022-06-21T13:05:23Z",
                                               "userIdentity": {"type": "IAMUser", "userName": "alice"},
                                               "awsRegion": "us-east-1", "eventID": "e1"})}]}
json.dump(batch, open(f"{tmp}/batch.json", "w"))
data = base64.b64encode(gzip.compress(json.dumps(batch).encode())).decode()
json.dump({"awslogs": {"data": data}}, open(f"{tmp}/event.json", "w"))
open(f"{tmp}/bad-b64.json", "w").write('{"awslogs":{"data":"H4sI%AAA"}}')
PY
expect_exit 0 "decode event" "$bin" decode "$tmp/event.json"
check "decoded batch equals the original" python3 -c "
import json,sys
got=json.load(open('$tmp/out')); want=json.load(open('$tmp/batch.json'))
sys.exit(0 if got==want else 1)"
expect_exit 0 "decode from stdin" bash -c "'$bin' decode - < '$tmp/event.json'"
expect_exit 2 "decode bad base64" "$bin" decode "$tmp/bad-b64.json"
stderr_has "decode bad base64" "bad-b64.json: payload: base64: invalid character '%' at offset 4"
expect_exit 2 "decode missing file" "$bin" decode "$tmp/nope.json"
stderr_has "decode missing file" "nope.json: cannot open"

# render: JSON Lines with a broken line in the middle keeps going and says where.
cat > "$tmp/records.jsonl" <<'JSONL'
{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"},"eventTime":"2022-06-21T13:56:13Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","eventID":"11111111-2222-3333-4444-555555555555","eventType":"AwsApiCall"}
{"eventVersion":"1.08","userIdentity":{"type":"IAMUser", "userName" "bob"}}
[1, 2]
{"eventVersion":"1.08","userIdentity":{"type":"Root"},"eventTime":"2022-06-21T13:56:14Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","eventID":"66666666-2222-3333-4444-555555555555"}
JSONL
expect_exit 2 "render jsonl with bad lines" "$bin" render "$tmp/records.jsonl"
stderr_has "render bad line position" "records.jsonl:2:69: invalid JSON"
# A line holding a JSON array is an array of records (as simulate reads it):
# each element that is not an object is reported where it starts.
stderr_has "render non-object element" "records.jsonl:3:2: element[0]: expected a CloudTrail record (JSON object), got number"
stderr_has "render second non-object element" "records.jsonl:3:5: element[1]: expected a CloudTrail record (JSON object), got number"
stderr_has "render summary" "2 rendered, 3 failed"
check "render printed the two good records" test "$(wc -l < "$tmp/out")" -eq 2
check "render output is Slack JSON" python3 -c "
import json
for line in open('$tmp/out'):
    m = json.loads(line); assert m['blocks'] and m['text']"

# Good input, three container formats, plain and gzip: same messages.
head -n 1 "$tmp/records.jsonl" > "$tmp/one.json"
sed -n 4p "$tmp/records.jsonl" >> "$tmp/one.jsonl"; head -n 1 "$tmp/records.jsonl" >> "$tmp/one.jsonl"
python3 -c "
import json
recs=[json.loads(l) for l in open('$tmp/one.jsonl')]
json.dump({'Records': recs}, open('$tmp/trail.json','w'), indent=2)"
gzip -k "$tmp/trail.json"
expect_exit 0 "render jsonl" "$bin" render --time-zone Asia/Seoul "$tmp/one.jsonl"; cp "$tmp/out" "$tmp/a"
expect_exit 0 "render Records file" "$bin" render --time-zone Asia/Seoul "$tmp/trail.json"; cp "$tmp/out" "$tmp/b"
expect_exit 0 "render Records .gz" "$bin" render --time-zone Asia/Seoul "$tmp/trail.json.gz"; cp "$tmp/out" "$tmp/c"
check "jsonl == Records" cmp -s "$tmp/a" "$tmp/b"
check "Records == Records.gz" cmp -s "$tmp/b" "$tmp/c"
check "time zone applied (13:56:14Z is 22:56:14 in Seoul)" grep -q "2022.06.21 22:56:14" "$tmp/a"
expect_exit 0 "render single pretty record" "$bin" render "$tmp/one.json"
check "one message" test "$(wc -l < "$tmp/out")" -eq 1
expect_exit 0 "render text format" "$bin" render --format text "$tmp/one.json"
check "text format shows the identity" grep -q "alice (203.0.113.5)" "$tmp/out"

# Broken single documents: the error names line and column.
printf '{\n  "eventName": "X",\n  "userIdentity": {,}\n}\n' > "$tmp/broken.json"
expect_exit 2 "render broken document" "$bin" render "$tmp/broken.json"
stderr_has "broken document position" "broken.json:3:20: invalid JSON"
printf '{"Records": {"a": 1}}' > "$tmp/badrecords.json"
expect_exit 2 "render Records not array" "$bin" render "$tmp/badrecords.json"
stderr_has "Records not array" "\"Records\" must be an array, got object"
expect_exit 2 "render bad time zone" "$bin" render --time-zone Mars/Olympus "$tmp/one.json"
stderr_has "bad time zone" "--time-zone:"
expect_exit 2 "render bad console url" "$bin" render --console-url "ftp://x/{eventID}" "$tmp/one.json"
stderr_has "bad console url" "--console-url:"

# rule-stats: every record accounted for; bad configurations named by path.
expect_exit 0 "rule-stats default pack" "$bin" rule-stats --default-rules --json "$fixtures/rules"
check "rule-stats accounts for every record" python3 -c "
import json, glob
out = json.load(open('$tmp/out'))
n = len(glob.glob('$fixtures/rules/*/*.json'))
assert out['records'] == n, (out['records'], n)
assert out['alerts'] + out['unmatched'] == n
rules = {r['rule']: r for r in out['rules']}
for rule in rules:
    positives = len(glob.glob(f'$fixtures/rules/{rule}/positive-*.json'))
    assert rules[rule]['alerts'] >= positives, rule"
expect_exit 0 "rule-stats table" "$bin" rule-stats --default-rules "$fixtures/rules"
check "rule-stats table lists the pack" grep -q "cloudtrail-tampering" "$tmp/out"
printf '{"rules": [{"name": "x", "pattern": "{ $.a = "}]}' > "$tmp/bad-config.json"
expect_exit 2 "rule-stats bad config" "$bin" rule-stats --config "$tmp/bad-config.json" "$fixtures/rules"
stderr_has "rule-stats bad config path" "bad-config.json: rules[0] (x).pattern: pattern:"
expect_exit 2 "rule-stats needs rules" "$bin" rule-stats "$fixtures/rules"

# simulate --handle --config: the rules decide; every record alerts or says why not.
expect_exit 0 "simulate --handle --config" "$bin" simulate --filter-pattern "" --handle \
  --config "$fixtures/config/example.json" "$fixtures/rules"
check "handle: one message per alerted event, every event accounted" python3 -c "
import glob, json
out = [json.loads(l) for l in open('$tmp/out') if l.strip()]
err = open('$tmp/err').read().splitlines()
alerted = [l for l in err if ' → ' in l]
quiet = [l for l in err if 'not alerted (' in l]
n = len(glob.glob('$fixtures/rules/*/*.json'))
assert len(out) == len(alerted) and len(alerted) + len(quiet) == n, (len(out), len(alerted), len(quiet), n)
assert any('critical → oncall, security' in l for l in alerted)
assert all(m['blocks'][0]['type'] == 'header' for m in out)"

# test-filter reads plain files directly and gzip through zlib: the same events
# either way, from a file, a redirected stdin or a pipe — blank lines skipped
# but counted, CRLF stripped, a line longer than the read buffer (700 kB) kept
# whole, and a last line without '\n'.
python3 - "$tmp" <<'PY'
import gzip, sys
tmp = sys.argv[1]
lines = [b"alpha needle one\n", b"\n", b"beta needle crlf\r\n", b"x" * 700000 + b" needle\n",
         b"gamma nothing\n", b"needle last no newline"]
data = b"".join(lines)
open(f"{tmp}/lines.txt", "wb").write(data)
open(f"{tmp}/lines.txt.gz", "wb").write(gzip.compress(data))
open(f"{tmp}/lines-gz-named.txt", "wb").write(gzip.compress(data))  # gzip found by magic, not name
open(f"{tmp}/truncated.gz", "wb").write(gzip.compress(data)[:-20])
PY
for src in lines.txt lines.txt.gz lines-gz-named.txt; do
  expect_exit 0 "test-filter file $src" "$bin" test-filter --filter-pattern needle --file "$tmp/$src"
  cp "$tmp/out" "$tmp/tf-$src.json"
  check "test-filter file $src: events, numbers and text" python3 -c "
import json
m = json.load(open('$tmp/tf-$src.json'))['matches']
want = [(1, 'alpha needle one'), (3, 'beta needle crlf'), (4, 'x' * 700000 + ' needle'),
        (6, 'needle last no newline')]
got = [(e['eventNumber'], e['eventMessage']) for e in m]
assert got == want, [(n, len(t)) for n, t in got]"
  expect_exit 0 "test-filter --count $src" "$bin" test-filter --count --filter-pattern needle --file "$tmp/$src"
  check "test-filter --count $src is 4" test "$(cat "$tmp/out")" = 4
  expect_exit 0 "test-filter stdin redirect $src" "$bin" test-filter --filter-pattern needle - <"$tmp/$src"
  check "test-filter stdin redirect $src same output" cmp -s "$tmp/out" "$tmp/tf-lines.txt.json"
  expect_exit 0 "test-filter stdin pipe $src" bash -c "cat '$tmp/$src' | '$bin' test-filter --filter-pattern needle -"
  check "test-filter stdin pipe $src same output" cmp -s "$tmp/out" "$tmp/tf-lines.txt.json"
done
check "test-filter plain and gzip give identical output" cmp -s "$tmp/tf-lines.txt.json" "$tmp/tf-lines.txt.gz.json"
expect_exit 1 "test-filter truncated gzip" "$bin" test-filter --count --filter-pattern needle --file "$tmp/truncated.gz"
stderr_has "test-filter truncated gzip named" "truncated.gz: corrupt or truncated gzip input"

# test-filter --log-event-messages: each argument is one message, byte for
# byte, as the aws CLI sends them (brackets, commas, "%%", "{}"); the last
# occurrence of the option wins (the aws CLI sends ["c"] for `… a b … c`).
msgs=('[x y]' '[a,b]' '[10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200' '%%' '{}' 'p,q r'
      ' lead' $'tab\tx')
expect_exit 0 "test-filter messages verbatim" \
  "$bin" test-filter --filter-pattern '' --log-event-messages "${msgs[@]}"
check "test-filter messages verbatim: one event per argument, unchanged" python3 -c "
import json, sys
m = json.load(open('$tmp/out'))['matches']
got = [(e['eventNumber'], e['eventMessage']) for e in m]
want = list(enumerate(sys.argv[1:], 1))
assert got == want, got" "${msgs[@]}"
expect_exit 0 "test-filter bracketed field" "$bin" test-filter \
  --filter-pattern '[time, request, status=2*]' \
  --log-event-messages '[x y]' '[10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200'
check "test-filter bracketed field extracted" python3 -c "
import json
m = json.load(open('$tmp/out'))['matches']
assert [(e['eventNumber'], e['extractedValues']) for e in m] == [
    (2, {'\$time': '10/Oct/2000:13:55:36 -0700', '\$request': 'GET / HTTP/1.0',
         '\$status': '200'})], m"
expect_exit 0 "test-filter bracketed pattern" \
  "$bin" test-filter --filter-pattern '[a,b]' --log-event-messages 'x y'
check "test-filter bracketed pattern extracted" python3 -c "
import json
m = json.load(open('$tmp/out'))['matches']
assert [e['extractedValues'] for e in m] == [{'\$a': 'x', '\$b': 'y'}], m"
expect_exit 0 "test-filter last --log-event-messages wins" \
  "$bin" test-filter --filter-pattern '' --log-event-messages a b --log-event-messages c
check "test-filter last --log-event-messages wins: c only" python3 -c "
import json
m = json.load(open('$tmp/out'))['matches']
assert [(e['eventNumber'], e['eventMessage']) for e in m] == [(1, 'c')], m"

# A field name declared twice would be a duplicate key in extractedValues.
expect_exit 2 "test-filter repeated field name" \
  "$bin" test-filter --filter-pattern '[a, a]' --log-event-messages 'x y'
stderr_has "test-filter repeated field name" "field name 'a' declared again at column 5"
check "test-filter repeated field name: nothing on stdout" test ! -s "$tmp/out"

# TestMetricFilter's limits on logEventMessages (1 to 50, each at least 1
# character), in the aws CLI's words: botocore's client-side check for the
# minimums, the service's ValidationException for the 51st; exit 2.
fifty=(); for i in $(seq 1 50); do fifty+=("m$i"); done
expect_exit 0 "test-filter 50 messages" \
  "$bin" test-filter --count --filter-pattern m --log-event-messages "${fifty[@]}"
check "test-filter 50 messages counted" test "$(cat "$tmp/out")" = 50
expect_exit 2 "test-filter 51 messages" \
  "$bin" test-filter --filter-pattern m --log-event-messages "${fifty[@]}" m51
list=$(printf '%s, ' "${fifty[@]}" m51)
stderr_has "test-filter 51 messages: AWS's wording" "iam-audit test-filter: 1 validation error \
detected: Value '[${list%, }]' at 'logEventMessages' failed to satisfy constraint: Member must \
have length less than or equal to 50"
expect_exit 2 "test-filter empty messages" \
  "$bin" test-filter --filter-pattern m --log-event-messages x '' y ''
check "test-filter empty messages: botocore's wording" python3 -c "
want = ('iam-audit test-filter: Parameter validation failed:\n'
        'Invalid length for parameter logEventMessages[1], value: 0, valid min length: 1\n'
        'Invalid length for parameter logEventMessages[3], value: 0, valid min length: 1\n')
got = open('$tmp/err').read()
assert got == want, repr(got)"
no_messages="Invalid length for parameter logEventMessages, value: 0, valid min length: 1"
expect_exit 2 "test-filter no messages" "$bin" test-filter --filter-pattern m --log-event-messages
stderr_has "test-filter no messages: botocore's wording" "$no_messages"
expect_exit 2 "test-filter no messages before an option" \
  "$bin" test-filter --log-event-messages --filter-pattern m
stderr_has "test-filter no messages before an option" "$no_messages"
seq 1 60 | sed 's/^/m/' >"$tmp/sixty.txt"
expect_exit 0 "test-filter --file has no 50-event limit" \
  "$bin" test-filter --count --filter-pattern m --file "$tmp/sixty.txt"
check "test-filter --file 60 events counted" test "$(cat "$tmp/out")" = 60

# Every shipped fixture renders.
shopt -s nullglob
for f in "$fixtures"/records/*.json; do
  [[ "$f" == *.expected.json ]] && continue
  expect_exit 0 "render fixture $(basename "$f")" "$bin" render "$f"
done

echo "cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
