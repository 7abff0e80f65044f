//! The SQLAlchemy 2.0 guide's tour on a real database: models, create_all, CRUD, every
//! filter, joins, aggregates, subqueries, EXISTS, update, delete. Each test runs on
//! every configured database (see `common::on_each_db`).

mod common;

use chrono::{TimeZone, Utc};
use common::models::*;
use common::on_each_db;
use sqlkit::expr::func;
use sqlkit::prelude::*;

fn ts(month: u32) -> Option<chrono::DateTime<Utc>> {
    Utc.with_ymd_and_hms(2024, month, 1, 12, 0, 0).single()
}

/// Three users and five posts; returns the user ids (john, jane, bob).
fn seed(conn: &mut Connection) -> Result<[i64; 3]> {
    let users = User::table();
    let mut ids = [0; 3];
    for (i, name) in ["john", "jane", "bob"].into_iter().enumerate() {
        let mut u = User::new(name);
        u.is_active = name != "bob";
        let r = conn.execute(&insert(users).record(&u))?;
        ids[i] = r.last_insert_id.ok_or(Error::NoRows)?;
    }
    let posts = Post::table();
    let rows = [
        (
            "Python tips",
            "python-tips",
            Some("text"),
            true,
            ids[0],
            10,
            1,
        ),
        (
            "SQLAlchemy Tutorial",
            "sqlalchemy-tutorial",
            None,
            true,
            ids[0],
            42,
            3,
        ),
        ("Draft", "draft", None, false, ids[1], 0, 5),
        (
            "100%_done in Rust",
            "rust",
            Some("body"),
            true,
            ids[1],
            7,
            7,
        ),
        ("Old tutorial", "old", Some("x"), false, ids[0], 1, 9),
    ];
    let mut q = insert(posts).columns((
        posts.title,
        posts.slug,
        posts.content,
        posts.published,
        posts.author_id,
        posts.views,
        posts.created_at,
    ));
    for (title, slug, content, published, author, views, month) in rows {
        q = q.row((title, slug, content, published, author, views, ts(month)));
    }
    assert_eq!(conn.execute(&q)?.rows_affected, 5);
    Ok(ids)
}

fn titles(conn: &mut Connection, cond: Expr<bool>) -> Result<Vec<String>> {
    let p = Post::table();
    conn.query(&select(p.title).where_(cond).order_by(p.id))?
        .into_iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn create_user_and_read_it_back_by_id_and_email() {
    on_each_db(|_, conn| {
        let users = User::table();
        let r = conn.execute(&insert(users).record(&User::new("john")))?;
        let id = r.last_insert_id.expect("an id");
        let by_id: User = conn.query_one_as(&select(users).where_(users.id.eq(id)))?;
        assert_eq!(by_id.username, "john");
        assert!(by_id.is_active, "client-side default applied");
        assert!(by_id.created_at.is_some() && by_id.updated_at.is_some());
        let by_email: Option<User> =
            conn.query_opt_as(&select(users).where_(users.email.eq("john@example.com")))?;
        assert_eq!(by_email.map(|u| u.id), Some(Some(id)));
        let none: Option<User> =
            conn.query_opt_as(&select(users).where_(users.email.eq("nobody")))?;
        assert!(none.is_none());
        Ok(())
    });
}

#[test]
fn get_users_with_offset_and_limit() {
    on_each_db(|_, conn| {
        seed(conn)?;
        let u = User::table();
        let names: Vec<String> = conn
            .query(&select(u.username).order_by(u.id).offset(1).limit(1))?
            .into_iter()
            .map(|r| r.get(0))
            .collect::<Result<_>>()?;
        assert_eq!(names, ["jane"]);
        let rest = conn.query(&select(u.username).order_by(u.id).offset(1))?;
        assert_eq!(rest.len(), 2, "offset without limit");
        Ok(())
    });
}

#[test]
fn filters_from_the_guide() {
    on_each_db(|_, conn| {
        seed(conn)?;
        let p = Post::table();
        let u = User::table();
        let active: i64 = conn.query_scalar(
            &select(func::count_star())
                .select_from(u)
                .where_(u.is_active.eq(true)),
        )?;
        assert_eq!(active, 2);
        let q = and_([
            p.published.eq(true),
            p.created_at.gt(ts(2)),
            or_([p.title.contains("Python"), p.title.contains("SQLAlchemy")]),
        ]);
        assert_eq!(titles(conn, q)?, ["SQLAlchemy Tutorial"]);
        assert_eq!(
            titles(conn, p.title.ilike("%tutorial%"))?,
            ["SQLAlchemy Tutorial", "Old tutorial"]
        );
        assert_eq!(
            titles(conn, p.title.like("%tutorial%"))?,
            ["Old tutorial"],
            "LIKE is case-sensitive"
        );
        assert_eq!(titles(conn, p.title.not_like("%o%"))?, ["Draft"]);
        assert_eq!(titles(conn, p.title.not_ilike("%O%"))?, ["Draft"]);
        assert_eq!(
            titles(conn, p.title.contains("100%_"))?,
            ["100%_done in Rust"]
        );
        assert_eq!(
            titles(conn, p.title.contains("0%d"))?,
            Vec::<String>::new(),
            "% in user text is literal"
        );
        assert_eq!(titles(conn, p.slug.startswith("py"))?, ["Python tips"]);
        assert_eq!(
            titles(conn, p.title.endswith("Rust"))?,
            ["100%_done in Rust"]
        );
        assert_eq!(
            titles(conn, p.content.is_null())?,
            ["SQLAlchemy Tutorial", "Draft"]
        );
        assert_eq!(titles(conn, p.content.is_not_null())?.len(), 3);
        assert_eq!(
            titles(conn, p.views.between(7, 10))?,
            ["Python tips", "100%_done in Rust"]
        );
        assert_eq!(
            titles(conn, p.views.not_between(1, 41))?,
            ["SQLAlchemy Tutorial", "Draft"]
        );
        assert_eq!(
            titles(conn, p.views.in_([0, 42]))?,
            ["SQLAlchemy Tutorial", "Draft"]
        );
        assert_eq!(titles(conn, p.views.not_in([0, 42, 1]))?.len(), 2);
        assert!(titles(conn, p.views.in_(Vec::<i64>::new()))?.is_empty());
        assert_eq!(titles(conn, p.views.not_in(Vec::<i64>::new()))?.len(), 5);
        assert_eq!(
            titles(
                conn,
                p.views.ne(10) & p.views.ge(7) & p.views.le(42) & p.views.lt(42)
            )?,
            ["100%_done in Rust"]
        );
        assert_eq!(
            titles(conn, !p.published.eq(true))?,
            ["Draft", "Old tutorial"]
        );
        assert_eq!(
            titles(conn, not_(p.published.eq(true)) | p.views.gt(40))?.len(),
            3
        );
        assert_eq!(
            titles(conn, and_(Vec::<Expr<bool>>::new()))?.len(),
            5,
            "empty and_ is true"
        );
        assert!(
            titles(conn, or_(Vec::<Expr<bool>>::new()))?.is_empty(),
            "empty or_ is false"
        );
        assert_eq!(
            titles(
                conn,
                tuple_((p.views, p.published)).in_([(10, true), (0, false)])
            )?,
            ["Python tips", "Draft"]
        );
        assert_eq!(titles(conn, ((p.views + 1) * 2).eq(22))?, ["Python tips"]);
        assert_eq!(
            titles(conn, (p.views % 5).eq(2) & (-p.views).lt(-5))?,
            ["SQLAlchemy Tutorial", "100%_done in Rust"]
        );
        assert_eq!(titles(conn, p.title.concat("!").eq("Draft!"))?, ["Draft"]);
        assert_eq!(
            titles(conn, func::char_length(p.slug).eq(3))?,
            ["Old tutorial"]
        );
        assert_eq!(titles(conn, ((p.views - 1) / 3).eq(3))?, ["Python tips"]);
        Ok(())
    });
}

#[test]
fn order_by_distinct_and_limits() {
    on_each_db(|_, conn| {
        seed(conn)?;
        let p = Post::table();
        let rows = conn.query(
            &select(p.title)
                .order_by((desc(p.created_at), asc(p.title)))
                .limit(2),
        )?;
        let got: Vec<String> = rows.iter().map(|r| r.get(0)).collect::<Result<_>>()?;
        assert_eq!(got, ["Old tutorial", "100%_done in Rust"]);
        let authors = conn.query(&select(p.author_id).distinct())?;
        assert_eq!(authors.len(), 2);
        let nulls_last: Vec<Option<String>> = conn
            .query(&select(p.content).order_by(p.content.asc().nulls_last()))?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<_>>()?;
        assert_eq!(
            nulls_last,
            [
                Some("body".into()),
                Some("text".into()),
                Some("x".into()),
                None,
                None
            ]
        );
        let nulls_first: Vec<Option<String>> = conn
            .query(&select(p.content).order_by(p.content.desc().nulls_first()))?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<_>>()?;
        assert_eq!(
            nulls_first,
            [
                None,
                None,
                Some("x".into()),
                Some("text".into()),
                Some("body".into())
            ]
        );
        Ok(())
    });
}

#[test]
fn joins_explicit_inferred_and_outer() {
    on_each_db(|_, conn| {
        let [john, ..] = seed(conn)?;
        let (p, u) = (Post::table(), User::table());
        let rows = conn.query(
            &select((p.title, u.username))
                .join(u, p.author_id.eq(u.id))
                .where_(p.published.eq(true))
                .order_by(p.id),
        )?;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].get::<String, _>("username")?, "john");
        let inferred = conn.query(
            &select((u.username, p.title))
                .join_fk(p)
                .where_(u.id.eq(john)),
        )?;
        assert_eq!(inferred.len(), 3);
        // bob has no posts: an outer join keeps him with a NULL title.
        let outer = conn.query(
            &select((u.username, p.title))
                .outerjoin_fk(p)
                .where_(p.id.is_null()),
        )?;
        assert_eq!(outer.len(), 1);
        assert_eq!(outer[0].get::<String, _>(0)?, "bob");
        assert_eq!(outer[0].get::<Option<String>, _>(1)?, None);
        // Same column names from two tables stay apart.
        let both = conn.query(&select((u.id, p.id)).join_fk(p).order_by(p.id).limit(1))?;
        assert_eq!(both[0].columns()[1].as_str(), "posts_id");
        Ok(())
    });
}

#[test]
fn self_join_through_aliases() {
    on_each_db(|_, conn| {
        seed(conn)?;
        let a = Post::table().alias("a");
        let b = Post::table().alias("b");
        let q = select((a.title, b.title))
            .join(b, a.author_id.eq(b.author_id) & a.id.lt(b.id))
            .where_(a.slug.eq("python-tips"))
            .order_by(b.id);
        let rows = conn.query(&q)?;
        let got: Vec<String> = rows
            .iter()
            .map(|r| r.get("b_title"))
            .collect::<Result<_>>()?;
        assert_eq!(got, ["SQLAlchemy Tutorial", "Old tutorial"]);
        Ok(())
    });
}

#[test]
fn aggregates_group_by_and_having() {
    on_each_db(|_, conn| {
        let [john, jane, _] = seed(conn)?;
        let p = Post::table();
        let n = func::count(p.id);
        let rows = conn.query(
            &select((p.author_id, n.clone().label("post_count")))
                .group_by(p.author_id)
                .having(n.gt(2)),
        )?;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get::<i64, _>("author_id")?, john);
        assert_eq!(rows[0].get::<i64, _>("post_count")?, 3);
        let row = conn.query_one(&select((
            func::min(p.created_at).label("first"),
            func::max(p.created_at).label("last"),
            func::sum(p.views).label("total"),
            func::avg(p.views).label("mean"),
            func::count_distinct(p.author_id).label("authors"),
            func::avg(func::length(p.content)).label("avg_len"),
        )))?;
        assert_eq!(row.get::<Option<chrono::DateTime<Utc>>, _>("first")?, ts(1));
        assert_eq!(row.get::<Option<chrono::DateTime<Utc>>, _>("last")?, ts(9));
        assert_eq!(row.get::<i64, _>("total")?, 60);
        assert!((row.get::<f64, _>("mean")? - 12.0).abs() < 1e-9);
        assert_eq!(row.get::<i64, _>("authors")?, 2);
        assert!((row.get::<f64, _>("avg_len")? - 3.0).abs() < 1e-9);
        let jane_posts: i64 = conn.query_scalar(
            &select(func::count_star())
                .select_from(p)
                .where_(p.author_id.eq(jane)),
        )?;
        assert_eq!(jane_posts, 2);
        let u = User::table();
        let lowered: String =
            conn.query_scalar(&select(func::upper(u.username)).where_(u.id.eq(john)))?;
        assert_eq!(lowered, "JOHN");
        let c: String = conn
            .query_scalar(&select(func::coalesce(p.content, "none")).where_(p.slug.eq("draft")))?;
        assert_eq!(c, "none");
        Ok(())
    });
}

#[test]
fn subqueries_scalar_exists_in_and_derived() {
    on_each_db(|_, conn| {
        seed(conn)?;
        let (p, u) = (Post::table(), User::table());
        let count = select(func::count(p.id))
            .where_(p.author_id.eq(u.id))
            .scalar_subquery();
        let rows = conn.query(&select((u.username, count.label("post_count"))).order_by(u.id))?;
        let got: Vec<(String, i64)> = rows
            .iter()
            .map(|r| r.deserialize())
            .collect::<Result<_>>()?;
        assert_eq!(
            got,
            [("john".into(), 3), ("jane".into(), 2), ("bob".into(), 0)]
        );

        let with_posts = conn.query(
            &select(u.username)
                .where_(exists(select(p.id).where_(p.author_id.eq(u.id))))
                .order_by(u.id),
        )?;
        assert_eq!(with_posts.len(), 2);
        let without = conn.query(
            &select(u.username).where_(not_exists(select(p.id).where_(p.author_id.eq(u.id)))),
        )?;
        assert_eq!(without[0].get::<String, _>(0)?, "bob");

        let published_authors = select(p.author_id).where_(p.published.eq(true));
        let n: i64 = conn.query_scalar(
            &select(func::count_star())
                .select_from(u)
                .where_(u.id.in_select(published_authors.clone())),
        )?;
        assert_eq!(n, 2);
        let n: i64 = conn.query_scalar(
            &select(func::count_star())
                .select_from(u)
                .where_(u.id.not_in_select(published_authors)),
        )?;
        assert_eq!(n, 1);

        let counts = select((p.author_id, func::count(p.id).label("n")))
            .group_by(p.author_id)
            .subquery("counts");
        let cn = counts.column::<i64>("n")?;
        let q = select((u.username, cn.clone()))
            .join(counts.clone(), counts.column::<i64>("author_id")?.eq(u.id))
            .where_(cn.gt(2));
        let rows = conn.query(&q)?;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get::<String, _>("username")?, "john");
        assert_eq!(rows[0].get::<i64, _>("n")?, 3);
        Ok(())
    });
}

#[test]
fn update_with_expressions_and_on_update_values() {
    on_each_db(|_, conn| {
        let [john, ..] = seed(conn)?;
        let (p, u) = (Post::table(), User::table());
        let r = conn.execute(
            &update(p)
                .set(p.views, p.views + 1)
                .where_(p.published.eq(true)),
        )?;
        assert_eq!(r.rows_affected, 3);
        let total: i64 = conn.query_scalar(&select(func::sum(p.views)))?;
        assert_eq!(total, 63);
        // Rows matched, not rows changed: setting the same value still counts.
        let r = conn.execute(&update(p).set(p.title, "Draft").where_(p.slug.eq("draft")))?;
        assert_eq!(r.rows_affected, 1);

        let before: User = conn.query_one_as(&select(u).where_(u.id.eq(john)))?;
        std::thread::sleep(std::time::Duration::from_millis(5));
        conn.execute(&update(u).set(u.username, "johnny").where_(u.id.eq(john)))?;
        let after: User = conn.query_one_as(&select(u).where_(u.id.eq(john)))?;
        assert_eq!(after.username, "johnny");
        assert!(
            after.updated_at > before.updated_at,
            "updated_at follows the update"
        );
        assert_eq!(after.created_at, before.created_at);
        Ok(())
    });
}

#[test]
fn delete_and_cascade() {
    on_each_db(|_, conn| {
        let [john, ..] = seed(conn)?;
        let (p, u) = (Post::table(), User::table());
        let r = conn.execute(&delete(p).where_(p.published.eq(false) & p.views.lt(1)))?;
        assert_eq!(r.rows_affected, 1);
        conn.execute(&delete(u).where_(u.id.eq(john)))?;
        let left: i64 = conn.query_scalar(&select(func::count_star()).select_from(p))?;
        assert_eq!(left, 1, "john's posts went with him (ON DELETE CASCADE)");
        Ok(())
    });
}

#[test]
fn returning_where_the_server_has_it() {
    on_each_db(|_, conn| {
        let t = Tag::table();
        let supported = conn
            .dialect()
            .supports(sqlkit::dialect::Feature::ReturningInsert);
        let q = insert(t).value(t.name, "rust").returning((t.id, t.name));
        if supported {
            let row = conn.query_one(&q)?;
            assert_eq!(row.get::<String, _>("name")?, "rust");
            assert!(row.get::<i64, _>("id")? > 0);
            // execute() on a statement with RETURNING counts the rows it returned.
            let r = conn.execute(&insert(t).value(t.name, "sql").returning(t.id))?;
            assert_eq!(r.rows_affected, 1);
            assert!(r.last_insert_id.is_some());
        } else {
            assert!(matches!(conn.query_one(&q), Err(Error::Unsupported { .. })));
        }
        Ok(())
    });
}

#[test]
fn many_to_many_through_the_association_table() {
    on_each_db(|_, conn| {
        seed(conn)?;
        let (t, pt, p) = (Tag::table(), PostTag::table(), Post::table());
        conn.execute(&insert(t).records(&[
            Tag {
                id: None,
                name: "python".into(),
            },
            Tag {
                id: None,
                name: "orm".into(),
            },
        ]))?;
        let tag_ids: Vec<i64> = conn
            .query(&select(t.id).order_by(t.id))?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<_>>()?;
        let post_ids: Vec<i64> = conn
            .query(&select(p.id).order_by(p.id).limit(2))?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<_>>()?;
        let links: Vec<PostTag> = post_ids
            .iter()
            .flat_map(|&post_id| {
                tag_ids
                    .iter()
                    .map(move |&tag_id| PostTag { post_id, tag_id })
            })
            .collect();
        conn.execute(&insert(pt).records(&links))?;
        let q = select((p.title, t.name))
            .join_fk(pt)
            .join_fk(t)
            .where_(t.name.eq("orm"))
            .order_by(p.id);
        assert_eq!(conn.query(&q)?.len(), 2);
        // The composite primary key refuses a duplicate link.
        let dup = conn.execute(&insert(pt).record(&links[0]));
        assert_eq!(
            dup.err().and_then(|e| e.db_kind()),
            Some(sqlkit::DbErrorKind::UniqueViolation)
        );
        Ok(())
    });
}

#[test]
fn upserts_insert_or_update_on_every_database() {
    on_each_db(|name, conn| {
        let t = Tag::table();
        let add = |n: &str| {
            insert(t)
                .value(t.name, n.to_string())
                .on_conflict([t.name])
                .do_nothing()
        };
        conn.execute(&add("rust"))?;
        let again = conn.execute(&add("rust"))?;
        assert_eq!(
            again.last_insert_id.filter(|_| name != "mariadb"),
            None,
            "{name}"
        );
        let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(t))?;
        assert_eq!(n, 1, "{name}: DO NOTHING kept one row");

        let u = User::table();
        conn.execute(&insert(u).record(&User::new("ann")))?;
        let mut changed = User::new("ann");
        changed.username = "ann2".into();
        changed.password = "new-hash".into();
        let upsert = insert(u)
            .record(&changed)
            .on_conflict([u.email])
            .do_update(u.username, excluded(u.username))
            .do_update(u.password, excluded(u.password));
        let r = conn.execute(&upsert)?;
        // MySQL counts an updated row twice; PostgreSQL and SQLite once.
        assert!(r.rows_affected >= 1, "{name}");
        let got: User = conn.query_one_as(&select(u).where_(u.email.eq("ann@example.com")))?;
        assert_eq!(
            (got.username.as_str(), got.password.as_str()),
            ("ann2", "new-hash"),
            "{name}"
        );
        let users: i64 = conn.query_scalar(&select(func::count_star()).select_from(u))?;
        assert_eq!(users, 1, "{name}");

        // A counter: the existing row's value plus one.
        let p = Post::table();
        let hit = || {
            insert(p)
                .value(p.title, "t")
                .value(p.slug, "counted")
                .value(p.author_id, got.id.unwrap_or(0))
                .value(p.views, 1)
                .on_conflict([p.slug])
                .do_update(p.views, p.views + 1)
        };
        for _ in 0..3 {
            conn.execute(&hit())?;
        }
        let views: i64 = conn.query_scalar(&select(p.views).where_(p.slug.eq("counted")))?;
        assert_eq!(views, 3, "{name}");
        Ok(())
    });
}
