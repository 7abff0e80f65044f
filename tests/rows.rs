//! Mapping rows into serde types: by column name, with renames, aliases, flattening,
//! extra columns, tuples and single values. Runs on every configured database.

mod common;

use common::models::*;
use common::on_each_db;
use serde::Deserialize;
use sqlkit::prelude::*;

#[derive(Debug, Deserialize, PartialEq)]
struct Named {
    username: String,
    #[serde(rename = "email")]
    address: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Aliased {
    #[serde(alias = "username")]
    name: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Outer {
    id: i64,
    #[serde(flatten)]
    inner: Named,
}

#[derive(Debug, Deserialize)]
struct NeedsMissing {
    #[allow(dead_code)]
    nickname: String,
}

fn add_users(conn: &mut Connection) -> Result<()> {
    conn.execute(&insert(User::table()).records(&[User::new("ann"), User::new("bob")]))?;
    Ok(())
}

#[test]
fn structs_by_name_with_rename_alias_and_flatten() {
    on_each_db(|_, conn| {
        add_users(conn)?;
        let u = User::table();
        let q = select(u).order_by(u.id);
        let named: Vec<Named> = conn.query_as(&q)?;
        assert_eq!(
            named[1],
            Named {
                username: "bob".into(),
                address: "bob@example.com".into()
            }
        );
        let aliased: Vec<Aliased> = conn.query_as(&q)?;
        assert_eq!(aliased[0].name, "ann");
        let outer: Vec<Outer> = conn.query_as(&q)?;
        assert_eq!(outer[0].inner.username, "ann");
        assert!(outer[0].id > 0);
        let err = conn.query_as::<NeedsMissing>(&q).unwrap_err();
        assert!(
            err.to_string().contains("missing field `nickname`"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn tuples_single_values_and_rows_agree() {
    on_each_db(|_, conn| {
        add_users(conn)?;
        let u = User::table();
        let q = select((u.username, u.is_active, u.id)).order_by(u.id);
        let tuples: Vec<(String, bool, i64)> = conn.query_as(&q)?;
        assert_eq!(tuples[0].0, "ann");
        assert!(tuples[0].1);
        let rows = conn.query(&q)?;
        let from_rows: Vec<(String, bool, i64)> = rows
            .iter()
            .map(|r| r.deserialize())
            .collect::<Result<_>>()?;
        assert_eq!(tuples, from_rows);
        let names: Vec<(String,)> = conn.query_as(&select(u.username).order_by(u.id))?;
        assert_eq!(names, [("ann".to_string(),), ("bob".to_string(),)]);
        let n: i64 = conn.query_scalar(&select(sqlkit::expr::func::count_star()).select_from(u))?;
        assert_eq!(n, 2);
        Ok(())
    });
}

#[test]
fn decode_errors_through_serde_name_the_column() {
    on_each_db(|_, conn| {
        add_users(conn)?;
        #[derive(Debug, Deserialize)]
        struct Wrong {
            #[allow(dead_code)]
            username: i64,
        }
        let err = conn
            .query_as::<Wrong>(&select(User::table().username))
            .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }));
        assert!(
            err.to_string()
                .starts_with("cannot decode column `username`: invalid type: string \"ann\""),
            "{err}"
        );
        Ok(())
    });
}

// ------------------------------------------------------------------ FromRow, no serde

#[derive(Debug, PartialEq, sqlkit::FromRow)]
struct NameAndCount {
    username: String,
    #[sqlkit(rename = "n")]
    posts: i64,
    #[sqlkit(skip)]
    note: String,
}

fn add_posts(conn: &mut Connection) -> Result<()> {
    add_users(conn)?;
    let p = Post::table();
    for (title, slug, author) in [
        ("First", "first", 1i64),
        ("Second", "second", 1),
        ("Third", "third", 2),
    ] {
        conn.execute(
            &insert(p)
                .value(p.title, title)
                .value(p.slug, slug)
                .value(p.author_id, author),
        )?;
    }
    Ok(())
}

#[test]
fn fetch_reads_table_structs_tuples_of_them_and_single_values() {
    on_each_db(|name, conn| {
        add_posts(conn)?;
        let (u, p) = (User::table(), Post::table());
        // The table's own struct, by its derive.
        let users: Vec<User> = conn.fetch_all(&select(u).order_by(u.id))?;
        assert_eq!(users.len(), 2, "{name}");
        assert_eq!(
            (users[0].id, users[0].username.as_str()),
            (Some(1), "ann"),
            "{name}"
        );
        assert!(users[0].created_at.is_some(), "{name}: instants read");
        // Two tables whose columns clash (`id`, `created_at`): each struct reads its own.
        let pairs: Vec<(Post, User)> =
            conn.fetch_all(&select((p, u)).join(u, p.author_id.eq(u.id)).order_by(p.id))?;
        let got: Vec<(i64, &str, i64, &str)> = pairs
            .iter()
            .map(|(p, u)| {
                (
                    p.id.unwrap(),
                    p.title.as_str(),
                    u.id.unwrap(),
                    u.username.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, "First", 1, "ann"),
                (2, "Second", 1, "ann"),
                (3, "Third", 2, "bob")
            ],
            "{name}"
        );
        // An outer join's missing side is None.
        conn.execute(&insert(u).record(&User::new("cat")))?;
        let rows: Vec<(User, Option<Post>)> = conn.fetch_all(
            &select((u, p))
                .outerjoin(p, p.author_id.eq(u.id))
                .order_by((u.id, p.id)),
        )?;
        let shape: Vec<(&str, Option<&str>)> = rows
            .iter()
            .map(|(u, p)| (u.username.as_str(), p.as_ref().map(|p| p.slug.as_str())))
            .collect();
        assert_eq!(
            shape,
            [
                ("ann", Some("first")),
                ("ann", Some("second")),
                ("bob", Some("third")),
                ("cat", None)
            ],
            "{name}"
        );
        // A table and a column; single values; a derive on a query's own shape.
        let with_email: Vec<(Post, String)> = conn.fetch_all(
            &select((p, u.email))
                .join(u, p.author_id.eq(u.id))
                .order_by(p.id),
        )?;
        assert_eq!(with_email[2].1, "bob@example.com", "{name}");
        let n: i64 = conn.fetch_one(&select(sqlkit::expr::func::count_star()).select_from(p))?;
        assert_eq!(n, 3, "{name}");
        let titles: Vec<String> = conn.fetch_all(&select(p.title).order_by(p.title))?;
        assert_eq!(titles, ["First", "Second", "Third"], "{name}");
        let none: Option<i64> = conn.fetch_optional(&select(p.id).where_(p.id.eq(99)))?;
        assert_eq!(none, None, "{name}");
        let counted: Vec<NameAndCount> = conn.fetch_all(
            &select((u.username, sqlkit::expr::func::count(p.id).label("n")))
                .outerjoin(p, p.author_id.eq(u.id))
                .group_by(u.username)
                .order_by(u.username),
        )?;
        assert_eq!(
            counted,
            [
                NameAndCount {
                    username: "ann".into(),
                    posts: 2,
                    note: String::new()
                },
                NameAndCount {
                    username: "bob".into(),
                    posts: 1,
                    note: String::new()
                },
                NameAndCount {
                    username: "cat".into(),
                    posts: 0,
                    note: String::new()
                },
            ],
            "{name}"
        );
        Ok(())
    });
}

#[test]
fn fetch_each_streams_typed_rows_and_stops_when_asked() {
    on_each_db(|name, conn| {
        let t = Tag::table();
        conn.execute(
            &insert(t)
                .columns([t.name])
                .rows((0..500).map(|i| [format!("t{i:03}")])),
        )?;
        let mut seen = 0usize;
        let mut last = String::new();
        conn.fetch_each(&select(t.name).order_by(t.name), |n: String| {
            seen += 1;
            last = n;
            Ok(seen < 300)
        })?;
        assert_eq!((seen, last.as_str()), (300, "t299"), "{name}");
        // The connection is usable after stopping early.
        let n: i64 = conn.fetch_one(&select(sqlkit::expr::func::count_star()).select_from(t))?;
        assert_eq!(n, 500, "{name}");
        Ok(())
    });
}

#[test]
fn a_missing_column_names_the_field_and_the_columns_there_are() {
    on_each_db(|name, conn| {
        add_users(conn)?;
        let u = User::table();
        let e = conn
            .fetch_all::<NameAndCount>(&select((u.username, u.email)))
            .expect_err("no column n");
        let msg = e.to_string();
        assert!(
            msg.contains("`n`") && msg.contains("username, email"),
            "{name}: {msg}"
        );
        // A tuple that does not cover the result is refused, not half-read.
        let e = conn
            .fetch_all::<(String,)>(&select((u.username, u.email)))
            .expect_err("two columns");
        assert!(
            e.to_string()
                .contains("reads 1 columns but the result has 2"),
            "{name}: {e}"
        );
        Ok(())
    });
}

#[derive(Debug, Deserialize)]
struct WithInstants {
    #[allow(dead_code)]
    username: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, serde_json::Value>,
}

#[test]
fn serde_reads_single_values_names_missing_fields_and_instants_in_maps() {
    on_each_db(|name, conn| {
        add_users(conn)?;
        let u = User::table();
        // A single value: the one column.
        let ids: Vec<i64> = conn.query_as(&select(u.id).order_by(u.id))?;
        assert_eq!(ids, [1, 2], "{name}");
        let row = conn.query_one(&select(u.username).where_(u.id.eq(2)))?;
        assert_eq!(row.deserialize::<String>()?, "bob", "{name}");
        let e = conn
            .query_as::<i64>(&select((u.id, u.username)))
            .expect_err("two columns");
        assert!(e.to_string().contains("one column"), "{name}: {e}");
        // A missing field names itself and the columns there are.
        let e = conn
            .query_as::<NeedsMissing>(&select((u.username, u.email)))
            .expect_err("no nickname");
        let msg = e.to_string();
        assert!(
            msg.contains("`nickname`") && msg.contains("username, email"),
            "{name}: {msg}"
        );
        // Instants read into a map, a flattened map and a JSON value on every database.
        let q = select((u.username, u.created_at)).where_(u.id.eq(1));
        let flat: Vec<WithInstants> = conn.query_as(&q)?;
        let at = flat[0]
            .rest
            .get("created_at")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        assert!(at.ends_with('Z') && at.len() >= 20, "{name}: {at:?}");
        let map: Vec<std::collections::HashMap<String, serde_json::Value>> = conn.query_as(&q)?;
        assert_eq!(map[0]["created_at"], flat[0].rest["created_at"], "{name}");
        let json: Vec<serde_json::Value> = conn.query_as(&q)?;
        assert_eq!(json[0]["created_at"], flat[0].rest["created_at"], "{name}");
        let typed: Vec<(String, chrono::DateTime<chrono::Utc>)> = conn.query_as(&q)?;
        assert_eq!(
            typed[0]
                .1
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            at,
            "{name}: the text form is the instant"
        );
        Ok(())
    });
}

#[derive(serde::Serialize)]
struct NewTag<'a> {
    name: &'a str,
}

/// A new post's own shape: no key, no defaulted columns.
#[derive(sqlkit::Record)]
struct NewPost {
    title: String,
    #[sqlkit(rename = "slug")]
    path: String,
    author_id: i64,
    #[sqlkit(skip)]
    #[allow(dead_code)]
    draft_note: String,
}

#[derive(serde::Serialize)]
struct Stray {
    name: &'static str,
    colour: &'static str,
}

fn count(conn: &mut Connection, t: &Table) -> Result<i64> {
    conn.fetch_one(&select(func::count_star()).select_from(t))
}

#[test]
fn typed_rows_in_from_the_derive_and_from_serde_structs() {
    on_each_db(|name, conn| {
        let u = User::table();
        // Owned structs of the derive: generated keys, client defaults worked out per row.
        let n = conn.insert_many(u, ["ann", "bob", "cy"].map(User::new))?;
        assert_eq!(n, 3, "{name}");
        let users: Vec<User> = conn.fetch_all(&select(u).order_by(u.id))?;
        let ids: Vec<Option<i64>> = users.iter().map(|x| x.id).collect();
        assert_eq!(ids, [Some(1), Some(2), Some(3)], "{name}");
        assert!(
            users.iter().all(|x| x.created_at.is_some() && x.is_active),
            "{name}"
        );

        // Borrowed structs, one with its key given: rows grouped by the columns they set.
        let mut given = User::new("dee");
        given.id = Some(10);
        let more = [given, User::new("eve")];
        assert_eq!(conn.insert_many(u, &more)?, 2, "{name}");
        let got: Vec<(i64, String)> = conn.fetch_all(
            &select((u.id, u.username))
                .where_(u.id.gt(3))
                .order_by(u.username),
        )?;
        assert_eq!(got[0], (10, "dee".to_string()), "{name}");
        assert_eq!((got.len(), got[1].1.as_str()), (2, "eve"), "{name}");

        // A derive of its own for a new row's shape.
        let p = Post::table();
        let new = (1..=2).map(|i| NewPost {
            title: format!("Post {i}"),
            path: format!("post-{i}"),
            author_id: 1,
            draft_note: "not stored".into(),
        });
        assert_eq!(conn.insert_many(p, new)?, 2, "{name}");
        let posts: Vec<Post> = conn.fetch_all(&select(p).order_by(p.id))?;
        assert_eq!(
            (posts[1].slug.as_str(), posts[1].views, posts[1].published),
            ("post-2", 0, false),
            "{name}: defaults applied"
        );

        // Serde structs, checked against the table's columns.
        let tags = Tag::table();
        let n = conn.insert_many(
            tags,
            [NewTag { name: "rust" }, NewTag { name: "sql" }]
                .iter()
                .map(sqlkit::stmt::Serialized),
        )?;
        assert_eq!(n, 2, "{name}");
        let stray = conn.insert_many(
            tags,
            [Stray {
                name: "x",
                colour: "red",
            }]
            .iter()
            .map(sqlkit::stmt::Serialized),
        );
        match stray {
            Err(Error::ExecuteMany { row: 0, cause }) => {
                assert!(cause.to_string().contains("colour"), "{name}: {cause}")
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(
            count(conn, &tags.as_table())?,
            2,
            "{name}: nothing of it written"
        );

        // A unique violation on the third of five: none written, the row named.
        let five = ["t1", "t2", "rust", "t4", "t5"].map(|n| Tag {
            id: None,
            name: n.into(),
        });
        match conn.insert_many(tags, five) {
            Err(Error::ExecuteMany { row, cause }) => {
                assert_eq!(row, 2, "{name}: {cause}");
                assert_eq!(
                    cause.db_kind(),
                    Some(DbErrorKind::UniqueViolation),
                    "{name}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(
            count(conn, &tags.as_table())?,
            2,
            "{name}: nothing of it written"
        );
        Ok(())
    });
}

#[test]
fn prepared_statements_run_with_new_values_and_keep_the_transaction_rules() {
    on_each_db(|name, conn| {
        let t = Tag::table();
        let add = conn.prepare(
            &insert(t).value(t.name, bindparam::<String>("name")),
            &["name"],
        )?;
        let first = add.execute(conn, &["rust".into()])?;
        assert_eq!(first.rows_affected, 1, "{name}");
        assert_eq!(first.last_insert_id, Some(1), "{name}: the new key");
        add.execute(conn, &["sql".into()])?;
        let by_name = conn.prepare(
            &select(t).where_(t.name.eq(bindparam::<String>("name"))),
            &["name"],
        )?;
        let tag: Tag = by_name.fetch_one(conn, &["sql".into()])?;
        assert_eq!((tag.id, tag.name.as_str()), (Some(2), "sql"), "{name}");
        assert_eq!(
            by_name.fetch_optional::<Tag>(conn, &["none".into()])?,
            None,
            "{name}"
        );
        let all = conn.prepare(&select(t.name).order_by(t.name), &[])?;
        let names: Vec<String> = all.fetch_all(conn, &[])?;
        assert_eq!(names, ["rust", "sql"], "{name}");
        // Wrong arity, unknown names: typed errors, nothing sent.
        assert!(by_name.fetch_all::<Tag>(conn, &[]).is_err(), "{name}");
        assert!(conn.prepare(&select(t), &["nope"]).is_err(), "{name}");
        // A failure inside a transaction aborts it, as any statement's does.
        {
            let mut tx = conn.begin()?;
            add.execute(&mut tx, &["go".into()])?;
            let dup = add.execute(&mut tx, &["rust".into()]).unwrap_err();
            assert_eq!(dup.db_kind(), Some(DbErrorKind::UniqueViolation), "{name}");
            assert!(
                tx.commit().is_err(),
                "{name}: a failed transaction cannot commit"
            );
        }
        let n: i64 = conn.fetch_one(&select(func::count_star()).select_from(t))?;
        assert_eq!(n, 2, "{name}: nothing of the failed transaction is kept");
        // Another engine's connection: refused, since the SQL is one dialect's.
        let mut other = Engine::from_url("sqlite://")?.connect()?;
        assert!(matches!(
            all.fetch_all::<String>(&mut other, &[]),
            Err(Error::InvalidStatement { .. })
        ));
        Ok(())
    });
}

/// A cell read into a narrower type is exact or a typed error, on the fast path of
/// `fetch_all` as through `Row::get`: 2 is not a `bool`, 1e40 is not an `f32`, 3e9 is
/// not an `i32`.
#[test]
fn narrow_fields_are_exact_or_refused() {
    on_each_db(|name, conn| {
        let ok: Vec<(bool, f32, i32, i16)> = conn.fetch_all(&select((
            literal::<i64>(1i64),
            literal::<f64>(1.5f64),
            literal::<i64>(-2_147_483_648i64),
            literal::<i64>(32_767i64),
        )))?;
        assert_eq!(ok, vec![(true, 1.5, -2_147_483_648, 32_767)], "{name}");
        let two = select(literal::<i64>(2i64));
        assert!(
            conn.fetch_all::<(bool,)>(&two).is_err(),
            "{name}: 2 as bool"
        );
        assert!(
            conn.query_one(&two)?.get::<bool, _>(0).is_err(),
            "{name}: 2 as bool"
        );
        let big = select(literal::<f64>(1e40f64));
        assert!(
            conn.fetch_all::<(f32,)>(&big).is_err(),
            "{name}: 1e40 as f32"
        );
        assert!(
            conn.query_one(&big)?.get::<f32, _>(0).is_err(),
            "{name}: 1e40 as f32"
        );
        let wide = select(literal::<i64>(3_000_000_000i64));
        assert!(
            conn.fetch_all::<(i32,)>(&wide).is_err(),
            "{name}: 3e9 as i32"
        );
        assert!(
            conn.fetch_all::<(u8,)>(&select(literal::<i64>(-1i64)))
                .is_err(),
            "{name}"
        );
        Ok(())
    });
}
