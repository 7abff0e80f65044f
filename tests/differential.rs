//! Differential: the same statements, run on every configured database over the same
//! data, return the same rows. Values are compared in a canonical text form (booleans
//! as 0/1, numbers rounded to six places, instants in UTC), since the servers report
//! types differently (MySQL's booleans are integers, PostgreSQL's `avg` is NUMERIC).

mod common;

use common::engines;
use common::models::*;
use sqlkit::expr::func;
use sqlkit::prelude::*;
use sqlkit::stmt::Select;

fn canonical(v: &Value) -> String {
    use rust_decimal::prelude::ToPrimitive;
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => i64::from(*b).to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:.6}"),
        Value::Decimal(d) => match d.to_f64() {
            Some(f) if d.fract().is_zero() => format!("{}", f as i64),
            Some(f) => format!("{f:.6}"),
            None => d.to_string(),
        },
        Value::Text(t) => format!("'{}'", t.as_str()),
        Value::Timestamp(t) => t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        Value::DateTime(t) => t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        other => format!("{other:?}"),
    }
}

fn seed(conn: &mut Connection) -> sqlkit::Result<()> {
    let (u, p, c) = (User::table(), Post::table(), Comment::table());
    let mut ids = Vec::new();
    // Mixed case and a trailing space: binary collation orders them by code point.
    for name in ["bob", "Alice", "alice", "Zoë", "carl "] {
        let mut user = User::new(name);
        user.is_active = name != "carl ";
        ids.push(
            conn.execute(&insert(u).record(&user))?
                .last_insert_id
                .ok_or(Error::NoRows)?,
        );
    }
    let posts = [
        ("Python tips", "python-tips", Some("x"), true, 0, 10),
        ("SQLAlchemy Tutorial", "sqlalchemy", None, true, 0, 25),
        ("python internals", "py-internals", Some("y"), false, 1, 7),
        ("Rust & SQL", "rust-sql", Some("z"), true, 1, 3),
        ("Draft", "draft", None, false, 3, 0),
        ("Ünïcode Post", "unicode", Some("ü"), true, 2, 12),
    ];
    let mut post_ids = Vec::new();
    for (title, slug, content, published, author, views) in posts {
        let q = insert(p)
            .value(p.title, title)
            .value(p.slug, slug)
            .value(p.content, content.map(str::to_string))
            .value(p.published, published)
            .value(p.author_id, ids[author])
            .value(p.views, views);
        post_ids.push(conn.execute(&q)?.last_insert_id.ok_or(Error::NoRows)?);
    }
    for (post, author, body) in [
        (0, 1, "great"),
        (0, 2, "thanks"),
        (1, 0, "nice"),
        (5, 3, "ok"),
    ] {
        conn.execute(
            &insert(c)
                .value(c.post_id, post_ids[post])
                .value(c.user_id, ids[author])
                .value(c.content, body),
        )?;
    }
    Ok(())
}

fn queries() -> Vec<(&'static str, Select)> {
    let (u, p, c) = (User::table(), Post::table(), Comment::table());
    let n_posts = func::count(p.id);
    vec![
        (
            "users in binary order",
            select((u.username, u.email, u.is_active)).order_by(u.username),
        ),
        (
            "posts per author, having, order by count then name",
            select((u.username, n_posts.clone().label("n")))
                .join(p, p.author_id.eq(u.id))
                .group_by(u.username)
                .having(n_posts.clone().ge(1))
                .order_by((n_posts.desc(), u.username)),
        ),
        (
            "LIKE is case-sensitive",
            select(p.title)
                .where_(p.title.like("%ython%"))
                .order_by(p.title),
        ),
        (
            "ILIKE everywhere",
            select(p.title)
                .where_(p.title.ilike("%PYTHON%"))
                .order_by(p.title),
        ),
        (
            "left outer join keeps posts without comments",
            select((p.slug, func::count(c.id).label("comments")))
                .outerjoin(c, c.post_id.eq(p.id))
                .group_by(p.slug)
                .order_by(p.slug),
        ),
        (
            "aggregates",
            select((
                func::count_star().label("n"),
                func::sum(p.views).label("total"),
                func::avg(p.views).label("mean"),
                func::min(p.title).label("first"),
                func::max(p.views).label("most"),
            )),
        ),
        (
            "NULLs last, then by slug",
            select((p.slug, p.content)).order_by((p.content.asc().nulls_last(), p.slug)),
        ),
        (
            "IN a subquery and EXISTS",
            select(u.username)
                .where_(u.id.in_select(select(p.author_id).where_(p.published.eq(true))))
                .where_(exists(select(c.id).where_(c.user_id.eq(u.id))))
                .order_by(u.username),
        ),
        (
            "distinct, limit and offset",
            select(p.published)
                .distinct()
                .order_by(p.published)
                .limit(5)
                .offset(0),
        ),
        (
            "text functions: Unicode lower/upper and concatenation",
            select((
                func::lower(u.username).label("l"),
                func::upper(u.username).label("up"),
                u.username.concat("!").label("c"),
            ))
            .order_by(u.id),
        ),
        (
            "arithmetic and comparisons as values",
            select((
                p.slug,
                (p.views * 2 + 1).label("score"),
                p.views.gt(9).label("popular"),
            ))
            .order_by(p.slug),
        ),
    ]
}

#[test]
fn the_same_statements_return_the_same_rows_on_every_database() {
    let dbs = engines();
    let mut results: Vec<(&str, Vec<Vec<Vec<String>>>)> = Vec::new();
    for db in &dbs {
        let mut conn = db.engine.connect().expect("connect");
        conn.create_all(&metadata()).expect("schema");
        seed(&mut conn).unwrap_or_else(|e| panic!("seed on {}: {e}", db.name));
        let mut per_query = Vec::new();
        for (what, q) in queries() {
            let rows = conn
                .query(&q)
                .unwrap_or_else(|e| panic!("{what} on {}: {e}", db.name));
            per_query.push(
                rows.iter()
                    .map(|r| r.values().iter().map(canonical).collect())
                    .collect(),
            );
        }
        results.push((db.name, per_query));
    }
    let configured = common::servers().iter().filter(|s| s.2.is_some()).count();
    assert_eq!(
        results.len(),
        1 + configured,
        "every configured database took part"
    );
    let (first, expected) = &results[0];
    for (name, got) in &results[1..] {
        for (k, (what, _)) in queries().iter().enumerate() {
            assert_eq!(got[k], expected[k], "{what}: {name} differs from {first}");
        }
    }
    // And the data is what it should be, so agreement is not agreement on nothing.
    let users = &expected[0];
    let names: Vec<&str> = users.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["'Alice'", "'Zoë'", "'alice'", "'bob'", "'carl '"]);
}
