//! What must compile: mixed-type select lists, nullable columns compared with plain
//! values, columns reused without clones, untyped columns accepting anything.
use sqlkit::expr::func;
use sqlkit::prelude::*;

#[derive(sqlkit::Table)]
struct User {
    #[sqlkit(primary_key)]
    id: i64,
    name: String,
    nickname: Option<String>,
    score: f64,
}

fn main() {
    let u = User::table();
    let q = select((u.id, u.name, u.nickname, func::count(u.id).label("n")))
        .where_(u.nickname.eq("bob") & u.id.gt(1) & u.score.gt(2) & u.name.like("a%"))
        .where_(u.nickname.is_null() | u.id.in_([1, 2, 3]))
        .order_by((u.id.desc(), u.name));
    let _ = q.compile(&Postgres::default());
    let t = u.as_table();
    let any = t.c("name").unwrap();
    let _ = any.clone().eq(1) & any.like("x");
    let _ = update(u).set(u.score, u.score * 2.0 + 1);
}

#[allow(dead_code)]
mod conv {
    impl From<sqlkit::schema::Table> for Wrapper {
        fn from(_: sqlkit::schema::Table) -> Self {
            Wrapper
        }
    }
    pub struct Wrapper;
}
