//! The SQLite execution benchmark's work once, for callgrind: 100,000 rows inserted with
//! `execute_many`, then (`sel`) read back three times through `query_as`, or (`rsel`)
//! through raw rusqlite.
//!
//!     cargo build --release -p sqlkit-benches --example exec_profile
//!     valgrind --tool=callgrind target/release/examples/exec_profile sel
use serde::Deserialize;
use sqlkit::prelude::*;
use sqlkit::schema::{ColumnDef, SqlType};
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Item {
    id: i64,
    name: String,
    email: String,
    score: f64,
    active: bool,
    created_at: i64,
}
fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:///{}", dir.path().join("p.db").display());
    let engine = Engine::from_url(&url).unwrap();
    let mut conn = engine.connect().unwrap();
    conn.execute_sql("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, email TEXT, score REAL, active INTEGER, created_at INTEGER)", &[]).unwrap();
    let t = Table::builder("items")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("name", SqlType::Text))
        .column(ColumnDef::new("email", SqlType::Text))
        .column(ColumnDef::new("score", SqlType::Double))
        .column(ColumnDef::new("active", SqlType::Integer))
        .column(ColumnDef::new("created_at", SqlType::BigInt))
        .build()
        .unwrap();
    let names = ["id", "name", "email", "score", "active", "created_at"];
    let q = insert(&t)
        .value("id", bindparam::<i64>("id"))
        .value("name", bindparam::<String>("name"))
        .value("email", bindparam::<String>("email"))
        .value("score", bindparam::<f64>("score"))
        .value("active", bindparam::<i64>("active"))
        .value("created_at", bindparam::<i64>("created_at"));
    let n = 100_000i64;
    let data: Vec<(i64, String, String, f64, bool, i64)> = (0..n)
        .map(|i| {
            (
                i + 1,
                format!("name {i}"),
                format!("user{i}@example.com"),
                i as f64 * 0.5,
                i % 3 != 0,
                1_700_000_000 + i,
            )
        })
        .collect();
    if mode == "rins" {
        drop(conn);
        let mut raw = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
        let tx = raw.transaction().unwrap();
        let mut sql =
            String::from("INSERT INTO items (id, name, email, score, active, created_at) VALUES ");
        for k in 0..1000 {
            sql.push_str(if k == 0 {
                "(?, ?, ?, ?, ?, ?)"
            } else {
                ", (?, ?, ?, ?, ?, ?)"
            });
        }
        {
            let mut st = tx.prepare_cached(&sql).unwrap();
            for chunk in data.chunks(1000) {
                let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(6000);
                for it in chunk {
                    params.extend([
                        &it.0 as &dyn rusqlite::ToSql,
                        &it.1,
                        &it.2,
                        &it.3,
                        &it.4,
                        &it.5,
                    ]);
                }
                st.execute(params.as_slice()).unwrap();
            }
        }
        tx.commit().unwrap();
        return;
    }
    let mut tx = conn.begin().unwrap();
    tx.execute_many(
        &q,
        &names,
        (0..n).map(|i| {
            [
                Value::Int(i + 1),
                Value::from(format!("name {i}").as_str()),
                Value::from(format!("user{i}@example.com").as_str()),
                Value::Float(i as f64 * 0.5),
                Value::Int(i64::from(i % 3 != 0)),
                Value::Int(1_700_000_000 + i),
            ]
        }),
    )
    .unwrap();
    tx.commit().unwrap();
    if mode == "rsel" {
        let raw = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
        for _ in 0..3 {
            let mut st = raw
                .prepare_cached(
                    "SELECT id, name, email, score, active, created_at FROM items ORDER BY id",
                )
                .unwrap();
            let rows: Vec<Item> = st
                .query_map([], |r| {
                    Ok(Item {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        email: r.get(2)?,
                        score: r.get(3)?,
                        active: r.get(4)?,
                        created_at: r.get(5)?,
                    })
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(rows.len(), 100_000);
        }
    }
    if mode == "sel" {
        let s = select(t.clone()).order_by(t.c("id").unwrap());
        for _ in 0..3 {
            let rows: Vec<Item> = conn.query_as(&s).unwrap();
            assert_eq!(rows.len(), 100_000);
        }
    }
}
