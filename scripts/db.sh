#!/usr/bin/env bash
# Private PostgreSQL 15 and MariaDB servers for the test suite, on 127.0.0.1.
#
#   source scripts/db.sh; db_start     # install if missing, start, export the two URLs
#   db_stop                            # stop both (test.sh does this on exit)
#   scripts/db.sh start|stop           # the same from a shell, e.g. to run `cargo test`
#
# Data directories live under the ignored build area ($SQLKIT_BUILD_DIR, default
# ./build). The servers run as an unprivileged user (`sqlkit-db`, created when the
# script runs as root), because PostgreSQL refuses root. Ports default to 54329 and
# 33069 so they never meet a system server on 5432 / 3306. Running start twice, or
# after a run that was killed, reuses the data directories and restarts cleanly.
set -euo pipefail

DB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB_BUILD="${SQLKIT_BUILD_DIR:-$DB_ROOT/build}"
PG_PORT="${SQLKIT_PG_PORT:-54329}"
MY_PORT="${SQLKIT_MY_PORT:-33069}"
PB_PORT="${SQLKIT_PB_PORT:-64329}"
DB_USER_OS="sqlkit-db"
# The test role's password holds characters that must be percent-encoded in a URL.
DB_PASSWORD='s3cret/p@ss:word'
DB_PASSWORD_URL='s3cret%2Fp%40ss%3Aword'

db_log() { printf '[db] %s\n' "$*" >&2; }

# The first port from $1 on which nothing listens on 127.0.0.1 (another server, or
# another checkout's test run, may hold the default).
free_port() {
    local p="$1"
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
        p=$((p + 1))
    done
    echo "$p"
}

# Runs a command as the unprivileged server user (or as ourselves when not root),
# with a temporary folder of the servers' own: the caller's TMPDIR may be writable by
# root only, and MariaDB fails to start without a writable one.
as_db_user() {
    if [ ! -d "$DB_BUILD/tmp" ]; then
        mkdir -p "$DB_BUILD/tmp"
        chmod 700 "$DB_BUILD/tmp"
        [ "$(id -u)" -eq 0 ] && chown "$DB_USER_OS" "$DB_BUILD/tmp"
    fi
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$DB_USER_OS" -- env TMPDIR="$DB_BUILD/tmp" "$@"
    else
        TMPDIR="$DB_BUILD/tmp" "$@"
    fi
}

apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        db_log "cannot install $* without root; install it or set the SQLKIT_TEST_*_URL variables"
        return 1
    fi
    if [ -z "${DB_APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DB_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bin() {
    local dir
    for dir in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")" \
        /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

db_prepare_user() {
    if [ "$(id -u)" -eq 0 ]; then
        id -u "$DB_USER_OS" >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin "$DB_USER_OS"
        mkdir -p "$DB_BUILD"
        # The server user must reach its data directories below the project.
        local d="$DB_BUILD"
        while [ "$d" != "/" ]; do
            chmod o+x "$d" 2>/dev/null || true
            d="$(dirname "$d")"
        done
        mkdir -p "$DB_BUILD/pg" "$DB_BUILD/mariadb" "$DB_BUILD/tmp"
        chown -R "$DB_USER_OS" "$DB_BUILD/pg" "$DB_BUILD/mariadb" "$DB_BUILD/tmp"
        chmod 700 "$DB_BUILD/tmp"
    else
        mkdir -p "$DB_BUILD/pg" "$DB_BUILD/mariadb" "$DB_BUILD/tmp"
    fi
}

# A private certificate authority and a server certificate for 127.0.0.1, so the
# tests can check TLS (`sslmode=require`, and `verify-full` against this CA).
tls_files() {
    local dir="$DB_BUILD/tls"
    if [ ! -f "$dir/server.pem" ]; then
        command -v openssl >/dev/null || apt_install openssl
        mkdir -p "$dir"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=sqlkit test CA" \
            -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
        printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
            "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$dir/ext.cnf"
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
            -CAcreateserial -days 3650 -extfile "$dir/ext.cnf" -out "$dir/server.pem" >/dev/null 2>&1
    fi
    chmod 600 "$dir/server.key"
    [ "$(id -u)" -eq 0 ] && chown "$DB_USER_OS" "$dir/server.key" "$dir/server.pem" "$dir/ca.pem"
    chmod 644 "$dir/ca.pem" "$dir/server.pem"
    export SQLKIT_TEST_TLS_CA="$dir/ca.pem"
}

pg_start() {
    local bin
    if ! bin="$(pg_bin)"; then
        db_log "installing PostgreSQL 15 from Debian's packages"
        apt_install postgresql-15 postgresql-client-15 || apt_install postgresql postgresql-client
        bin="$(pg_bin)"
    fi
    command -v psql >/dev/null || apt_install postgresql-client
    local data="$DB_BUILD/pg/data" sock="$DB_BUILD/pg"
    if [ -f "$data/postmaster.pid" ]; then
        as_db_user "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
        rm -f "$data/postmaster.pid"
    fi
    PG_PORT="$(free_port "$PG_PORT")"
    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data"
        as_db_user mkdir -p "$data"
        local pw="$DB_BUILD/pg/pwfile"
        printf '%s\n' "$DB_PASSWORD" >"$pw"
        [ "$(id -u)" -eq 0 ] && chown "$DB_USER_OS" "$pw"
        as_db_user "$bin/initdb" -D "$data" -U postgres --pwfile="$pw" -E UTF8 --locale=C --lc-ctype=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$DB_BUILD/pg/initdb.log" 2>&1 || {
            cat "$DB_BUILD/pg/initdb.log" >&2
            return 1
        }
        rm -f "$pw"
    fi
    as_db_user "$bin/pg_ctl" -D "$data" -l "$DB_BUILD/pg/server.log" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$sock \
         -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
         -c ssl=on -c ssl_cert_file=$DB_BUILD/tls/server.pem -c ssl_key_file=$DB_BUILD/tls/server.key" \
        >/dev/null || {
        tail -20 "$DB_BUILD/pg/server.log" >&2
        return 1
    }
    local psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$PG_PORT" -U postgres -d postgres)
    "${psql[@]}" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sqlkit') THEN
    CREATE ROLE sqlkit LOGIN PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
-- The tests through pgbouncer each make a database of their own.
ALTER ROLE sqlkit CREATEDB;
DROP DATABASE IF EXISTS sqlkit_test WITH (FORCE);
CREATE DATABASE sqlkit_test OWNER sqlkit TEMPLATE template0 ENCODING 'UTF8'
  LC_COLLATE 'C' LC_CTYPE 'C.UTF-8';
SQL
    export SQLKIT_TEST_POSTGRES_URL="postgresql://sqlkit:$DB_PASSWORD_URL@127.0.0.1:$PG_PORT/sqlkit_test"
    db_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_stop() {
    local bin data="$DB_BUILD/pg/data"
    bin="$(pg_bin)" || return 0
    [ -f "$data/postmaster.pid" ] || return 0
    as_db_user "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# pgbouncer in transaction mode in front of the PostgreSQL server: each transaction
# may get another server connection, so named prepared statements cannot be used
# (sqlkit's `prepared_statements=false`). Any database name passes through to the
# server of the same name.
pb_start() {
    command -v pgbouncer >/dev/null || apt_install pgbouncer
    local dir="$DB_BUILD/pgbouncer"
    pb_stop
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown "$DB_USER_OS" "$dir"
    PB_PORT="$(free_port "$PB_PORT")"
    printf '"sqlkit" "%s"\n' "$DB_PASSWORD" >"$dir/users.txt"
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/users.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 4
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    [ "$(id -u)" -eq 0 ] && chown "$DB_USER_OS" "$dir/users.txt" "$dir/pgbouncer.ini"
    chmod 600 "$dir/users.txt"
    as_db_user pgbouncer -d -q "$dir/pgbouncer.ini" || {
        tail -20 "$dir/pgbouncer.log" >&2
        return 1
    }
    local i
    for i in $(seq 1 60); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PB_PORT") 2>/dev/null && break
        sleep 0.25
    done
    export SQLKIT_TEST_PGBOUNCER_URL="postgresql://sqlkit:$DB_PASSWORD_URL@127.0.0.1:$PB_PORT/sqlkit_test?prepared_statements=false"
    db_log "pgbouncer $(pgbouncer --version | head -1 | awk '{print $2}') (transaction mode) on 127.0.0.1:$PB_PORT"
}

pb_stop() {
    local pidf="$DB_BUILD/pgbouncer/pgbouncer.pid" pid
    [ -f "$pidf" ] || return 0
    pid="$(cat "$pidf")"
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$pidf"
}

my_start() {
    if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
        db_log "installing MariaDB from Debian's packages"
        apt_install mariadb-server mariadb-client
    fi
    local mariadbd data="$DB_BUILD/mariadb/data" sock="$DB_BUILD/mariadb/mariadb.sock"
    mariadbd="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
    my_stop
    MY_PORT="$(free_port "$MY_PORT")"
    if [ ! -d "$data/mysql" ]; then
        rm -rf "$data"
        as_db_user mkdir -p "$data"
        TMPDIR="$DB_BUILD/tmp" mariadb-install-db --no-defaults --datadir="$data" --user="$(as_db_user id -un)" \
            --auth-root-authentication-method=normal --skip-test-db \
            >"$DB_BUILD/mariadb/install.log" 2>&1 || {
            cat "$DB_BUILD/mariadb/install.log" >&2
            return 1
        }
        [ "$(id -u)" -eq 0 ] && chown -R "$DB_USER_OS" "$data"
    fi
    my_launch "$MY_PORT" || return 1
    mariadb --no-defaults --socket="$sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'sqlkit'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER 'sqlkit'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'sqlkit'@'127.0.0.1';
DROP DATABASE IF EXISTS sqlkit_test;
CREATE DATABASE sqlkit_test CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
SQL
    export SQLKIT_TEST_MYSQL_URL="mariadb://sqlkit:$DB_PASSWORD_URL@127.0.0.1:$MY_PORT/sqlkit_test"
    # The servers are ours: tests/restart.rs may restart them.
    export SQLKIT_TEST_RESTART="$DB_ROOT/scripts/db.sh"
    db_log "MariaDB $("$mariadbd" --version | awk '{print $3}') on 127.0.0.1:$MY_PORT"
}

# Starts mariadbd on port $1 over the existing data directory and waits for it.
my_launch() {
    local mariadbd data="$DB_BUILD/mariadb/data" sock="$DB_BUILD/mariadb/mariadb.sock"
    local pidf="$DB_BUILD/mariadb/mariadb.pid" i
    mariadbd="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
    as_db_user "$mariadbd" --no-defaults --datadir="$data" --port="$1" \
        --bind-address=127.0.0.1 --socket="$sock" --pid-file="$pidf" --tmpdir="$DB_BUILD/tmp" \
        --log-error="$DB_BUILD/mariadb/server.log" \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_nopad_bin \
        --skip-log-bin --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
        --max-connections=500 --skip-name-resolve \
        --ssl-cert="$DB_BUILD/tls/server.pem" --ssl-key="$DB_BUILD/tls/server.key" \
        --ssl-ca="$DB_BUILD/tls/ca.pem" >/dev/null 2>&1 &
    for i in $(seq 1 120); do
        if mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    tail -20 "$DB_BUILD/mariadb/server.log" >&2
    return 1
}

# Kills a private server as a crash would and starts it again on the same port, with
# the same data (for tests/restart.rs): `scripts/db.sh restart postgresql|mariadb`.
db_restart() {
    case "$1" in
    postgresql)
        local bin
        bin="$(pg_bin)"
        # postmaster.opts keeps the options it was started with.
        as_db_user "$bin/pg_ctl" -D "$DB_BUILD/pg/data" -m immediate -w -t 60 restart \
            -l "$DB_BUILD/pg/server.log" >/dev/null
        ;;
    mariadb)
        local pidf="$DB_BUILD/mariadb/mariadb.pid" port pid
        port="$(sed -n 's/.*:\([0-9]*\)\/.*/\1/p' <<<"${SQLKIT_TEST_MYSQL_URL:-}")"
        pid="$(cat "$pidf")"
        kill -9 "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        rm -f "$pidf"
        my_launch "${port:-$MY_PORT}"
        ;;
    *)
        echo "usage: scripts/db.sh restart postgresql|mariadb" >&2
        return 2
        ;;
    esac
}

my_stop() {
    local pidf="$DB_BUILD/mariadb/mariadb.pid" pid i
    [ -f "$pidf" ] || return 0
    pid="$(cat "$pidf")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for i in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidf"
}

db_start() {
    db_prepare_user
    tls_files
    pg_start
    pb_start
    my_start
}

db_stop() {
    pb_stop
    pg_stop
    my_stop
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
    start)
        db_start
        echo "export SQLKIT_TEST_POSTGRES_URL='$SQLKIT_TEST_POSTGRES_URL'"
        echo "export SQLKIT_TEST_MYSQL_URL='$SQLKIT_TEST_MYSQL_URL'"
        echo "export SQLKIT_TEST_PGBOUNCER_URL='$SQLKIT_TEST_PGBOUNCER_URL'"
        echo "export SQLKIT_TEST_TLS_CA='$SQLKIT_TEST_TLS_CA'"
        echo "export SQLKIT_TEST_RESTART='$SQLKIT_TEST_RESTART'"
        ;;
    stop) db_stop ;;
    restart) db_restart "${2:-}" ;;
    *)
        echo "usage: scripts/db.sh start|stop" >&2
        exit 2
        ;;
    esac
fi
