#!/usr/bin/env python3
"""The channel page in a real browser (headless Chromium).

1. Posts a known alert (Block Kit with mrkdwn, escapes, a link, a code block,
   an injection attempt) and a second message, opens /?upto=<first seq> in
   headless Chromium and checks the DOM after scripts ran: the first message
   rendered as Slack shows it, and the second one appended by the page's own
   polling (it is not in the served HTML).
2. A long channel: posts 62 messages (emoji shortcodes among the last ones),
   opens the page in Chromium driven over the DevTools protocol and checks in
   the live DOM that it opened at the newest message (the last one in view,
   the first one not), that :tada: shows as the emoji in mrkdwn and in
   plain_text with "emoji": true and literally with "emoji": false or in code;
   then posts one more and waits for it to be appended and in view. Saves a
   screenshot of that page to SCREENSHOT.png and prints its path.

With MOCK_SLACK_SCREENSHOT=<file.png> also saves a screenshot of part 1's
channel. Chromium is a requirement (scripts/setup.sh installs it): without it
the test fails.
Usage: mock_slack_page_test.py /path/to/mock-slack [SCREENSHOT.png]
"""
import base64
import fcntl
import html.parser
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = sys.argv[1]
SHOT = sys.argv[2] if len(sys.argv) > 2 else None
FAILURES = []
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

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


class MockSlack:
    """mock-slack on an ephemeral loopback port, stopped by stop()."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([BIN, "--port", "0", "--no-rate-limit", "--quiet", *args],
                                     stdout=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        if not ready:
            self.stop()
            raise RuntimeError("no URL from mock-slack within 10 s")
        self.base = self.proc.stdout.readline().decode().strip()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe
    (--remote-debugging-pipe: it reads commands on its fd 3 and writes
    answers and events on its fd 4, each a JSON text ended by a NUL byte).
    Every read has a deadline."""

    def __init__(self, chromium, profile, width, height):
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        # The child's ends, moved above 4 so that placing them on 3 and 4
        # cannot overwrite one with the other.
        child_r = fcntl.fcntl(to_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(from_w, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (to_r, from_w):
            os.close(fd)

        def place_fds():
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--hide-scrollbars",
             f"--window-size={width},{height}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            pass_fds=(3, 4), preexec_fn=place_fds)
        os.close(child_r)
        os.close(child_w)
        self.wfd, self.rfd = to_w, from_r
        self.buf = b""
        self.next_id = 0
        self.events = []
        pages = [t["targetId"] for t in self.send("Target.getTargets")["targetInfos"]
                 if t["type"] == "page"]
        if not pages:  # its first tab not open yet: open one
            pages = [self.send("Target.createTarget", {"url": "about:blank"})["targetId"]]
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": pages[0], "flatten": True})["sessionId"]
        self.send("Page.enable", session=self.session)

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.rfd], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("no answer from chromium in time")
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self.buf += chunk
        message, _, self.buf = self.buf.partition(b"\0")
        return json.loads(message)

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.wfd, data):]
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method and m.get("sessionId") == self.session:
                    return self.events.pop(i)
            self.events.append(self._read(deadline))

    def open(self, url):
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=self.session)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression, timeout=30):
        """The value of a JavaScript expression (a promise is awaited)."""
        r = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                           "returnByValue": True}, session=self.session,
                      timeout=timeout)
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"}, session=self.session)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for fd in (self.wfd, self.rfd):
            os.close(fd)


# Where a message is: its box, the visible box of its channel's list, and how
# much of it is on screen (inside both the list and the window). elementFromPoint
# at its centre tells whether it is what the reader sees there.
GEOMETRY_JS = """
function geometry(el) {
  const r = el.getBoundingClientRect();
  const l = el.closest('.messages').getBoundingClientRect();
  const top = Math.max(r.top, l.top, 0);
  const bottom = Math.min(r.bottom, l.bottom, window.innerHeight);
  const hit = document.elementFromPoint(r.left + r.width / 2, (r.top + r.bottom) / 2);
  return {seq: Number(el.dataset.seq), top: r.top, bottom: r.bottom, height: r.height,
          shown: Math.max(0, bottom - top), on_top: !!hit && el.contains(hit)};
}
"""


def fully_in_view(g):
    return g["height"] > 0 and g["shown"] >= g["height"] - 1 and g["on_top"]


def test_long_channel(chromium):
    """A channel longer than the window opens at its newest message and follows new ones."""
    server = MockSlack("--webhook", "T0001/B0001/sekrit,channel=security-alerts")
    profile = tempfile.mkdtemp(prefix="mock-slack-chromium-")
    browser = None
    try:
        hook = server.base + "/services/T0001/B0001/sekrit"
        for i in range(1, 58):
            check(post(hook, {"text": f"Message {i}: *AssumeRole* by `role/ci-{i}`"}) ==
                  (200, "ok"), f"message {i} accepted")
        emoji = [  # seq 58-62
            {"text": "mrkdwn", "blocks": [{"type": "section", "text": {
                "type": "mrkdwn", "text": "Deploy finished :tada: `:tada:` :no_such_emoji:"}}]},
            {"text": "emoji true", "blocks": [{"type": "header", "text": {
                "type": "plain_text", "text": "Release :tada:", "emoji": True}}]},
            {"text": "emoji false", "blocks": [{"type": "header", "text": {
                "type": "plain_text", "text": "Literal :tada:", "emoji": False}}]},
            {"text": "alert", "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text":
                    ":rotating_light: *Root console login* without MFA :warning:"}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text":
                    ":white_check_mark: delivered by iam-audit"}]}]},
            {"text": "Message 62: the newest at load :wave:"},
        ]
        for i, payload in enumerate(emoji):
            check(post(hook, payload) == (200, "ok"), f"message {58 + i} accepted")

        browser = Browser(chromium, profile, 1100, 800)
        browser.open(server.base + "/")
        state = browser.evaluate(GEOMETRY_JS + """
(() => {
  const items = [...document.querySelectorAll('section.channel .message')];
  const body = (seq) => document.querySelector(`.message[data-seq="${seq}"] .body`).textContent;
  return {count: items.length, first: geometry(items[0]), last: geometry(items[items.length - 1]),
          mrkdwn: body(58), emoji_true: body(59), emoji_false: body(60), alert: body(61)};
})()""")
        print("at load:", json.dumps(state, ensure_ascii=False))
        check(state["count"] == 62, f"62 messages on the page: {state['count']}")
        check(state["last"]["seq"] == 62 and fully_in_view(state["last"]),
              f"the newest message is in view at load: {state['last']}")
        check(state["first"]["seq"] == 1 and state["first"]["shown"] == 0 and
              not state["first"]["on_top"],
              f"the oldest message is out of view at load: {state['first']}")
        # U+1F389 PARTY POPPER is what Slack shows for :tada:.
        check(state["mrkdwn"] == "Deploy finished \U0001F389 :tada: :no_such_emoji:",
              f"mrkdwn: emoji, code and unknown names literal: {state['mrkdwn']!r}")
        check(state["emoji_true"] == "Release \U0001F389",
              f"plain_text emoji true: {state['emoji_true']!r}")
        check(state["emoji_false"] == "Literal :tada:",
              f"plain_text emoji false stays literal: {state['emoji_false']!r}")
        # U+1F6A8, U+26A0 U+FE0F, U+2705.
        check(state["alert"] == "\U0001F6A8 Root console login without MFA \u26A0\uFE0F"
                               "\u2705 delivered by iam-audit",
              f"alert emoji: {state['alert']!r}")

        # One more while the page is open: its poll appends it, and it is scrolled into view.
        check(post(hook, {"text": "Message 63: arrived while the page was open :rocket:"}) ==
              (200, "ok"), "message 63 accepted")
        arrived = browser.evaluate(GEOMETRY_JS + """
new Promise((resolve, reject) => {
  const sel = '.message[data-seq="63"]';
  // Measured two frames after it was added, once layout and scrolling are done.
  const measure = () => requestAnimationFrame(() => requestAnimationFrame(() => {
    const items = [...document.querySelectorAll('section.channel .message')];
    resolve({count: items.length, first: geometry(items[0]),
             added: geometry(document.querySelector(sel))});
  }));
  if (document.querySelector(sel)) return measure();
  const watch = new MutationObserver(() => {
    if (document.querySelector(sel)) { watch.disconnect(); measure(); }
  });
  watch.observe(document.body, {childList: true, subtree: true});
  setTimeout(() => reject(new Error('message 63 was not appended within 20 s')), 20000);
})""", timeout=30)
        print("after a new message:", json.dumps(arrived, ensure_ascii=False))
        check(arrived["count"] == 63, f"63 messages after the poll: {arrived['count']}")
        check(fully_in_view(arrived["added"]), f"the new message is in view: {arrived['added']}")
        check(arrived["first"]["shown"] == 0, "the oldest message is still out of view")

        shot = SHOT or os.path.join(tempfile.gettempdir(), "mock_slack_page.png")
        browser.screenshot(shot)
        with open(shot, "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"screenshot {shot} is a PNG")
        print(f"screenshot: {shot}")
    finally:
        if browser:
            browser.close()
        server.stop()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("FAIL: chromium is not installed (scripts/setup.sh installs it)")
        return 1
    test_long_channel(chromium)
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
