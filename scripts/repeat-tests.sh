#!/usr/bin/env bash
# Runs the built test binaries N times over (default 10) on the three databases,
# without rebuilding between runs, and reports every test that failed even once:
# a test that fails now and then is a failing test.
#
#   scripts/repeat-tests.sh [N] [binary-name-filter]
#
# The binaries are copied aside first, so a build meanwhile does not change them. The
# compile-fail cases (trybuild builds them with cargo, deterministically) run once, in
# scripts/test.sh, not here.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
filter="${2:-}"
export CI="${CI:-true}"

if [ -z "${SQLKIT_TEST_POSTGRES_URL:-}" ] || [ -z "${SQLKIT_TEST_MYSQL_URL:-}" ]; then
    # shellcheck source=scripts/db.sh
    source scripts/db.sh
    trap db_stop EXIT
    db_start
fi

aside="$(mktemp -d)"
trap 'rm -rf "$aside"; declare -F db_stop >/dev/null && db_stop' EXIT
cargo test --workspace --all-features --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["executable"])
' | sort -u | while read -r exe; do
    case "$(basename "$exe")" in
    compile_fail-*) ;;
    *"$filter"*) cp "$exe" "$aside/" ;;
    esac
done

# A proc-macro crate's test binary links the toolchain's libstd dynamically.
export LD_LIBRARY_PATH="$(rustc --print target-libdir)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
failures="$aside/failures.txt"
: >"$failures"
for i in $(seq 1 "$runs"); do
    for exe in "$aside"/*; do
        [ -x "$exe" ] && [ -f "$exe" ] || continue
        log="$aside/$(basename "$exe").$i.log"
        if ! "$exe" >"$log" 2>&1; then
            grep -E '^test .* FAILED$|^    [a-z_:]+$' "$log" | sed "s|^|run $i $(basename "$exe"): |" >>"$failures" || true
            echo "run $i: $(basename "$exe") FAILED (log kept: $log)"
            cp "$log" "/tmp/repeat-$(basename "$exe").$i.log"
        fi
    done
    echo "run $i of $runs done"
done
if [ -s "$failures" ]; then
    echo "tests that failed at least once:"
    sort "$failures" | uniq -c
    exit 1
fi
echo "every test passed in each of $runs runs"
