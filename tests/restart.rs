//! A server killed (as a crash would) in the middle of a transaction and started again:
//! the open transaction fails typed and commits nothing, what was committed before is
//! there, and the engine's pool serves working connections afterwards. Its own test
//! binary, so the restart cannot disturb the other tests; it runs against the private
//! servers of `scripts/db.sh`, which say so in `SQLKIT_TEST_RESTART`.

mod common;

use common::engines;
use sqlkit::prelude::*;
use std::time::{Duration, Instant};

fn restart(script: &str, name: &str) {
    let status = std::process::Command::new("bash")
        .args([script, "restart", name])
        .status()
        .expect("run scripts/db.sh");
    assert!(status.success(), "restarting {name}");
}

fn count(conn: &mut Connection) -> Result<i64> {
    conn.query_sql("SELECT count(*) FROM crash", &[])?[0].get(0)
}

#[test]
fn a_server_killed_mid_transaction_and_restarted_keeps_the_committed_rows_only() {
    let Some(script) = std::env::var("SQLKIT_TEST_RESTART")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        // Servers that are not ours are never restarted.
        eprintln!("SKIPPED: SQLKIT_TEST_RESTART is unset (not the private servers)");
        return;
    };
    for db in engines().into_iter().filter(|d| d.name != "sqlite") {
        let engine = Engine::builder(&db.url)
            .checkout_timeout(Duration::from_secs(30))
            .build()
            .expect("engine");
        let mut conn = engine.connect().expect("connect");
        conn.execute_sql(
            "CREATE TABLE crash (id INT PRIMARY KEY, what VARCHAR(20))",
            &[],
        )
        .expect("create");
        if db.name == "postgresql" {
            // The test server runs with synchronous_commit=off: make this commit durable.
            conn.execute_sql("SET synchronous_commit = on", &[])
                .expect("sync");
        }
        conn.execute_sql("INSERT INTO crash VALUES (1, 'committed')", &[])
            .expect("committed");
        if db.name == "mariadb" {
            // innodb_flush_log_at_trx_commit=0 writes the log once a second.
            std::thread::sleep(Duration::from_millis(1500));
        }
        let mut tx = conn.begin().expect("begin");
        tx.execute_sql("INSERT INTO crash VALUES (2, 'in flight')", &[])
            .expect("in flight");
        restart(&script, db.name);
        let err = tx
            .execute_sql("INSERT INTO crash VALUES (3, 'after')", &[])
            .unwrap_err();
        assert_eq!(
            err.db_kind(),
            Some(DbErrorKind::ConnectionLost),
            "{}: {err}",
            db.name
        );
        assert!(
            matches!(tx.commit(), Err(Error::TransactionAborted { .. })),
            "{}",
            db.name
        );
        drop(conn);
        // The pool replaces the dead connections; the server may still be recovering.
        let started = Instant::now();
        let n = loop {
            match engine.connect().and_then(|mut c| count(&mut c)) {
                Ok(n) => break n,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    eprintln!("{}: waiting: {e}", db.name);
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => panic!("{}: {e}", db.name),
            }
        };
        assert_eq!(n, 1, "{}: only the committed row", db.name);
        let mut c = engine.connect().expect("connect");
        let what: String = c.query_sql("SELECT what FROM crash", &[]).expect("row")[0]
            .get(0)
            .expect("what");
        assert_eq!(what, "committed");
    }
}
