//! One render case in a loop, for instruction counts under callgrind (which, unlike
//! wall time, repeat exactly on a shared machine):
//!
//!     cargo build --release -p sqlkit-benches --example profile
//!     valgrind --tool=callgrind target/release/examples/profile q1 10000
//!
//! Cases: `q1`..`q4` (sqlkit from scratch), `s1`..`s4` (sea-query), `k1`..`k4` (built
//! every time, compiled through the statement cache), `c2`, `c3` (compiled once,
//! re-bound), `h3` (hand-written); `none` measures the fixed start-up cost. A third
//! argument picks the dialect: `postgres` (the default), `mysql` or `sqlite`.
use sqlkit_benches::*;
use std::hint::black_box;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map(String::as_str).unwrap_or("q1");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let i = Inputs::new();
    let db = match args.get(3).map(String::as_str) {
        Some("mysql") => Db::Mysql,
        Some("sqlite") => Db::Sqlite,
        _ => Db::Postgres,
    };
    let d = db.dialect();
    let d = &*d;
    let c1 = if case == "c2" {
        Some(cached_q2(d).unwrap())
    } else {
        None
    };
    let c3 = if case == "c3" {
        Some(cached_q3(d).unwrap())
    } else {
        None
    };
    let mut cache = sqlkit::compile::StatementCache::new(16);
    for _ in 0..n {
        match case {
            "k1" => {
                black_box(cache.compile(&build_q1(black_box(&i)), d, false).unwrap());
            }
            "k2" => {
                black_box(cache.compile(&build_q2(black_box(&i)), d, false).unwrap());
            }
            "k3" => {
                black_box(cache.compile(&build_q3(black_box(&i)), d, false).unwrap());
            }
            "k4" => {
                black_box(cache.compile(&build_q4(black_box(&i)), d, false).unwrap());
            }
            "q1" => {
                black_box(sqlkit_q1(d, black_box(&i)).unwrap());
            }
            "q2" => {
                black_box(sqlkit_q2(d, black_box(&i)).unwrap());
            }
            "q3" => {
                black_box(sqlkit_q3(d, black_box(&i)).unwrap());
            }
            "q4" => {
                black_box(sqlkit_q4(d, black_box(&i)).unwrap());
            }
            "c2" => {
                let v = values_q2(black_box(&i));
                black_box(c1.as_ref().unwrap().bind(v).unwrap());
            }
            "c3" => {
                let v = values_q3(black_box(&i));
                black_box(c3.as_ref().unwrap().bind(v).unwrap());
            }
            "h3" => {
                black_box(hand_q3(db, black_box(&i)));
            }
            "s1" => {
                black_box(sea_q1(db, black_box(&i)));
            }
            "s2" => {
                black_box(sea_q2(db, black_box(&i)));
            }
            "s3" => {
                black_box(sea_q3(db, black_box(&i)));
            }
            "s4" => {
                black_box(sea_q4(db, black_box(&i)));
            }
            _ => {}
        }
    }
}
