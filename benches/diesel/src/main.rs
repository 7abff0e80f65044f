//! Diesel's side of the per-query shapes (see `benches/examples/shapes.rs`, which runs
//! sqlkit's and raw rusqlite's): the same schema and data, the same shapes, the same
//! command line, counted by callgrind in `measured` alone.
//!
//!     cargo build --release --manifest-path benches/diesel/Cargo.toml
//!     valgrind --tool=callgrind --collect-atstart=no '--toggle-collect=*measured*' \
//!         benches/diesel/target/release/sqlkit-diesel-shapes diesel trivial 1 10000
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use std::hint::black_box;

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        hair_color -> Nullable<Text>,
    }
}
diesel::table! {
    posts (id) {
        id -> BigInt,
        user_id -> BigInt,
        title -> Text,
        body -> Nullable<Text>,
    }
}
diesel::table! {
    comments (id) {
        id -> BigInt,
        post_id -> BigInt,
        text -> Text,
    }
}
diesel::joinable!(posts -> users (user_id));
diesel::joinable!(comments -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(users, posts, comments);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
struct User {
    id: i64,
    name: String,
    hair_color: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Associations)]
#[diesel(belongs_to(User))]
#[diesel(table_name = posts)]
struct Post {
    id: i64,
    user_id: i64,
    title: String,
    body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Associations)]
#[diesel(belongs_to(Post))]
#[diesel(table_name = comments)]
struct Comment {
    id: i64,
    post_id: i64,
    text: String,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_default_value = false)]
struct NewUser {
    name: String,
    hair_color: Option<&'static str>,
}

const SCHEMA: &str = include_str!("../../shapes/schema.sql");
const SCHEMA_PG: &str = include_str!("../../shapes/schema-pg.sql");

fn new_user(i: usize) -> NewUser {
    NewUser {
        name: format!("New user {i:05}, who signed up for the newsletter"),
        hair_color: i.is_multiple_of(2).then_some("brown"),
    }
}

type Tree = Vec<(User, Vec<(Post, Vec<Comment>)>)>;

/// The shapes for one backend's connection type (Diesel's queries are typed by it).
macro_rules! shapes {
    ($name:ident, $conn:ty) => {
        mod $name {
            use super::*;
            fn trivial(c: &mut $conn, n: i64) -> Vec<User> {
                users::table
                    .order(users::id)
                    .limit(n)
                    .select(User::as_select())
                    .load(c)
                    .expect("trivial")
            }

            fn join(c: &mut $conn, n: i64) -> Vec<(User, Option<Post>)> {
                users::table
                    .left_join(posts::table)
                    .filter(users::id.le(n))
                    .filter(users::hair_color.eq("black"))
                    .order((users::id, posts::id))
                    .select((User::as_select(), Option::<Post>::as_select()))
                    .load(c)
                    .expect("join")
            }

            fn insert(c: &mut $conn, n: usize) -> usize {
                let rows: Vec<NewUser> = (0..n).map(new_user).collect();
                diesel::insert_into(users::table)
                    .values(&rows)
                    .execute(c)
                    .expect("insert")
            }

            fn assoc(c: &mut $conn) -> Tree {
                let us: Vec<User> = users::table
                    .filter(users::id.le(100))
                    .order(users::id)
                    .select(User::as_select())
                    .load(c)
                    .expect("users");
                let ps: Vec<Post> = Post::belonging_to(&us)
                    .order(posts::id)
                    .select(Post::as_select())
                    .load(c)
                    .expect("posts");
                let cs: Vec<Comment> = Comment::belonging_to(&ps)
                    .order(comments::id)
                    .select(Comment::as_select())
                    .load(c)
                    .expect("comments");
                let cs = cs.grouped_by(&ps);
                let ps = ps.into_iter().zip(cs).grouped_by(&us);
                us.into_iter().zip(ps).collect()
            }

            pub fn run(c: &mut $conn, shape: &str, size: usize) -> usize {
                match shape {
                    "trivial" => black_box(trivial(c, size as i64)).len(),
                    "join" => black_box(join(c, size as i64)).len(),
                    "insert" => insert(c, size),
                    "assoc" => {
                        let t = black_box(assoc(c));
                        t.iter()
                            .map(|(_, ps)| ps.iter().map(|(_, cs)| cs.len()).sum::<usize>())
                            .sum()
                    }
                    other => panic!("unknown shape {other}"),
                }
            }
        }
    };
}
shapes!(lite, SqliteConnection);
shapes!(pg, diesel::pg::PgConnection);

/// What callgrind counts: `iterations` runs of the shape.
#[inline(never)]
fn measured(run: &mut dyn FnMut() -> usize, iterations: usize) -> usize {
    let mut check = 0;
    for _ in 0..iterations {
        check += run();
    }
    check
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [_side, shape, size, iterations] = &args[..] else {
        eprintln!("usage: sqlkit-diesel-shapes diesel[-pg] trivial|join|insert|assoc SIZE ITERATIONS (-pg: on SHAPES_PG_URL)");
        std::process::exit(2);
    };
    let (size, iterations): (usize, usize) = (size.parse().unwrap(), iterations.parse().unwrap());
    let (once, total, took) = if args[0].ends_with("-pg") {
        let base = std::env::var("SHAPES_PG_URL").expect("SHAPES_PG_URL, a PostgreSQL URL");
        let schema = format!("shapes_diesel_{}", std::process::id());
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let mut admin = diesel::pg::PgConnection::establish(&base).unwrap();
        diesel::connection::SimpleConnection::batch_execute(
            &mut admin,
            &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path = {schema}; {SCHEMA_PG}"),
        )
        .unwrap();
        let mut c = diesel::pg::PgConnection::establish(&url).unwrap();
        let once = pg::run(&mut c, shape, size);
        let start = std::time::Instant::now();
        let total = measured(&mut || pg::run(&mut c, shape, size), iterations);
        let took = start.elapsed();
        diesel::connection::SimpleConnection::batch_execute(
            &mut admin,
            &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        )
        .unwrap();
        (once, total, took)
    } else {
        let dir = std::env::temp_dir().join(format!("sqlkit-diesel-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("shapes.db");
        let _ = std::fs::remove_file(&path);
        let mut c = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        diesel::connection::SimpleConnection::batch_execute(&mut c, "PRAGMA journal_mode = WAL;")
            .unwrap();
        diesel::connection::SimpleConnection::batch_execute(&mut c, SCHEMA).unwrap();
        let once = lite::run(&mut c, shape, size);
        let start = std::time::Instant::now();
        let total = measured(&mut || lite::run(&mut c, shape, size), iterations);
        let took = start.elapsed();
        drop(c);
        let _ = std::fs::remove_dir_all(&dir);
        (once, total, took)
    };
    assert_eq!(total, once * iterations, "every run gives the same count");
    println!(
        "{} {shape} {size}: {once} a run, {:.1} us a run",
        args[0],
        took.as_secs_f64() * 1e6 / iterations as f64
    );
}
