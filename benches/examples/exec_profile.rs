//! The SQLite execution benchmark's work once, for callgrind: 100,000 rows inserted with
//! `execute_many`, then (`sel`) read back three times through `query_as`, (`fsel`)
//! `fetch_all`, or (`rsel`) raw rusqlite; `one` / `rone`: 10,000 one-row lookups by
//! key through sqlkit / raw rusqlite; `recs`: the insert through `insert_many` of
//! `Record`s; `own`: through `execute_many` of owned rows; `base`: the insert alone.
//!
//!     cargo build --release -p sqlkit-benches --example exec_profile
//!     valgrind --tool=callgrind target/release/examples/exec_profile sel
use sqlkit::prelude::*;
use sqlkit_benches::items::{
    insert_one, item, raw_batch_insert, raw_item, table, values, values_owned, Item, COLUMNS,
    CREATE,
};

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:///{}", dir.path().join("p.db").display());
    let engine = Engine::from_url(&url).unwrap();
    let mut conn = engine.connect().unwrap();
    conn.execute_sql(CREATE, &[]).unwrap();
    let t = table().unwrap();
    let n = 100_000i64;
    let data: Vec<Item> = (0..n).map(item).collect();
    if mode == "gen" {
        // The fixed part every mode shares: the engine, the table, the data.
        std::hint::black_box(&data);
        return;
    }
    if mode == "rins" {
        drop(conn);
        let mut raw = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
        let tx = raw.transaction().unwrap();
        raw_batch_insert(&tx, &data, 1000).unwrap();
        tx.commit().unwrap();
        return;
    }
    if mode == "recs" {
        // The same rows through `insert_many` of the `Record` derive.
        conn.insert_many(&t, &data).unwrap();
        return;
    }
    if mode == "own" {
        // `execute_many` of owned rows: the strings move into the values.
        let mut tx = conn.begin().unwrap();
        tx.execute_many(
            &insert_one(&t),
            &COLUMNS,
            data.into_iter().map(values_owned),
        )
        .unwrap();
        tx.commit().unwrap();
        return;
    }
    let mut tx = conn.begin().unwrap();
    tx.execute_many(&insert_one(&t), &COLUMNS, data.iter().map(values))
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
                .query_map([], raw_item)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(rows.len(), 100_000);
        }
    }
    if mode == "fsel" {
        let s = select(t.clone()).order_by(t.c("id").unwrap());
        for _ in 0..3 {
            let rows: Vec<Item> = conn.fetch_all(&s).unwrap();
            assert_eq!(rows.len(), 100_000);
        }
    }
    if mode == "one" {
        // 10,000 one-row lookups by key, each built anew.
        for i in 0..10_000i64 {
            let s = select(t.clone()).where_(t.c("id").unwrap().eq(i % n + 1));
            let row: Item = conn.fetch_one(&s).unwrap();
            assert_eq!(row.id, i % n + 1);
        }
    }
    if mode == "rone" {
        let raw = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
        for i in 0..10_000i64 {
            let mut st = raw
                .prepare_cached(
                    "SELECT id, name, email, score, active, created_at FROM items WHERE id = ?",
                )
                .unwrap();
            let row = st.query_row([i % n + 1], raw_item).unwrap();
            assert_eq!(row.id, i % n + 1);
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
