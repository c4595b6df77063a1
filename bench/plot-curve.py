#!/usr/bin/env python3
"""Draws docs/performance-curve.svg from the logs of bench/run-pipeline.sh.

    python3 bench/plot-curve.py LOG [LOG ...] > docs/performance-curve.svg

Reads every "pipeline: N screened patients" block and its step lines ("  step  seconds  peak MiB
...") and plots seconds against screened patients on log-log axes, one line per step, with a
dotted slope-1 (linear) guide. Standard library only.
"""
import math
import re
import sys

STEPS = ["simulate", "import", "load", "derive", "workup-main", "workup", "write", "render"]
COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]


def read(paths):
    data = {}
    for path in paths:
        n = None
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"pipeline: (\d+) screened patients", line)
                if m:
                    n = int(m.group(1))
                    continue
                m = re.match(r"\s+([a-z-]+)\s+([0-9.]+)\s+([0-9.]+) MiB", line)
                # A write step without the tidy exports (--no-exports) is not the same step.
                if m and n is not None and m.group(1) in STEPS and "exports=skipped" not in line:
                    data.setdefault(m.group(1), {})[n] = float(m.group(2))
    return data


def main():
    data = read(sys.argv[1:])
    sizes = sorted({n for s in data.values() for n in s})
    times = [t for s in data.values() for t in s.values() if t > 0]
    if not sizes or not times:
        sys.exit("no pipeline steps found in the logs")
    width, height, left, right, top, bottom = 760, 460, 70, 150, 30, 50
    x0, x1 = math.log10(min(sizes)) - 0.1, math.log10(max(sizes)) + 0.1
    y0, y1 = math.floor(math.log10(min(times))), math.ceil(math.log10(max(times)))

    def px(n):
        return left + (math.log10(n) - x0) / (x1 - x0) * (width - left - right)

    def py(t):
        return height - bottom - (math.log10(t) - y0) / (y1 - y0) * (height - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="DejaVu Sans, sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    for e in range(int(y0), int(y1) + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g} s</text>')
    for n in sizes:
        x = px(n)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{n:,}</text>'.replace(",", " "))
    out.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - 10}" text-anchor="middle">'
               'screened patients (log scale)</text>')
    out.append(f'<text x="14" y="{(top + height - bottom) / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {(top + height - bottom) / 2:.0f})">seconds (log scale)</text>')
    # Slope-1 guide through the import's largest measured point.
    if "import" in data and len(data["import"]) > 1:
        n = max(data["import"])
        t = data["import"][n]
        lo = min(sizes)
        out.append(f'<line x1="{px(lo):.1f}" y1="{py(t * lo / n):.1f}" x2="{px(n):.1f}" y2="{py(t):.1f}" '
                   'stroke="#999" stroke-dasharray="2,4"/>')
    for k, step in enumerate(STEPS):
        points = sorted(data.get(step, {}).items())
        if not points:
            continue
        color = COLORS[k]
        path = " ".join(f'{px(n):.1f},{py(t):.1f}' for n, t in points if t > 0)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for n, t in points:
            out.append(f'<circle cx="{px(n):.1f}" cy="{py(t):.1f}" r="3" fill="{color}"/>')
        y = top + 10 + 18 * k
        out.append(f'<line x1="{width - right + 12}" x2="{width - right + 32}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{width - right + 38}" y="{y + 4}">{step}</text>')
    y = top + 10 + 18 * len(STEPS)
    out.append(f'<line x1="{width - right + 12}" x2="{width - right + 32}" y1="{y}" y2="{y}" stroke="#999" stroke-dasharray="2,4"/>')
    out.append(f'<text x="{width - right + 38}" y="{y + 4}">linear</text>')
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
