#!/usr/bin/env python3
"""Secrets sweep: no Slack webhook secret and no Telegram bot token ever
appears in what iam-audit, mock-slack or the Lambda bootstrap print or answer.

Every `iam-audit` subcommand (enumerated from `iam-audit --help`: a new one
without cases here fails the test), mock-slack, and the bootstrap under
`iam-audit emulate` (bare and from function.zip) run through success and
failure paths with the secrets in their environment and, where a user would
put them, on the command line. For each run, stdout, stderr, the exit status
and every HTTP answer are checked: no 8-character piece of any secret may
appear (sec_harness.leaks).

What counts as output: stdout and stderr of every process (for the
bootstrap: its log lines, which emulate forwards), the emulator's invocation
answers and /api/invocations, and every answer of mock-slack: webhook and
Bot API answers, the inspection API (/api/messages, /api/stats, /api/faults)
and the channel page. mock-slack's store is the "channel": it keeps what was
posted, never the URL it was posted to, so the secrets may not appear there
either.

Usage: secrets_sweep_test.py CLI MOCK_SLACK BOOTSTRAP FUNCTION_ZIP FIXTURES_DIR
"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sec_harness import (CHAT, require_files, SLACK_SECRET, TG_TOKEN, UNKNOWN_TG_TOKEN, WRONG_SECRET, Checks,  # noqa: E402
                         MOCK_SLACK_FINAL_LINE, Emulator, Server, clean_env, free_port, run,
                         subscription_event)

CLI, MOCK_SLACK, BOOTSTRAP, FUNCTION_ZIP, FIXTURES = sys.argv[1:6]
require_files(CLI, MOCK_SLACK, BOOTSTRAP, FUNCTION_ZIP, FIXTURES)
C = Checks()

HOOK_PATH = f"/services/T000/B000/{SLACK_SECRET}"
PUBLIC_URL = f"https://hooks.slack.com{HOOK_PATH}"
RECORD = os.path.join(FIXTURES, "records", "console_login_success_no_mfa.json")

# The environment every CLI run gets: the secrets, as a deployment has them.
SECRET_ENV = clean_env(SLACK_WEBHOOK_URL=PUBLIC_URL, SLACK_SECURITY_WEBHOOK_URL=PUBLIC_URL,
                       TELEGRAM_BOT_TOKEN=TG_TOKEN)

# One rule alerting on everything, to a Slack webhook and a Telegram chat.
CONFIG = {
    "version": 1,
    "rules": [{"name": "everything", "severity": "critical", "title": "Any event",
               "pattern": "{ $.eventName = * }", "destinations": ["audit", "oncall"]}],
    "destinations": {
        "audit": {"type": "slack", "webhook_url_env": "SLACK_WEBHOOK_URL"},
        "oncall": {"type": "telegram", "bot_token_env": "TELEGRAM_BOT_TOKEN", "chat_id": CHAT},
    },
    "default_destinations": ["audit"],
}


def sweep(label, argv, want_rc, env=SECRET_ENV, stdin=None):
    rc, out, err = run(argv, env=env, stdin=stdin)
    C.check(rc in want_rc, f"{label}: exit {rc}, want one of {sorted(want_rc)}\n{err[-1500:]}")
    C.no_leak(out, f"{label}: stdout")
    C.no_leak(err, f"{label}: stderr")
    return rc, out, err


def subcommands():
    rc, out, _ = run([CLI, "--help"], env=SECRET_ENV)
    C.check(rc == 0, "iam-audit --help exits 0")
    names, inside = [], False
    for line in out.splitlines():
        if line.strip().lower().rstrip(":") == "subcommands":
            inside = True
            continue
        if inside:
            m = re.match(r"^  (\S+)\s", line + " ")
            if not m:
                if line.strip():
                    break
                continue
            names.append(m.group(1))
    C.check(len(names) >= 8, f"found the subcommands in --help: {names}")
    return names


def cli_cases(work):
    """Per subcommand: (label, arguments after the subcommand, exit codes)."""
    config = os.path.join(work, "config.json")
    with open(config, "w") as f:
        json.dump(CONFIG, f)
    # A user pasting a secret where the name of its variable belongs.
    pasted_url = os.path.join(work, "pasted-url.json")
    pasted_token = os.path.join(work, "pasted-token.json")
    for path, dest in ((pasted_url, {"type": "slack", "webhook_url_env": PUBLIC_URL}),
                       (pasted_token, {"type": "telegram", "bot_token_env": TG_TOKEN, "chat_id": CHAT})):
        bad = json.loads(json.dumps(CONFIG))
        bad["destinations"] = {"audit": dest}
        bad["rules"][0]["destinations"] = ["audit"]
        with open(path, "w") as f:
            json.dump(bad, f)
    payload = os.path.join(work, "payload.json")
    with open(payload, "w") as f:
        with open(RECORD) as r:
            json.dump(subscription_event([json.load(r)]), f)
    garbage = os.path.join(work, "garbage.json")
    with open(garbage, "w") as f:
        f.write('{"awslogs":{"data":"not base64!"}}')
    check = os.path.join(work, "broken.check.json")
    with open(check, "w") as f:
        f.write('{"cases": [ {')
    closed = f"http://127.0.0.1:{free_port()}"
    return {
        "decode": [("ok", [payload], {0}), ("bad payload", [garbage], {2})],
        "render": [("ok", [RECORD], {0}), ("missing file", [os.path.join(work, "nope.json")], {2}),
                   ("bad zone", ["--time-zone", "Mars/Base", RECORD], {2})],
        "rule-stats": [("default rules", ["--default-rules", RECORD], {0}),
                       ("config", ["--config", config, RECORD], {0}),
                       ("pasted webhook URL", ["--config", pasted_url, RECORD], {2}),
                       ("pasted bot token", ["--config", pasted_token, RECORD], {2})],
        "test-filter": [("ok", ["--filter-pattern", "{ $.eventName = ConsoleLogin }", "--file", RECORD], {0}),
                        ("bad pattern", ["--filter-pattern", "{ $.eventName = ", "--file", RECORD], {2})],
        "simulate": [("handle", ["--handle", RECORD], {0}),
                     ("handle with config", ["--handle", "--config", config, RECORD], {0}),
                     ("out", ["--out", os.path.join(work, "payloads"), RECORD], {0}),
                     ("invoke closed port", ["--invoke", closed, RECORD], {1}),
                     ("pasted token config", ["--handle", "--config", pasted_token, RECORD], {2}),
                     ("bad pattern", ["-p", "{ (", RECORD], {2})],
        "generate": [("ok", ["--seed", "3", "--events", "20"], {0}),
                     ("bad format", ["--format", "xml", "--events", "2"], {2})],
        "check": [("ok", [os.path.join(FIXTURES, "checks", "original_pattern.check.json")], {0}),
                  ("broken check file", [check], {2})],
        # The bootstrap's own paths are in lambda_cases(); these are emulate's.
        "emulate": [("missing function", ["--function", os.path.join(work, "nope"),
                                          "--env", f"SLACK_WEBHOOK_URL={PUBLIC_URL}"], {2}),
                    ("--env without KEY=", ["--function", BOOTSTRAP, "--env", PUBLIC_URL], {2}),
                    ("--env typo", ["--function", BOOTSTRAP, "--evn", f"SLACK_WEBHOOK_URL={PUBLIC_URL}"], {2}),
                    ("bad timeout", ["--function", BOOTSTRAP, "--env", f"SLACK_WEBHOOK_URL={PUBLIC_URL}",
                                     "--timeout", "0"], {2})],
    }


def sweep_cli(work):
    names = subcommands()
    cases = cli_cases(work)
    for name in names:
        C.check(name in cases, f"subcommand '{name}' has no secrets-sweep cases: add them to cli_cases()")
    for name in cases:
        C.check(name in names, f"cli_cases() covers '{name}', which `iam-audit --help` no longer lists")
    for label, argv, want in [
        ("--help", ["--help"], {0}), ("--version", ["--version"], {0}), ("no subcommand", [], {2}),
        ("unknown subcommand", ["emulat", "--env", f"SLACK_WEBHOOK_URL={PUBLIC_URL}"], {2}),
        ("unknown option", [f"--webhook={PUBLIC_URL}"], {2}),
    ]:
        sweep(f"iam-audit {label}", [CLI, *argv], want)
    for name in names:
        sweep(f"iam-audit {name} --help", [CLI, name, "--help"], {0})
        sweep(f"iam-audit {name} unknown option", [CLI, name, f"--no-such-option={PUBLIC_URL}"], {2})
        for label, argv, want in cases.get(name, []):
            sweep(f"iam-audit {name} ({label})", [CLI, name, *argv], want)
    sweep("iam-audit decode (stdin)", [CLI, "decode", "-"], {2}, stdin=PUBLIC_URL.encode())


def sweep_mock_slack(work):
    hook = f"T000/B000/{SLACK_SECRET}"
    for label, argv in [
        ("--help", ["--help"]),
        ("webhook without secret", ["--webhook", "T000/B000"]),
        ("bad webhook option", ["--webhook", f"{hook},bogus=1"]),
        ("bad telegram option", ["--telegram-bot", f"{TG_TOKEN},chat="]),
        ("bad fault", ["--webhook", hook, "--fault", "T000/B000:explode"]),
        ("unknown option", [f"--webhok={hook}"]),
        ("unexpected argument", ["--webhok", hook]),
    ]:
        sweep(f"mock-slack {label}", [MOCK_SLACK, *argv], {0} if label == "--help" else {2})

    s = Server([MOCK_SLACK, "--port", "0", "--webhook", f"{hook},channel=audit",
                "--telegram-bot", f"{TG_TOKEN},chat={CHAT}", "--no-rate-limit"], env=SECRET_ENV,
               final_line=MOCK_SLACK_FINAL_LINE)
    try:
        tg = f"/bot{TG_TOKEN}/sendMessage"
        answers = [
            ("accepted", "POST", HOOK_PATH, {"text": "hello"}, 200),
            ("invalid_token", "POST", f"/services/T000/B000/{WRONG_SECRET}", {"text": "x"}, 403),
            ("no_service", "POST", f"/services/T999/B999/{SLACK_SECRET}", {"text": "x"}, 404),
            ("invalid_payload", "POST", HOOK_PATH, "{broken", 400),
            ("GET on a webhook", "GET", HOOK_PATH, None, 400),
            ("telegram ok", "POST", tg, {"chat_id": CHAT, "text": "hi", "parse_mode": "HTML"}, 200),
            ("telegram unknown token", "POST", f"/bot{UNKNOWN_TG_TOKEN}/sendMessage",
             {"chat_id": CHAT, "text": "hi"}, 401),
            ("telegram unknown chat", "POST", tg, {"chat_id": "-1", "text": "hi"}, 400),
            ("telegram bad entities", "POST", tg, {"chat_id": CHAT, "text": "<b>x", "parse_mode": "HTML"}, 400),
            ("telegram other method", "POST", f"/bot{TG_TOKEN}/getMe", {}, 404),
            ("messages", "GET", "/api/messages", None, 200),
            ("stats", "GET", "/api/stats", None, 200),
            ("faults", "POST", "/api/faults", {"webhook": "T000/B000", "kind": "error", "count": 1}, 200),
            ("fault fires", "POST", HOOK_PATH, {"text": "x"}, 500),
            ("bad fault", "POST", "/api/faults", {"webhook": f"T000/B000/{SLACK_SECRET}", "kind": "x"}, 400),
            ("faults list", "GET", "/api/faults", None, 200),
            ("page", "GET", "/", None, 200),
            ("page items", "GET", "/api/page?since=0", None, 200),
            ("unknown path", "GET", f"/services/{SLACK_SECRET}", None, 400),
        ]
        for label, method, path, body, want in answers:
            status, headers, text = s.request(method, path, body)
            C.check(status == want, f"mock-slack {label}: status {status}, want {want}: {text[:300]}")
            C.no_leak(text, f"mock-slack {label}: answer")
            C.no_leak(json.dumps(headers), f"mock-slack {label}: headers")
        log = s.final_log()
    finally:
        s.close()
    C.no_leak(log, "mock-slack request log")


def lambda_cases(work):
    """The bootstrap under emulate: each scenario is an environment and the
    invocations it gets, with the error type each must answer ("" = success)."""
    ca = os.path.join(work, "mock-ca.pem")
    slack = Server([MOCK_SLACK, "--port", "0", "--tls-self-signed", "--cert-out", ca,
                    "--webhook", f"T000/B000/{SLACK_SECRET},channel=audit",
                    "--webhook", f"T000/B500/{SLACK_SECRET},channel=failing",
                    "--fault", "T000/B500:error,status=500,count=1000",
                    "--telegram-bot", f"{TG_TOKEN},chat={CHAT}", "--no-rate-limit"],
                   final_line=MOCK_SLACK_FINAL_LINE)
    try:
        with open(RECORD) as f:
            event = subscription_event([json.load(f)])
        base = slack.url
        fast = {"IAM_AUDIT_MAX_ATTEMPTS": "2", "IAM_AUDIT_MAX_BACKOFF_MS": "10",
                "IAM_AUDIT_POST_INTERVAL_MS": "0", "IAM_AUDIT_CA_BUNDLE": ca}
        hook = f"{base}{HOOK_PATH}"
        config = {"IAM_AUDIT_CONFIG": json.dumps(CONFIG), "SLACK_WEBHOOK_URL": hook, "TELEGRAM_BOT_TOKEN": TG_TOKEN,
                  "IAM_AUDIT_TELEGRAM_API_BASE": base, **fast}
        ok, failed, bad = "", "Function.DeliveryFailed", "Function.InvalidPayload"
        scenarios = [
            ("zip: webhook ok", FUNCTION_ZIP, {"SLACK_WEBHOOK_URL": hook, **fast},
             [(event, ok), (json.dumps("not a payload"), bad), ({"awslogs": {"data": "!!"}}, bad)]),
            ("config: slack + telegram ok", BOOTSTRAP, config, [(event, ok)]),
            ("closed port", BOOTSTRAP,
             {"SLACK_WEBHOOK_URL": f"https://127.0.0.1:{free_port()}{HOOK_PATH}", **fast}, [(event, failed)]),
            ("500", BOOTSTRAP, {"SLACK_WEBHOOK_URL": f"{base}/services/T000/B500/{SLACK_SECRET}", **fast},
             [(event, failed)]),
            ("404 no_service", BOOTSTRAP, {"SLACK_WEBHOOK_URL": f"{base}/services/T999/B999/{SLACK_SECRET}", **fast},
             [(event, failed)]),
            ("403 invalid_token", BOOTSTRAP,
             {"SLACK_WEBHOOK_URL": f"{base}/services/T000/B000/{WRONG_SECRET}", **fast}, [(event, failed)]),
            ("telegram 401", BOOTSTRAP, {**config, "TELEGRAM_BOT_TOKEN": UNKNOWN_TG_TOKEN}, [(event, failed)]),
            ("untrusted certificate", BOOTSTRAP,
             {"SLACK_WEBHOOK_URL": hook, **fast, "IAM_AUDIT_CA_BUNDLE": ""}, [(event, failed)]),
            ("missing CA bundle", BOOTSTRAP,
             {"SLACK_WEBHOOK_URL": hook, **fast, "IAM_AUDIT_CA_BUNDLE": os.path.join(work, "nope.pem")},
             [(event, "*")]),
            ("http:// webhook", BOOTSTRAP, {"SLACK_WEBHOOK_URL": f"http://127.0.0.1:{slack.port}{HOOK_PATH}"},
             [(event, "Runtime.ConfigInvalid")]),
            ("bad port in webhook", BOOTSTRAP, {"SLACK_WEBHOOK_URL": f"https://127.0.0.1:99999{HOOK_PATH}"},
             [(event, "Runtime.ConfigInvalid")]),
            ("webhook with credentials", BOOTSTRAP,
             {"SLACK_WEBHOOK_URL": f"https://{SLACK_SECRET}@127.0.0.1{HOOK_PATH}"}, [(event, "Runtime.ConfigInvalid")]),
            ("webhook without scheme", BOOTSTRAP, {"SLACK_WEBHOOK_URL": f"hooks.slack.com{HOOK_PATH}"},
             [(event, "Runtime.ConfigInvalid")]),
            ("config: unset variable", BOOTSTRAP, {**config, "TELEGRAM_BOT_TOKEN": ""},
             [(event, "Runtime.ConfigInvalid")]),
            ("config: pasted token", BOOTSTRAP,
             {**config, "IAM_AUDIT_CONFIG": json.dumps(CONFIG).replace('"TELEGRAM_BOT_TOKEN"', json.dumps(TG_TOKEN))},
             [(event, "Runtime.ConfigInvalid")]),
            ("config: token with a space", BOOTSTRAP, {**config, "TELEGRAM_BOT_TOKEN": TG_TOKEN + " x"},
             [(event, "Runtime.ConfigInvalid")]),
            ("config: http telegram base", BOOTSTRAP,
             {**config, "IAM_AUDIT_TELEGRAM_API_BASE": f"http://127.0.0.1:{slack.port}/{SLACK_SECRET}"},
             [(event, "Runtime.ConfigInvalid")]),
            ("bad integer", BOOTSTRAP, {"SLACK_WEBHOOK_URL": hook, "IAM_AUDIT_MAX_ATTEMPTS": "five"},
             [(event, "Runtime.ConfigInvalid")]),
        ]
        for label, function, env, invocations in scenarios:
            run_scenario(label, function, env, invocations)
        for path in ("/api/messages", "/api/stats", "/"):
            status, _, text = slack.request("GET", path)
            C.check(status == 200, f"mock-slack {path} after the Lambda runs: {status}")
            C.no_leak(text, f"mock-slack {path} after the Lambda runs")
        _, _, messages = slack.request("GET", "/api/messages")
        webhooks = sorted({m["webhook"] for m in json.loads(messages)["messages"]})
        C.check(webhooks == ["T000/B000", f"telegram/424242/{CHAT}"],
                f"the success scenarios reached both channels: {webhooks}")
        slack_log = slack.final_log()
    finally:
        slack.close()
    C.no_leak(slack_log, "mock-slack log (Lambda scenarios)")

    # The bootstrap outside Lambda, with the secrets in its environment.
    env = {k: v for k, v in SECRET_ENV.items() if k != "AWS_LAMBDA_RUNTIME_API"}
    sweep("bootstrap without the Runtime API", [BOOTSTRAP], {2}, env=env)
    sweep("bootstrap --help", [BOOTSTRAP, "--help"], {2}, env=env)
    sweep("bootstrap, Runtime API down", [BOOTSTRAP], {1},
          env={**env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{free_port()}"})


def run_scenario(label, function, env, invocations):
    argv = [CLI, "emulate", "--function", function, "--port", "0", "--retry-delay-ms", "50",
            "--async-retries", "1", "--timeout", "30"]
    for k, v in env.items():
        argv += ["--env", f"{k}={v}"]
    emu = Emulator(argv, env=clean_env())
    try:
        for event, want in invocations:
            status, headers, body = emu.invoke(event)
            C.no_leak(body, f"lambda {label}: invocation answer")
            C.no_leak(json.dumps(headers), f"lambda {label}: invocation headers")
            got = json.loads(body).get("errorType", "") if "x-amz-function-error" in headers else ""
            C.check(want == "*" and got or got == want,
                    f"lambda {label}: error type {got!r}, want {want!r}: {body[:500]}")
        # The same event asynchronously: its retries and final outcome.
        status, _, body = emu.invoke(invocations[0][0], asynchronous=True)
        C.check(status == 202, f"lambda {label}: async invoke answered {status}")
        emu.idle()
        _, _, listing = emu.invocations()
        C.no_leak(listing, f"lambda {label}: /api/invocations")
        log = emu.final_log()
    finally:
        emu.close()
    C.no_leak(log, f"lambda {label}: emulate + bootstrap log")


def main():
    with tempfile.TemporaryDirectory(prefix="iam-audit-secrets-") as work:
        sweep_cli(work)
        sweep_mock_slack(work)
        lambda_cases(work)
    return C.finish("secrets sweep")


if __name__ == "__main__":
    sys.exit(main())
