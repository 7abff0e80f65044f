#!/usr/bin/env python3
"""The performance table of the README, from criterion's results.

    scripts/bench-table.py            # run both benches 3 times, print the median table
    scripts/bench-table.py --runs 1   # one run
    scripts/bench-table.py --no-run   # only read target/criterion (the last run)

Each run's per-benchmark median (criterion's `estimates.json`) is collected; the table
shows the median of the runs (these machines are shared and noisy) and the ratios the
targets are about: sqlkit / sea-query (<= 0.5), sqlkit / handwritten (<= 3 where it can),
sqlkit-cached / handwritten (<= 1.5), best sqlkit / best raw rusqlite (<= 1.10).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRITERION = os.path.join(ROOT, "target", "criterion")


def read_results():
    """{full_id: median_ns} from the last criterion run."""
    out = {}
    for dirpath, _, files in os.walk(CRITERION):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            full_id = json.load(f)["full_id"]
        with open(os.path.join(dirpath, "estimates.json")) as f:
            out[full_id] = json.load(f)["median"]["point_estimate"]
    return out


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.1f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def mark(ok):
    return "yes" if ok else "**no**"


def table(res):
    lines = []
    lines.append("| case | sqlkit | sqlkit-cached | sea-query | handwritten | sqlkit / sea-query (≤ 0.5) | sqlkit / handwritten | cached / handwritten (≤ 1.5) |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for dialect in ("postgres", "mysql", "sqlite"):
        for case in ("q1", "q2", "q3", "q4"):
            g = f"render/{dialect}/{case}/"
            try:
                s, c, sea, h = (res[g + f] for f in ("sqlkit", "sqlkit-cached", "sea-query", "handwritten"))
            except KeyError:
                continue
            lines.append(
                f"| {dialect} {case} | {fmt(s)} | {fmt(c)} | {fmt(sea)} | {fmt(h)} "
                f"| {s / sea:.2f} {mark(s / sea <= 0.5)} | {s / h:.1f} | {c / h:.2f} {mark(c / h <= 1.5)} |"
            )
    lines.append("")
    ins = {f: res.get(f"exec_sqlite/insert_100k/{f}") for f in ("rusqlite", "rusqlite-batch", "sqlkit-row", "sqlkit-many", "sqlkit-batch")}
    sel = {f: res.get(f"exec_sqlite/select_100k/{f}") for f in ("rusqlite", "sqlkit")}
    if all(ins.values()) and all(sel.values()):
        best_raw = min(ins["rusqlite"], ins["rusqlite-batch"])
        best_kit = min(ins["sqlkit-row"], ins["sqlkit-many"], ins["sqlkit-batch"])
        lines.append("| SQLite, 100,000 rows | time | vs best raw rusqlite |")
        lines.append("|---|---|---|")
        for f, v in ins.items():
            lines.append(f"| insert: {f} | {fmt(v)} | {v / best_raw:.2f} |")
        lines.append(f"| **insert: best sqlkit / best rusqlite (≤ 1.10)** | | **{best_kit / best_raw:.2f}** {mark(best_kit / best_raw <= 1.10)} |")
        lines.append(f"| select into structs: rusqlite | {fmt(sel['rusqlite'])} | 1.00 |")
        r = sel["sqlkit"] / sel["rusqlite"]
        lines.append(f"| **select into structs: sqlkit (≤ 1.10)** | {fmt(sel['sqlkit'])} | **{r:.2f}** {mark(r <= 1.10)} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-run", action="store_true", help="only read the last results")
    ap.add_argument("filter", nargs="?", default="", help="criterion filter, e.g. render/postgres")
    args = ap.parse_args()
    runs = []
    if args.no_run:
        runs.append(read_results())
    else:
        for i in range(args.runs):
            print(f"run {i + 1} of {args.runs} ...", file=sys.stderr)
            cmd = ["cargo", "bench", "-p", "sqlkit-benches", "--"]
            if args.filter:
                cmd.append(args.filter)
            subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            runs.append(read_results())
    ids = set().union(*runs)
    median = {k: statistics.median(r[k] for r in runs if k in r) for k in ids}
    print(table(median))


if __name__ == "__main__":
    main()
