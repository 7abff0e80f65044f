//! The comparison stays honest: on every dialect, every implementation of each
//! benchmark statement renders the same SQL (after removing identifier quotes, which
//! sea-query writes everywhere and sqlkit only where needed, and ignoring letter case)
//! and the same parameters.

use sqlkit::Value;
use sqlkit_benches::*;

fn sea_value(v: &sea_query::Value) -> Value {
    use sea_query::Value as S;
    match v {
        S::Bool(Some(b)) => Value::Bool(*b),
        S::BigInt(Some(i)) => Value::Int(*i),
        S::Int(Some(i)) => Value::Int(i64::from(*i)),
        S::BigUnsigned(Some(u)) => Value::Int(*u as i64),
        S::Unsigned(Some(u)) => Value::Int(i64::from(*u)),
        S::String(Some(s)) => Value::from(s.as_str()),
        S::ChronoDateTimeUtc(Some(t)) => Value::Timestamp(*t),
        other => panic!("unexpected sea-query value {other:?}"),
    }
}

/// Identifier quotes removed, lower case, and the spellings SQL defines as the same:
/// `ASC` is the default order, `INNER JOIN` is `JOIN`, `LEFT OUTER JOIN` is `LEFT JOIN`.
/// `built` with an `= ANY($n)` array parameter written as the hand-written
/// `IN ($n, ..)` list (as long as `hand` has placeholders more), later placeholders
/// renumbered; unchanged without one.
fn as_in_list(built: &str, hand: &str) -> String {
    let Some(at) = built.find(" = ANY($") else {
        return built.to_string();
    };
    let rest = &built[at + 8..];
    let close = rest.find(')').expect("closing parenthesis");
    let n: usize = rest[..close].parse().expect("placeholder number");
    let len = hand.matches('$').count() + 1 - built.matches('$').count();
    let list: Vec<String> = (n..n + len).map(|k| format!("${k}")).collect();
    let mut tail = rest[close + 1..].to_string();
    for k in (n + 1..=n + 50).rev() {
        tail = tail.replace(&format!("${k}"), &format!("${}", k + len - 1));
    }
    format!("{} IN ({}){tail}", &built[..at], list.join(", "))
}

fn normalize(sql: &str) -> String {
    sql.replace(['"', '`'], "")
        .to_lowercase()
        .replace(" asc", "")
        .replace("inner join", "join")
        .replace("left outer join", "left join")
}

#[test]
fn every_implementation_renders_the_same_statement() {
    let i = Inputs::new();
    for db in Db::ALL {
        let d = db.dialect();
        type Case = (
            &'static str,
            sqlkit::Result<sqlkit::compile::Compiled>,
            sqlkit::Result<Cached>,
            Vec<Value>,
            (String, sea_query::Values),
            Hand,
        );
        let cases: Vec<Case> = vec![
            (
                "q1",
                sqlkit_q1(&*d, &i),
                cached_q1(&*d),
                values_q1(&i),
                sea_q1(db, &i),
                hand_q1(db, &i),
            ),
            (
                "q2",
                sqlkit_q2(&*d, &i),
                cached_q2(&*d),
                values_q2(&i),
                sea_q2(db, &i),
                hand_q2(db, &i),
            ),
            (
                "q3",
                sqlkit_q3(&*d, &i),
                cached_q3(&*d),
                values_q3(&i),
                sea_q3(db, &i),
                hand_q3(db, &i),
            ),
            (
                "q4",
                sqlkit_q4(&*d, &i),
                cached_q4(&*d),
                values_q4(&i),
                sea_q4(db, &i),
                hand_q4(db, &i),
            ),
        ];
        for (name, built, cached, values, sea, hand) in cases {
            let at = format!("{name} on {}", db.name());
            let built = built.expect("sqlkit compiles");
            let cached = cached.expect("sqlkit compiles once");
            let (cached_sql, cached_params) = cached.bind(values.clone()).expect("binds");
            // On PostgreSQL the built q2's IN list of five bound ids is one array
            // parameter, `= ANY($5)` (the cached form's named parameters stay a list).
            let any_sql = as_in_list(&built.sql, &hand.sql);
            let any_params: Vec<Value> = built
                .params
                .iter()
                .flat_map(|v| match v {
                    Value::Array(items) => items.to_vec(),
                    v => vec![v.clone()],
                })
                .collect();
            assert_eq!(any_sql, hand.sql, "{at}: sqlkit vs hand-written");
            assert_eq!(cached_sql, hand.sql, "{at}: sqlkit-cached vs hand-written");
            assert_eq!(
                normalize(&sea.0),
                normalize(&hand.sql),
                "{at}: sea-query vs hand-written"
            );
            assert_eq!(any_params, hand.params, "{at}: parameters");
            assert_eq!(cached_params, hand.params, "{at}: cached parameters");
            let sea_params: Vec<Value> = sea.1 .0.iter().map(sea_value).collect();
            assert_eq!(sea_params, hand.params, "{at}: sea-query parameters");
        }
    }
}
