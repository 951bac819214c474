#!/usr/bin/env python3
"""plot.py SAMPLES.json OUT.svg: the bar chart of bench/ruby.sh (no dependencies).

Three panels, one bar per column: the median time (stacked: instantiate,
init, eval; every sample's total as a dot), the linear memory after the
eval, and the .wasm size. Dashed lines mark the goals for (a).
"""
import json
import sys
from html import escape

data = json.load(open(sys.argv[1]))
med = data["medians"]
samples = data["samples"]
MIB = 1 << 20
COLS = [c for c in "abcde" if c in med]
COLOR = {"a": "#2b6cb0", "b": "#b7791f", "c": "#2f855a", "d": "#9b2c2c", "e": "#6b46c1"}
PARTS = [("instantiate_ms", "instantiate", 1.0), ("init_ms", "init", 0.65), ("eval_ms", "eval", 0.35)]

W, H = 1000, 470
PW, PH = 260, 260          # panel plot area
X0, Y0 = 70, 70            # first panel's plot area origin (top left)
GAP = 60
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
       'font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="24" text-anchor="middle" font-size="16">'
       f'CRuby 3.4 + stdlib: require-heavy script, median of {data["samples_per_column"]} fresh node processes '
       f'({escape(" ".join([data["node"], *data["node_flags"]]))})</text>']


def nice_max(v):
    for m in (1, 2, 2.5, 5, 10):
        step = 10 ** (len(str(int(v))) - 1) * m
        for k in (4, 5):
            if step * k >= v:
                return step * k, step
    return v, v / 5


def panel(i, title, unit, values, goals, fmt, stacks=None, dots=None):
    x0 = X0 + i * (PW + GAP)
    top = max([*values.values(), *(g for _, g in goals), *(max(d) for d in (dots or {}).values())])
    ymax, step = nice_max(top * 1.08)
    y = lambda v: Y0 + PH - v / ymax * PH
    out.append(f'<text x="{x0 + PW / 2}" y="{Y0 - 22}" text-anchor="middle" font-size="14">{escape(title)}</text>')
    t = 0
    while t <= ymax + 1e-9:
        out.append(f'<line x1="{x0}" x2="{x0 + PW}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#e2e8f0"/>')
        out.append(f'<text x="{x0 - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{fmt(t)}</text>')
        t += step
    out.append(f'<text x="{x0 - 50}" y="{Y0 + PH / 2}" transform="rotate(-90 {x0 - 50} {Y0 + PH / 2})" '
               f'text-anchor="middle">{escape(unit)}</text>')
    bw = PW / len(COLS) * 0.6
    for k, c in enumerate(COLS):
        bx = x0 + PW / len(COLS) * (k + 0.2)
        if stacks:
            # The phases' medians, scaled to add up to the median total.
            scale = values[c] / sum(stacks[c][key] for key, _n, _o in PARTS)
            base = 0
            for key, _name, op in PARTS:
                v = stacks[c][key] * scale
                out.append(f'<rect x="{bx:.1f}" y="{y(base + v):.1f}" width="{bw:.1f}" height="{y(base) - y(base + v):.1f}" '
                           f'fill="{COLOR[c]}" fill-opacity="{op}"/>')
                base += v
        else:
            v = values[c]
            out.append(f'<rect x="{bx:.1f}" y="{y(v):.1f}" width="{bw:.1f}" height="{y(0) - y(v):.1f}" fill="{COLOR[c]}"/>')
        if dots:
            for j, d in enumerate(dots[c]):
                dx = bx + bw * (0.15 + 0.7 * j / max(1, len(dots[c]) - 1))
                out.append(f'<circle cx="{dx:.1f}" cy="{y(d):.1f}" r="2" fill="black" fill-opacity="0.55"/>')
        out.append(f'<text x="{bx + bw / 2:.1f}" y="{y(values[c]) - 6:.1f}" text-anchor="middle">{fmt(values[c])}</text>')
        out.append(f'<text x="{bx + bw / 2:.1f}" y="{Y0 + PH + 16}" text-anchor="middle">({c})</text>')
    for j, (label, g) in enumerate(goals):
        out.append(f'<line x1="{x0}" x2="{x0 + PW}" y1="{y(g):.1f}" y2="{y(g):.1f}" stroke="#c53030" stroke-dasharray="5,3"/>')
        out.append(f'<text x="{x0}" y="{Y0 + PH + 36 + 15 * j}" fill="#c53030" font-size="11">'
                   f'- - {escape(label)} = {fmt(g)}</text>')
    out.append(f'<line x1="{x0}" x2="{x0 + PW}" y1="{y(0)}" y2="{y(0)}" stroke="black"/>')


tot = {c: med[c]["total_ms"] for c in COLS}
panel(0, "instantiate + init + eval", "ms (median)", tot,
      [("goal (a) <= 0.8 x (b)", 0.8 * tot["b"]), ("goal (a) <= (c)", tot["c"])],
      lambda v: f"{v:.0f}", stacks=med,
      dots={c: [s["total_ms"] for s in samples if s["column"] == c] for c in COLS})
mem = {c: med[c]["memory_bytes"] / MIB for c in COLS}
panel(1, "linear memory after", "MiB", mem, [("goal (a) <= (c) + 2 MiB", mem["c"] + 2)], lambda v: f"{v:.1f}")
size = {c: med[c]["wasm_bytes"] / 1e6 for c in COLS}
panel(2, ".wasm size", "MB (10^6 bytes)", size, [("goal (a) <= (b)", size["b"])], lambda v: f"{v:.2f}")

ly = Y0 + PH + 76
labels = [f'({c}) {data["columns"][c]["label"]}' for c in COLS]
for k, (c, label) in enumerate(zip(COLS, labels)):
    lx = X0 + k * 300
    out.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{COLOR[c]}"/>')
    out.append(f'<text x="{lx + 18}" y="{ly + 11}">{escape(label)}</text>')
ly += 24
out.append(f'<text x="{X0}" y="{ly + 11}">time bars stacked: instantiate (dark), init = RubyVM/ruby-init (mid), '
           'eval of the workload (light), in proportion to their medians; dots: each sample\'s total</text>')
goal_text = "; ".join(f'{g["goal"]} {g["value"]:.3f} {"met" if g["met"] else "MISSED"}' for g in data["goals"])
out.append(f'<text x="{X0}" y="{ly + 31}">{escape(goal_text)}</text>')
out.append("</svg>")
open(sys.argv[2], "w").write("\n".join(out) + "\n")
