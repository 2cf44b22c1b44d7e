#!/usr/bin/env python3
"""Writes bench/RESULTS.md (and, through plot.py, bench/results.svg) from a
run of scripts/bench.sh.

Inputs:
  --manifest FILE   JSON lines, one per bench: {"bench","status"
                    (ok|skipped|failed|timeout|missing),"rc","seconds","log",
                    "command","note","gbench_json"}; "log" is the file with
                    everything the bench printed on stdout and stderr,
                    "gbench_json" the Google Benchmark JSON of a bench that is
                    a Google Benchmark binary (optional).
  --micro FILE      Google Benchmark JSON (optional).
  --out FILE        RESULTS.md to write.   --svg FILE   the plot to write.
  --smoke           the run used tiny sizes: say so at the top.
  --load-before S   /proc/loadavg at the start of the run.

The figures come from the benches' RESULT lines (bench/README.md); a bench
that prints none is shown by its raw output. Exit 0 unless an input is
unreadable.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402

# What each bench answers, and the targets the issues set, in the order shown.
BENCHES = [
    ("micro", "Micro benchmarks (Google Benchmark)", "Decode, inflate, render, filter compile and match in isolation.", []),
    ("filter_scan", "Filter scan",
     "How fast does `test-filter --count` scan real-shaped records, against jq, Python's json loop and a bare simdjson pass?",
     ["scan ≥ 20× jq", "scan within 1.5× of bare simdjson"]),
    ("archive_scan", "Archive scan",
     "How fast does `test-filter` backtest a pattern over a CloudTrail archive of small gzip log files "
     "(--jobs 1 and 2, folder and s3://), against zcat alone, zcat | jq and Python's gzip + json loop?",
     ["CPU ≤ 0.5× zcat", "≥ 15× zcat | jq", "≥ 8× Python", "wall --jobs 2 ≤ 0.6× --jobs 1",
      "s3:// wall ≤ 2× folder"]),
    ("lambda", "Lambda handler",
     "CPU per payload (1, 10, 100, 1000 events) against the original Python handler; cold start; peak RSS.",
     ["handler ≥ 50× less CPU than Python", "cold start ≤ 5 ms", "peak RSS ≤ 32 MB at 1 MB payloads"]),
    ("simulate", "Payload generation",
     "How fast does `simulate` produce subscription payloads, against bare zlib deflate of the same bytes?",
     ["generation ≥ 0.8× zlib"]),
    ("mock_slack", "mock-slack vs nginx",
     "Can mock-slack, validating and storing every message with the rate limit off, keep up with a load test, "
     "against nginx answering a static `ok` under the same wrk load?",
     ["≥ 0.5× nginx requests/s", "mock-slack p99 < 2 ms"]),
]
RAW_LINES = 150


def fmt(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    return f"{v:.3g}"


def cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def table(header, rows):
    out = ["| " + " | ".join(cell(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def verdict(t):
    v, op, target = t.get("value"), t.get("op"), t.get("target")
    if not all(isinstance(x, (int, float)) for x in (v, target)) or op not in (">=", "<=", ">", "<"):
        return "—"
    ok = {">=": v >= target, ">": v > target, "<=": v <= target, "<": v < target}[op]
    if not ok:
        return "**missed**"
    roomy = (v >= 2 * target) if op in (">=", ">") else (target > 0 and v <= target / 2)
    return "met, room to spare" if roomy else "met"


def with_unit(v, unit):
    if unit in ("x", "×"):
        return fmt(v) + "×"
    return f"{fmt(v)} {unit}".strip()


def params_text(p):
    return ", ".join(f"{k}={v}" for k, v in (p or {}).items())


def machine():
    cpu, cores, sockets = "unknown", None, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k, v = k.strip(), v.strip()
                if k == "model name" and cpu == "unknown":
                    cpu = v
                elif k == "cpu cores" and cores is None:
                    cores = v
                elif k == "physical id":
                    sockets.add(v)
    except OSError:
        pass
    try:
        logical = len(os.sched_getaffinity(0))
    except AttributeError:
        logical = os.cpu_count()
    return cpu, logical, cores, len(sockets) or 1


def git_commit(root):
    try:
        rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        # The run's own outputs are rewritten by then: they do not make the code dirty.
        outputs = [":!bench/" + f for f in ("RESULTS.md", "results.svg", "results.log", "micro.json",
                                             "simulate.json")]
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no", "--", "."]
                               + outputs, capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "") if rev else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def tool_versions():
    cmds = [("g++", ["g++", "--version"]), ("cmake", ["cmake", "--version"]), ("python3", ["python3", "--version"]),
            ("jq", ["jq", "--version"]), ("nginx", ["nginx", "-v"]), ("wrk", ["wrk", "-v"])]
    out = []
    env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    for name, cmd in cmds:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=10, env=env)
            text = (p.stdout + p.stderr).strip().splitlines()
            out.append((name, text[0] if text else "?"))
        except (OSError, subprocess.SubprocessError):
            out.append((name, "not installed"))
    return out


def pivot(measures):
    """Tables of measures: per (metric, unit), rows by the varying params, one column per subject."""
    out = []
    groups = {}
    for m in measures:
        groups.setdefault((m.get("metric", "?"), m.get("unit", "")), []).append(m)
    for (metric, unit), ms in groups.items():
        keys = list(dict.fromkeys(k for m in ms for k in (m.get("params") or {})))
        const = {k: (ms[0].get("params") or {}).get(k) for k in keys
                 if len({json.dumps((m.get("params") or {}).get(k), sort_keys=True) for m in ms}) == 1}
        vary = [k for k in keys if k not in const]
        subjects = list(dict.fromkeys(m.get("subject", "?") for m in ms))
        rows = {}
        for m in ms:
            p = m.get("params") or {}
            rk = tuple(str(p.get(k, "")) for k in vary)
            rows.setdefault(rk, {})[m.get("subject", "?")] = m.get("value")
        head = f"**{metric}**" + (f" ({unit})" if unit else "")
        if const:
            head += " — " + params_text(const)
        out.append(head)
        out.append("")
        out.append(table(vary + subjects,
                         [list(rk) + [fmt(r[s]) if s in r else "—" for s in subjects] for rk, r in rows.items()]))
        out.append("")
    return out


def duration(v, unit):
    """A Google Benchmark time in its unit, shown in the unit that suits it (3 significant digits)."""
    secs = float(v) * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}.get(unit, 1e-9)
    for div, name in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if secs >= div:
            return f"{secs / div:.3g} {name}"
    return f"{secs / 1e-9:.3g} ns"


def rate(v, unit):
    h = plot.human(v)
    num = h.rstrip("kMG")
    return f"{num} {h[len(num):]}{unit}"


def micro_section(path):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        return [f"No Google Benchmark JSON ({e})."]
    ctx = data.get("context", {})
    out = [f"`{os.path.basename(path)}` (Google Benchmark JSON, kept next to this page). "
           f"Library build: {ctx.get('library_build_type', '?')}; "
           f"{ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz as the library saw them."
           + (" (Debian builds libbenchmark without NDEBUG, so the library calls itself debug; the code it "
              "times is built Release.)" if ctx.get("library_build_type") == "debug" else ""), ""]
    rows = []
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            rows.append([b.get("name"), "error: " + str(b.get("error_message")), "", "", "", ""])
            continue
        u = b.get("time_unit", "ns")
        bps, ips = b.get("bytes_per_second"), b.get("items_per_second")
        rows.append([b.get("name"), duration(b.get("real_time", 0), u), duration(b.get("cpu_time", 0), u),
                     fmt(b.get("iterations", 0)),
                     rate(bps, "B/s") if bps else "", rate(ips, "/s") if ips else ""])
    out.append(table(["benchmark", "time", "CPU", "iterations", "bytes/s", "items/s"], rows))
    return out


TARGET_RE = re.compile(r"^\s*(?P<name>[^:=]+?)\s*:\s*(?P<value>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>x|ms|MB|us)?\b.*?"
                       r"\(target\s*(?P<op>>=|<=)\s*(?P<target>[0-9]+(?:\.[0-9]+)?)\s*(?:x|ms|MB|us)?\)")
SCAN_SIZE_RE = re.compile(r"^== (?P<n>[0-9]+) (?:lines|records)\b")
SCAN_TOOL_RE = re.compile(r"^\s+(?P<tool>.+?)\s{2,}(?P<count>[0-9]+) matches\s+(?P<secs>[0-9.]+) s\b")
COLD_RE = re.compile(r"^(?P<who>[^:]+):\s*median (?P<ms>[0-9.]+) ms\b")
CPU_RE = re.compile(r"^(?P<who>engine handler|python original)\s*:\s*(?P<us>[0-9.]+) us CPU per (?P<n>[0-9]+)?-?(?:event )?payload")


def parsed_from_output(bench, lines):
    """For a bench that prints no RESULT line yet: the figures its human output
    states in a recognisable shape. Any line `name: VALUE [unit] ... (target OP
    N)` gives a target (named after the last `== section` line); filter_scan's
    `== N lines` sections and `TOOL  COUNT matches  T s` lines give throughput;
    the Lambda bench's `engine handler / python original: X us CPU per payload`
    give CPU per payload."""
    out, section, size = [], "", None
    for line in lines:
        if line.startswith("=="):
            section = line.strip("= ").strip()
        m = TARGET_RE.search(line)
        if m and not line.startswith("RESULT "):
            name = m["name"].strip()
            out.append({"bench": bench, "kind": "target", "name": f"{name} [{section}]" if section else name,
                        "value": float(m["value"]), "op": m["op"], "target": float(m["target"]),
                        "unit": m["unit"] or "", "parsed": True})
        if bench == "filter_scan":
            sm = SCAN_SIZE_RE.match(line)
            if sm:
                size = int(sm["n"])
            tm = SCAN_TOOL_RE.match(line)
            if tm and size and float(tm["secs"]) > 0:
                tool = tm["tool"].split()[0]
                tool = {"bare": "simdjson"}.get(tool, tool)
                out.append({"bench": bench, "kind": "measure", "subject": tool, "metric": "throughput",
                            "value": round(size / float(tm["secs"])), "unit": "records/s",
                            "params": {"records": size}, "parsed": True})
        if bench == "lambda":
            cs = COLD_RE.match(line.strip())
            if cs:
                who, ms = cs["who"].strip(), float(cs["ms"])
                out.append({"bench": bench, "kind": "measure", "subject": who, "metric": "cold_start_median",
                            "value": ms, "unit": "ms", "parsed": True})
                if "function.zip" in who:
                    out.append({"bench": bench, "kind": "target", "name": f"cold start, {who}", "value": ms,
                                "op": "<=", "target": 5, "unit": "ms", "parsed": True})
            cm = CPU_RE.match(line.strip())
            if cm:
                sec = re.search(r"([0-9]+)-event", section)
                events = int(cm["n"]) if cm["n"] else int(sec.group(1)) if sec else 100
                out.append({"bench": bench, "kind": "measure",
                            "subject": "iam-audit" if cm["who"] == "engine handler" else "python",
                            "metric": "cpu_per_payload", "value": float(cm["us"]), "unit": "us",
                            "params": {"events": events}, "parsed": True})
    return out


def read_log(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except (OSError, TypeError):
        return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--micro")
    ap.add_argument("--out", required=True)
    ap.add_argument("--svg", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--load-before", default="")
    ap.add_argument("--build-seconds", type=int, default=0)
    ap.add_argument("--total-seconds", type=int, default=0)
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = ap.parse_args()

    runs = {}
    with open(args.manifest) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                runs[r["bench"]] = r
    logs = {b: read_log(r.get("log")) for b, r in runs.items()}
    results = {b: plot.parse_results(lines) for b, lines in logs.items()}
    parsed = set()
    for b, lines in logs.items():
        if not results[b] and b != "micro":
            results[b] = parsed_from_output(b, lines)
            if results[b]:
                parsed.add(b)
    everything = [r for rs in results.values() for r in rs]

    svg_text, drawn = plot.draw(everything)
    with open(args.svg, "w", encoding="utf-8") as f:
        f.write(svg_text)

    cpu, logical, cores, sockets = machine()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    try:
        with open("/proc/loadavg") as f:
            load_after = " ".join(f.read().split()[:3])
    except OSError:
        load_after = "?"
    md = ["# iam-audit benchmark results", ""]
    if args.smoke:
        md += ["> **Smoke run** (`scripts/bench.sh --smoke`): tiny sizes and durations that only prove the "
               "plumbing. The figures below mean nothing.", ""]
    md += [f"Written by `scripts/bench.sh` on {now}, commit {git_commit(args.root)}.", "",
           table(["machine", ""], [
               ["CPU", cpu],
               ["cores", f"{logical} logical CPUs available" + (f" ({cores} cores per socket, {sockets} socket(s))" if cores else "")],
               ["kernel", f"{platform.system()} {platform.release()} {platform.machine()}"],
               ["load average (1, 5, 15 min)", f"start {args.load_before or '?'}; end {load_after}"],
           ]), "",
           "Every comparison is measured side by side in this one run on this one machine: absolute "
           "figures vary between machines, the ratios hold. How to run and what each bench answers: "
           "[bench/README.md](README.md).", ""]
    if drawn:
        md += ["![scan throughput, handler CPU, mock-slack vs nginx](results.svg)", ""]

    # The headline: every target, reported or not.
    rows = []
    for bench, title, _, expected in BENCHES:
        targets = [r for r in results.get(bench, []) if r.get("kind") == "target"]
        run = runs.get(bench, {})
        for t in targets:
            tgt = f"{t.get('op', '')} {with_unit(t.get('target'), t.get('unit', ''))}"
            name = t.get("name", "?") + (f" ({params_text(t['params'])})" if t.get("params") else "")
            rows.append([title, name,
                         with_unit(t.get("value"), t.get("unit", "")), tgt, verdict(t)])
        if not targets:
            why = {"ok": "not reported as a RESULT line (see the raw output)", "skipped": "bench skipped",
                   "missing": "bench not present yet", "failed": "bench failed", "timeout": "bench timed out"}
            for e in expected:
                rows.append([title, e, "—", "", why.get(run.get("status"), "not run")])
    md += ["## Targets", "", table(["bench", "target", "measured", "target is", "verdict"], rows), "",
           "A target met by 2× or more is marked *room to spare*: it will be raised.", ""]

    # Where a target was missed: what the profile showed, what was changed, before/after. Kept by
    # hand in bench/PROFILING.md (instruction counts from callgrind are repeatable on a busy
    # machine; times are not) and shown here so the page carries its own explanation.
    profiling = os.path.join(args.root, "bench", "PROFILING.md")
    if os.path.exists(profiling):
        with open(profiling, encoding="utf-8") as f:
            body = f.read().splitlines()
        if body and body[0].startswith("# "):
            body = body[1:]
        md += ["## Profile → fix → before/after", "",
               "From [bench/PROFILING.md](PROFILING.md), written by hand from the profiles; the figures "
               "above are this run's.", ""]
        md += [("#" + l) if l.startswith("## ") or l.startswith("### ") else l for l in body] + [""]

    runs_text = (f"Release build: {args.build_seconds} s. " if args.build_seconds else "") + \
        (f"Whole run: {args.total_seconds} s." if args.total_seconds else "")
    md += ["## Runs", ""] + ([runs_text, ""] if runs_text else []) + [table(["bench", "status", "seconds", "command"], [
        [b, r.get("status", "?") + (f" (exit {r['rc']})" if r.get("status") in ("failed", "timeout") else "")
         + (f": {r['note']}" if r.get("note") else ""),
         fmt(r.get("seconds", 0)), f"`{r.get('command', '')}`" if r.get("command") else ""]
        for b, r in runs.items()]), ""]

    for bench, title, question, _ in BENCHES:
        run = runs.get(bench)
        md += [f"## {title}", "", question, ""]
        if not run:
            md += ["Not run.", ""]
            continue
        if run.get("status") == "missing":
            md += [f"Not present yet: {run.get('note', '')}.", ""]
            continue
        if bench == "micro" and args.micro and run.get("status") == "ok":
            md += micro_section(args.micro) + [""]
        elif run.get("gbench_json") and os.path.exists(run["gbench_json"]):
            md += micro_section(run["gbench_json"]) + [""]
        measures = [r for r in results.get(bench, []) if r.get("kind") == "measure"]
        if bench in parsed:
            md += ["*This bench prints no RESULT line yet: the figures below and its targets were parsed from its "
                   "human output (bench/README.md has the convention).*", ""]
        if measures:
            md += pivot(measures)
        lines = [l for l in logs.get(bench, []) if not l.startswith("RESULT ")]
        if not measures and bench != "micro":
            md += ["This bench printed no RESULT line" + ("; its output follows." if lines else " and no output."), ""]
        if lines:
            shown = lines[-RAW_LINES:]
            md += ["<details><summary>output" + (f" (last {RAW_LINES} lines)" if len(lines) > RAW_LINES else "")
                   + "</summary>", "", "```", *[l.replace("```", "`‵`") for l in shown], "```", "", "</details>", ""]

    md += ["## Tools", "", table(["tool", "version"], tool_versions()), ""]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    print(f"results: {args.out}, {args.svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
