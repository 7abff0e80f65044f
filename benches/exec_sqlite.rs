//! SQLite execution against raw rusqlite: 100,000 rows inserted in one transaction into
//! a file database with SQLite's default settings, and read back into structs.
//! `exec_sqlite/insert_100k/{rusqlite, rusqlite-batch, sqlkit-row, sqlkit-many,
//! sqlkit-records, sqlkit-batch}`, `exec_sqlite/select_100k/{rusqlite, sqlkit, sqlkit-fromrow}`. Every run's rows are
//! checked outside the timed part.
//!
//!     cargo bench -p sqlkit-benches --bench exec_sqlite

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sqlkit::prelude::*;
use sqlkit_benches::items::{
    insert_one, item, raw_batch_insert, raw_item, table, values, Item, COLUMNS, CREATE,
};
use std::hint::black_box;
use std::time::Duration;

const ROWS: i64 = 100_000;
const BATCH: usize = 1000;

/// A fresh file database in a fresh temporary directory, with the empty table.
struct Fresh {
    dir: tempfile::TempDir,
}

impl Fresh {
    fn new() -> Fresh {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = Fresh { dir };
        f.raw().execute_batch(CREATE).expect("create");
        f
    }
    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("bench.db")
    }
    fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path()).expect("open")
    }
    fn engine(&self) -> Engine {
        Engine::from_url(&format!("sqlite:///{}", self.path().display())).expect("engine")
    }
    /// Checks that the table holds exactly the rows `item(0..ROWS)`.
    fn verify(&self) {
        let c = self.raw();
        let (n, sum, last): (i64, i64, String) = c
            .query_row(
                "SELECT count(*), sum(created_at), (SELECT email FROM items WHERE id = 100000) FROM items",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("verify");
        assert_eq!(n, ROWS);
        assert_eq!(sum, (0..ROWS).map(|i| 1_700_000_000 + i).sum::<i64>());
        assert_eq!(last, "user99999@example.com");
    }
}

fn insert_100k(c: &mut Criterion) {
    let data: Vec<Item> = (0..ROWS).map(item).collect();
    let mut g = c.benchmark_group("exec_sqlite/insert_100k");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    let run =
        |g: &mut criterion::BenchmarkGroup<'_, _>, name: &str, f: &dyn Fn(&Fresh, &[Item])| {
            g.bench_function(name, |b| {
                b.iter_batched(
                    Fresh::new,
                    |db| {
                        f(&db, &data);
                        db
                    },
                    BatchSize::PerIteration,
                )
            });
            // The rows of one more run, checked outside the timed part.
            let db = Fresh::new();
            f(&db, &data);
            db.verify();
        };

    run(&mut g, "rusqlite", &|db, data| {
        let mut c = db.raw();
        let tx = c.transaction().expect("tx");
        {
            let mut st = tx
                .prepare_cached("INSERT INTO items (id, name, email, score, active, created_at) VALUES (?, ?, ?, ?, ?, ?)")
                .expect("prepare");
            for it in data {
                st.execute(rusqlite::params![
                    it.id,
                    it.name,
                    it.email,
                    it.score,
                    it.active,
                    it.created_at
                ])
                .expect("insert");
            }
        }
        tx.commit().expect("commit");
    });

    run(&mut g, "rusqlite-batch", &|db, data| {
        let mut c = db.raw();
        let tx = c.transaction().expect("tx");
        raw_batch_insert(&tx, data, BATCH).expect("insert");
        tx.commit().expect("commit");
    });

    let t = table().expect("table");
    run(&mut g, "sqlkit-row", &|db, data| {
        let mut conn = db.engine().connect().expect("connect");
        let tx = conn.begin().expect("begin");
        let mut tx = tx;
        for it in data {
            tx.execute(
                &insert(&t)
                    .value("id", it.id)
                    .value("name", it.name.as_str())
                    .value("email", it.email.as_str())
                    .value("score", it.score)
                    .value("active", i64::from(it.active))
                    .value("created_at", it.created_at),
            )
            .expect("insert");
        }
        tx.commit().expect("commit");
    });

    run(&mut g, "sqlkit-many", &|db, data| {
        let mut conn = db.engine().connect().expect("connect");
        let mut tx = conn.begin().expect("begin");
        tx.execute_many(&insert_one(&t), &COLUMNS, data.iter().map(values))
            .expect("insert");
        tx.commit().expect("commit");
    });

    run(&mut g, "sqlkit-records", &|db, data| {
        let mut conn = db.engine().connect().expect("connect");
        conn.insert_many(&t, data).expect("insert");
    });

    run(&mut g, "sqlkit-batch", &|db, data| {
        let mut conn = db.engine().connect().expect("connect");
        let mut tx = conn.begin().expect("begin");
        for chunk in data.chunks(BATCH) {
            let q = insert(&t).columns(COLUMNS).rows(chunk.iter().map(values));
            tx.execute(&q).expect("insert");
        }
        tx.commit().expect("commit");
    });
    g.finish();
}

fn select_100k(c: &mut Criterion) {
    let db = Fresh::new();
    {
        let mut conn = db.engine().connect().expect("connect");
        let t = table().expect("table");
        let mut tx = conn.begin().expect("begin");
        for chunk in (0..ROWS).map(item).collect::<Vec<_>>().chunks(BATCH) {
            tx.execute(&insert(&t).columns(COLUMNS).rows(chunk.iter().map(values)))
                .expect("insert");
        }
        tx.commit().expect("commit");
    }
    db.verify();
    let expected_last = item(ROWS - 1);
    let mut g = c.benchmark_group("exec_sqlite/select_100k");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    let raw = db.raw();
    let read_raw = || -> Vec<Item> {
        let mut st = raw
            .prepare_cached(
                "SELECT id, name, email, score, active, created_at FROM items ORDER BY id",
            )
            .expect("prepare");
        st.query_map([], raw_item)
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    g.bench_function("rusqlite", |b| b.iter(|| black_box(read_raw())));
    let rows = read_raw();
    assert_eq!(
        (rows.len() as i64, rows.last()),
        (ROWS, Some(&expected_last))
    );

    let engine = db.engine();
    let mut conn = engine.connect().expect("connect");
    let t = table().expect("table");
    let q = select(t.clone()).order_by(t.c("id").expect("id"));
    g.bench_function("sqlkit", |b| {
        b.iter(|| black_box(conn.query_as::<Item>(&q).expect("rows")))
    });
    let rows = conn.query_as::<Item>(&q).expect("rows");
    assert_eq!(
        (rows.len() as i64, rows.last()),
        (ROWS, Some(&expected_last))
    );
    g.bench_function("sqlkit-fromrow", |b| {
        b.iter(|| black_box(conn.fetch_all::<Item>(&q).expect("rows")))
    });
    let rows = conn.fetch_all::<Item>(&q).expect("rows");
    assert_eq!(
        (rows.len() as i64, rows.last()),
        (ROWS, Some(&expected_last))
    );
    g.finish();
}

criterion_group!(benches, insert_100k, select_100k);
criterion_main!(benches);
