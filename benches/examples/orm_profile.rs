//! The ORM benchmarks' cases (`sqlkit_benches::orm`) outside criterion:
//!
//!     cargo build --release -p sqlkit-benches --example orm_profile
//!     target/release/examples/orm_profile ratios [rounds]   # interleaved medians
//!     target/release/examples/orm_profile insert [rows]     # phase by phase
//!     valgrind --tool=callgrind target/release/examples/orm_profile insert 20000
//!
//! `ratios` runs each case's raw and sqlkit sides alternately, round after round, and
//! prints the median of each and of their ratios: on a machine whose speed drifts (a
//! shared host), alternating keeps both sides under the same conditions.
use sqlkit::orm::Session;
use sqlkit_benches::items::{item, Item};
use sqlkit_benches::orm::*;
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Times `a` and `b` alternately `rounds` times; prints the medians and the median ratio.
fn interleaved(
    name: &str,
    rounds: usize,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) {
    let (mut ta, mut tb, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let x = ms(a());
        let y = ms(b());
        ta.push(x);
        tb.push(y);
        r.push(y / x);
    }
    println!(
        "{name}: raw {:.2} ms, sqlkit {:.2} ms, ratio {:.2}× (median of {rounds} alternating rounds)",
        median(ta),
        median(tb),
        median(r)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map(String::as_str).unwrap_or("ratios");
    let n: i64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(ROWS);
    match case {
        "ratios" => {
            let rounds = n.clamp(1, 1000) as usize;
            let rounds = if args.get(2).is_some() { rounds } else { 15 };
            let data: Vec<Item> = (0..ROWS).map(item).collect();
            let objs: Vec<OrmItem> = (0..ROWS).map(orm_item).collect();
            interleaved(
                "insert 100k",
                rounds,
                || {
                    let db = Fresh::new();
                    let t = Instant::now();
                    insert_raw(&db, &data);
                    t.elapsed()
                },
                || {
                    let db = Fresh::new();
                    let objs = objs.clone();
                    let t = Instant::now();
                    insert_session(&db, objs);
                    t.elapsed()
                },
            );
            let db = Fresh::filled();
            let raw = db.raw();
            let engine = db.engine();
            let load_raw_timed = || {
                let t = Instant::now();
                drop(load_raw(&raw));
                t.elapsed()
            };
            interleaved("load 100k", rounds, load_raw_timed, || {
                let t = Instant::now();
                drop(load_session(&engine));
                t.elapsed()
            });
            let mut conn = engine.connect().expect("connect");
            interleaved(
                "load 100k, the Core's fetch_all (for scale)",
                rounds,
                load_raw_timed,
                || {
                    let t = Instant::now();
                    let rows: Vec<OrmItem> = conn
                        .fetch_all(&sqlkit::prelude::select(OrmItem::table()))
                        .expect("rows");
                    drop(rows);
                    t.elapsed()
                },
            );
            drop(conn);
            let db = Fresh::new();
            let engine = db.engine();
            seed_selectin(&engine);
            let mut conn = engine.connect().expect("connect");
            interleaved(
                "selectin 100×10×10",
                rounds * 10,
                || {
                    let t = Instant::now();
                    drop(selectin_core(&mut conn));
                    t.elapsed()
                },
                || {
                    let t = Instant::now();
                    drop(selectin_session(&engine));
                    t.elapsed()
                },
            );
        }
        "insert" => {
            let db = Fresh::new();
            let engine = db.engine();
            let objs: Vec<OrmItem> = (0..n).map(orm_item).collect();
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
        "raw" => {
            let db = Fresh::new();
            let data: Vec<Item> = (0..n).map(item).collect();
            let t = Instant::now();
            insert_raw(&db, &data);
            println!("raw insert {:?}", t.elapsed());
        }
        "selectin" | "selectin-core" => {
            let db = Fresh::new();
            let engine = db.engine();
            seed_selectin(&engine);
            let mut conn = engine.connect().expect("connect");
            let t = Instant::now();
            for _ in 0..n.clamp(1, 100_000) {
                if case == "selectin" {
                    drop(selectin_session(&engine));
                } else {
                    drop(selectin_core(&mut conn));
                }
            }
            println!("{case} x{n}: {:?}", t.elapsed());
        }
        other => eprintln!("unknown case {other}: ratios, insert, raw, selectin or selectin-core"),
    }
}
