//! Build and render four statements on each dialect, four ways (see `cases.rs`):
//! `render/<dialect>/<case>/{sqlkit, sqlkit-keyed-cache, sqlkit-cached, sea-query, handwritten}`.
//!
//!     cargo bench -p sqlkit-benches --bench render
//!     scripts/bench-table.py           # the ratio table from criterion's results

use criterion::{criterion_group, criterion_main, Criterion};
use sqlkit_benches::*;
use std::hint::black_box;

fn render(c: &mut Criterion) {
    let i = Inputs::new();
    for db in Db::ALL {
        let d = db.dialect();
        let d = &*d;
        macro_rules! case {
            ($case:literal, $built:ident, $build:ident, $cached:ident, $values:ident, $sea:ident, $hand:ident) => {{
                let mut g = c.benchmark_group(format!("render/{}/{}", db.name(), $case));
                g.bench_function("sqlkit", |b| b.iter(|| $built(d, black_box(&i))));
                // Built every time, compiled once: the statement cache keyed by
                // structure that a connection uses.
                let mut cache = sqlkit::compile::StatementCache::new(16);
                g.bench_function("sqlkit-keyed-cache", |b| {
                    b.iter(|| cache.compile(&$build(black_box(&i)), d, false))
                });
                let cached = $cached(d).expect("compiles once");
                g.bench_function("sqlkit-cached", |b| {
                    b.iter(|| {
                        let values = $values(black_box(&i));
                        let (sql, params) = cached.bind(values).expect("binds");
                        black_box(sql);
                        params
                    })
                });
                g.bench_function("sea-query", |b| b.iter(|| $sea(db, black_box(&i))));
                g.bench_function("handwritten", |b| b.iter(|| $hand(db, black_box(&i))));
                g.finish();
            }};
        }
        case!("q1", sqlkit_q1, build_q1, cached_q1, values_q1, sea_q1, hand_q1);
        case!("q2", sqlkit_q2, build_q2, cached_q2, values_q2, sea_q2, hand_q2);
        case!("q3", sqlkit_q3, build_q3, cached_q3, values_q3, sea_q3, hand_q3);
        case!("q4", sqlkit_q4, build_q4, cached_q4, values_q4, sea_q4, hand_q4);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = render
}
criterion_main!(benches);
