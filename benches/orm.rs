//! The ORM's unit of work and loading against raw rusqlite, on a file database:
//! `orm/insert_100k/{rusqlite-batch, session}` (100,000 new objects, one commit; the
//! session reads every generated key back), `orm/load_100k/{rusqlite, session}`
//! (100,000 rows into structs, and into a session's identity map), and
//! `orm/selectin/{core, session}` (100 users × 10 posts × 10 comments: three queries
//! by hand over the Core, and one query with a selectinload chain).
//!
//!     cargo bench -p sqlkit-benches --bench orm

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sqlkit::expr::ExprOps;
use sqlkit::orm::{selectinload, OneToMany, Session};
use sqlkit::prelude::*;
use sqlkit_benches::items::{item, raw_batch_insert, raw_item, Item, CREATE};
use std::time::Duration;

const ROWS: i64 = 100_000;

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

fn orm_item(i: i64) -> OrmItem {
    let it = item(i);
    OrmItem {
        id: None,
        name: it.name,
        email: it.email,
        score: it.score,
        active: it.active,
        created_at: it.created_at,
    }
}

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
    fn count(&self) -> i64 {
        self.raw()
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            .expect("count")
    }
}

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
                let mut c = db.raw();
                let tx = c.transaction().expect("tx");
                raw_batch_insert(&tx, &data, 1000).expect("insert");
                tx.commit().expect("commit");
                db
            },
            BatchSize::PerIteration,
        )
    });
    let run = |db: &Fresh, objs: Vec<OrmItem>| {
        let mut s = Session::new(&db.engine()).expect("session");
        let hs = s.add_all(objs).expect("add");
        s.commit().expect("commit");
        hs
    };
    g.bench_function("session", |b| {
        b.iter_batched(
            || (Fresh::new(), objs.clone()),
            |(db, objs)| {
                run(&db, objs);
                db
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    let db = Fresh::new();
    run(&db, objs);
    assert_eq!(db.count(), ROWS);
}

fn load_100k(c: &mut Criterion) {
    let db = Fresh::new();
    {
        let mut c = db.raw();
        let tx = c.transaction().expect("tx");
        let data: Vec<Item> = (0..ROWS).map(item).collect();
        raw_batch_insert(&tx, &data, 1000).expect("insert");
        tx.commit().expect("commit");
    }
    let mut g = c.benchmark_group("orm/load_100k");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    let raw = db.raw();
    g.bench_function("rusqlite", |b| {
        b.iter(|| {
            let mut st = raw
                .prepare_cached("SELECT id, name, email, score, active, created_at FROM items")
                .expect("prepare");
            let rows: Vec<Item> = st
                .query_map([], raw_item)
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows");
            assert_eq!(rows.len() as i64, ROWS);
            rows
        })
    });
    let engine = db.engine();
    g.bench_function("session", |b| {
        b.iter(|| {
            let mut s = Session::new(&engine).expect("session");
            let hs = s
                .query::<OrmItem>(select(OrmItem::table()))
                .all()
                .expect("query");
            assert_eq!(hs.len() as i64, ROWS);
            s
        })
    });
    g.finish();
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "b_users", relationships(posts))]
struct BUser {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    name: String,
}
impl BUser {
    fn posts() -> OneToMany<BUser, BPost> {
        OneToMany::new("posts", BPost::table().user_id)
    }
}
#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "b_posts", relationships(comments))]
struct BPost {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(foreign_key = "b_users.id")]
    user_id: Option<i64>,
    title: String,
}
impl BPost {
    fn comments() -> OneToMany<BPost, BComment> {
        OneToMany::new("comments", BComment::table().post_id)
    }
}
#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "b_comments")]
struct BComment {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(foreign_key = "b_posts.id")]
    post_id: Option<i64>,
    body: String,
}

fn selectin(c: &mut Criterion) {
    let db = Fresh::new();
    let engine = db.engine();
    {
        let mut md = MetaData::new();
        md.add(BUser::table()).expect("md");
        md.add(BPost::table()).expect("md");
        md.add(BComment::table()).expect("md");
        engine
            .connect()
            .expect("c")
            .create_all(&md)
            .expect("create");
        let mut s = Session::new(&engine).expect("session");
        for i in 0..100 {
            let u = s
                .add(BUser {
                    id: None,
                    name: format!("user {i}"),
                })
                .expect("add");
            for j in 0..10 {
                let p = s
                    .add(BPost {
                        id: None,
                        user_id: None,
                        title: format!("post {i}.{j}"),
                    })
                    .expect("add");
                s.append(u, BUser::posts(), p).expect("append");
                for k in 0..10 {
                    let c = s
                        .add(BComment {
                            id: None,
                            post_id: None,
                            body: format!("comment {k}"),
                        })
                        .expect("add");
                    s.append(p, BPost::comments(), c).expect("append");
                }
            }
        }
        s.commit().expect("commit");
    }
    let (u, p, cm) = (BUser::table(), BPost::table(), BComment::table());
    let mut g = c.benchmark_group("orm/selectin");
    g.sample_size(20);
    let mut conn = engine.connect().expect("connect");
    g.bench_function("core", |b| {
        b.iter(|| {
            let users: Vec<BUser> = conn.fetch_all(&select(u)).expect("users");
            let ids: Vec<i64> = users.iter().filter_map(|x| x.id).collect();
            let posts: Vec<BPost> = conn
                .fetch_all(&select(p).where_(p.user_id.in_(ids)))
                .expect("posts");
            let ids: Vec<i64> = posts.iter().filter_map(|x| x.id).collect();
            let mut comments: Vec<BComment> = Vec::new();
            for chunk in ids.chunks(500) {
                comments.extend(
                    conn.fetch_all::<BComment>(&select(cm).where_(cm.post_id.in_(chunk.to_vec())))
                        .expect("comments"),
                );
            }
            assert_eq!(comments.len(), 10_000);
            (users, posts, comments)
        })
    });
    drop(conn);
    g.bench_function("session", |b| {
        b.iter(|| {
            let mut s = Session::new(&engine).expect("session");
            let users = s
                .query::<BUser>(select(u))
                .options(selectinload(BUser::posts()).selectinload(BPost::comments()))
                .all()
                .expect("query");
            assert_eq!(users.len(), 100);
            s
        })
    });
    g.finish();
}

criterion_group!(benches, insert_100k, load_100k, selectin);
criterion_main!(benches);
