//! The sqlkit side of the render benchmark's statements: the dialects, the models, the
//! inputs and the four statements built from scratch. Shared by the benchmarks (through
//! `cases.rs`) and the instruction-count guard (`benches/guard`), which links sqlkit alone.

use chrono::{DateTime, TimeZone, Utc};
use sqlkit::compile::Compiled;
use sqlkit::expr::func;
use sqlkit::prelude::*;

/// A dialect of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Postgres,
    Mysql,
    Sqlite,
}

impl Db {
    pub const ALL: [Db; 3] = [Db::Postgres, Db::Mysql, Db::Sqlite];
    pub fn name(self) -> &'static str {
        match self {
            Db::Postgres => "postgres",
            Db::Mysql => "mysql",
            Db::Sqlite => "sqlite",
        }
    }
    pub fn dialect(self) -> Box<dyn Dialect> {
        match self {
            Db::Postgres => Box::new(Postgres::default()),
            Db::Mysql => Box::new(Mysql::default()),
            Db::Sqlite => Box::new(Sqlite::default()),
        }
    }
}

#[derive(sqlkit::Table)]
#[sqlkit(table = "users")]
pub struct User {
    #[sqlkit(primary_key)]
    pub id: i64,
    #[sqlkit(string = 50)]
    pub username: String,
    #[sqlkit(string = 255)]
    pub email: String,
    pub is_active: bool,
}

#[derive(sqlkit::Table)]
#[sqlkit(table = "posts")]
pub struct Post {
    #[sqlkit(primary_key)]
    pub id: i64,
    #[sqlkit(string = 255)]
    pub title: String,
    #[sqlkit(string = 255)]
    pub slug: String,
    pub content: Option<String>,
    pub published: bool,
    pub views: i64,
    #[sqlkit(foreign_key = "users.id")]
    pub author_id: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlkit::Table)]
#[sqlkit(table = "comments")]
pub struct Comment {
    #[sqlkit(primary_key)]
    pub id: i64,
    #[sqlkit(foreign_key = "posts.id")]
    pub post_id: i64,
    pub body: String,
}

/// What the statements are built from: the same inputs for every implementation.
pub struct Inputs {
    pub q1: (bool, String, u64),
    pub q2: Q2,
    pub q3: Vec<Q3Row>,
    pub q4: (String, i64),
}

pub struct Q2 {
    pub published: bool,
    pub after: DateTime<Utc>,
    pub like_a: String,
    pub like_b: String,
    pub ids: [i64; 5],
    pub min_posts: i64,
    pub limit: u64,
    pub offset: u64,
}

pub struct Q3Row {
    pub title: String,
    pub slug: String,
    pub content: String,
    pub published: bool,
    pub author_id: i64,
}

impl Inputs {
    pub fn new() -> Self {
        Inputs {
            q1: (true, "%@example.com".into(), 20),
            q2: Q2 {
                published: true,
                after: Utc
                    .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                    .single()
                    .unwrap_or_default(),
                like_a: "%Python%".into(),
                like_b: "%SQLAlchemy%".into(),
                ids: [1, 2, 3, 4, 5],
                min_posts: 1,
                limit: 10,
                offset: 20,
            },
            q3: (0..100)
                .map(|i| Q3Row {
                    title: format!("Post number {i}"),
                    slug: format!("post-number-{i}"),
                    content: format!("The body of post {i}, a few words long."),
                    published: i % 2 == 0,
                    author_id: i % 7 + 1,
                })
                .collect(),
            q4: ("A new title".into(), 42),
        }
    }
}

impl Default for Inputs {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------- sqlkit, from scratch

/// Statement 1, built from the inputs.
pub fn build_q1(i: &Inputs) -> sqlkit::stmt::Select {
    let u = User::table();
    select((u.id, u.email))
        .where_(u.is_active.eq(i.q1.0) & u.email.like(i.q1.1.as_str()))
        .order_by(u.id)
        .limit(i.q1.2 as i64)
}

pub fn sqlkit_q1(d: &dyn Dialect, i: &Inputs) -> sqlkit::Result<Compiled> {
    build_q1(i).compile(d)
}

/// Statement 2, built from the inputs.
pub fn build_q2(i: &Inputs) -> sqlkit::stmt::Select {
    let (u, p, c) = (
        User::table().alias("u"),
        Post::table().alias("p"),
        Comment::table().alias("c"),
    );
    let q = &i.q2;
    select((u.username, func::count(p.id)))
        .select_from(u)
        .join(p, p.author_id.eq(u.id))
        .outerjoin(c, c.post_id.eq(p.id))
        .where_(
            p.published.eq(q.published)
                & p.created_at.gt(q.after)
                & (p.title.like(q.like_a.as_str()) | p.title.like(q.like_b.as_str()))
                & u.id.in_(q.ids),
        )
        .group_by(u.username)
        .having(func::count(p.id).gt(q.min_posts))
        .order_by(func::count(p.id).desc())
        .limit(q.limit as i64)
        .offset(q.offset as i64)
}

pub fn sqlkit_q2(d: &dyn Dialect, i: &Inputs) -> sqlkit::Result<Compiled> {
    build_q2(i).compile(d)
}

/// Statement 3, built from the inputs.
pub fn build_q3(i: &Inputs) -> sqlkit::stmt::Insert {
    let p = Post::table();
    insert(p)
        .columns((p.title, p.slug, p.content, p.published, p.author_id))
        .rows(i.q3.iter().map(|r| {
            (
                r.title.as_str(),
                r.slug.as_str(),
                r.content.as_str(),
                r.published,
                r.author_id,
            )
        }))
}

pub fn sqlkit_q3(d: &dyn Dialect, i: &Inputs) -> sqlkit::Result<Compiled> {
    build_q3(i).compile(d)
}

/// Statement 4, built from the inputs.
pub fn build_q4(i: &Inputs) -> sqlkit::stmt::Update {
    let p = Post::table();
    update(p)
        .set(p.views, p.views + literal::<i64>(1i64))
        .set(p.title, i.q4.0.as_str())
        .where_(p.id.eq(i.q4.1))
}

pub fn sqlkit_q4(d: &dyn Dialect, i: &Inputs) -> sqlkit::Result<Compiled> {
    build_q4(i).compile(d)
}
