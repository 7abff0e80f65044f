#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, clippy, the Core without drivers,
# every test (golden SQL, compile-fail, properties, integration), and the example.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
# insta never writes snapshots in CI: a missing or changed golden file fails.
export CI="${CI:-true}"

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (all targets, all features, warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "the Core builds with no database driver"
cargo build -p sqlkit --no-default-features

step "tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --all-features 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(awk '/^test result:/ {for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed/) s += $i} END {print s + 0}' "$log")
failed=$(awk '/^test result:/ {for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) s += $i} END {print s + 0}' "$log")
if [ "$status" -ne 0 ]; then
    echo "tests: $passed passed, $failed failed"
    exit "$status"
fi

step "the quickstart example on embedded SQLite"
cargo run --quiet --example quickstart

echo
echo "tests: $passed passed, $failed failed"
