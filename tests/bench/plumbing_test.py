#!/usr/bin/env python3
"""bench/make_results.py and bench/plot.py on a canned run (sample_results.log:
synthetic figures for every plotted shape, a target missed, a bad RESULT
line): RESULTS.md has its sections and verdicts, the SVG is well-formed XML
with one panel per pattern and the handler panel."""
import json
import os
import subprocess
import sys
import tempfile
import xml.dom.minidom

root, sample = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    manifest = os.path.join(tmp, "manifest.jsonl")
    with open(manifest, "w") as f:
        for b, status in (("filter_scan", "ok"), ("lambda", "ok"), ("simulate", "missing"), ("mock_slack", "skipped")):
            f.write(json.dumps({"bench": b, "status": status, "rc": 77 if status == "skipped" else 0, "seconds": 1,
                                "log": sample if status == "ok" else "", "command": f"bench/{b}",
                                "note": "nginx not installed" if status == "skipped" else ""}) + "\n")
    out, svg = os.path.join(tmp, "RESULTS.md"), os.path.join(tmp, "results.svg")
    p = subprocess.run([sys.executable, os.path.join(root, "bench", "make_results.py"), "--manifest", manifest,
                        "--out", out, "--svg", svg, "--load-before", "0.10 0.20 0.30"],
                       capture_output=True, text=True, timeout=50)
    check(p.returncode == 0, f"make_results.py exit {p.returncode}: {p.stderr}")
    md = open(out).read() if os.path.exists(out) else ""
    for s in ("# iam-audit benchmark results", "| CPU |", "logical CPUs", "start 0.10 0.20 0.30",
              "![scan throughput", "## Targets", "## Runs", "## Filter scan", "## Lambda handler",
              "## Payload generation", "## mock-slack vs nginx", "## Tools",
              # a target met, one missed, one with room to spare, one not reported
              "| iam-audit / jq throughput | 33.3× | >= 20× | met |",
              "| peak RSS at 1 MB payload | 40 MB | <= 32 MB | **missed** |",
              "| cold start | 2 ms | <= 5 ms | met, room to spare |",
              "generation ≥ 0.8× zlib | — |  | bench not present yet",
              "≥ 0.5× nginx requests/s | — |  | bench skipped",
              "skipped: nginx not installed",
              # the pivoted measures: one row per size and pattern, one column per tool
              "| records | pattern | iam-audit | simdjson | jq | python |",
              "| 100000 | term | 2,200,000 | 2,860,000 | 66,000 | 165,000 |",
              "some human line"):
        check(s in md, f"RESULTS.md lacks {s!r}")
    check("RESULT {not json" not in md.split("```")[0], "a bad RESULT line leaked into the tables")
    try:
        doc = xml.dom.minidom.parse(svg)
        titles = [t.firstChild.data for t in doc.getElementsByTagName("text") if t.getAttribute("font-weight") == "bold"]
        check(titles == ["Filter scan throughput — pattern: seed", "Filter scan throughput — pattern: term",
                         "Handler CPU per payload by batch size"], f"SVG panels: {titles}")
        check(len(doc.getElementsByTagName("rect")) > 30, "SVG has too few bars")
    except Exception as e:  # noqa: BLE001 - any parse error fails the test
        check(False, f"SVG is not well-formed: {e}")

for f in failures:
    print("FAIL:", f)
print(f"bench-plumbing: {'ok' if not failures else f'{len(failures)} failure(s)'}")
sys.exit(1 if failures else 0)
