//! The per-query shapes of Diesel's own benchmark suite (`diesel_bench`), for sqlkit and
//! for raw rusqlite; `benches/diesel` runs the same shapes through Diesel, in a build of
//! its own (Diesel's libsqlite3-sys cannot share one with rusqlite's). Each run makes a
//! file database from `benches/shapes/schema.sql`, runs the shape once to warm the
//! statement caches, then `iterations` times inside `measured`, which callgrind counts
//! alone (`scripts/shapes-compare.py` runs every side and shape and prints the table):
//!
//!     cargo build --release -p sqlkit-benches --example shapes
//!     valgrind --tool=callgrind --collect-atstart=no '--toggle-collect=*measured*' \
//!         target/release/examples/shapes sqlkit trivial 1 10000
//!
//! Shapes: `trivial N` (the first N users into structs), `join N` (users 1..=N with
//! black hair LEFT JOIN their posts into `(User, Option<Post>)`), `insert N` (one
//! multi-row INSERT of N users), `assoc` (users 1..=100, their posts by one IN query,
//! those posts' comments by another, grouped into a tree).
use sqlkit::prelude::*;
use std::collections::HashMap;
use std::hint::black_box;

#[derive(Debug, Clone, PartialEq, sqlkit::Table)]
#[sqlkit(table = "users")]
struct User {
    #[sqlkit(primary_key)]
    id: i64,
    name: String,
    hair_color: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table)]
#[sqlkit(table = "posts")]
struct Post {
    #[sqlkit(primary_key)]
    id: i64,
    user_id: i64,
    title: String,
    body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table)]
#[sqlkit(table = "comments")]
struct Comment {
    #[sqlkit(primary_key)]
    id: i64,
    post_id: i64,
    text: String,
}

const SCHEMA: &str = include_str!("../shapes/schema.sql");

/// A user, their posts, and each post's comments.
type Tree = Vec<(User, Vec<(Post, Vec<Comment>)>)>;

fn new_user(i: usize) -> (String, Option<&'static str>) {
    (
        format!("New user {i:05}, who signed up for the newsletter"),
        i.is_multiple_of(2).then_some("brown"),
    )
}

trait Side {
    fn trivial(&mut self, n: i64) -> Vec<User>;
    fn join(&mut self, n: i64) -> Vec<(User, Option<Post>)>;
    fn insert(&mut self, n: usize) -> usize;
    fn assoc(&mut self) -> Tree;
}

struct Sqlkit(Connection);

impl Side for Sqlkit {
    fn trivial(&mut self, n: i64) -> Vec<User> {
        let u = User::table();
        self.0
            .fetch_all(&select(u).order_by(u.id).limit(n))
            .expect("trivial")
    }
    fn join(&mut self, n: i64) -> Vec<(User, Option<Post>)> {
        let (u, p) = (User::table(), Post::table());
        self.0
            .fetch_all(
                &select((u, p))
                    .outerjoin(p, p.user_id.eq(u.id))
                    .where_(and_([u.id.le(n), u.hair_color.eq(Some("black"))]))
                    .order_by((u.id, p.id)),
            )
            .expect("join")
    }
    fn insert(&mut self, n: usize) -> usize {
        let u = User::table();
        let q = insert(u)
            .columns((u.name, u.hair_color))
            .rows((0..n).map(new_user));
        self.0.execute(&q).expect("insert").rows_affected as usize
    }
    fn assoc(&mut self) -> Tree {
        let (u, p, c) = (User::table(), Post::table(), Comment::table());
        let users: Vec<User> = self
            .0
            .fetch_all(&select(u).where_(u.id.le(100)).order_by(u.id))
            .expect("users");
        let posts: Vec<Post> = self
            .0
            .fetch_all(
                &select(p)
                    .where_(p.user_id.in_(users.iter().map(|x| x.id)))
                    .order_by(p.id),
            )
            .expect("posts");
        let comments: Vec<Comment> = self
            .0
            .fetch_all(
                &select(c)
                    .where_(c.post_id.in_(posts.iter().map(|x| x.id)))
                    .order_by(c.id),
            )
            .expect("comments");
        tree(users, posts, comments)
    }
}

/// Groups children under parents by key, as Diesel's `grouped_by` does.
fn tree(users: Vec<User>, posts: Vec<Post>, comments: Vec<Comment>) -> Tree {
    let mut by_post: HashMap<i64, Vec<Comment>> = HashMap::new();
    for c in comments {
        by_post.entry(c.post_id).or_default().push(c);
    }
    let mut by_user: HashMap<i64, Vec<(Post, Vec<Comment>)>> = HashMap::new();
    for p in posts {
        let cs = by_post.remove(&p.id).unwrap_or_default();
        by_user.entry(p.user_id).or_default().push((p, cs));
    }
    users
        .into_iter()
        .map(|u| {
            let ps = by_user.remove(&u.id).unwrap_or_default();
            (u, ps)
        })
        .collect()
}

/// sqlkit with the statements of `trivial` and `join` prepared once
/// ([`sqlkit::engine::Prepared`]); the other shapes as [`Sqlkit`].
struct SqlkitPrepared {
    inner: Sqlkit,
    trivial: Option<sqlkit::engine::Prepared>,
    join: Option<sqlkit::engine::Prepared>,
}

impl Side for SqlkitPrepared {
    fn trivial(&mut self, n: i64) -> Vec<User> {
        let conn = &mut self.inner.0;
        let p = self.trivial.get_or_insert_with(|| {
            let u = User::table();
            conn.prepare(
                &select(u).order_by(u.id).limit(bindparam::<i64>("n")),
                &["n"],
            )
            .expect("prepare")
        });
        p.fetch_all(conn, &[Value::Int(n)]).expect("trivial")
    }
    fn join(&mut self, n: i64) -> Vec<(User, Option<Post>)> {
        let conn = &mut self.inner.0;
        let p = self.join.get_or_insert_with(|| {
            let (u, p) = (User::table(), Post::table());
            conn.prepare(
                &select((u, p))
                    .outerjoin(p, p.user_id.eq(u.id))
                    .where_(and_([
                        u.id.le(bindparam::<i64>("n")),
                        u.hair_color.eq(bindparam::<Option<String>>("hair")),
                    ]))
                    .order_by((u.id, p.id)),
                &["n", "hair"],
            )
            .expect("prepare")
        });
        p.fetch_all(conn, &[Value::Int(n), Value::from("black")])
            .expect("join")
    }
    fn insert(&mut self, n: usize) -> usize {
        self.inner.insert(n)
    }
    fn assoc(&mut self) -> Tree {
        self.inner.assoc()
    }
}

struct Raw(rusqlite::Connection);

fn user_of(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(at)?,
        name: r.get(at + 1)?,
        hair_color: r.get(at + 2)?,
    })
}

fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        s.push_str(if i == 0 { "?" } else { ", ?" });
    }
    s
}

impl Side for Raw {
    fn trivial(&mut self, n: i64) -> Vec<User> {
        let mut st = self
            .0
            .prepare_cached("SELECT id, name, hair_color FROM users ORDER BY id LIMIT ?")
            .expect("prepare");
        st.query_map([n], |r| user_of(r, 0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }
    fn join(&mut self, n: i64) -> Vec<(User, Option<Post>)> {
        let mut st = self
            .0
            .prepare_cached(
                "SELECT users.id, users.name, users.hair_color, posts.id, posts.user_id, posts.title, posts.body \
                 FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id \
                 WHERE users.id <= ? AND users.hair_color = ? ORDER BY users.id, posts.id",
            )
            .expect("prepare");
        st.query_map(rusqlite::params![n, "black"], |r| {
            let post = match r.get::<_, Option<i64>>(3)? {
                Some(id) => Some(Post {
                    id,
                    user_id: r.get(4)?,
                    title: r.get(5)?,
                    body: r.get(6)?,
                }),
                None => None,
            };
            Ok((user_of(r, 0)?, post))
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
    }
    fn insert(&mut self, n: usize) -> usize {
        let sql = format!(
            "INSERT INTO users (name, hair_color) VALUES {}",
            (0..n).map(|_| "(?, ?)").collect::<Vec<_>>().join(", ")
        );
        let rows: Vec<_> = (0..n).map(new_user).collect();
        let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(n * 2);
        for (name, hair) in &rows {
            params.push(name);
            params.push(hair);
        }
        let mut st = self.0.prepare_cached(&sql).expect("prepare");
        st.execute(params.as_slice()).expect("insert")
    }
    fn assoc(&mut self) -> Tree {
        let users: Vec<User> = {
            let mut st = self
                .0
                .prepare_cached("SELECT id, name, hair_color FROM users WHERE id <= ? ORDER BY id")
                .expect("prepare");
            st.query_map([100i64], |r| user_of(r, 0))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows")
        };
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let posts: Vec<Post> = {
            let sql = format!(
                "SELECT id, user_id, title, body FROM posts WHERE user_id IN ({}) ORDER BY id",
                placeholders(ids.len())
            );
            let mut st = self.0.prepare_cached(&sql).expect("prepare");
            st.query_map(rusqlite::params_from_iter(&ids), |r| {
                Ok(Post {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    title: r.get(2)?,
                    body: r.get(3)?,
                })
            })
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
        };
        let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let comments: Vec<Comment> = {
            let sql = format!(
                "SELECT id, post_id, text FROM comments WHERE post_id IN ({}) ORDER BY id",
                placeholders(ids.len())
            );
            let mut st = self.0.prepare_cached(&sql).expect("prepare");
            st.query_map(rusqlite::params_from_iter(&ids), |r| {
                Ok(Comment {
                    id: r.get(0)?,
                    post_id: r.get(1)?,
                    text: r.get(2)?,
                })
            })
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
        };
        tree(users, posts, comments)
    }
}

/// Raw `postgres`: each SQL text prepared once and kept, rows read by index.
struct RawPg {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl RawPg {
    fn rows(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Vec<postgres::Row> {
        if !self.statements.contains_key(sql) {
            let st = self.client.prepare(sql).expect("prepare");
            self.statements.insert(sql.to_string(), st);
        }
        let st = &self.statements[sql];
        self.client.query(st, params).expect("query")
    }
}

fn pg_user(r: &postgres::Row, at: usize) -> User {
    User {
        id: r.get(at),
        name: r.get(at + 1),
        hair_color: r.get(at + 2),
    }
}

impl Side for RawPg {
    fn trivial(&mut self, n: i64) -> Vec<User> {
        self.rows(
            "SELECT id, name, hair_color FROM users ORDER BY id LIMIT $1",
            &[&n],
        )
        .iter()
        .map(|r| pg_user(r, 0))
        .collect()
    }
    fn join(&mut self, n: i64) -> Vec<(User, Option<Post>)> {
        self.rows(
            "SELECT users.id, users.name, users.hair_color, posts.id, posts.user_id, posts.title, posts.body \
             FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id \
             WHERE users.id <= $1 AND users.hair_color = $2 ORDER BY users.id, posts.id",
            &[&n, &"black"],
        )
        .iter()
        .map(|r| {
            let post = r.get::<_, Option<i64>>(3).map(|id| Post {
                id,
                user_id: r.get(4),
                title: r.get(5),
                body: r.get(6),
            });
            (pg_user(r, 0), post)
        })
        .collect()
    }
    fn insert(&mut self, n: usize) -> usize {
        let sql = format!(
            "INSERT INTO users (name, hair_color) VALUES {}",
            (0..n)
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows: Vec<_> = (0..n).map(new_user).collect();
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::with_capacity(n * 2);
        for (name, hair) in &rows {
            params.push(name);
            params.push(hair);
        }
        if !self.statements.contains_key(&sql) {
            let st = self.client.prepare(&sql).expect("prepare");
            self.statements.insert(sql.clone(), st);
        }
        let st = &self.statements[&sql];
        self.client.execute(st, &params).expect("insert") as usize
    }
    fn assoc(&mut self) -> Tree {
        let users: Vec<User> = self
            .rows(
                "SELECT id, name, hair_color FROM users WHERE id <= $1 ORDER BY id",
                &[&100i64],
            )
            .iter()
            .map(|r| pg_user(r, 0))
            .collect();
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let posts: Vec<Post> = self
            .rows(
                "SELECT id, user_id, title, body FROM posts WHERE user_id = ANY($1) ORDER BY id",
                &[&ids],
            )
            .iter()
            .map(|r| Post {
                id: r.get(0),
                user_id: r.get(1),
                title: r.get(2),
                body: r.get(3),
            })
            .collect();
        let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let comments: Vec<Comment> = self
            .rows(
                "SELECT id, post_id, text FROM comments WHERE post_id = ANY($1) ORDER BY id",
                &[&ids],
            )
            .iter()
            .map(|r| Comment {
                id: r.get(0),
                post_id: r.get(1),
                text: r.get(2),
            })
            .collect();
        tree(users, posts, comments)
    }
}

/// A schema of its own on the PostgreSQL server of `SHAPES_PG_URL`, made from
/// `schema-pg.sql` and dropped at the end; the URL that works in it.
struct PgSchema {
    url: String,
    name: String,
}

impl PgSchema {
    fn new() -> PgSchema {
        let url = std::env::var("SHAPES_PG_URL").expect("SHAPES_PG_URL, a PostgreSQL URL");
        let name = format!("shapes_{}", std::process::id());
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        c.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; SET search_path = {name}; {SCHEMA_PG}"
        ))
        .expect("schema");
        let sep = if url.contains('?') { '&' } else { '?' };
        PgSchema {
            url: format!("{url}{sep}options=-c%20search_path%3D{name}"),
            name,
        }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(url) = std::env::var("SHAPES_PG_URL") {
            if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
            }
        }
    }
}

const SCHEMA_PG: &str = include_str!("../shapes/schema-pg.sql");

/// What callgrind counts: `iterations` runs of the shape.
#[inline(never)]
fn measured(side: &mut dyn Side, shape: &str, size: usize, iterations: usize) -> usize {
    let mut check = 0;
    for _ in 0..iterations {
        check += run(side, shape, size);
    }
    check
}

/// One run of the shape; returns a count to check.
fn run(side: &mut dyn Side, shape: &str, size: usize) -> usize {
    match shape {
        "trivial" => black_box(side.trivial(size as i64)).len(),
        "join" => black_box(side.join(size as i64)).len(),
        "insert" => side.insert(size),
        "assoc" => {
            let t = black_box(side.assoc());
            t.iter()
                .map(|(_, ps)| ps.iter().map(|(_, cs)| cs.len()).sum::<usize>())
                .sum()
        }
        other => panic!("unknown shape {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [side, shape, size, iterations] = &args[..] else {
        eprintln!("usage: shapes sqlkit|prepared|raw[-pg] trivial|join|insert|assoc SIZE ITERATIONS (-pg: on SHAPES_PG_URL)");
        std::process::exit(2);
    };
    let (size, iterations): (usize, usize) = (size.parse().unwrap(), iterations.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shapes.db");
    let pg = side.ends_with("-pg").then(PgSchema::new);
    if pg.is_none() {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        c.execute_batch(SCHEMA).unwrap();
    }
    let url = match &pg {
        Some(pg) => pg.url.clone(),
        None => format!("sqlite:///{}", path.display()),
    };
    let connect = || Engine::from_url(&url).unwrap().connect().unwrap();
    let mut side: Box<dyn Side> = match side.as_str() {
        "sqlkit" | "sqlkit-pg" => Box::new(Sqlkit(connect())),
        "prepared" | "prepared-pg" => Box::new(SqlkitPrepared {
            inner: Sqlkit(connect()),
            trivial: None,
            join: None,
        }),
        "raw-pg" => {
            let client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            Box::new(RawPg {
                client,
                statements: HashMap::new(),
            })
        }
        "raw" => {
            let c = rusqlite::Connection::open(&path).unwrap();
            // The best raw rusqlite can do: plans kept whatever the bound values (see
            // the README: without it, a range or LIMIT parameter re-prepares).
            c.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
                true,
            )
            .unwrap();
            Box::new(Raw(c))
        }
        other => panic!("unknown side {other}"),
    };
    let once = run(&mut *side, shape, size);
    let start = std::time::Instant::now();
    let total = measured(&mut *side, shape, size, iterations);
    let took = start.elapsed();
    assert_eq!(total, once * iterations, "every run gives the same count");
    println!(
        "{} {shape} {size}: {once} a run, {:.1} us a run",
        args[0],
        took.as_secs_f64() * 1e6 / iterations as f64
    );
}
