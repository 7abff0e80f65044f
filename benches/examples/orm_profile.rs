//! The ORM benchmarks' work once, phase by phase, for `perf record` or callgrind:
//!
//!     cargo build --release -p sqlkit-benches --example orm_profile
//!     target/release/examples/orm_profile insert|load [rows]
use sqlkit::orm::Session;
use sqlkit::prelude::*;
use sqlkit_benches::items::{item, raw_batch_insert, CREATE};
use std::time::Instant;

#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "items")]
struct OrmItem {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    name: String,
    email: String,
    score: f64,
    active: bool,
    created_at: i64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map(String::as_str).unwrap_or("insert");
    let n: i64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let reps: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
    for _ in 0..reps {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.db");
        let raw = rusqlite::Connection::open(&path).expect("open");
        raw.execute_batch(CREATE).expect("create");
        let t = Instant::now();
        let engine = Engine::from_url(&format!("sqlite:///{}", path.display())).expect("engine");
        if case == "engine" {
            let t1 = t.elapsed();
            let s = Session::new(&engine).expect("session");
            println!("engine {t1:?} session {:?}", t.elapsed() - t1);
            drop(s);
            continue;
        }
        match case {
            "insert" => {
                let objs: Vec<OrmItem> = (0..n)
                    .map(|i| {
                        let it = item(i);
                        OrmItem {
                            id: None,
                            name: it.name,
                            email: it.email,
                            score: it.score,
                            active: it.active,
                            created_at: it.created_at,
                        }
                    })
                    .collect();
                let t = Instant::now();
                let mut s = Session::new(&engine).expect("session");
                let t1 = t.elapsed();
                let hs = s.add_all(objs).expect("add");
                let t2 = t.elapsed();
                s.flush().expect("flush");
                let t3 = t.elapsed();
                s.commit().expect("commit");
                let t4 = t.elapsed();
                drop(s);
                let t5 = t.elapsed();
                println!(
                    "new {t1:?} add {:?} flush {:?} commit {:?} drop {:?} ({} objects)",
                    t2 - t1,
                    t3 - t2,
                    t4 - t3,
                    t5 - t4,
                    hs.len()
                );
            }
            "raw" | "rawwal" => {
                let data: Vec<_> = (0..n).map(item).collect();
                let t = Instant::now();
                let mut c = rusqlite::Connection::open(&path).expect("open");
                if case == "rawwal" {
                    c.pragma_update(None, "journal_mode", "WAL").expect("wal");
                }
                let tx = c.transaction().expect("tx");
                raw_batch_insert(&tx, &data, 1000).expect("insert");
                let t1 = t.elapsed();
                tx.commit().expect("commit");
                println!("{case}: insert {t1:?} commit {:?}", t.elapsed() - t1);
            }
            "rawret" | "rawnoret" => {
                let data: Vec<_> = (0..n).map(item).collect();
                let t = Instant::now();
                let mut c = rusqlite::Connection::open(&path).expect("open");
                let tx = c.transaction().expect("tx");
                let mut sql = String::from(
                    "INSERT INTO items (name, email, score, active, created_at) VALUES ",
                );
                for k in 0..500 {
                    sql.push_str(if k == 0 {
                        "(?, ?, ?, ?, ?)"
                    } else {
                        ", (?, ?, ?, ?, ?)"
                    });
                }
                if case == "rawret" {
                    sql.push_str(" RETURNING id");
                }
                let mut ids = Vec::new();
                {
                    let mut st = tx.prepare_cached(&sql).expect("prep");
                    for chunk in data.chunks(500) {
                        let mut params: Vec<&dyn rusqlite::ToSql> = Vec::new();
                        for it in chunk {
                            params.extend([
                                &it.name as &dyn rusqlite::ToSql,
                                &it.email,
                                &it.score,
                                &it.active,
                                &it.created_at,
                            ]);
                        }
                        let mut rows = st.query(params.as_slice()).expect("q");
                        while let Some(r) = rows.next().expect("row") {
                            ids.push(r.get::<_, i64>(0).expect("id"));
                        }
                    }
                }
                let t1 = t.elapsed();
                tx.commit().expect("commit");
                println!(
                    "{case}: insert {t1:?} commit {:?} ({})",
                    t.elapsed() - t1,
                    ids.len()
                );
            }
            _ => {
                let mut c = rusqlite::Connection::open(&path).expect("open");
                let tx = c.transaction().expect("tx");
                let data: Vec<_> = (0..n).map(item).collect();
                raw_batch_insert(&tx, &data, 1000).expect("insert");
                tx.commit().expect("commit");
                if case == "rawload" {
                    let t = Instant::now();
                    let mut st = c
                        .prepare_cached(
                            "SELECT id, name, email, score, active, created_at FROM items",
                        )
                        .expect("prepare");
                    let rows: Vec<sqlkit_benches::items::Item> = st
                        .query_map([], sqlkit_benches::items::raw_item)
                        .expect("query")
                        .collect::<Result<_, _>>()
                        .expect("rows");
                    println!("rawload {:?} ({})", t.elapsed(), rows.len());
                    continue;
                }
                let t = Instant::now();
                let mut s = Session::new(&engine).expect("session");
                let hs = s
                    .query::<OrmItem>(select(OrmItem::table()))
                    .all()
                    .expect("query");
                let t1 = t.elapsed();
                let mut conn = engine.connect().expect("c");
                let rows: Vec<OrmItem> = conn.fetch_all(&select(OrmItem::table())).expect("f");
                let t2 = t.elapsed();
                println!(
                    "session {t1:?} core fetch_all {:?} ({} {})",
                    t2 - t1,
                    hs.len(),
                    rows.len()
                );
            }
        }
    }
}
