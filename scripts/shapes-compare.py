#!/usr/bin/env python3
"""Instructions per run of Diesel's benchmark shapes, for raw rusqlite, sqlkit and
Diesel, on SQLite, counted by callgrind in each harness's `measured` alone (the same
count every time for the same binaries). Builds both harnesses, runs every shape and
prints a Markdown table for the README.

    scripts/shapes-compare.py            # all shapes, SQLite
    scripts/shapes-compare.py trivial    # shapes whose name starts so
    SHAPES_PG_URL=postgresql://... scripts/shapes-compare.py --pg
                                         # PostgreSQL: client instructions, and wall
                                         # time per run (client and server, median of 5)
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SQLKIT = os.path.join(ROOT, "target/release/examples/shapes")
DIESEL = os.path.join(ROOT, "benches/diesel/target/release/sqlkit-diesel-shapes")
# (shape, size, iterations)
SHAPES = [
    ("trivial", 1, 5000),
    ("trivial", 100, 500),
    ("trivial", 10000, 5),
    ("join", 1, 2000),
    ("join", 100, 100),
    ("join", 1000, 10),
    ("insert", 1, 1000),
    ("insert", 10, 300),
    ("insert", 100, 50),
    ("assoc", 0, 10),
]


def build():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "sqlkit-benches", "--example", "shapes"],
                   cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "-q", "--manifest-path", "benches/diesel/Cargo.toml"],
                   cwd=ROOT, check=True)


def count(binary, side, shape, size, iterations):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        r = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
             "--toggle-collect=*measured*", binary, side, shape, str(size), str(iterations)],
            capture_output=True, text=True, check=True)
        m = re.search(r"refs:\s+([\d,]+)", r.stderr)
        return int(m.group(1).replace(",", "")) / iterations


def wall(binary, side, shape, size, iterations):
    times = []
    for _ in range(5):
        r = subprocess.run([binary, side, shape, str(size), str(iterations)],
                           capture_output=True, text=True, check=True)
        times.append(float(re.search(r"([\d.]+) us a run", r.stdout).group(1)))
    return sorted(times)[2]


def main_pg(only):
    print("| shape | raw postgres | sqlkit | sqlkit, prepared | Diesel | sqlkit / Diesel | prepared / Diesel |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for shape, size, iterations in SHAPES:
        if not shape.startswith(only):
            continue
        its = max(1, iterations // 5)
        cells = []
        for binary, side in [(SQLKIT, "raw-pg"), (SQLKIT, "sqlkit-pg"), (SQLKIT, "prepared-pg"), (DIESEL, "diesel-pg")]:
            if side == "prepared-pg" and shape not in ("trivial", "join"):
                cells.append(None)
                continue
            cells.append((count(binary, side, shape, size, its), wall(binary, side, shape, size, iterations)))
        raw, kit, pre, die = cells
        fmt = lambda c: "—" if c is None else f"{c[0]:,.0f} / {c[1]:,.0f} µs"
        ratio = lambda a, b: "—" if a is None else f"{a[0] / b[0]:.2f}x / {a[1] / b[1]:.2f}x"
        name = f"{shape} {size}" if shape != "assoc" else "assoc"
        print(f"| {name} | {fmt(raw)} | {fmt(kit)} | {fmt(pre)} | {fmt(die)} | {ratio(kit, die)} | {ratio(pre, die)} |",
              flush=True)


def main():
    args = [a for a in sys.argv[1:] if a != "--pg"]
    only = args[0] if args else ""
    build()
    if "--pg" in sys.argv:
        return main_pg(only)
    print("| shape | raw rusqlite | sqlkit | sqlkit, prepared | Diesel | sqlkit / raw | sqlkit / Diesel | prepared / Diesel |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for shape, size, iterations in SHAPES:
        if not shape.startswith(only):
            continue
        raw = count(SQLKIT, "raw", shape, size, iterations)
        kit = count(SQLKIT, "sqlkit", shape, size, iterations)
        # Only trivial and join have a prepared form (the others' statements change shape).
        pre = count(SQLKIT, "prepared", shape, size, iterations) if shape in ("trivial", "join") else None
        die = count(DIESEL, "diesel", shape, size, iterations)
        name = f"{shape} {size}" if shape != "assoc" else "assoc (100 users, 1,000 posts, 10,000 comments)"
        pre_s = f"{pre:,.0f}" if pre else "—"
        pre_r = f"{pre / die:.2f}x" if pre else "—"
        print(f"| {name} | {raw:,.0f} | {kit:,.0f} | {pre_s} | {die:,.0f} | {kit / raw:.2f}x | {kit / die:.2f}x | {pre_r} |",
              flush=True)


if __name__ == "__main__":
    main()
