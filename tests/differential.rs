//! Differential: the same statements, run on every configured database over the same
//! data, return the same rows. Values are compared in a canonical text form (booleans
//! as 0/1, numbers rounded to six places, instants in UTC), since the servers report
//! types differently (MySQL's booleans are integers, PostgreSQL's `avg` is NUMERIC).

mod common;
#[path = "differential/generated.rs"]
mod generated;
#[path = "differential/same_answer.rs"]
mod same_answer;

use common::models::*;
use sqlkit::expr::func;
use sqlkit::prelude::*;
use sqlkit::schema::SqlType;
use sqlkit::stmt::Select;

fn dec(s: &str) -> rust_decimal::Decimal {
    s.parse().expect("decimal")
}

fn canonical(v: &Value) -> String {
    use rust_decimal::prelude::ToPrimitive;
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => i64::from(*b).to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Value::Float(f) => format!("{f:.6}"),
        Value::Decimal(d) => match d.to_f64() {
            Some(f) if d.fract().is_zero() => format!("{}", f as i64),
            Some(f) => format!("{f:.6}"),
            None => d.to_string(),
        },
        Value::Text(t) => format!("'{}'", t.as_str()),
        // SQLite gives dates and times computed by an expression as text.
        Value::Date(d) => format!("'{d}'"),
        Value::Timestamp(t) => t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        Value::DateTime(t) => t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        other => format!("{other:?}"),
    }
}

/// A fixed instant per post, varied in every field: 2023-2024, all months, hours and
/// seconds, a Sunday and a leap day among them.
fn at(n: i64) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let n = n as u32;
    chrono::Utc
        .with_ymd_and_hms(
            2023 + (n % 2) as i32,
            1 + n % 12,
            1 + n % 28,
            n % 24,
            n % 60,
            (n * 7) % 60,
        )
        .single()
        .expect("valid instant")
}

/// A connection to `db` holding the blog schema and the fixture.
fn seeded(db: &common::TestDb) -> Connection {
    let mut conn = db.engine.connect().expect("connect");
    conn.create_all(&metadata()).expect("schema");
    seed(&mut conn).unwrap_or_else(|e| panic!("seed on {}: {e}", db.name));
    conn
}

fn seed(conn: &mut Connection) -> sqlkit::Result<()> {
    let (u, p, c, t, pt) = (
        User::table(),
        Post::table(),
        Comment::table(),
        Tag::table(),
        PostTag::table(),
    );
    let mut ids = Vec::new();
    // Mixed case, a trailing space, a quote, a backslash, CJK and an emoji: binary
    // collation orders them by code point.
    for name in [
        "bob",
        "Alice",
        "alice",
        "Zoë",
        "carl ",
        "o'neil",
        "back\\slash",
        "山田",
        "🦀rust",
    ] {
        let mut user = User::new(name);
        user.is_active = name != "carl ";
        ids.push(
            conn.execute(&insert(u).record(&user))?
                .last_insert_id
                .ok_or(Error::NoRows)?,
        );
    }
    let posts = [
        (
            "Python tips",
            "python-tips",
            Some("x"),
            true,
            0,
            10,
            Some("10.0"),
        ),
        (
            "SQLAlchemy Tutorial",
            "sqlalchemy",
            None,
            true,
            0,
            25,
            Some("4.5"),
        ),
        (
            "python internals",
            "py-internals",
            Some("y"),
            false,
            1,
            7,
            Some("9.5"),
        ),
        (
            "Rust & SQL",
            "rust-sql",
            Some("z"),
            true,
            1,
            3,
            Some("-1.0"),
        ),
        ("Draft", "draft", None, false, 3, 0, None),
        (
            "Ünïcode Post",
            "unicode",
            Some("ü"),
            true,
            2,
            12,
            Some("123.4"),
        ),
        (
            "It's \\ quoted",
            "quoted",
            Some("%_"),
            true,
            5,
            1500,
            Some("0.5"),
        ),
        (
            "日本語の投稿",
            "cjk",
            Some("本文"),
            true,
            7,
            42,
            Some("7.0"),
        ),
    ];
    let mut post_ids = Vec::new();
    for (title, slug, content, published, author, views, rating) in posts {
        let q = insert(p)
            .value(p.title, title)
            .value(p.slug, slug)
            .value(p.content, content.map(str::to_string))
            .value(p.published, published)
            .value(p.author_id, ids[author])
            .value(p.views, views)
            .value(
                p.rating,
                rating.map(|r| r.parse::<rust_decimal::Decimal>().unwrap()),
            )
            .value(p.created_at, at(views));
        post_ids.push(conn.execute(&q)?.last_insert_id.ok_or(Error::NoRows)?);
    }
    // Comments: (post, author, body, reply to the n-th comment). A thread on post 0
    // five replies deep.
    let comments: [(usize, usize, &str, Option<usize>); 10] = [
        (0, 1, "great", None),
        (0, 2, "thanks", Some(0)),
        (0, 0, "you are welcome", Some(1)),
        (0, 1, "one more", Some(2)),
        (0, 3, "deeper", Some(3)),
        (0, 2, "deepest", Some(4)),
        (1, 0, "nice", None),
        (5, 3, "ok", None),
        (5, 1, "not ok", Some(7)),
        (6, 6, "quotes ' and \\", None),
    ];
    let mut comment_ids: Vec<i64> = Vec::new();
    for (post, author, body, parent) in comments {
        let q = insert(c)
            .value(c.post_id, post_ids[post])
            .value(c.user_id, ids[author])
            .value(c.content, body)
            .value(c.parent_id, parent.map(|k| comment_ids[k]));
        comment_ids.push(conn.execute(&q)?.last_insert_id.ok_or(Error::NoRows)?);
    }
    let mut tag_ids = Vec::new();
    for name in ["python", "rust", "sql", "unused"] {
        tag_ids.push(
            conn.execute(&insert(t).value(t.name, name))?
                .last_insert_id
                .ok_or(Error::NoRows)?,
        );
    }
    for (post, tag) in [(0, 0), (1, 0), (1, 2), (2, 0), (3, 1), (3, 2), (7, 2)] {
        conn.execute(
            &insert(pt)
                .value(pt.post_id, post_ids[post])
                .value(pt.tag_id, tag_ids[tag]),
        )?;
    }
    Ok(())
}

fn queries() -> Vec<(&'static str, Select)> {
    let (u, p, c, t) = (User::table(), Post::table(), Comment::table(), Tag::table());
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
        (
            "searched CASE",
            select((
                p.slug,
                case::<String>()
                    .when(p.views.gt(20), "hot")
                    .when(p.views.gt(5), "warm")
                    .else_("cold")
                    .label("heat"),
            ))
            .order_by(p.slug),
        ),
        (
            "conditional counts: CASE inside aggregates",
            select((
                func::count(case::<i64>().when(p.published.eq(true), 1).end()).label("published"),
                func::sum(case::<i64>().when(p.views.ge(10), p.views).else_(0)).label("big_views"),
            )),
        ),
        (
            "simple CASE on a column",
            select((
                p.slug,
                case_of::<String, _>(p.published)
                    .when(true, "yes")
                    .else_("no")
                    .label("p"),
            ))
            .order_by(p.slug),
        ),
        (
            "IS DISTINCT FROM counts NULL as a value",
            select(p.slug)
                .where_(p.content.is_distinct_from("x"))
                .order_by(p.slug),
        ),
        (
            "IS NOT DISTINCT FROM NULL",
            select(p.slug)
                .where_(p.content.is_not_distinct_from(None::<&str>))
                .order_by(p.slug),
        ),
        (
            "IS FALSE and IS NOT TRUE",
            select((p.slug, p.published.is_not_true().label("np")))
                .where_(p.published.is_false() | p.views.gt(100))
                .order_by(p.slug),
        ),
        (
            "true division and floor division",
            select((
                p.slug,
                (p.views / 4).label("quarter"),
                (p.views - 20).floordiv(7).label("floor7"),
                (-p.views).floordiv(-4).label("negneg"),
                (p.views % 7).label("m"),
            ))
            .order_by(p.slug),
        ),
        (
            "GREATEST, LEAST, NULLIF, COALESCE",
            select((
                p.slug,
                func::greatest(p.views, 10).label("g"),
                func::least(p.views, 10).label("l"),
                func::nullif(p.views, 0).label("nz"),
                func::coalesce_all(p.content, [p.title]).label("c"),
            ))
            .order_by(p.slug),
        ),
        (
            "EXTRACT of every part",
            select((
                p.slug,
                func::extract(DatePart::Year, p.created_at).label("y"),
                func::extract(DatePart::Quarter, p.created_at).label("q"),
                func::extract(DatePart::Month, p.created_at).label("mo"),
                func::extract(DatePart::Day, p.created_at).label("d"),
                func::extract(DatePart::Hour, p.created_at).label("h"),
                func::extract(DatePart::Minute, p.created_at).label("mi"),
                func::extract(DatePart::Second, p.created_at).label("s"),
                func::extract(DatePart::DayOfWeek, p.created_at).label("dow"),
                func::extract(DatePart::DayOfYear, p.created_at).label("doy"),
            ))
            .order_by(p.slug),
        ),
        (
            "CAST to DATE gives a date",
            select((
                p.slug,
                p.created_at
                    .cast::<chrono::NaiveDate>(SqlType::Date)
                    .label("day"),
            ))
            .order_by(p.slug),
        ),
        (
            "regexp match",
            select(p.slug)
                .where_(p.title.regexp_match("^[Pp]ython|SQL$"))
                .order_by(p.slug),
        ),
        (
            "not regexp match",
            select(u.username)
                .where_(u.username.not_regexp_match("^[a-z]+$"))
                .order_by(u.username),
        ),
        (
            "character length of accents, CJK and emoji",
            select((u.username, func::char_length(u.username).label("n"))).order_by(u.username),
        ),
        (
            "substr, replace, trim, abs, round",
            select((
                p.slug,
                func::substr(p.title, 2, 3).label("sub"),
                func::replace(p.slug, "-", "_").label("rep"),
                func::trim(p.title.concat("  ")).label("t"),
                func::abs(p.views - 20).label("a"),
                func::round(p.views / 7, 2).label("r"),
            ))
            .order_by(p.slug),
        ),
        (
            "func::call with columns and bound values mixed",
            select(func::call::<String>("substr", (p.slug, 1, 4)).label("s")).order_by(p.slug),
        ),
        (
            "decimals compare as numbers",
            select((p.slug, p.rating))
                .where_(p.rating.gt(dec("4.5")))
                .order_by(p.rating),
        ),
        (
            "decimals order as numbers, and aggregate",
            select((
                func::min(p.rating).label("lo"),
                func::max(p.rating).label("hi"),
                func::sum(p.rating).label("total"),
                func::count(p.rating).label("n"),
            )),
        ),
        (
            "CAST to NUMERIC rounds half away from zero",
            select((
                p.slug,
                p.rating
                    .cast::<Option<rust_decimal::Decimal>>(SqlType::Numeric {
                        precision: 4,
                        scale: 0,
                    })
                    .label("r0"),
            ))
            .order_by(p.slug),
        ),
        (
            "row_number, rank, dense_rank per author",
            select((
                p.slug,
                func::row_number()
                    .over(
                        Window::new()
                            .partition_by(p.author_id)
                            .order_by(p.views.desc()),
                    )
                    .label("rn"),
                func::rank()
                    .over(Window::new().order_by(p.published))
                    .label("rk"),
                func::dense_rank()
                    .over(Window::new().order_by(p.published))
                    .label("drk"),
            ))
            .order_by(p.slug),
        ),
        (
            "ntile, cume_dist, percent_rank",
            select((
                p.slug,
                func::ntile(3)
                    .over(Window::new().order_by(p.views))
                    .label("t"),
                func::cume_dist()
                    .over(Window::new().order_by(p.views))
                    .label("cd"),
                func::percent_rank()
                    .over(Window::new().order_by(p.views))
                    .label("pr"),
            ))
            .order_by(p.slug),
        ),
        (
            "lag, lead, first_value, last_value over the whole partition",
            select((
                p.slug,
                func::lag(p.views, 1)
                    .over(Window::new().order_by(p.views))
                    .label("prev"),
                func::lead(p.slug, 2)
                    .over(Window::new().order_by(p.views))
                    .label("next2"),
                func::first_value(p.slug)
                    .over(Window::new().partition_by(p.published).order_by(p.views))
                    .label("first"),
                func::last_value(p.slug)
                    .over(
                        Window::new()
                            .partition_by(p.published)
                            .order_by(p.views)
                            .rows(Bound::UnboundedPreceding, Bound::UnboundedFollowing),
                    )
                    .label("last"),
            ))
            .order_by(p.slug),
        ),
        (
            "the default frame counts peers together; ROWS does not",
            select((
                p.slug,
                func::count_star()
                    .over(Window::new().order_by(p.published))
                    .label("peers"),
                func::count_star()
                    .over(
                        Window::new()
                            .order_by((p.published, p.views))
                            .rows(Bound::UnboundedPreceding, Bound::CurrentRow),
                    )
                    .label("rows"),
            ))
            .order_by(p.slug),
        ),
        (
            "sliding ROWS and RANGE frames, aggregates over windows",
            select((
                p.slug,
                func::sum(p.views)
                    .over(
                        Window::new()
                            .order_by(p.views)
                            .rows(Bound::Preceding(1), Bound::Following(1)),
                    )
                    .label("s3"),
                func::count_star()
                    .over(
                        Window::new()
                            .order_by(p.views)
                            .range(Bound::Preceding(10), Bound::Following(10)),
                    )
                    .label("near"),
                func::max(p.views)
                    .over(Window::new().partition_by(p.author_id))
                    .label("best"),
            ))
            .order_by(p.slug),
        ),
        {
            let ranked = select((
                p.slug,
                p.author_id,
                func::row_number()
                    .over(
                        Window::new()
                            .partition_by(p.author_id)
                            .order_by(p.views.desc()),
                    )
                    .label("rn"),
            ))
            .subquery("ranked");
            (
                "filtering on a window result through a derived table",
                select(ranked.c("slug").unwrap())
                    .where_(ranked.c("rn").unwrap().eq(1))
                    .order_by(ranked.c("slug").unwrap()),
            )
        },
        (
            "UNION with ORDER BY and LIMIT on the compound",
            select(u.username.label("name"))
                .union(select(t.name))
                .order_by(u.username)
                .limit(6),
        ),
        (
            "UNION ALL keeps duplicates",
            select(p.author_id)
                .union_all(select(c.user_id))
                .order_by(p.author_id),
        ),
        (
            "INTERSECT and EXCEPT",
            select(u.id)
                .intersect(select(p.author_id))
                .except(select(c.user_id))
                .order_by(u.id),
        ),
        (
            "members with their own ORDER BY and LIMIT",
            select(p.slug)
                .order_by(p.views.desc())
                .limit(2)
                .union(select(p.slug).order_by(p.views).limit(2))
                .order_by(p.slug),
        ),
        (
            "a compound inside IN",
            select(u.username)
                .where_(
                    u.id.in_select(
                        select(p.author_id)
                            .where_(p.views.gt(20))
                            .union(select(c.user_id).where_(c.content.eq("ok"))),
                    ),
                )
                .order_by(u.username),
        ),
        {
            let counts = select((p.author_id, func::count_star().label("n")))
                .group_by(p.author_id)
                .cte("counts");
            (
                "a CTE joined",
                select((u.username, counts.c("n").unwrap()))
                    .join(counts.clone(), u.id.eq(counts.c("author_id").unwrap()))
                    .order_by(u.username),
            )
        },
        {
            let pubs = select((p.author_id, p.views))
                .where_(p.published.eq(true))
                .cte("pubs");
            (
                "a CTE referenced twice",
                select(pubs.c("author_id").unwrap())
                    .select_from(pubs.clone())
                    .where_(
                        pubs.c("views")
                            .unwrap()
                            .gt(select(func::avg(pubs.c("views").unwrap()))
                                .select_from(pubs.clone())
                                .scalar_subquery()),
                    )
                    .order_by(pubs.c("author_id").unwrap()),
            )
        },
        {
            let a = select(p.author_id).where_(p.views.gt(5)).cte("a");
            let b = select(a.c("author_id").unwrap())
                .select_from(a.clone())
                .distinct()
                .cte("b");
            (
                "two CTEs, one using the other",
                select(u.username)
                    .join(b.clone(), u.id.eq(b.c("author_id").unwrap()))
                    .order_by(u.username),
            )
        },
        {
            let n = select(literal::<i64>(1i64).label("n")).cte("series");
            let step = n.column::<i64>("n").unwrap();
            let n = n.clone().union_all(
                select(step.clone() + 1)
                    .select_from(n.clone())
                    .where_(step.lt(10)),
            );
            (
                "a recursive number series",
                select(n.c("n").unwrap())
                    .select_from(n.clone())
                    .order_by(n.c("n").unwrap()),
            )
        },
        {
            let root = select((c.id, c.content, literal::<i64>(0i64).label("depth")))
                .where_(c.parent_id.is_null())
                .where_(c.content.eq("great"))
                .cte("thread");
            let depth = root.column::<i64>("depth").unwrap();
            let up = root.column::<i64>("id").unwrap();
            let thread = root
                .clone()
                .union_all(select((c.id, c.content, depth + 1)).join(root, c.parent_id.eq(up)));
            (
                "a comment thread descending from its root",
                select((thread.c("content").unwrap(), thread.c("depth").unwrap()))
                    .select_from(thread.clone())
                    .order_by(thread.c("depth").unwrap()),
            )
        },
        {
            let c2 = Comment::table().alias("child");
            let leaf = select((c.id, c.parent_id, c.content))
                .where_(c.content.eq("deepest"))
                .cte("chain");
            let parent = leaf.column::<Option<i64>>("parent_id").unwrap();
            let chain = leaf
                .clone()
                .union_all(select((c2.id, c2.parent_id, c2.content)).join(leaf, c2.id.eq(parent)));
            (
                "an ancestor walk up a reply chain",
                select(chain.c("content").unwrap())
                    .select_from(chain.clone())
                    .order_by(chain.c("id").unwrap()),
            )
        },
        (
            "RIGHT OUTER JOIN keeps users without posts",
            select((u.username, func::count(p.id).label("n")))
                .select_from(p)
                .right_join(u, p.author_id.eq(u.id))
                .group_by(u.username)
                .order_by(u.username),
        ),
        (
            "CROSS JOIN",
            select(func::count_star()).select_from(u).cross_join(t),
        ),
        {
            let reply = Comment::table().alias("reply");
            (
                "one table aliased twice",
                select((c.content, reply.content))
                    .join(reply, reply.parent_id.eq(c.id))
                    .order_by(reply.id),
            )
        },
        (
            "FOR UPDATE reads the rows",
            select(p.slug)
                .where_(p.views.gt(20))
                .order_by(p.slug)
                .for_update(),
        ),
        (
            "a LIMIT inside an IN subquery",
            select(u.username)
                .where_(u.id.in_select(select(p.author_id).order_by(p.views.desc()).limit(2)))
                .order_by(u.username),
        ),
        {
            let v = sqlkit::stmt::values(
                "wanted",
                &["slug", "weight"],
                [("rust-sql", 2i64), ("cjk", 3), ("nope", 4)],
            )
            .unwrap();
            (
                "a VALUES list as a table, joined",
                select((p.title, v.c("weight").unwrap()))
                    .join(v.clone(), p.slug.eq(v.c("slug").unwrap()))
                    .order_by(v.c("weight").unwrap()),
            )
        },
        (
            "EXISTS as a selected column",
            select((
                u.username,
                exists(select(p.id).where_(p.author_id.eq(u.id))).label("has_posts"),
            ))
            .order_by(u.username),
        ),
        {
            let k = p.views.floordiv(10).label("k");
            (
                "GROUP BY and ORDER BY a label",
                select((k.clone(), func::count_star().label("n")))
                    .group_by(k.clone())
                    .order_by(k.desc()),
            )
        },
        (
            "a repeated expression holding a bound value (PostgreSQL 42803 before)",
            select((
                p.views.floordiv(1000).label("thousands"),
                func::count_star().label("n"),
            ))
            .group_by(p.views.floordiv(1000))
            .having(p.views.floordiv(1000).ge(0))
            .order_by(p.views.floordiv(1000)),
        ),
        {
            let pt = PostTag::table();
            (
                "many-to-many: posts per tag, unused tags kept",
                select((t.name, func::count(pt.post_id).label("n")))
                    .outerjoin(pt, pt.tag_id.eq(t.id))
                    .group_by(t.name)
                    .order_by((func::count(pt.post_id).desc(), t.name)),
            )
        },
        (
            "CASE in ORDER BY",
            select(p.slug).order_by((case::<i64>().when(p.published.eq(true), 0).else_(1), p.slug)),
        ),
        (
            "a running total per author with the default frame",
            select((
                p.slug,
                func::sum(p.views)
                    .over(Window::new().partition_by(p.author_id).order_by(p.views))
                    .label("running"),
            ))
            .order_by(p.slug),
        ),
        (
            "a correlated scalar subquery per row",
            select((
                p.slug,
                select(func::count_star())
                    .select_from(c)
                    .where_(c.post_id.eq(p.id))
                    .scalar_subquery()
                    .label("comments"),
            ))
            .order_by(p.slug),
        ),
        (
            "NOT EXISTS: users who never commented",
            select(u.username)
                .where_(not_exists(select(c.id).where_(c.user_id.eq(u.id))))
                .order_by(u.username),
        ),
        (
            "BETWEEN on decimals",
            select(p.slug)
                .where_(p.rating.between(dec("0.5"), dec("9.5")))
                .order_by(p.slug),
        ),
        (
            "contains escapes % and _",
            select(p.slug)
                .where_(p.content.contains("%_"))
                .order_by(p.slug),
        ),
        (
            "decimals: NULLS FIRST and COALESCE",
            select((p.slug, func::coalesce(p.rating, dec("0.0")).label("r")))
                .order_by((p.rating.asc().nulls_first(), p.slug)),
        ),
        (
            "row values IN a list",
            select(p.slug)
                .where_(tuple_((p.author_id, p.published)).in_([(1i64, true), (2, false)]))
                .order_by(p.slug),
        ),
        (
            "HAVING over a join",
            select((u.username, func::count(c.id).label("n")))
                .join(c, c.user_id.eq(u.id))
                .group_by(u.username)
                .having(func::count(c.id).gt(1))
                .order_by(u.username),
        ),
    ]
}

#[test]
fn the_same_statements_return_the_same_rows_on_every_database() {
    let dbs = common::engines_and_pooler();
    let mut results: Vec<(&str, Vec<Vec<Vec<String>>>)> = Vec::new();
    for db in &dbs {
        let mut conn = seeded(db);
        let mut per_query = Vec::new();
        for (what, q) in queries() {
            let rows = conn
                .query(&q)
                .unwrap_or_else(|e| panic!("{what} on {}: {e}", db.name));
            per_query.push(
                rows.iter()
                    .map(|r| r.values().iter().map(canonical).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
            );
        }
        // Built again, every statement comes from the engine's statement cache and
        // returns the same rows.
        let (hits, _) = conn.statement_cache_stats();
        for ((what, q), first) in queries().into_iter().zip(&per_query) {
            let again: Vec<Vec<String>> = conn
                .query(&q)
                .unwrap_or_else(|e| panic!("{what} again on {}: {e}", db.name))
                .iter()
                .map(|r| r.values().iter().map(canonical).collect())
                .collect();
            assert_eq!(&again, first, "{what} from the cache on {}", db.name);
        }
        let (hits_after, _) = conn.statement_cache_stats();
        assert!(
            hits_after - hits >= queries().len() as u64 - 4,
            "{}: {} of {} from the cache",
            db.name,
            hits_after - hits,
            queries().len()
        );
        results.push((db.label, per_query));
    }
    assert!(queries().len() >= 60, "{} statements", queries().len());
    let configured = common::servers().iter().filter(|s| s.2.is_some()).count();
    let pooled =
        usize::from(std::env::var("SQLKIT_TEST_PGBOUNCER_URL").is_ok_and(|u| !u.is_empty()));
    assert_eq!(
        results.len(),
        1 + configured + pooled,
        "every configured database took part"
    );
    let (first, expected) = &results[0];
    for (name, got) in &results[1..] {
        for (k, (what, _)) in queries().iter().enumerate() {
            assert_eq!(got[k], expected[k], "{what}: {name} differs from {first}");
        }
    }
    // And the data is what it should be, so agreement is not agreement on nothing.
    let by_name = |name: &str| -> Vec<String> {
        let k = queries()
            .iter()
            .position(|(w, _)| *w == name)
            .expect("a query of that name");
        expected[k].iter().map(|r| r.join(" ")).collect()
    };
    assert_eq!(
        by_name("a recursive number series"),
        (1..=10).map(|n| n.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(
        by_name("a comment thread descending from its root"),
        [
            "'great' 0",
            "'thanks' 1",
            "'you are welcome' 2",
            "'one more' 3",
            "'deeper' 4",
            "'deepest' 5"
        ]
    );
    assert_eq!(
        by_name("an ancestor walk up a reply chain"),
        [
            "'great'",
            "'thanks'",
            "'you are welcome'",
            "'one more'",
            "'deeper'",
            "'deepest'"
        ]
    );
    assert_eq!(
        by_name("INTERSECT and EXCEPT"),
        ["6", "8"],
        "authors who never commented"
    );
    let users = &expected[0];
    let names: Vec<&str> = users.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names,
        [
            "'Alice'",
            "'Zoë'",
            "'alice'",
            "'back\\slash'",
            "'bob'",
            "'carl '",
            "'o'neil'",
            "'山田'",
            "'🦀rust'"
        ]
    );
}

fn rows_of(conn: &mut Connection, q: &Select) -> sqlkit::Result<Vec<Vec<String>>> {
    Ok(conn
        .query(q)?
        .iter()
        .map(|r| r.values().iter().map(canonical).collect())
        .collect())
}

/// Not only the same rows everywhere: the right rows, written out by hand.
#[test]
fn constructs_return_the_rows_sql_defines() {
    let (u, p) = (User::table(), Post::table());
    let expect: Vec<(&str, Select, Vec<Vec<&str>>)> = vec![
        (
            "true division and floor division of bound integers",
            select((
                bind::<i64>(7i64) / 2,
                bind::<i64>(-7i64).floordiv(2),
                bind::<i64>(7i64).floordiv(-2),
                bind::<i64>(-7i64).floordiv(-2),
                bind::<i64>(6i64).floordiv(3),
            )),
            vec![vec!["3.500000", "-4", "-4", "3", "2"]],
        ),
        (
            "decimals compare and order as numbers",
            select(p.slug)
                .where_(p.rating.gt(dec("4.5")))
                .order_by(p.rating),
            vec![
                vec!["'cjk'"],
                vec!["'py-internals'"],
                vec!["'python-tips'"],
                vec!["'unicode'"],
            ],
        ),
        (
            "CAST to NUMERIC(4, 0) rounds half away from zero",
            select(
                p.rating
                    .cast::<Option<rust_decimal::Decimal>>(SqlType::Numeric {
                        precision: 4,
                        scale: 0,
                    })
                    .label("r"),
            )
            .where_(
                p.slug
                    .in_(["quoted", "sqlalchemy", "py-internals", "rust-sql"]),
            )
            .order_by(p.rating),
            vec![vec!["-1"], vec!["1"], vec!["5"], vec!["10"]],
        ),
        (
            "round(x, n) half away from zero",
            select((
                func::round(p.rating, 0).label("r"),
                func::round(bind::<f64>(-2.5f64), 0).label("neg"),
            ))
            .where_(p.slug.eq("sqlalchemy")),
            vec![vec!["5", "-3"]],
        ),
        (
            "EXTRACT of 2023-11-11 10:10:10 (a Saturday)",
            select((
                func::extract(DatePart::Year, p.created_at),
                func::extract(DatePart::Quarter, p.created_at),
                func::extract(DatePart::Month, p.created_at),
                func::extract(DatePart::Day, p.created_at),
                func::extract(DatePart::Hour, p.created_at),
                func::extract(DatePart::Minute, p.created_at),
                func::extract(DatePart::Second, p.created_at),
                func::extract(DatePart::DayOfWeek, p.created_at),
                func::extract(DatePart::DayOfYear, p.created_at),
            ))
            .where_(p.slug.eq("python-tips")),
            vec![vec!["2023", "4", "11", "11", "10", "10", "10", "6", "315"]],
        ),
        (
            "regexp",
            select(p.slug)
                .where_(p.title.regexp_match("^[Pp]ython|SQL$"))
                .order_by(p.slug),
            vec![
                vec!["'py-internals'"],
                vec!["'python-tips'"],
                vec!["'rust-sql'"],
            ],
        ),
        (
            "characters, not bytes",
            select(func::char_length(u.username))
                .where_(u.username.in_(["🦀rust", "山田", "Zoë"]))
                .order_by(u.username),
            vec![vec!["3"], vec!["2"], vec!["5"]],
        ),
        (
            "IS DISTINCT FROM keeps the NULLs",
            select(p.slug)
                .where_(p.content.is_distinct_from("x"))
                .where_(p.views.lt(30))
                .order_by(p.slug),
            vec![
                vec!["'draft'"],
                vec!["'py-internals'"],
                vec!["'rust-sql'"],
                vec!["'sqlalchemy'"],
                vec!["'unicode'"],
            ],
        ),
        (
            "conditional count",
            select(func::count(
                case::<i64>().when(p.published.eq(true), 1).end(),
            )),
            vec![vec!["6"]],
        ),
        (
            "the current date is today's date of now(), and the time of day a time",
            select((
                func::current_date()
                    .eq(func::now().cast::<chrono::NaiveDate>(SqlType::Date))
                    .label("today"),
                func::current_time().is_not_null(),
            )),
            vec![vec!["1", "1"]],
        ),
    ];
    for db in common::engines_and_pooler() {
        let mut conn = seeded(&db);
        for (what, q, want) in &expect {
            let got =
                rows_of(&mut conn, q).unwrap_or_else(|e| panic!("{what} on {}: {e}", db.name));
            assert_eq!(&got, want, "{what} on {}", db.name);
        }
    }
}

/// Where the databases differ by nature, and sqlkit documents it rather than hide it.
#[test]
fn documented_differences_show() {
    for db in common::engines_and_pooler() {
        let mut conn = db.engine.connect().expect("connect");
        // Division by zero: PostgreSQL raises, MySQL/MariaDB and SQLite give NULL.
        let r = rows_of(&mut conn, &select(bind::<f64>(1.0f64) / 0));
        match db.name {
            "postgresql" => assert!(r.is_err(), "PostgreSQL raises on division by zero"),
            _ => assert_eq!(r.expect("NULL"), [["NULL"]], "{}", db.name),
        }
        // GREATEST with a NULL: PostgreSQL ignores it, the others give NULL.
        let three = bind::<i64>(3i64).cast::<i64>(SqlType::BigInt);
        let g = rows_of(&mut conn, &select(func::greatest(three, Value::Null))).expect("greatest");
        let want = if db.name == "postgresql" { "3" } else { "NULL" };
        assert_eq!(g, [[want]], "{}", db.name);
        // Trailing spaces: equal under MariaDB's PAD SPACE collations only.
        if db.name == "mariadb" {
            let pad = conn
                .query_sql(
                    "SELECT 'a' = 'a ' COLLATE utf8mb4_general_ci, 'a' = 'a '",
                    &[],
                )
                .expect("collations");
            let v: Vec<String> = pad[0].values().iter().map(canonical).collect();
            assert_eq!(
                v,
                ["1", "0"],
                "PAD SPACE vs the connection's NO PAD collation"
            );
        }
    }
}

/// The tables' contents, every column but the instants the servers set themselves.
fn snapshot(conn: &mut Connection) -> Vec<Vec<String>> {
    let (u, p, c, t) = (User::table(), Post::table(), Comment::table(), Tag::table());
    let mut out = Vec::new();
    for q in [
        select((u.id, u.username, u.email, u.is_active)).order_by(u.id),
        select((p.id, p.slug, p.views, p.rating, p.author_id, p.content)).order_by(p.id),
        select((c.id, c.content, c.post_id, c.parent_id)).order_by(c.id),
        select((t.id, t.name)).order_by(t.id),
    ] {
        out.extend(rows_of(conn, &q).expect("snapshot"));
        out.push(vec!["--".into()]);
    }
    out
}

/// INSERT .. SELECT, UPDATE .. FROM, DELETE .. USING (and their MySQL and SQLite
/// forms), UPDATE with CASE and with a correlated subquery, DELETE with a subquery on
/// its own table, a CTE in front of UPDATE: the same rows change on every database.
#[test]
fn dml_changes_the_same_rows_everywhere() {
    let (u, p, c, t) = (User::table(), Post::table(), Comment::table(), Tag::table());
    let hot = select(p.author_id).where_(p.views.gt(20)).cte("hot");
    let steps: Vec<(&str, Box<dyn Statement>, u64)> = vec![
        (
            "INSERT .. SELECT",
            Box::new(insert(t).from_select(
                [t.name],
                select(u.username.concat("-tag")).where_(u.is_active.eq(false)),
            )),
            1,
        ),
        (
            "INSERT .. SELECT from a CTE",
            Box::new({
                let idle = select(u.username.concat("-cte"))
                    .where_(u.username.eq("bob"))
                    .cte("idle");
                insert(t).from_select(
                    [t.name],
                    select(idle.c("anon_1").unwrap()).select_from(idle.clone()),
                )
            }),
            1,
        ),
        (
            "UPDATE .. FROM another table",
            Box::new(
                update(p)
                    .set(p.views, p.views + 1)
                    .where_(p.author_id.eq(u.id))
                    .where_(u.username.eq("bob")),
            ),
            2,
        ),
        (
            "UPDATE with CASE",
            Box::new(
                update(p).set(
                    p.views,
                    case::<i64>()
                        .when(p.published.eq(false), 100)
                        .else_(p.views),
                ),
            ),
            8,
        ),
        (
            "UPDATE with a correlated subquery",
            Box::new(
                update(p)
                    .set(
                        p.views,
                        select(func::count_star())
                            .select_from(c)
                            .where_(c.post_id.eq(p.id))
                            .scalar_subquery(),
                    )
                    .where_(p.slug.eq("python-tips")),
            ),
            1,
        ),
        (
            "SET reads the old values (MariaDB with SIMULTANEOUS_ASSIGNMENT)",
            Box::new(
                update(p)
                    .set(p.views, p.views + 1)
                    .set(
                        p.rating,
                        p.views.cast::<rust_decimal::Decimal>(SqlType::Numeric {
                            precision: 4,
                            scale: 1,
                        }),
                    )
                    .where_(p.slug.eq("rust-sql")),
            ),
            1,
        ),
        (
            "a CTE in front of UPDATE (inlined on MariaDB)",
            Box::new(update(u).set(u.is_active, false).where_(
                u.id.in_select(select(hot.c("author_id").unwrap()).select_from(hot.clone())),
            )),
            5,
        ),
        (
            "DELETE .. USING another table",
            Box::new(
                delete(c)
                    .where_(c.post_id.eq(p.id))
                    .where_(p.slug.in_(["sqlalchemy", "quoted"])),
            ),
            2,
        ),
        (
            "DELETE with a subquery on its own table",
            Box::new(delete(p).where_(p.id.in_select(select(p.id).where_(p.slug.eq("draft"))))),
            1,
        ),
    ];
    let mut results = Vec::new();
    for db in common::engines_and_pooler() {
        let mut conn = seeded(&db);
        for (what, stmt, rows) in &steps {
            let r = conn
                .execute(&**stmt)
                .unwrap_or_else(|e| panic!("{what} on {}: {e}", db.name));
            assert_eq!(r.rows_affected, *rows, "{what} on {}", db.name);
        }
        // An upsert whose update has a condition: refused on MariaDB, not run without it.
        let before = snapshot(&mut conn);
        let upsert = insert(t)
            .value(t.name, "rust")
            .on_conflict([t.name])
            .do_update(t.name, "renamed")
            .do_update_where(t.id.gt(1000));
        match (db.name, conn.execute(&upsert)) {
            ("mariadb", Err(Error::Unsupported { .. })) => {}
            ("mariadb", other) => panic!("mariadb ran a conditional upsert: {other:?}"),
            (name, r) => assert_eq!(r.expect("upsert").rows_affected, 0, "{name}"),
        }
        assert_eq!(
            snapshot(&mut conn),
            before,
            "the condition held on {}",
            db.name
        );
        results.push((db.name, snapshot(&mut conn)));
    }
    let (first, expected) = &results[0];
    for (name, got) in &results[1..] {
        assert_eq!(got, expected, "{name} differs from {first}");
    }
    let flat: Vec<String> = expected.iter().map(|r| r.join(" ")).collect();
    assert!(flat.contains(&"5 'carl -tag'".to_string()), "{flat:?}");
    assert!(flat.contains(&"6 'bob-cte'".to_string()), "{flat:?}");
    assert!(
        flat.iter().any(|r| r.starts_with("1 'python-tips' 6 ")),
        "{flat:?}"
    );
    // The rating took the views from before the SET.
    assert!(
        flat.iter().any(|r| r.starts_with("4 'rust-sql' 4 3 ")),
        "{flat:?}"
    );
    assert!(!flat.iter().any(|r| r.contains("'draft'")), "{flat:?}");
    assert!(!flat.iter().any(|r| r.contains("'nice'")), "{flat:?}");
}

/// Constructs some databases lack: they run where the dialect has them (with the rows
/// SQL defines) and are refused, typed, before reaching the others.
#[test]
fn constructs_some_dialects_lack_run_or_are_refused() {
    let (u, p) = (User::table(), Post::table());
    let last = select(p.slug)
        .where_(p.author_id.eq(u.id))
        .order_by(p.views.desc())
        .limit(1)
        .subquery("top");
    let cases: Vec<(&str, Select, &[&str], Vec<&str>)> = vec![
        (
            "LATERAL: each user's most viewed post",
            select((u.username, last.c("slug").unwrap()))
                .select_from(u)
                .join_lateral(last.clone(), literal::<bool>(true), false)
                .order_by(u.username),
            &["postgresql"],
            vec![
                "'Alice' 'py-internals'",
                "'Zoë' 'draft'",
                "'alice' 'unicode'",
                "'bob' 'sqlalchemy'",
                "'o'neil' 'quoted'",
                "'山田' 'cjk'",
            ],
        ),
        (
            "DISTINCT ON: each author's most viewed post",
            select((p.author_id, p.slug))
                .distinct_on(p.author_id)
                .order_by((p.author_id, p.views.desc())),
            &["postgresql"],
            vec![
                "1 'sqlalchemy'",
                "2 'py-internals'",
                "3 'unicode'",
                "4 'draft'",
                "6 'quoted'",
                "8 'cjk'",
            ],
        ),
        (
            "INTERSECT ALL keeps duplicates",
            select(p.author_id)
                .intersect_all(select(p.author_id).where_(p.views.lt(30)))
                .order_by(p.author_id),
            &["postgresql", "mariadb"],
            vec!["1", "1", "2", "2", "3", "4"],
        ),
        (
            "x > ALL (subquery)",
            select(p.slug)
                .where_(
                    p.views
                        .gt(all_(select(p.views).where_(p.published.eq(false)))),
                )
                .order_by(p.slug),
            &["postgresql", "mariadb"],
            vec![
                "'cjk'",
                "'python-tips'",
                "'quoted'",
                "'sqlalchemy'",
                "'unicode'",
            ],
        ),
    ];
    for db in common::engines_and_pooler() {
        let mut conn = seeded(&db);
        for (what, q, runs_on, want) in &cases {
            let r = rows_of(&mut conn, q);
            if runs_on.contains(&db.name) {
                let got: Vec<String> = r
                    .unwrap_or_else(|e| panic!("{what} on {}: {e}", db.name))
                    .iter()
                    .map(|r| r.join(" "))
                    .collect();
                assert_eq!(got, *want, "{what} on {}", db.name);
            } else {
                assert!(
                    matches!(r, Err(Error::Unsupported { .. })),
                    "{what} on {}: {r:?}",
                    db.name
                );
            }
        }
        // Refused before the server: the connection is fine.
        assert_eq!(
            rows_of(&mut conn, &select(func::count_star()).select_from(u)).unwrap(),
            [["9"]]
        );
    }
}

/// An INSERT of only defaults: `DEFAULT VALUES` (MySQL `() VALUES ()`), the key and
/// the server default filled in, on every database.
#[test]
fn an_insert_of_only_defaults_fills_the_key_and_server_defaults() {
    use sqlkit::schema::ColumnDef;
    let t = Table::builder("counters")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("n", SqlType::BigInt).server_default(7i64))
        .build()
        .expect("table");
    for db in common::engines_and_pooler() {
        let mut conn = db.engine.connect().expect("connect");
        conn.execute(&CreateTable::new(&t)).expect("create");
        let a = conn.execute(&insert(&t).default_values()).expect("insert");
        let b = conn.execute(&insert(&t).default_values()).expect("insert");
        assert_eq!(
            (a.last_insert_id, b.last_insert_id),
            (Some(1), Some(2)),
            "{}",
            db.name
        );
        let rows =
            rows_of(&mut conn, &select(t.clone()).order_by(t.c("id").unwrap())).expect("rows");
        assert_eq!(rows, [["1", "7"], ["2", "7"]], "{}", db.name);
    }
}

/// Untyped rows of typed expressions hold the same kind of `Value` on every database
/// (SQLite would give text instants, MariaDB naive ones, PostgreSQL NUMERIC sums).
#[test]
fn typed_expressions_give_the_same_value_kinds_everywhere() {
    let (u, p) = (User::table(), Post::table());
    let q = select((
        func::min(u.created_at),
        func::max(p.created_at),
        func::avg(p.views),
        func::sum(p.views),
        func::sum(p.rating),
        func::count(p.id),
        func::max(p.views).gt(10),
        func::extract(DatePart::Year, func::min(p.created_at)),
        func::current_date(),
    ))
    .join(p, p.author_id.eq(u.id));
    let mut kinds: Vec<(&str, Vec<&'static str>)> = Vec::new();
    for db in common::engines_and_pooler() {
        let mut conn = seeded(&db);
        let row = conn
            .query_one(&q)
            .unwrap_or_else(|e| panic!("{}: {e}", db.name));
        kinds.push((db.name, row.values().iter().map(Value::type_name).collect()));
    }
    let want = [
        "timestamp with time zone",
        "timestamp with time zone",
        "float",
        "integer",
        "decimal",
        "integer",
        "boolean",
        "integer",
        "date",
    ];
    for (name, got) in &kinds {
        assert_eq!(got, &want, "{name}");
    }
}
