//! The hot paths whose instruction counts `scripts/perf-guard.sh` checks in CI: each
//! case runs `measured` a number of times, and callgrind counts only inside it
//! (`--toggle-collect=*measured*`), so start-up and setup cost nothing.
//!
//! ```text
//! cargo build --profile guard -p sqlkit-guard
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured*' \
//!     target/guard/sqlkit-guard render-q2-postgres 200
//! ```
//!
//! Cases: `render-q1`..`render-q4` on `postgres`, `mysql` and `sqlite` (built from
//! scratch and compiled, as `benches/render.rs`); `row-built` (a one-row query on
//! SQLite, built and run each call, read into a struct); `row-prepared` (the same
//! through a [`Prepared`](sqlkit::engine::Prepared)); `read-100` (100 rows of six
//! columns into structs).
#![allow(missing_docs)]

#[path = "../../sqlkit_side.rs"]
mod cases;

use cases::*;
use sqlkit::prelude::*;
use std::hint::black_box;

#[derive(Debug, serde::Deserialize, sqlkit::FromRow)]
#[allow(dead_code)] // read into, never looked at
struct Row6 {
    id: i64,
    username: String,
    email: String,
    is_active: bool,
    score: f64,
    n: i32,
}

/// One run outside the count (one-time costs: the first statement prepared, the
/// thread's stack bounds read), then what callgrind counts: `n` runs of `run`.
fn measure(n: usize, run: &mut dyn FnMut()) {
    run();
    measured(n, run);
}

#[inline(never)]
fn measured(n: usize, run: &mut dyn FnMut()) {
    for _ in 0..n {
        run();
    }
}

fn users_db() -> sqlkit::Result<(Connection, sqlkit::stmt::Select)> {
    let engine = Engine::from_url("sqlite://")?;
    let mut conn = engine.connect()?;
    conn.execute_sql(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username VARCHAR(50) NOT NULL, \
         email VARCHAR(255) NOT NULL, is_active BOOLEAN NOT NULL, score DOUBLE NOT NULL, \
         n INTEGER NOT NULL)",
        &[],
    )?;
    conn.transaction(|tx| {
        for i in 0..100_i64 {
            tx.execute_sql(
                "INSERT INTO users (username, email, is_active, score, n) VALUES (?, ?, ?, ?, ?)",
                &[
                    format!("user{i}").into(),
                    format!("user{i}@example.com").into(),
                    (i % 2 == 0).into(),
                    (i as f64 / 4.0).into(),
                    i.into(),
                ],
            )?;
        }
        Ok::<(), sqlkit::Error>(())
    })?;
    let t = Table::builder("users")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("username", SqlType::String(50)))
        .column(ColumnDef::new("email", SqlType::String(255)))
        .column(ColumnDef::new("is_active", SqlType::Boolean))
        .column(ColumnDef::new("score", SqlType::Double))
        .column(ColumnDef::new("n", SqlType::Integer))
        .build()?;
    Ok((conn, select(t)))
}

fn main() -> sqlkit::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let case = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("render-q1-postgres");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    if let Some(rest) = case.strip_prefix("render-") {
        let (q, db) = rest.split_once('-').unwrap_or((rest, "postgres"));
        let Some(db) = Db::ALL.into_iter().find(|d| d.name() == db) else {
            usage();
        };
        let d = db.dialect();
        let d = &*d;
        let i = Inputs::new();
        let render: fn(&dyn Dialect, &Inputs) -> sqlkit::Result<sqlkit::compile::Compiled> = match q
        {
            "q1" => sqlkit_q1,
            "q2" => sqlkit_q2,
            "q3" => sqlkit_q3,
            _ => sqlkit_q4,
        };
        measure(n, &mut || {
            black_box(render(d, black_box(&i)).ok());
        });
        return Ok(());
    }
    let (mut conn, all) = users_db()?;
    let t = Table::builder("users")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("username", SqlType::String(50)))
        .build()?;
    let (id, name) = (t.c("id")?, t.c("username")?);
    match case {
        "row-built" => {
            let mut k = 0_i64;
            measure(n, &mut || {
                k = k % 100 + 1;
                let q = select((id.clone(), name.clone())).where_(id.clone().eq(k));
                black_box(conn.fetch_all::<(i64, String)>(&q).ok());
            });
        }
        "row-prepared" => {
            let p = conn.prepare(
                &select((id.clone(), name.clone())).where_(id.clone().eq(bindparam::<i64>("k"))),
                &["k"],
            )?;
            let mut k = 0_i64;
            measure(n, &mut || {
                k = k % 100 + 1;
                black_box(p.fetch_all::<(i64, String)>(&mut conn, &[k.into()]).ok());
            });
        }
        "read-100" => {
            measure(n, &mut || {
                black_box(conn.fetch_all::<Row6>(&all).ok());
            });
        }
        _ => usage(),
    }
    Ok(())
}

fn usage() -> ! {
    eprintln!(
        "usage: sqlkit-guard render-q1..q4-postgres|mysql|sqlite | row-built | row-prepared | read-100 [RUNS]"
    );
    std::process::exit(2)
}
