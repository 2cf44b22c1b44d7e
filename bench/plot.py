#!/usr/bin/env python3
"""Draws bench/results.svg from the RESULT lines of a bench run.

Standard library only: the SVG is written by hand. Panels, each drawn only
when the run has its figures (bench/README.md names the shapes):

* filter scan throughput (records/s, log scale) by input size, one bar per
  tool, one panel per pattern;
* handler CPU per payload (us, log scale) by batch size, one bar per handler;
* mock-slack vs nginx requests/s.

Usage: plot.py RESULTS_LOG OUT.svg   (RESULTS_LOG: any text with RESULT lines)
"""
import json
import math
import sys
from xml.sax.saxutils import escape

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
# Fixed colours for the subjects we know, so a tool keeps its colour across panels.
KNOWN = {"iam-audit": "#1f77b4", "test-filter": "#1f77b4", "mock-slack": "#1f77b4",
         "jq": "#d62728", "python": "#ff7f0e", "simdjson": "#2ca02c", "nginx": "#2ca02c",
         "zlib": "#2ca02c"}
WIDTH = 760
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


def parse_results(lines):
    """Returns the JSON objects of the RESULT lines (bad ones are skipped)."""
    out = []
    for line in lines:
        line = line.strip()
        if not line.startswith("RESULT "):
            continue
        try:
            obj = json.loads(line[len("RESULT "):])
        except ValueError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def human(v):
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suf}"
    return f"{v:.3g}"


class Svg:
    def __init__(self):
        self.parts = []
        self.height = 0

    def text(self, x, y, s, size=12, anchor="start", weight="normal", rotate=None, fill="#222"):
        tr = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                          f'font-weight="{weight}" fill="{fill}" {FONT}{tr}>{escape(str(s))}</text>')

    def line(self, x1, y1, x2, y2, stroke="#999", width=1, dash=None):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                          f'stroke="{stroke}" stroke-width="{width}"{d}/>')

    def rect(self, x, y, w, h, fill, title=None):
        t = f"<title>{escape(title)}</title>" if title else ""
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}">{t}</rect>')

    def render(self):
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{self.height}" '
                f'viewBox="0 0 {WIDTH} {self.height}">\n'
                f'<rect x="0" y="0" width="{WIDTH}" height="{self.height}" fill="white"/>\n'
                + "\n".join(self.parts) + "\n</svg>\n")


def colour_for(series):
    colours, spare = {}, iter(p for p in PALETTE if p not in KNOWN.values())
    for s in series:
        colours[s] = KNOWN.get(s) or next(spare, "#444")
    return colours


def grouped_bars(svg, top, title, ylabel, groups, series, values, log=True):
    """One panel: for each group (x label), one bar per series. values[(s, g)]."""
    h, left, right = 230, 80, 150
    plot_top, plot_h = top + 28, h - 28 - 46
    plot_w = WIDTH - left - right
    svg.text(WIDTH / 2, top + 16, title, size=14, anchor="middle", weight="bold")
    vals = [v for v in values.values() if v > 0]
    if not vals:
        return top + h
    if log:
        lo = 10 ** math.floor(math.log10(min(vals)))
        hi = 10 ** math.ceil(math.log10(max(vals)))
        if hi <= lo:
            hi = lo * 10
        scale = lambda v: (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        ticks, t = [], lo
        while t <= hi * 1.0001:
            ticks.append(t)
            t *= 10
    else:
        hi = max(vals) * 1.1
        step = 10 ** math.floor(math.log10(hi))
        if hi / step < 3:
            step /= 2
        scale = lambda v: v / hi
        ticks = [i * step for i in range(int(hi / step) + 1)]
    base = plot_top + plot_h
    for t in ticks:
        y = base - scale(t) * plot_h
        svg.line(left, y, left + plot_w, y, stroke="#ddd")
        svg.text(left - 6, y + 4, human(t), size=10, anchor="end")
    svg.line(left, plot_top, left, base, stroke="#333")
    svg.line(left, base, left + plot_w, base, stroke="#333")
    svg.text(left - 55, plot_top + plot_h / 2, ylabel + (" (log)" if log else ""), size=11,
             anchor="middle", rotate=-90)
    colours = colour_for(series)
    gw = plot_w / max(len(groups), 1)
    bw = min(28, gw * 0.8 / max(len(series), 1))
    for gi, g in enumerate(groups):
        gx = left + gi * gw + (gw - bw * len(series)) / 2
        for si, s in enumerate(series):
            v = values.get((s, g))
            if v is None or v <= 0:
                continue
            bh = max(scale(v) * plot_h, 1)
            svg.rect(gx + si * bw, base - bh, bw - 2, bh, colours[s], title=f"{s}, {g}: {human(v)}")
        svg.text(left + gi * gw + gw / 2, base + 16, g, size=11, anchor="middle")
    for si, s in enumerate(series):
        y = plot_top + 6 + si * 18
        svg.rect(left + plot_w + 16, y - 10, 12, 12, colours[s])
        svg.text(left + plot_w + 34, y, s, size=11)
    return top + h


def ordered(items):
    return list(dict.fromkeys(items))


def size_label(n):
    try:
        n = int(n)
    except (TypeError, ValueError):
        return str(n)
    for div, suf in ((1000000, "M"), (1000, "k")):
        if n >= div and n % div == 0:
            return f"{n // div} {suf}"
    return str(n)


def draw(results):
    """Returns (svg text, list of panel titles drawn)."""
    svg, y, drawn = Svg(), 10, []
    measures = [r for r in results if r.get("kind") == "measure"]

    scan = [r for r in measures if r.get("bench") == "filter_scan" and r.get("metric") == "throughput"
            and isinstance(r.get("value"), (int, float)) and "records" in (r.get("params") or {})]
    units = ordered(r.get("unit", "") for r in scan)
    if scan:
        unit = "records/s" if "records/s" in units else units[0]
        scan = [r for r in scan if r.get("unit", "") == unit]
        patterns = ordered((r["params"].get("pattern") or "") for r in scan)
        for pat in patterns:
            rows = [r for r in scan if (r["params"].get("pattern") or "") == pat]
            sizes = sorted(set(int(r["params"]["records"]) for r in rows))
            groups = [size_label(s) + " records" for s in sizes]
            series = ordered(r["subject"] for r in rows)
            values = {}
            for r in rows:
                key = (r["subject"], size_label(int(r["params"]["records"])) + " records")
                # Several inputs (real, generated) at one size: keep the slower, say so in the title.
                values[key] = min(values.get(key, float("inf")), float(r["value"]))
            inputs = ordered(str(r["params"].get("input")) for r in rows if r["params"].get("input"))
            title = "Filter scan throughput" + (f" — pattern: {pat}" if pat else "")
            if len(inputs) > 1:
                title += " (slowest of inputs: " + ", ".join(inputs) + ")"
            y = grouped_bars(svg, y, title, unit + " (higher is better)", groups, series, values)
            drawn.append(title)

    handler = [r for r in measures if r.get("bench") == "lambda" and r.get("metric") == "cpu_per_payload"
               and isinstance(r.get("value"), (int, float)) and "events" in (r.get("params") or {})]
    if handler:
        unit = handler[0].get("unit", "us")
        handler = [r for r in handler if r.get("unit", "us") == unit]
        sizes = sorted(set(int(r["params"]["events"]) for r in handler))
        groups = [f"{s} event" + ("s" if s != 1 else "") for s in sizes]
        label = {s: g for s, g in zip(sizes, groups)}
        series = ordered(r["subject"] for r in handler)
        values = {(r["subject"], label[int(r["params"]["events"])]): float(r["value"]) for r in handler}
        title = "Handler CPU per payload by batch size"
        y = grouped_bars(svg, y, title, f"CPU {unit}/payload (lower is better)", groups, series, values)
        drawn.append(title)

    ms = [r for r in measures if r.get("bench") == "mock_slack" and r.get("metric") == "requests_per_s"]
    if ms:
        series = ordered(r["subject"] for r in ms)
        values = {(r["subject"], "requests/s"): float(r["value"]) for r in ms}
        title = "mock-slack vs nginx under wrk"
        y = grouped_bars(svg, y, title, "req/s (higher is better)", ["requests/s"], series, values, log=False)
        drawn.append(title)

    if not drawn:
        svg.text(WIDTH / 2, y + 30, "No scan, handler or mock-slack figures in this run.", size=13,
                 anchor="middle")
        y += 50
    svg.height = int(y + 10)
    return svg.render(), drawn


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8", errors="replace") as f:
        text, drawn = draw(parse_results(f))
    with open(argv[2], "w", encoding="utf-8") as f:
        f.write(text)
    print(f"plot: {argv[2]}: " + ("; ".join(drawn) if drawn else "no figures to plot"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
