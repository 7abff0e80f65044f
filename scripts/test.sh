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

step "rust-version in Cargo.toml covers what the dependencies need"
python3 scripts/msrv-check.py

step "clippy (all targets, all features, warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "the Core builds with no database driver, and each driver builds alone"
cargo build -p sqlkit --no-default-features
for f in sqlite postgres mysql; do
    cargo clippy -p sqlkit --no-default-features --features "$f" -- -D warnings
done

step "database servers"
# The developer's own servers when both URLs are set; otherwise private ones, stopped
# on exit (also on failure).
log=$(mktemp)
if [ -n "${SQLKIT_TEST_POSTGRES_URL:-}" ] && [ -n "${SQLKIT_TEST_MYSQL_URL:-}" ]; then
    trap 'rm -f "$log"' EXIT
    echo "using SQLKIT_TEST_POSTGRES_URL and SQLKIT_TEST_MYSQL_URL from the environment"
else
    # shellcheck source=scripts/db.sh
    source scripts/db.sh
    trap 'db_stop; rm -f "$log"' EXIT
    db_start
fi
for var in SQLKIT_TEST_POSTGRES_URL SQLKIT_TEST_MYSQL_URL SQLKIT_TEST_PGBOUNCER_URL; do
    if [ -z "${!var:-}" ]; then
        echo "SKIPPED: $var is unset, so that database's tests are skipped"
    fi
done
if [ -z "${SQLKIT_TEST_RESTART:-}" ]; then
    echo "SKIPPED: SQLKIT_TEST_RESTART is unset (not the private servers), so the server-restart test is skipped"
fi
if [ -z "${SQLKIT_TEST_TLS_CA:-}" ]; then
    echo "SKIPPED: SQLKIT_TEST_TLS_CA is unset, so the TLS test is skipped"
fi

step "tests"
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

step "the benchmarks compile (they are run by scripts/bench-table.py, not here)"
# In the test build's profile and features, so it reuses that build: an optimised build
# of the benchmarks' dependencies took most of five minutes here, and clippy has
# type-checked them already.
cargo build --workspace --all-features --benches

step "the quickstart example on embedded SQLite"
cargo run --quiet --example quickstart

step "the quickstart and blog examples, unchanged, on PostgreSQL and MariaDB (blog on SQLite too)"
DATABASE_URL="$SQLKIT_TEST_POSTGRES_URL" cargo run --quiet --all-features --example quickstart >/dev/null
DATABASE_URL="$SQLKIT_TEST_MYSQL_URL" cargo run --quiet --all-features --example quickstart >/dev/null
cargo run --quiet --example blog >/dev/null
DATABASE_URL="$SQLKIT_TEST_POSTGRES_URL" cargo run --quiet --all-features --example blog >/dev/null
DATABASE_URL="$SQLKIT_TEST_MYSQL_URL" cargo run --quiet --all-features --example blog >/dev/null
if [ -n "${SQLKIT_TEST_PGBOUNCER_URL:-}" ]; then
    DATABASE_URL="$SQLKIT_TEST_PGBOUNCER_URL" cargo run --quiet --all-features --example blog >/dev/null
fi

step "the ORM tour (examples/orm_blog.rs), unchanged, on SQLite, PostgreSQL and MariaDB"
cargo run --quiet --all-features --example orm_blog >/dev/null
DATABASE_URL="$SQLKIT_TEST_POSTGRES_URL" cargo run --quiet --all-features --example orm_blog >/dev/null
DATABASE_URL="$SQLKIT_TEST_MYSQL_URL" cargo run --quiet --all-features --example orm_blog >/dev/null
echo "ok"

step "the migrate example's tour on embedded SQLite (three revisions, check, down to base)"
mig="$(mktemp -d)"
migrate() { cargo run --quiet --all-features --example migrate -- --url "sqlite:///$mig/blog.db" --dir "$mig/migrations" "$@"; }
migrate revision --autogenerate -m "create blog" >/dev/null
migrate upgrade >/dev/null
migrate --models 2 revision --autogenerate -m "profiles and likes" --rename users.username=users.handle >/dev/null
migrate --models 2 upgrade >/dev/null
migrate --models 3 revision --autogenerate -m "no ratings" >/dev/null
migrate --models 3 --allow-destructive upgrade >/dev/null
migrate --models 3 check >/dev/null
migrate --allow-destructive downgrade base >/dev/null
rm -rf "$mig"
echo "ok"

step "instruction counts of the hot paths within 3 % of benches/guard/baseline.txt"
scripts/perf-guard.sh

echo
echo "tests: $passed passed, $failed failed"
