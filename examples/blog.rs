//! The guide's whole blog on sqlkit: users, posts, comments with reply threads, and
//! tags through the `post_tags` association table; every query of the guide, the
//! guide's eager loading done with explicit joins and IN queries, and the rest of SQL
//! (CTEs, window functions, set operations, upserts).
//!
//! Runs on embedded SQLite by default; `DATABASE_URL` picks another database:
//!
//!     cargo run --example blog
//!     DATABASE_URL=postgresql://user:pw@127.0.0.1/db cargo run --all-features --example blog

use chrono::{DateTime, TimeZone, Utc};
use sqlkit::expr::func;
use sqlkit::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, serde::Serialize, sqlkit::Table)]
#[sqlkit(table = "users")]
struct User {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(string = 255, unique, index)]
    email: String,
    #[sqlkit(string = 50, unique)]
    username: String,
    #[sqlkit(default = true)]
    is_active: bool,
    #[sqlkit(default = now)]
    created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, serde::Serialize, sqlkit::Table)]
#[sqlkit(table = "posts")]
struct Post {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(string = 255)]
    title: String,
    content: Option<String>,
    #[sqlkit(default = false)]
    published: bool,
    #[sqlkit(default = 0)]
    views: i64,
    #[sqlkit(foreign_key = "users.id", on_delete = "cascade")]
    author_id: i64,
    created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, serde::Serialize, sqlkit::Table)]
#[sqlkit(table = "comments")]
struct Comment {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(text)]
    content: String,
    #[sqlkit(foreign_key = "posts.id", on_delete = "cascade")]
    post_id: i64,
    #[sqlkit(foreign_key = "users.id")]
    user_id: i64,
    #[sqlkit(foreign_key = "comments.id", on_delete = "cascade")]
    parent_id: Option<i64>,
}

#[derive(Debug, Clone, serde::Serialize, sqlkit::Table)]
#[sqlkit(table = "tags")]
struct Tag {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(string = 50, unique)]
    name: String,
}

#[derive(Debug, Clone, serde::Serialize, sqlkit::Table)]
#[sqlkit(table = "post_tags", primary_key(post_id, tag_id))]
struct PostTag {
    #[sqlkit(foreign_key = "posts.id", on_delete = "cascade")]
    post_id: i64,
    #[sqlkit(foreign_key = "tags.id", on_delete = "cascade")]
    tag_id: i64,
}

/// A query's own shape, read by name without serde.
#[derive(Debug, sqlkit::FromRow)]
struct AuthorStats {
    username: String,
    post_count: i64,
}

fn main() -> Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://".into());
    let engine = Engine::from_url(&url)?;
    let (users, posts, comments, tags, post_tags) = (
        User::table(),
        Post::table(),
        Comment::table(),
        Tag::table(),
        PostTag::table(),
    );
    let mut md = MetaData::new();
    for t in [
        users.as_table(),
        posts.as_table(),
        comments.as_table(),
        tags.as_table(),
        post_tags.as_table(),
    ] {
        md.add(t)?;
    }
    let mut conn = engine.connect()?;
    conn.drop_all(&md)?;
    conn.create_all(&md)?;
    println!("blog tables on {}", conn.dialect().name());

    // --- create_user / create_post: the rows, in one transaction.
    conn.transaction(|tx| -> Result<()> {
        for name in ["john", "jane", "bob"] {
            tx.execute(&insert(users).record(&User {
                id: None,
                email: format!("{name}@example.com"),
                username: name.into(),
                is_active: name != "bob",
                created_at: None,
            }))?;
        }
        let day = |d: u32| Utc.with_ymd_and_hms(2024, 1, d, 12, 0, 0).single();
        let rows = [
            (
                "Python tips",
                Some("Use list comprehensions."),
                true,
                1,
                10,
                3,
            ),
            (
                "SQLAlchemy Tutorial",
                Some("Sessions and queries."),
                true,
                1,
                42,
                10,
            ),
            ("Rust & SQL", None, true, 2, 7, 20),
            ("Draft", None, false, 2, 0, 25),
        ];
        let mut q = insert(posts).columns((
            posts.title,
            posts.content,
            posts.published,
            posts.author_id,
            posts.views,
            posts.created_at,
        ));
        for (title, content, published, author, views, d) in rows {
            q = q.row((
                title,
                content,
                published,
                author as i64,
                views as i64,
                day(d),
            ));
        }
        tx.execute(&q)?;
        // A reply thread: each comment answers the one before.
        let mut parent: Option<i64> = None;
        for (who, text) in [
            (2i64, "Great post!"),
            (1, "Thanks!"),
            (3, "Agreed."),
            (2, "Me too."),
        ] {
            let r = tx.execute(
                &insert(comments)
                    .value(comments.content, text)
                    .value(comments.post_id, 1i64)
                    .value(comments.user_id, who)
                    .value(comments.parent_id, parent),
            )?;
            parent = r.last_insert_id;
        }
        for name in ["python", "sql", "rust"] {
            tx.execute(&insert(tags).value(tags.name, name))?;
        }
        tx.execute(
            &insert(post_tags)
                .columns((post_tags.post_id, post_tags.tag_id))
                .rows([(1i64, 1i64), (2, 1), (2, 2), (3, 2), (3, 3)]),
        )?;
        Ok(())
    })?;

    // --- get_user / get_user_by_email / get_users(skip, limit)
    let john: User = conn.fetch_one(&select(users).where_(users.id.eq(1)))?;
    let jane: Option<User> =
        conn.fetch_optional(&select(users).where_(users.email.eq("jane@example.com")))?;
    let page: Vec<User> = conn.fetch_all(&select(users).order_by(users.id).offset(1).limit(10))?;
    println!(
        "get_user: {}; by email: {:?}; page 2: {}",
        john.username,
        jane.map(|u| u.username),
        page.len()
    );

    // --- The guide's filters and ordering.
    let active: Vec<User> = conn.fetch_all(&select(users).where_(users.is_active.eq(true)))?;
    let recent_python: Vec<String> = conn.fetch_all(
        &select(posts.title)
            .where_(posts.published.eq(true))
            .where_(
                posts
                    .created_at
                    .gt(Utc.with_ymd_and_hms(2024, 1, 5, 0, 0, 0).single()),
            )
            .where_(posts.title.contains("Python") | posts.title.contains("SQLAlchemy")),
    )?;
    let tutorials: Vec<String> =
        conn.fetch_all(&select(posts.title).where_(posts.title.ilike("%tutorial%")))?;
    let some: Vec<i64> = conn.fetch_all(&select(users.id).where_(users.id.in_([1, 2, 3, 4, 5])))?;
    let empty: Vec<String> =
        conn.fetch_all(&select(posts.title).where_(posts.content.is_null()))?;
    let ordered: Vec<String> =
        conn.fetch_all(&select(posts.title).order_by((desc(posts.created_at), asc(posts.title))))?;
    let authors: Vec<i64> =
        conn.fetch_all(&select(posts.author_id).distinct().order_by(posts.author_id))?;
    println!(
        "{} active; recent Python/SQLAlchemy {recent_python:?}; tutorials {tutorials:?}; ids {some:?}; \
         without content {empty:?}; newest first {ordered:?}; authors {authors:?}",
        active.len()
    );

    // --- Joins: into tuples of structs; an outer join's missing side is None.
    let pairs: Vec<(Post, User)> = conn.fetch_all(
        &select((posts, users))
            .join(users, posts.author_id.eq(users.id))
            .order_by(posts.id),
    )?;
    for (p, u) in &pairs {
        println!("join: {:<20} by {}", p.title, u.username);
    }
    let with_posts: Vec<(User, Option<Post>)> = conn.fetch_all(
        &select((users, posts))
            .outerjoin(posts, posts.author_id.eq(users.id))
            .order_by((users.id, posts.id)),
    )?;
    let without: Vec<&str> = with_posts
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(u, _)| u.username.as_str())
        .collect();
    println!("outer join: users without posts {without:?}");

    // --- Eager loading without a session: users, then their posts and those posts'
    // comments with one IN query each (the guide's selectinload).
    let everyone: Vec<User> = conn.fetch_all(&select(users).order_by(users.id))?;
    let ids: Vec<i64> = everyone.iter().filter_map(|u| u.id).collect();
    let their_posts: Vec<Post> = conn.fetch_all(
        &select(posts)
            .where_(posts.author_id.in_(ids))
            .order_by(posts.id),
    )?;
    let post_ids: Vec<i64> = their_posts.iter().filter_map(|p| p.id).collect();
    let their_comments: Vec<(Comment, User)> = conn.fetch_all(
        &select((comments, users))
            .join(users, comments.user_id.eq(users.id))
            .where_(comments.post_id.in_(post_ids))
            .order_by(comments.id),
    )?;
    let mut by_post: HashMap<i64, Vec<String>> = HashMap::new();
    for (c, u) in their_comments {
        by_post
            .entry(c.post_id)
            .or_default()
            .push(format!("{}: {}", u.username, c.content));
    }
    for u in &everyone {
        for p in their_posts.iter().filter(|p| Some(p.author_id) == u.id) {
            let n = p.id.and_then(|id| by_post.get(&id)).map_or(0, Vec::len);
            println!("loaded: {} / {} ({n} comments)", u.username, p.title);
        }
    }

    // --- Many-to-many through post_tags.
    let tagged: Vec<(String, String)> = conn.fetch_all(
        &select((posts.title, tags.name))
            .join(post_tags, post_tags.post_id.eq(posts.id))
            .join(tags, tags.id.eq(post_tags.tag_id))
            .order_by((posts.id, tags.name)),
    )?;
    println!("tags: {tagged:?}");

    // --- Aggregates: counts, group by, having, min/max/avg.
    let n_users: i64 = conn.fetch_one(&select(func::count_star()).select_from(users))?;
    let n_active: i64 = conn.fetch_one(
        &select(func::count_star())
            .select_from(users)
            .where_(users.is_active.eq(true)),
    )?;
    let post_count = func::count(posts.id);
    let stats: Vec<AuthorStats> = conn.fetch_all(
        &select((users.username, post_count.clone().label("post_count")))
            .join(posts, posts.author_id.eq(users.id))
            .group_by(users.username)
            .having(post_count.gt(1))
            .order_by(users.username),
    )?;
    let (first, last, avg_len): (Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<f64>) = conn
        .fetch_one(&select((
            func::min(posts.created_at),
            func::max(posts.created_at),
            func::avg(func::length(posts.content)),
        )))?;
    println!(
        "{n_users} users, {n_active} active; prolific {:?}; first {first:?}, last {last:?}, \
         average content length {avg_len:?}",
        stats
            .iter()
            .map(|s| format!("{} ({})", s.username, s.post_count))
            .collect::<Vec<_>>()
    );

    // --- Subqueries: a correlated count, EXISTS.
    let counted: Vec<(String, i64)> = conn.fetch_all(
        &select((
            users.username,
            select(func::count(posts.id))
                .where_(posts.author_id.eq(users.id))
                .scalar_subquery()
                .label("post_count"),
        ))
        .order_by(users.id),
    )?;
    let writers: Vec<String> = conn.fetch_all(
        &select(users.username)
            .where_(exists(
                select(posts.id).where_(posts.author_id.eq(users.id)),
            ))
            .order_by(users.username),
    )?;
    println!("posts per user {counted:?}; writers {writers:?}");

    // --- The rest of SQL: a recursive CTE (the reply thread), a window, a union.
    let root = select((
        comments.id,
        comments.content,
        literal::<i64>(0i64).label("depth"),
    ))
    .where_(comments.parent_id.is_null())
    .cte("thread");
    let depth = root.column::<i64>("depth")?;
    let up = root.column::<i64>("id")?;
    let thread = root.clone().union_all(
        select((comments.id, comments.content, depth + 1)).join(root, comments.parent_id.eq(up)),
    );
    let replies: Vec<(String, i64)> = conn.fetch_all(
        &select((thread.c("content")?, thread.c("depth")?))
            .select_from(thread.clone())
            .order_by(thread.c("depth")?),
    )?;
    println!("thread: {replies:?}");
    let ranked: Vec<(String, i64)> = conn.fetch_all(
        &select((
            posts.title,
            func::rank()
                .over(Window::new().order_by(posts.views.desc()))
                .label("rank"),
        ))
        .order_by(posts.views.desc()),
    )?;
    println!("by views: {ranked:?}");
    let names: Vec<String> = conn.fetch_all(
        &select(users.username.label("name"))
            .union(select(tags.name))
            .order_by(users.username),
    )?;
    println!("users and tags: {names:?}");

    // --- update_user / delete_user; an upsert; a savepoint.
    conn.execute(
        &update(posts)
            .set(posts.views, posts.views + 1)
            .where_(posts.published.eq(true)),
    )?;
    conn.execute(
        &insert(tags)
            .value(tags.name, "rust")
            .on_conflict([tags.name])
            .do_nothing(),
    )?;
    conn.transaction(|tx| -> Result<()> {
        // delete_user: bob's comments (and the replies under them), then bob.
        tx.execute(&delete(comments).where_(comments.user_id.eq(3)))?;
        tx.execute(&delete(users).where_(users.username.eq("bob")))?;
        let mut sp = tx.savepoint()?;
        sp.execute(&delete(posts))?; // undone: the savepoint is dropped
        Ok(())
    })?;
    let left: i64 = conn.fetch_one(&select(func::count_star()).select_from(posts))?;
    let people: i64 = conn.fetch_one(&select(func::count_star()).select_from(users))?;
    println!("after the update, upsert and delete: {people} users, {left} posts");
    Ok(())
}
