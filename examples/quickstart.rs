//! The blog from the SQLAlchemy 2.0 guide, on sqlkit: models, tables, inserts, the
//! guide's queries, an update, a delete, transactions and a savepoint.
//!
//! Runs on embedded SQLite by default; `DATABASE_URL` picks another database.
//!
//!     cargo run --example quickstart

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use sqlkit::expr::func;
use sqlkit::prelude::*;

#[derive(Debug, Serialize, Deserialize, sqlkit::Table)]
#[sqlkit(table = "users")]
struct User {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(string = 255, unique, index)]
    email: String,
    #[sqlkit(string = 50, unique)]
    username: String,
    #[sqlkit(string = 255)]
    password: String,
    #[sqlkit(default = true)]
    is_active: bool,
    #[sqlkit(default = now)]
    created_at: Option<DateTime<Utc>>,
    #[sqlkit(default = now, on_update = now)]
    updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, Deserialize, sqlkit::Table)]
#[sqlkit(table = "posts")]
struct Post {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(string = 255)]
    title: String,
    #[sqlkit(string = 255, unique, index)]
    slug: String,
    content: Option<String>,
    #[sqlkit(default = false)]
    published: bool,
    #[sqlkit(default = 0)]
    views: i64,
    // Names a table by string: declaration order does not matter.
    #[sqlkit(foreign_key = "users.id", on_delete = "cascade")]
    author_id: i64,
    #[sqlkit(default = now)]
    created_at: Option<DateTime<Utc>>,
}

fn main() -> sqlkit::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://".to_string());
    let engine = Engine::from_url(&url)?;
    let (users, posts) = (User::table(), Post::table());

    let mut metadata = MetaData::new();
    metadata.add(posts)?.add(users)?;
    let mut conn = engine.connect()?;
    conn.drop_all(&metadata)?;
    conn.create_all(&metadata)?;
    println!("created tables on {}", conn.dialect().name());

    // create_user(): insert, and read the assigned id back (the guide's refresh()).
    let mut ids = Vec::new();
    for (name, active) in [("john", true), ("jane", true), ("bob", false)] {
        let user = User {
            id: None,
            email: format!("{name}@example.com"),
            username: name.to_string(),
            password: "hashed".into(),
            is_active: active,
            created_at: None,
            updated_at: None,
        };
        let r = conn.execute(&insert(users).record(&user))?;
        ids.push(r.last_insert_id.unwrap_or_default());
    }
    println!("inserted users with ids {ids:?}");

    // Many posts in one statement.
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single();
    let rows = [
        ("Python tips", "python-tips", true, ids[0], 10),
        (
            "SQLAlchemy tutorial",
            "sqlalchemy-tutorial",
            true,
            ids[0],
            42,
        ),
        ("Draft", "draft", false, ids[1], 0),
        ("Rust 100%_done", "rust", true, ids[1], 7),
    ];
    let mut q = insert(posts).columns((
        posts.title,
        posts.slug,
        posts.published,
        posts.author_id,
        posts.views,
        posts.created_at,
    ));
    for (i, (title, slug, published, author, views)) in rows.into_iter().enumerate() {
        let at = start.map(|s| s + chrono::Duration::days(i as i64 * 30));
        q = q.row((title, slug, published, author, views, at));
    }
    conn.execute(&q)?;

    // get_user_by_email()
    let john: User =
        conn.query_one_as(&select(users).where_(users.email.eq("john@example.com")))?;
    println!(
        "by email: {} <{}> active={}",
        john.username, john.email, john.is_active
    );

    // The guide's filters.
    let after = Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).single();
    let q = select((posts.id, posts.title))
        .where_(and_([
            posts.published.eq(true),
            posts.created_at.gt(after),
            or_([
                posts.title.contains("Python"),
                posts.title.contains("SQLAlchemy"),
            ]),
        ]))
        .order_by(desc(posts.created_at));
    for r in conn.query(&q)? {
        println!(
            "published, recent, about Python/SQLAlchemy: {}",
            r.get::<String, _>("title")?
        );
    }
    let tutorials = conn.query(&select(posts.title).where_(posts.title.ilike("%tutorial%")))?;
    println!("ilike %tutorial%: {} post(s)", tutorials.len());
    let literal_pct = conn.query(&select(posts.title).where_(posts.title.contains("100%_")))?;
    println!("contains '100%_' (escaped): {} post(s)", literal_pct.len());
    let no_content = conn.query(&select(posts.id).where_(posts.content.is_null()))?;
    println!("posts without content: {}", no_content.len());

    // Join and aggregate with group by / having.
    let post_count = func::count(posts.id);
    let q = select((users.username, post_count.clone().label("post_count")))
        .join(posts, posts.author_id.eq(users.id))
        .group_by(users.username)
        .having(post_count.gt(1))
        .order_by(users.username);
    for r in conn.query(&q)? {
        println!(
            "{} wrote {} posts",
            r.get::<String, _>(0)?,
            r.get::<i64, _>(1)?
        );
    }

    // Scalar subquery and EXISTS.
    let subq = select(func::count(posts.id))
        .where_(posts.author_id.eq(users.id))
        .scalar_subquery();
    let q = select((users.username, subq.label("post_count"))).order_by(users.id);
    for r in conn.query(&q)? {
        println!(
            "subquery: {} -> {}",
            r.get::<String, _>(0)?,
            r.get::<i64, _>(1)?
        );
    }
    let authors: Vec<String> = conn
        .query(&select(users.username).where_(exists(
            select(posts.id).where_(posts.author_id.eq(users.id)),
        )))?
        .into_iter()
        .map(|r| r.get(0))
        .collect::<Result<_>>()?;
    println!("users with posts: {authors:?}");

    // Update with an expression, delete, count.
    let r = conn.execute(
        &update(posts)
            .set(posts.views, posts.views + 1)
            .where_(posts.published.eq(true)),
    )?;
    println!("bumped views on {} posts", r.rows_affected);
    conn.execute(&delete(posts).where_(posts.slug.eq("draft")))?;
    let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(posts))?;
    println!("{n} posts left");

    // Transactions: an error rolls back; a savepoint rolls back on its own.
    let failed: Result<()> = conn.transaction(|tx| {
        tx.execute(&delete(posts))?;
        Err(Error::NoRows)
    });
    println!("failed transaction rolled back: {}", failed.is_err());
    conn.transaction(|tx| -> Result<()> {
        tx.execute(
            &update(users)
                .set(users.is_active, true)
                .where_(users.username.eq("bob")),
        )?;
        let sp = tx.savepoint()?;
        drop(sp); // rolled back on drop
        Ok(())
    })?;
    let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(posts))?;
    println!("still {n} posts");

    // One statement, three dialects.
    let q = select((posts.author_id, func::count(posts.id).label("post_count")))
        .where_(posts.title.ilike("%rust%"))
        .group_by(posts.author_id)
        .limit(10);
    for d in [
        &Postgres::default() as &dyn Dialect,
        &Mysql::default(),
        &Sqlite::default(),
    ] {
        let c = q.compile(d)?;
        println!("{:<10} {}  {:?}", d.name(), c.sql, c.params);
    }
    Ok(())
}
