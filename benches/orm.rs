//! The ORM's unit of work and loading against raw rusqlite, on a file database:
//! `orm/insert_100k/{rusqlite-batch, session}` (100,000 new objects, one commit; the
//! session reads every generated key back), `orm/load_100k/{rusqlite, session}`
//! (100,000 rows into structs, and into a session's identity map), and
//! `orm/selectin/{core, session}` (100 users × 10 posts × 10 comments: three queries
//! by hand over the Core, and one query with a selectinload chain), and
//! `orm/query_in_session/{10, 100k}` (one query by key, autoflush included, in a
//! session holding 10 or 100,000 loaded objects: the same cost, since autoflush looks
//! only at the objects handed out for change). The cases live in
//! `sqlkit_benches::orm`; `examples/orm_profile.rs ratios` runs them interleaved.
//!
//!     cargo bench -p sqlkit-benches --bench orm

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sqlkit_benches::items::{item, Item};
use sqlkit_benches::orm::*;
use std::time::Duration;

fn insert_100k(c: &mut Criterion) {
    let data: Vec<Item> = (0..ROWS).map(item).collect();
    let objs: Vec<OrmItem> = (0..ROWS).map(orm_item).collect();
    let mut g = c.benchmark_group("orm/insert_100k");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    g.bench_function("rusqlite-batch", |b| {
        b.iter_batched(
            Fresh::new,
            |db| {
                insert_raw(&db, &data);
                db
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("session", |b| {
        b.iter_batched(
            || (Fresh::new(), objs.clone()),
            |(db, objs)| {
                insert_session(&db, objs);
                db
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    let db = Fresh::new();
    insert_session(&db, objs);
    assert_eq!(db.count(), ROWS);
}

fn load_100k(c: &mut Criterion) {
    let db = Fresh::filled();
    let mut g = c.benchmark_group("orm/load_100k");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    let raw = db.raw();
    g.bench_function("rusqlite", |b| {
        b.iter(|| {
            let rows = load_raw(&raw);
            assert_eq!(rows.len() as i64, ROWS);
            rows
        })
    });
    let engine = db.engine();
    g.bench_function("session", |b| b.iter(|| load_session(&engine)));
    g.finish();
}

fn selectin(c: &mut Criterion) {
    let db = Fresh::new();
    let engine = db.engine();
    seed_selectin(&engine);
    let mut g = c.benchmark_group("orm/selectin");
    g.sample_size(20);
    let mut conn = engine.connect().expect("connect");
    g.bench_function("core", |b| b.iter(|| selectin_core(&mut conn)));
    drop(conn);
    g.bench_function("session", |b| b.iter(|| selectin_session(&engine)));
    g.finish();
}

fn query_in_session_size(c: &mut Criterion) {
    let db = Fresh::filled();
    let engine = db.engine();
    let mut g = c.benchmark_group("orm/query_in_session");
    for (label, n) in [("10", 10), ("100k", ROWS)] {
        let mut s = session_holding(&engine, n);
        let mut id = 0;
        g.bench_function(label, |b| {
            b.iter(|| {
                id = id % 10 + 1;
                query_in_session(&mut s, id)
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    insert_100k,
    load_100k,
    selectin,
    query_in_session_size
);
criterion_main!(benches);
