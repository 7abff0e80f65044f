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
