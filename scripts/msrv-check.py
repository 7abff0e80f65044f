#!/usr/bin/env python3
"""Checks that Cargo.toml's `rust-version` is at least what sqlkit's dependencies (all
features, normal dependencies, as resolved) declare they need."""
import json
import subprocess
import sys

meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"]
    if "--locked" in sys.argv else
    ["cargo", "metadata", "--format-version", "1", "--all-features"]))
pkgs = {p["id"]: p for p in meta["packages"]}
root = next(p for p in meta["packages"] if p["name"] == "sqlkit")
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}

def ver(s):
    return tuple(int(x) for x in s.split("."))

seen, todo = set(), [root["id"]]
while todo:
    i = todo.pop()
    if i in seen:
        continue
    seen.add(i)
    for d in nodes[i]["deps"]:
        if any(k["kind"] in (None, "build") for k in d["dep_kinds"]):
            todo.append(d["pkg"])

declared = root.get("rust_version") or "0"
need = max(((ver(pkgs[i]["rust_version"]), pkgs[i]["name"], pkgs[i]["rust_version"])
            for i in seen if i != root["id"] and pkgs[i].get("rust_version")), default=((0,), "", "0"))
if ver(declared) < need[0]:
    print(f"rust-version {declared} is older than {need[1]}'s {need[2]}: declare at least {need[2]}")
    sys.exit(1)
print(f"rust-version {declared}: the newest dependency needs {need[2]} ({need[1]})")
