#!/usr/bin/env python3
"""The kinetics calibration study of the synthetic cohort (docs/synthetic-cohort.md).

For each seed, writes the default-size cohort (`dayzero simulate --seed S`), analyses it
(`dayzero analyze --study`) and reads the main set's mixed-model p-values of the panels and
windows the paper's text reports. Prints one row per seed, then per target the paper's p, the
median p, how many seeds agree with the paper's verdict, and whether the study's criteria hold
(issue 19: verdict agreement in >= 70 % of seeds, median within a factor of 5 of the paper's p).

    swift build -c release --product dayzero
    scripts/calibration-study.py --seeds 1-20 --with-default 20201214 --markdown   # the docs' table
    scripts/calibration-study.py --seeds 20201214 --check-default   # the default seed's targets

Exit status 1 when a checked criterion fails. Needs only Python 3 and the dayzero binary
(`--dayzero`, default .build/release/dayzero).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

# (panel, window, paper p, kind): kind "p" = a printed p-value, "ns" = "not significant",
# "below" = "p < value". Window: "pre" = day -10 (-6) ... 0, "post" = day 0 ... +10 (+6).
TARGETS = [
    ("temperature", "pre", 0.02, "p"),
    ("temperature", "post", 0.03, "p"),
    ("ferritin", "post", 0.003, "p"),
    ("procalcitonin", "post", 0.001, "p"),
    ("wbc", "post", 0.02, "p"),
    ("creatinine", "post", 0.01, "p"),
    ("bilirubin", "post", 0.007, "p"),
    ("norepinephrine", "pre", 0.005, "p"),
    ("norepinephrine", "post", 0.61, "p"),
    ("tnf_alpha", "post", 0.03, "p"),
    ("mcp1", "post", 0.049, "p"),
    ("crp", "post", None, "ns"),
    ("il10", "post", None, "ns"),
    ("il1ra", "post", 0.0001, "below"),
    ("platelets", "post", None, "ns"),
    ("pf_ratio", "post", None, "ns"),
    ("sofa", "post", None, "ns"),
    ("il6", "post", None, "ns"),
    ("il8", "post", None, "ns"),
    ("ip10", "post", None, "ns"),
]


def paper_significant(paper, kind):
    return kind == "below" or (kind == "p" and paper < 0.05)


def paper_text(paper, kind):
    return "n.s." if kind == "ns" else ("< %g" % paper if kind == "below" else "%g" % paper)


def default_ok(p, paper, kind):
    """Issue 19's default-seed target for one p-value."""
    if p is None:
        return False
    if kind == "ns":
        return p >= 0.05
    if kind == "below":
        return p < paper
    return (p < 0.05) == (paper < 0.05) and paper / 10 <= p <= paper * 10


def median_ok(median, paper, kind):
    if kind == "ns":
        return median >= 0.05
    if kind == "below":
        return median < paper
    return paper / 5 <= median <= paper * 5


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds += list(range(int(a), int(b) + 1))
        else:
            seeds.append(int(part))
    return seeds


def run_seed(dayzero, seed, workdir):
    study = os.path.join(workdir, "study-%d" % seed)
    out = os.path.join(workdir, "out-%d" % seed)
    subprocess.run([dayzero, "simulate", "--seed", str(seed), "--out", study, "--force"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([dayzero, "analyze", "--study", study, "--out", out, "--force"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "results.json")) as f:
        results = json.load(f)
    main = next(s for s in results["analysisSets"] if s["id"] == "main")
    panels = {p["parameter"]: p for p in main["kinetics"] + main["cytokines"]}
    values = []
    for panel, window, _, _ in TARGETS:
        test = panels.get(panel, {}).get(window)
        values.append(test["pValue"] if test else None)
    return values


def fmt(p):
    if p is None:
        return "—"
    return "%.2g" % p if p >= 0.001 else "%.1e" % p


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="1-20", help="seeds: 1-20, or 3,7,20201214")
    parser.add_argument("--dayzero", default=".build/release/dayzero")
    parser.add_argument("--check-default", action="store_true", help="check the default-seed targets of every seed given")
    parser.add_argument("--markdown", action="store_true", help="print the summary as a Markdown table")
    parser.add_argument("--json", help="write the per-seed p-values to this file")
    parser.add_argument("--with-default", type=int, metavar="SEED",
                        help="also run SEED (the default cohort's, 20201214) and show its p in the table")
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="dayzero-calibration-") as workdir:
        for seed in seeds:
            rows[seed] = run_seed(args.dayzero, seed, workdir)
            misses = [TARGETS[k][0] + "/" + TARGETS[k][1] for k, p in enumerate(rows[seed]) if not default_ok(p, TARGETS[k][2], TARGETS[k][3])]
            print("seed %d: %s; default-seed targets missed: %s" % (
                seed, " ".join(fmt(p) for p in rows[seed]), ", ".join(misses) or "none"), file=sys.stderr, flush=True)
        default_row = run_seed(args.dayzero, args.with_default, workdir) if args.with_default is not None else None
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"targets": TARGETS, "p": {str(s): v for s, v in rows.items()}}, f, indent=1)
    failed = False
    if args.check_default:
        for seed in seeds:
            misses = [k for k, p in enumerate(rows[seed]) if not default_ok(p, TARGETS[k][2], TARGETS[k][3])]
            failed = failed or bool(misses)
    if args.markdown:
        extra = " default seed %d |" % args.with_default if default_row else ""
        print("| panel | window | paper |%s median p (%d seeds) | seeds agreeing | criteria |" % (extra, len(seeds)))
        print("| --- | --- | --- |%s --- | --- | --- |" % (" --- |" if default_row else ""))
    for k, (panel, window, paper, kind) in enumerate(TARGETS):
        ps = [rows[s][k] for s in seeds if rows[s][k] is not None]
        if not ps:
            failed = True
            continue
        median = statistics.median(ps)
        agree = sum(1 for p in ps if (p < 0.05) == paper_significant(paper, kind))
        ok = agree >= 0.7 * len(seeds) and median_ok(median, paper, kind)
        if len(seeds) >= 2 and not args.check_default:
            failed = failed or not ok
        window_text = "before day 0" if window == "pre" else "after day 0"
        if args.markdown:
            column = ""
            if default_row:
                d = default_row[k]
                column = " %s%s |" % (fmt(d), "" if default_ok(d, paper, kind) else " (missed)")
            print("| %s | %s | %s |%s %s | %d/%d | %s |" % (panel, window_text, paper_text(paper, kind), column, fmt(median), agree,
                                                        len(seeds), "met" if ok else "**missed**"))
        else:
            print("%-15s %-13s paper %-8s median %-9s agree %2d/%d %s" % (panel, window_text, paper_text(paper, kind), fmt(median),
                                                                        agree, len(seeds), "ok" if ok else "MISSED"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
