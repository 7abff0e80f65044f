//! The four statements of the render benchmark, written four ways: sqlkit built from
//! scratch, sqlkit compiled once and re-bound, sea-query, and hand-written `push_str`
//! (the floor). `tests/equivalence.rs` checks that all four give the same SQL (modulo
//! quoting and letter case) and equal parameters on every dialect.
#![allow(missing_docs)]

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr as SExpr, ExprTrait, Func, Iden, Order, Query};
use sqlkit::compile::{Binder, Compiled};
use sqlkit::expr::func;
use sqlkit::prelude::*;

#[path = "sqlkit_side.rs"]
mod sqlkit_side;
pub use sqlkit_side::*;

/// sea-query's SQL for a dialect of the benchmark.
fn sea<S: sea_query::QueryStatementWriter>(db: Db, q: &S) -> (String, sea_query::Values) {
    match db {
        Db::Postgres => q.build_any(&sea_query::PostgresQueryBuilder),
        Db::Mysql => q.build_any(&sea_query::MysqlQueryBuilder),
        Db::Sqlite => q.build_any(&sea_query::SqliteQueryBuilder),
    }
}

#[derive(Iden, Clone, Copy)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    IsActive,
}

#[derive(Iden, Clone, Copy)]
enum Posts {
    Table,
    Id,
    Title,
    Slug,
    Content,
    Published,
    Views,
    AuthorId,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
enum Comments {
    Table,
    PostId,
}

// ------------------------------------------------------- sqlkit, compiled once, re-bound

/// A statement compiled once with named parameters, and its slots resolved.
pub struct Cached {
    pub compiled: Compiled,
    pub binder: Binder,
}

impl Cached {
    fn new(c: Compiled, names: &[&str]) -> sqlkit::Result<Cached> {
        let binder = c.binder(names)?;
        Ok(Cached {
            compiled: c,
            binder,
        })
    }
    /// SQL and parameters ready for the driver.
    pub fn bind(&self, values: Vec<Value>) -> sqlkit::Result<(&str, Vec<Value>)> {
        Ok((&self.compiled.sql, self.binder.bind_owned(values)?))
    }
}

pub fn cached_q1(d: &dyn Dialect) -> sqlkit::Result<Cached> {
    let u = User::table();
    let c = select((u.id, u.email))
        .where_(
            u.is_active.eq(bindparam::<bool>("active"))
                & u.email.like(bindparam::<String>("pattern")),
        )
        .order_by(u.id)
        .limit(bindparam::<i64>("limit"))
        .compile(d)?;
    Cached::new(c, &["active", "pattern", "limit"])
}

pub fn values_q1(i: &Inputs) -> Vec<Value> {
    vec![
        Value::Bool(i.q1.0),
        Value::from(i.q1.1.as_str()),
        Value::Int(i.q1.2 as i64),
    ]
}

pub fn cached_q2(d: &dyn Dialect) -> sqlkit::Result<Cached> {
    let (u, p, c) = (
        User::table().alias("u"),
        Post::table().alias("p"),
        Comment::table().alias("c"),
    );
    let ids: Vec<Expr<i64>> = (0..5)
        .map(|k| bindparam::<i64>(["id0", "id1", "id2", "id3", "id4"][k]))
        .collect();
    let c = select((u.username, func::count(p.id)))
        .select_from(u)
        .join(p, p.author_id.eq(u.id))
        .outerjoin(c, c.post_id.eq(p.id))
        .where_(
            p.published.eq(bindparam::<bool>("published"))
                & p.created_at.gt(bindparam::<DateTime<Utc>>("after"))
                & (p.title.like(bindparam::<String>("a")) | p.title.like(bindparam::<String>("b")))
                & u.id.in_(ids),
        )
        .group_by(u.username)
        .having(func::count(p.id).gt(bindparam::<i64>("min")))
        .order_by(func::count(p.id).desc())
        .limit(bindparam::<i64>("limit"))
        .offset(bindparam::<i64>("offset"))
        .compile(d)?;
    Cached::new(
        c,
        &[
            "published",
            "after",
            "a",
            "b",
            "id0",
            "id1",
            "id2",
            "id3",
            "id4",
            "min",
            "limit",
            "offset",
        ],
    )
}

pub fn values_q2(i: &Inputs) -> Vec<Value> {
    let q = &i.q2;
    vec![
        Value::Bool(q.published),
        Value::Timestamp(q.after),
        Value::from(q.like_a.as_str()),
        Value::from(q.like_b.as_str()),
        Value::Int(q.ids[0]),
        Value::Int(q.ids[1]),
        Value::Int(q.ids[2]),
        Value::Int(q.ids[3]),
        Value::Int(q.ids[4]),
        Value::Int(q.min_posts),
        Value::Int(q.limit as i64),
        Value::Int(q.offset as i64),
    ]
}

pub fn cached_q3(d: &dyn Dialect) -> sqlkit::Result<Cached> {
    let p = Post::table();
    let names: Vec<String> = (0..500).map(|k| format!("v{k}")).collect();
    let mut q = insert(p).columns((p.title, p.slug, p.content, p.published, p.author_id));
    for r in 0..100 {
        let n = |c: usize| names[r * 5 + c].clone();
        q = q.row((
            bindparam::<String>(n(0)),
            bindparam::<String>(n(1)),
            bindparam::<String>(n(2)),
            bindparam::<bool>(n(3)),
            bindparam::<i64>(n(4)),
        ));
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    Cached::new(q.compile(d)?, &refs)
}

pub fn values_q3(i: &Inputs) -> Vec<Value> {
    let mut v = Vec::with_capacity(500);
    for r in &i.q3 {
        v.push(Value::from(r.title.as_str()));
        v.push(Value::from(r.slug.as_str()));
        v.push(Value::from(r.content.as_str()));
        v.push(Value::Bool(r.published));
        v.push(Value::Int(r.author_id));
    }
    v
}

pub fn cached_q4(d: &dyn Dialect) -> sqlkit::Result<Cached> {
    let p = Post::table();
    let c = update(p)
        .set(p.views, p.views + literal::<i64>(1i64))
        .set(p.title, bindparam::<String>("title"))
        .where_(p.id.eq(bindparam::<i64>("id")))
        .compile(d)?;
    Cached::new(c, &["title", "id"])
}

pub fn values_q4(i: &Inputs) -> Vec<Value> {
    vec![Value::from(i.q4.0.as_str()), Value::Int(i.q4.1)]
}

// ---------------------------------------------------------------------------- sea-query

pub fn sea_q1(db: Db, i: &Inputs) -> (String, sea_query::Values) {
    sea(
        db,
        Query::select()
            .columns([(Users::Table, Users::Id), (Users::Table, Users::Email)])
            .from(Users::Table)
            .and_where(SExpr::col((Users::Table, Users::IsActive)).eq(i.q1.0))
            .and_where(SExpr::col((Users::Table, Users::Email)).like(i.q1.1.as_str()))
            .order_by((Users::Table, Users::Id), Order::Asc)
            .limit(i.q1.2),
    )
}

pub fn sea_q2(db: Db, i: &Inputs) -> (String, sea_query::Values) {
    let q = &i.q2;
    let (u, p, c) = (Alias::new("u"), Alias::new("p"), Alias::new("c"));
    let count = || Func::count(SExpr::col((p.clone(), Posts::Id)));
    sea(
        db,
        Query::select()
            .column((u.clone(), Users::Username))
            .expr(count())
            .from_as(Users::Table, u.clone())
            .join_as(
                sea_query::JoinType::Join,
                Posts::Table,
                p.clone(),
                SExpr::col((p.clone(), Posts::AuthorId)).equals((u.clone(), Users::Id)),
            )
            .join_as(
                sea_query::JoinType::LeftJoin,
                Comments::Table,
                c.clone(),
                SExpr::col((c.clone(), Comments::PostId)).equals((p.clone(), Posts::Id)),
            )
            .and_where(SExpr::col((p.clone(), Posts::Published)).eq(q.published))
            .and_where(SExpr::col((p.clone(), Posts::CreatedAt)).gt(q.after))
            .cond_where(
                sea_query::Cond::any()
                    .add(SExpr::col((p.clone(), Posts::Title)).like(q.like_a.as_str()))
                    .add(SExpr::col((p.clone(), Posts::Title)).like(q.like_b.as_str())),
            )
            .and_where(SExpr::col((u.clone(), Users::Id)).is_in(q.ids))
            .group_by_col((u.clone(), Users::Username))
            .and_having(SExpr::expr(count()).gt(q.min_posts))
            .order_by_expr(count().into(), Order::Desc)
            .limit(q.limit)
            .offset(q.offset),
    )
}

pub fn sea_q3(db: Db, i: &Inputs) -> (String, sea_query::Values) {
    let mut q = Query::insert();
    q.into_table(Posts::Table).columns([
        Posts::Title,
        Posts::Slug,
        Posts::Content,
        Posts::Published,
        Posts::AuthorId,
    ]);
    for r in &i.q3 {
        q.values_panic([
            r.title.as_str().into(),
            r.slug.as_str().into(),
            r.content.as_str().into(),
            r.published.into(),
            r.author_id.into(),
        ]);
    }
    sea(db, &q)
}

pub fn sea_q4(db: Db, i: &Inputs) -> (String, sea_query::Values) {
    sea(
        db,
        Query::update()
            .table(Posts::Table)
            .value(
                Posts::Views,
                SExpr::col((Posts::Table, Posts::Views)).add(SExpr::Constant(1i64.into())),
            )
            .value(Posts::Title, i.q4.0.as_str())
            .and_where(SExpr::col((Posts::Table, Posts::Id)).eq(i.q4.1)),
    )
}

// -------------------------------------------------------------------------- hand-written

/// SQL written with `push_str` into one pre-sized buffer, values pushed to a `Vec`.
pub struct Hand {
    pub sql: String,
    pub params: Vec<Value>,
    pg: bool,
}

impl Hand {
    fn new(db: Db, sql: usize, params: usize) -> Self {
        Hand {
            sql: String::with_capacity(sql),
            params: Vec::with_capacity(params),
            pg: db == Db::Postgres,
        }
    }
    #[inline]
    fn s(&mut self, s: &str) -> &mut Self {
        self.sql.push_str(s);
        self
    }
    #[inline]
    fn p(&mut self, v: Value) -> &mut Self {
        self.params.push(v);
        if self.pg {
            self.sql.push('$');
            let mut b = itoa::Buffer::new();
            self.sql.push_str(b.format(self.params.len()));
        } else {
            self.sql.push('?');
        }
        self
    }
}

pub fn hand_q1(db: Db, i: &Inputs) -> Hand {
    let mut h = Hand::new(db, 128, 3);
    h.s("SELECT users.id, users.email FROM users WHERE users.is_active = ")
        .p(Value::Bool(i.q1.0))
        .s(" AND users.email LIKE ")
        .p(Value::from(i.q1.1.as_str()))
        .s(" ORDER BY users.id LIMIT ")
        .p(Value::Int(i.q1.2 as i64));
    h
}

pub fn hand_q2(db: Db, i: &Inputs) -> Hand {
    let q = &i.q2;
    let mut h = Hand::new(db, 512, 12);
    h.s("SELECT u.username, count(p.id) FROM users AS u JOIN posts AS p ON p.author_id = u.id LEFT OUTER JOIN comments AS c ON c.post_id = p.id WHERE p.published = ")
        .p(Value::Bool(q.published))
        .s(" AND p.created_at > ")
        .p(Value::Timestamp(q.after))
        .s(" AND (p.title LIKE ")
        .p(Value::from(q.like_a.as_str()))
        .s(" OR p.title LIKE ")
        .p(Value::from(q.like_b.as_str()))
        .s(") AND u.id IN (");
    for (k, id) in q.ids.iter().enumerate() {
        if k > 0 {
            h.s(", ");
        }
        h.p(Value::Int(*id));
    }
    h.s(") GROUP BY u.username HAVING count(p.id) > ")
        .p(Value::Int(q.min_posts))
        .s(" ORDER BY count(p.id) DESC LIMIT ")
        .p(Value::Int(q.limit as i64))
        .s(" OFFSET ")
        .p(Value::Int(q.offset as i64));
    h
}

pub fn hand_q3(db: Db, i: &Inputs) -> Hand {
    let mut h = Hand::new(db, 64 + 100 * 32, 500);
    h.s("INSERT INTO posts (title, slug, content, published, author_id) VALUES ");
    for (k, r) in i.q3.iter().enumerate() {
        if k > 0 {
            h.s(", ");
        }
        h.s("(")
            .p(Value::from(r.title.as_str()))
            .s(", ")
            .p(Value::from(r.slug.as_str()))
            .s(", ")
            .p(Value::from(r.content.as_str()))
            .s(", ")
            .p(Value::Bool(r.published))
            .s(", ")
            .p(Value::Int(r.author_id))
            .s(")");
    }
    h
}

pub fn hand_q4(db: Db, i: &Inputs) -> Hand {
    let mut h = Hand::new(db, 96, 2);
    h.s("UPDATE posts SET views = posts.views + 1, title = ")
        .p(Value::from(i.q4.0.as_str()))
        .s(" WHERE posts.id = ")
        .p(Value::Int(i.q4.1));
    h
}

/// The `items` table of the SQLite execution benchmark, shared with its profiling harness.
pub mod items {
    use serde::Deserialize;
    use sqlkit::prelude::*;
    use sqlkit::schema::{ColumnDef, SqlType};

    /// One row, as rusqlite (by index) and sqlkit (by serde, or by `FromRow`) read it,
    /// and sqlkit writes it (`Record`).
    #[derive(Debug, Deserialize, PartialEq, sqlkit::FromRow, sqlkit::Record)]
    pub struct Item {
        pub id: i64,
        pub name: String,
        pub email: String,
        pub score: f64,
        pub active: bool,
        pub created_at: i64,
    }

    /// Row `i` of the data set: names of 39 to 120 bytes (beyond `Text`'s 23 inline
    /// bytes), as titles and bodies are.
    pub fn item(i: i64) -> Item {
        Item {
            id: i + 1,
            name: format!(
                "Post {i:06}: {}",
                "lorem ipsum dolor sit amet ".repeat(1 + (i % 4) as usize)
            ),
            email: format!("user{i}@example.com"),
            score: i as f64 * 0.5,
            active: i % 3 != 0,
            created_at: 1_700_000_000 + i,
        }
    }

    /// The table, as raw SQL.
    pub const CREATE: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, email TEXT, score REAL, active INTEGER, created_at INTEGER)";

    /// The column names, in order.
    pub const COLUMNS: [&str; 6] = ["id", "name", "email", "score", "active", "created_at"];

    /// The table, for sqlkit.
    pub fn table() -> sqlkit::Result<Table> {
        Table::builder("items")
            .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
            .column(ColumnDef::new("name", SqlType::Text))
            .column(ColumnDef::new("email", SqlType::Text))
            .column(ColumnDef::new("score", SqlType::Double))
            .column(ColumnDef::new("active", SqlType::Integer))
            .column(ColumnDef::new("created_at", SqlType::BigInt))
            .build()
    }

    /// [`values`] of an owned row: its strings move into the values, uncopied.
    pub fn values_owned(it: Item) -> [Value; 6] {
        [
            Value::Int(it.id),
            Value::from(it.name),
            Value::from(it.email),
            Value::Float(it.score),
            Value::Int(i64::from(it.active)),
            Value::Int(it.created_at),
        ]
    }

    /// A row as sqlkit values.
    pub fn values(it: &Item) -> [Value; 6] {
        [
            Value::Int(it.id),
            Value::from(it.name.as_str()),
            Value::from(it.email.as_str()),
            Value::Float(it.score),
            Value::Int(i64::from(it.active)),
            Value::Int(it.created_at),
        ]
    }

    /// A row of `SELECT id, name, email, score, active, created_at` read by raw rusqlite,
    /// by index.
    pub fn raw_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
        Ok(Item {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            score: r.get(3)?,
            active: r.get(4)?,
            created_at: r.get(5)?,
        })
    }

    /// Raw rusqlite's fastest insert: hand-built `batch`-row INSERT statements, one
    /// prepared statement, the rows' fields bound by reference.
    pub fn raw_batch_insert(
        tx: &rusqlite::Transaction<'_>,
        data: &[Item],
        batch: usize,
    ) -> rusqlite::Result<()> {
        let mut sql =
            String::from("INSERT INTO items (id, name, email, score, active, created_at) VALUES ");
        for k in 0..batch {
            sql.push_str(if k == 0 {
                "(?, ?, ?, ?, ?, ?)"
            } else {
                ", (?, ?, ?, ?, ?, ?)"
            });
        }
        let mut st = tx.prepare_cached(&sql)?;
        for chunk in data.chunks(batch) {
            let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(batch * 6);
            for it in chunk {
                params.extend([
                    &it.id as &dyn rusqlite::ToSql,
                    &it.name,
                    &it.email,
                    &it.score,
                    &it.active,
                    &it.created_at,
                ]);
            }
            st.execute(params.as_slice())?;
        }
        Ok(())
    }

    /// `INSERT INTO items .. VALUES` with every column a named parameter.
    pub fn insert_one(t: &Table) -> sqlkit::stmt::Insert {
        insert(t)
            .value("id", bindparam::<i64>("id"))
            .value("name", bindparam::<String>("name"))
            .value("email", bindparam::<String>("email"))
            .value("score", bindparam::<f64>("score"))
            .value("active", bindparam::<i64>("active"))
            .value("created_at", bindparam::<i64>("created_at"))
    }
}

/// The ORM benchmarks' models and cases, shared by `benches/orm.rs` (criterion) and
/// `examples/orm_profile.rs` (phases, and the interleaved ratios).
pub mod orm {
    use super::items::{item, raw_batch_insert, Item, CREATE};
    use sqlkit::expr::ExprOps;
    use sqlkit::orm::{selectinload, OneToMany, Session};
    use sqlkit::prelude::*;

    /// The rows of the insert and load cases.
    pub const ROWS: i64 = 100_000;

    /// `items` as a model.
    #[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
    #[sqlkit(table = "items")]
    pub struct OrmItem {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        pub email: String,
        pub score: f64,
        pub active: bool,
        pub created_at: i64,
    }

    /// Item `i`, new (no key).
    pub fn orm_item(i: i64) -> OrmItem {
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

    /// A fresh file database with the `items` table.
    pub struct Fresh {
        dir: tempfile::TempDir,
    }

    impl Fresh {
        /// A new database.
        pub fn new() -> Fresh {
            let dir = tempfile::tempdir().expect("tempdir");
            let f = Fresh { dir };
            f.raw().execute_batch(CREATE).expect("create");
            f
        }
        fn path(&self) -> std::path::PathBuf {
            self.dir.path().join("bench.db")
        }
        /// A raw rusqlite connection.
        pub fn raw(&self) -> rusqlite::Connection {
            rusqlite::Connection::open(self.path()).expect("open")
        }
        /// An engine over the file.
        pub fn engine(&self) -> Engine {
            Engine::from_url(&format!("sqlite:///{}", self.path().display())).expect("engine")
        }
        /// The rows of `items`.
        pub fn count(&self) -> i64 {
            self.raw()
                .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
                .expect("count")
        }
        /// `items` filled with [`ROWS`] rows, by raw rusqlite.
        pub fn filled() -> Fresh {
            let db = Fresh::new();
            let mut c = db.raw();
            let tx = c.transaction().expect("tx");
            let data: Vec<Item> = (0..ROWS).map(item).collect();
            raw_batch_insert(&tx, &data, 1000).expect("insert");
            tx.commit().expect("commit");
            db
        }
    }

    impl Default for Fresh {
        fn default() -> Self {
            Fresh::new()
        }
    }

    /// The insert case by raw rusqlite: 1,000-row statements, one commit.
    pub fn insert_raw(db: &Fresh, data: &[Item]) {
        let mut c = db.raw();
        let tx = c.transaction().expect("tx");
        raw_batch_insert(&tx, data, 1000).expect("insert");
        tx.commit().expect("commit");
    }

    /// The insert case through a session: every object added, one commit.
    pub fn insert_session(db: &Fresh, objs: Vec<OrmItem>) -> usize {
        let mut s = Session::new(&db.engine()).expect("session");
        let hs = s.add_all(objs).expect("add");
        s.commit().expect("commit");
        hs.len()
    }

    /// The load case by raw rusqlite, into structs.
    pub fn load_raw(raw: &rusqlite::Connection) -> Vec<Item> {
        let mut st = raw
            .prepare_cached("SELECT id, name, email, score, active, created_at FROM items")
            .expect("prepare");
        st.query_map([], super::items::raw_item)
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    /// The load case into a session's identity map.
    pub fn load_session(engine: &Engine) -> Session {
        let mut s = Session::new(engine).expect("session");
        let hs = s
            .query::<OrmItem>(select(OrmItem::table()))
            .all()
            .expect("query");
        assert_eq!(hs.len() as i64, ROWS);
        s
    }

    /// A session holding `n` loaded items (the first `n` rows), one of them changed
    /// and flushed: what a long-lived session looks like.
    pub fn session_holding(engine: &Engine, n: i64) -> Session {
        let mut s = Session::new(engine).expect("session");
        let t = OrmItem::table();
        let hs = s
            .query::<OrmItem>(select(t).where_(t.id.le(n)))
            .all()
            .expect("query");
        assert_eq!(hs.len() as i64, n);
        if let Some(h) = hs.first() {
            s.obj_mut(*h).expect("obj").score += 1.0;
        }
        s.flush().expect("flush");
        s
    }

    /// One query by key in a session (its autoflush included): the cost that must not
    /// grow with what the session holds.
    pub fn query_in_session(s: &mut Session, id: i64) -> sqlkit::orm::Handle<OrmItem> {
        let t = OrmItem::table();
        s.query::<OrmItem>(select(t).where_(t.id.eq(id)))
            .one()
            .expect("one")
    }

    /// A user of the selectin case.
    #[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
    #[sqlkit(table = "b_users", relationships(posts))]
    pub struct BUser {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        pub name: String,
    }
    impl BUser {
        /// The user's posts.
        pub fn posts() -> OneToMany<BUser, BPost> {
            OneToMany::new("posts", BPost::table().user_id)
        }
    }
    /// A post of the selectin case.
    #[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
    #[sqlkit(table = "b_posts", relationships(comments))]
    pub struct BPost {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(foreign_key = "b_users.id")]
        pub user_id: Option<i64>,
        pub title: String,
    }
    impl BPost {
        /// The post's comments.
        pub fn comments() -> OneToMany<BPost, BComment> {
            OneToMany::new("comments", BComment::table().post_id)
        }
    }
    /// A comment of the selectin case.
    #[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
    #[sqlkit(table = "b_comments")]
    pub struct BComment {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(foreign_key = "b_posts.id")]
        pub post_id: Option<i64>,
        pub body: String,
    }

    /// 100 users × 10 posts × 10 comments, written through a session.
    pub fn seed_selectin(engine: &Engine) {
        let mut md = MetaData::new();
        md.add(BUser::table()).expect("md");
        md.add(BPost::table()).expect("md");
        md.add(BComment::table()).expect("md");
        engine
            .connect()
            .expect("c")
            .create_all(&md)
            .expect("create");
        let mut s = Session::new(engine).expect("session");
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

    /// The selectin case by hand over the Core: three queries (the comments in 500-key
    /// batches, as the loader does).
    pub fn selectin_core(conn: &mut Connection) -> (Vec<BUser>, Vec<BPost>, Vec<BComment>) {
        let (u, p, cm) = (BUser::table(), BPost::table(), BComment::table());
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
    }

    /// The selectin case through a session: one query with a selectinload chain.
    pub fn selectin_session(engine: &Engine) -> Session {
        let mut s = Session::new(engine).expect("session");
        let users = s
            .query::<BUser>(select(BUser::table()))
            .options(selectinload(BUser::posts()).selectinload(BPost::comments()))
            .all()
            .expect("query");
        assert_eq!(users.len(), 100);
        s
    }
}
