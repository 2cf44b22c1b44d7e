#!/usr/bin/env python3
"""The channel page in a real browser (headless Chromium).

Posts a known alert (Block Kit with mrkdwn, escapes, a link, a code block, an
injection attempt) and a second message, opens /?upto=<first seq> in headless
Chromium and checks the DOM after scripts ran: the first message rendered as
Slack shows it, and the second one appended by the page's own polling (it is
not in the served HTML). With MOCK_SLACK_SCREENSHOT=<file.png> also saves a
screenshot. Exits 77 (skipped) when no Chromium is installed.
Usage: mock_slack_page_test.py /path/to/mock-slack
"""
import html.parser
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request

BIN = sys.argv[1]
FAILURES = []

ALERT = {
    "text": "Console login by root",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Console login by <root>"}},
        {"type": "section", "text": {"type": "mrkdwn", "text":
            "*User:* `arn:aws:iam::123456789012:root` _from_ ~nowhere~\n"
            "*Agent:* Mozilla &lt;script&gt;alert(1)&lt;/script&gt; &amp; <!channel>"},
         "fields": [{"type": "mrkdwn", "text": "*Region*\nus-east-1"},
                    {"type": "mrkdwn", "text": "*Source IP*\n203.0.113.7"}]},
        {"type": "section", "text": {"type": "mrkdwn", "text":
            "```{\"Effect\": \"Allow\", \"Action\": \"*\"}```"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
            "<https://console.aws.amazon.com/cloudtrail/home|Open in CloudTrail> | "
            "<javascript:alert(2)|not a link>"}]},
    ],
}


class Text(html.parser.HTMLParser):
    """Collects visible text and the elements we look for."""

    def __init__(self):
        super().__init__()
        self.text = []
        self.tags = []
        self.links = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}", flush=True)


def post(url, payload):
    req = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, r.read().decode()


def main():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: chromium is not installed (scripts/setup.sh installs it)")
        return 77
    proc = subprocess.Popen([BIN, "--port", "0", "--no-rate-limit", "--quiet",
                             "--webhook", "T0001/B0001/sekrit,channel=security-alerts"],
                            stdout=subprocess.PIPE)
    profile = tempfile.mkdtemp(prefix="mock-slack-chromium-")
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 10)
        if not ready:
            print("FAIL: no URL from mock-slack")
            return 1
        base = proc.stdout.readline().decode().strip()
        hook = base + "/services/T0001/B0001/sekrit"
        check(post(hook, ALERT) == (200, "ok"), "alert accepted")
        check(post(hook, {"text": "Second alert _arrived later_"}) == (200, "ok"),
              "second message accepted")
        with urllib.request.urlopen(base + "/?upto=1", timeout=5) as r:
            served = r.read().decode()
            csp = r.headers.get("Content-Security-Policy", "")
        check("arrived later" not in served, "the served page stops at ?upto=1")
        check("script-src 'self'" in csp, f"page has a CSP: {csp!r}")

        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                "--virtual-time-budget=5000"]
        dom = subprocess.run(args + ["--dump-dom", base + "/?upto=1"], capture_output=True,
                             text=True, timeout=90)
        check(dom.returncode == 0, f"chromium exit {dom.returncode}: {dom.stderr[-500:]}")
        p = Text()
        p.feed(dom.stdout)
        text = " ".join(" ".join(p.text).split())
        print("rendered text:", text[:600])
        check("#security-alerts" in text, "channel name shown")
        check("Console login by <root>" in text, "header shown literally (escaped, not a tag)")
        check("root>" not in "".join(p.tags), "no <root> element")
        check("User: arn:aws:iam::123456789012:root from nowhere" in text, "section text")
        check("Mozilla <script>alert(1)</script> & @channel" in text,
              "&lt; &gt; &amp; shown as characters, <!channel> as a mention")
        check(p.tags.count("script") == 1, f"only the page's own script: {p.tags.count('script')}")
        check("Region us-east-1" in text and "Source IP 203.0.113.7" in text, "fields")
        check('{"Effect": "Allow", "Action": "*"}' in text, "code block verbatim")
        check("Open in CloudTrail | not a link" in text, "link labels")
        check(p.links == ["https://console.aws.amazon.com/cloudtrail/home"],
              f"only the https link is a link: {p.links}")
        for tag in ("b", "i", "s", "code", "pre"):
            check(tag in p.tags, f"<{tag}> rendered")
        check("Second alert arrived later" in text,
              "the page's polling appended the message posted after ?upto=1")
        check(text.index("Console login by <root>") < text.index("Second alert"),
              "messages in order")

        shot = os.environ.get("MOCK_SLACK_SCREENSHOT")
        if shot:
            r = subprocess.run(args + ["--hide-scrollbars", "--window-size=1100,800",
                                       f"--screenshot={shot}", base + "/"],
                               capture_output=True, text=True, timeout=90)
            check(r.returncode == 0 and os.path.getsize(shot) > 1000, f"screenshot {shot}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        shutil.rmtree(profile, ignore_errors=True)
    print("page test:", "FAILED" if FAILURES else "passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
