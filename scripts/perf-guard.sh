#!/usr/bin/env bash
# The instruction-count guard: sqlkit's hot paths counted by callgrind (which repeats
# exactly, where wall clock drifts on a shared machine) and compared with the committed
# baseline, benches/guard/baseline.txt. A count more than 3 % above its baseline fails.
#
#   scripts/perf-guard.sh                    check (what scripts/test.sh runs)
#   scripts/perf-guard.sh --update "why"     write the new counts as the baseline
#
# Update the baseline deliberately, in the commit that moves the counts, saying why.
# The guard's build is the test build's dependencies with sqlkit, rusqlite and the
# guard optimised (benches/guard/profile.toml), so CI builds only those three again;
# its counts are for comparing with each other, not with the README's release figures.
set -euo pipefail
cd "$(dirname "$0")/.."

baseline=benches/guard/baseline.txt
limit_pct=3
update=""
if [ "${1:-}" = "--update" ]; then
    update="${2:?--update needs a reason}"
fi

if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null
    else
        echo "perf-guard: valgrind is missing (apt-get install valgrind)" >&2
        exit 1
    fi
fi

cargo build --quiet -p sqlkit-guard --config benches/guard/profile.toml
bin=target/debug/sqlkit-guard

cases=()
for q in q1 q2 q3 q4; do
    for d in postgres mysql sqlite; do
        cases+=("render-$q-$d 50")
    done
done
cases+=("row-built 50" "row-prepared 50" "read-100 10")

# The instructions executed in the guard's own binary (sqlkit, its Rust dependencies
# and SQLite, all linked in), per run. libc's malloc and memcpy are left out: their
# code is chosen by the machine's glibc and CPU, and would move the counts between
# machines that run the same build.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() {
    local case=$1 n=$2 total
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" --collect-atstart=no \
        --toggle-collect='*measured*' "$bin" "$case" "$n" >/dev/null 2>&1
    total=$(callgrind_annotate --threshold=100 --inclusive=no "$out/cg" |
        awk '$NF ~ /\/sqlkit-guard\]$/ { gsub(",", "", $1); s += $1 } END { print s + 0 }')
    if [ "$total" -eq 0 ]; then
        echo "perf-guard: no count for $case" >&2
        return 1
    fi
    echo $((total / n))
}

declare -A base=()
if [ -f "$baseline" ]; then
    while read -r name value; do
        case "$name" in '#'* | '') continue ;; esac
        base[$name]=$value
    done <"$baseline"
fi

failed=0
lines=()
printf '%-22s %12s %12s %8s\n' case baseline now change
for entry in "${cases[@]}"; do
    read -r name n <<<"$entry"
    now=$(count "$name" "$n")
    lines+=("$name $now")
    was=${base[$name]:-}
    if [ -z "$was" ]; then
        printf '%-22s %12s %12s %8s\n' "$name" - "$now" new
        [ -z "$update" ] && failed=1
        continue
    fi
    pct=$(awk -v a="$now" -v b="$was" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }')
    mark=""
    if awk -v a="$now" -v b="$was" -v l="$limit_pct" 'BEGIN { exit !(a > b * (1 + l / 100)) }'; then
        mark="  ABOVE THE LIMIT"
        failed=1
    fi
    printf '%-22s %12s %12s %8s%s\n' "$name" "$was" "$now" "$pct" "$mark"
done

if [ -n "$update" ]; then
    {
        echo "# Instructions per run of each case of benches/guard (scripts/perf-guard.sh)."
        echo "# Updated $(date -u +%Y-%m-%d): $update"
        printf '%s\n' "${lines[@]}"
    } >"$baseline"
    echo "perf-guard: baseline written to $baseline"
    exit 0
fi
if [ "$failed" -ne 0 ]; then
    echo "perf-guard: a count rose more than $limit_pct % above benches/guard/baseline.txt (or has none)." >&2
    echo "If the change is deliberate, run scripts/perf-guard.sh --update \"why\" in the same commit." >&2
    exit 1
fi
echo "perf-guard: every count within $limit_pct % of its baseline"
