//! Golden SQL: every construct rendered for PostgreSQL, MySQL, MariaDB and SQLite,
//! one named case per file under `dialects/<dialect>/`. A reader opens one folder to
//! see what every case becomes on that database.

mod common;

use chrono::{TimeZone, Utc};
use common::models::*;
use sqlkit::expr::func;
use sqlkit::prelude::*;
use sqlkit::schema::{constraint_name, ColumnDef, ForeignKey, SqlType};
use sqlkit::stmt::CreateTable;

const DIALECTS: [&str; 4] = ["postgres", "mysql", "mariadb", "sqlite"];

fn dialect(name: &str) -> Box<dyn Dialect> {
    match name {
        "postgres" => Box::new(Postgres::default()),
        "mysql" => Box::new(Mysql::default()),
        "mariadb" => Box::new(Mysql::mariadb()),
        _ => Box::new(Sqlite::default()),
    }
}

/// Client-side `now` defaults are evaluated at compile time; show them as `<now>`.
fn show_params(params: &[Value]) -> String {
    let shown: Vec<String> = params
        .iter()
        .map(|v| match v {
            Value::Timestamp(t) if t.timestamp() > 1_750_000_000 => "<now>".to_string(),
            v => format!("{v:?}"),
        })
        .collect();
    format!("[{}]", shown.join(", "))
}

fn render(stmt: &dyn Statement, d: &dyn Dialect) -> String {
    match stmt.compile(d) {
        Ok(c) => format!("{}\n-- params: {}\n", c.sql, show_params(&c.params)),
        Err(e) => format!("-- error: {e}\n"),
    }
}

fn check(case: &str, stmt: &dyn Statement) {
    for name in DIALECTS {
        let d = dialect(name);
        let text = render(stmt, &*d);
        // The statement cache gives the same, on a miss and on the hit after it, for
        // compile and compile_to_run alike.
        let mut cache = sqlkit::compile::StatementCache::new(8);
        for to_run in [false, true] {
            let plain = if to_run {
                stmt.compile_to_run(&*d)
            } else {
                stmt.compile(&*d)
            };
            for pass in ["miss", "hit"] {
                let cached = cache.compile(stmt, &*d, to_run);
                let same = match (&plain, &cached) {
                    (Ok(a), Ok(b)) => {
                        a.sql == b.sql
                            && show_params(&a.params) == show_params(&b.params)
                            && a.named == b.named
                            && a.key == b.key
                    }
                    (Err(a), Err(b)) => a.to_string() == b.to_string(),
                    _ => false,
                };
                assert!(
                    same,
                    "{case} on {name}, cache {pass} (to_run {to_run}): {plain:?} vs {cached:?}"
                );
            }
        }
        insta::with_settings!({
            snapshot_path => format!("../dialects/{name}"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("{case} on {name}"),
        }, {
            insta::assert_snapshot!(case, text);
        });
    }
}

macro_rules! golden {
    ($($name:ident => $stmt:expr;)*) => {$(
        #[test]
        fn $name() {
            check(stringify!($name), &$stmt);
        }
    )*};
}

fn jan(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, day, 0, 0, 0)
        .single()
        .expect("valid date")
}

fn odd_table() -> Table {
    Table::builder("Order Items")
        .column(ColumnDef::new("select", SqlType::Integer).primary_key())
        .column(ColumnDef::new("Group", SqlType::Text))
        .column(ColumnDef::new("it's", SqlType::Text))
        .column(ColumnDef::new("back`tick\"quote", SqlType::Text))
        .build()
        .expect("valid table")
}

fn all_types() -> Table {
    Table::builder("all_types")
        .column(ColumnDef::new("id", SqlType::Integer).primary_key())
        .column(ColumnDef::new("small", SqlType::SmallInt).not_null())
        .column(ColumnDef::new("big", SqlType::BigInt))
        .column(ColumnDef::new("flag", SqlType::Boolean).server_default(false))
        .column(ColumnDef::new("ratio", SqlType::Float))
        .column(ColumnDef::new("score", SqlType::Double))
        .column(
            ColumnDef::new(
                "price",
                SqlType::Numeric {
                    precision: 10,
                    scale: 2,
                },
            )
            .server_default(rust_decimal::Decimal::new(150, 2)),
        )
        .column(ColumnDef::new("code", SqlType::String(12)).server_default("it's"))
        .column(ColumnDef::new("body", SqlType::Text))
        .column(ColumnDef::new("day", SqlType::Date))
        .column(ColumnDef::new("at_time", SqlType::Time))
        .column(ColumnDef::new("local_at", SqlType::DateTime))
        .column(ColumnDef::new("instant", SqlType::Timestamp).server_default_expr(func::now()))
        .column(ColumnDef::new("doc", SqlType::Json))
        .column(ColumnDef::new("uid", SqlType::Uuid))
        .column(ColumnDef::new("blob", SqlType::Bytes))
        .check("price_positive", "price >= 0")
        .index(None, ["day", "instant"], false)
        .build()
        .expect("valid table")
}

fn long_names() -> Table {
    Table::builder("a_table_with_a_rather_long_name_for_testing")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new(
            "another_quite_long_column_name_here",
            SqlType::BigInt,
        ))
        .foreign_key(ForeignKey::new(
            ["another_quite_long_column_name_here"],
            "a_table_with_a_rather_long_name_for_testing",
            ["id"],
        ))
        .build()
        .expect("valid table")
}

fn u() -> UserTable {
    User::table()
}
fn p() -> PostTable {
    Post::table()
}
fn c() -> CommentTable {
    Comment::table()
}

golden! {
    select_all_columns => select(u());
    select_columns => select((u().id, u().email));
    select_where_eq => select(u()).where_(u().email.eq("john@example.com"));
    select_where_bool => select(u().id).where_(u().is_active.eq(true));
    select_where_repeated_is_and => select(u().id).where_(u().is_active.eq(true)).where_(u().id.gt(10));
    select_comparisons => select(p().id).where_(and_([p().views.ne(1), p().views.lt(2), p().views.le(3), p().views.gt(4), p().views.ge(5)]));
    select_and_or_nested => select(p()).where_(and_([
        p().published.eq(true),
        p().created_at.gt(jan(1)),
        or_([p().title.contains("Python"), p().title.contains("SQLAlchemy")]),
    ]));
    select_operators_and_or_not => select(p().id).where_((p().published.eq(true) | p().views.gt(100)) & !p().content.is_null());
    select_not => select(p().id).where_(not_(p().title.eq("x")));
    select_empty_and_is_true => select(p().id).where_(and_(Vec::<Expr<bool>>::new()));
    select_empty_or_is_false => select(p().id).where_(or_(Vec::<Expr<bool>>::new()));
    select_like => select(p().id).where_(p().title.like("%tutorial%"));
    select_not_like => select(p().id).where_(p().title.not_like("Draft%"));
    select_ilike => select(p().id).where_(p().title.ilike("%tutorial%"));
    select_not_ilike => select(p().id).where_(p().title.not_ilike("%tutorial%"));
    select_contains_escapes_wildcards => select(p().id).where_(p().title.contains("100%_a/b"));
    select_startswith => select(p().id).where_(p().slug.startswith("py_"));
    select_endswith => select(p().id).where_(p().slug.endswith("%"));
    select_in_list => select(u()).where_(u().id.in_([1, 2, 3, 4, 5]));
    select_not_in_list => select(u().id).where_(u().id.not_in([1, 2]));
    select_in_empty_list_is_false => select(u().id).where_(u().id.in_(Vec::<i64>::new()));
    select_not_in_empty_list_is_true => select(u().id).where_(u().id.not_in(Vec::<i64>::new()));
    select_in_subquery => select(u().username).where_(u().id.in_select(select(p().author_id).where_(p().published.eq(true))));
    select_not_in_subquery => select(u().username).where_(u().id.not_in_select(select(p().author_id)));
    select_row_value_in => select(p().id).where_(tuple_((p().author_id, p().views)).in_([(1, 10), (2, 20)]));
    select_is_null => select(p()).where_(p().content.is_null());
    select_is_not_null => select(p().id).where_(p().content.is_not_null());
    select_between => select(p().id).where_(p().views.between(10, 20));
    select_not_between => select(p().id).where_(p().views.not_between(10, 20));
    select_arithmetic_precedence => select(((p().views + 1) * 2 - p().views % (p().views - 3)).label("x"));
    select_arithmetic_left_assoc => select((p().views - 1 - 2).label("a")).add_columns((p().views - (p().views - 2)).label("b"));
    select_unary_minus_and_modulo => select((-p().views).label("neg")).add_columns((-(p().views + 1)).label("neg_sum")).add_columns((p().views % 7).label("m"));
    select_concat => select(u().username.concat(" <").concat(u().email).concat(">").label("display"));
    select_aggregates => select((
        func::count(p().id),
        func::count_distinct(p().author_id),
        func::sum(p().views),
        func::avg(p().views),
        func::min(p().created_at),
        func::max(p().created_at),
    ));
    select_string_functions => select((
        func::lower(u().email).label("l"),
        func::upper(u().username).label("u"),
        func::char_length(u().username).label("n"),
        func::coalesce(p().content, "").label("c"),
    )).select_from(u()).join(p(), p().author_id.eq(u().id));
    select_now => select(func::now().label("ts"));
    select_named_function => select(func::call::<i64>("abs", [p().views.untyped()]).label("a"));
    select_count_star_select_from => select(func::count_star()).select_from(u()).where_(u().is_active.eq(true));
    select_label => select((p().author_id, func::count(p().id).label("post_count"))).group_by(p().author_id);
    select_group_by_having => select((p().author_id, func::count(p().id).label("post_count")))
        .group_by(p().author_id)
        .having(func::count(p().id).gt(5));
    select_order_by => select(p()).order_by((desc(p().created_at), asc(p().title)));
    select_order_nulls_last => select(p().id).order_by(p().content.desc().nulls_last());
    select_order_nulls_first => select(p().id).order_by(p().content.asc().nulls_first());
    select_limit_offset => select(p()).limit(10).offset(20);
    select_offset_without_limit => select(p().id).offset(5);
    select_distinct => select(p().author_id).distinct();
    select_join_explicit => select((p().title, u().username)).join(u(), p().author_id.eq(u().id));
    select_outerjoin => select((p().title, u().username)).outerjoin(u(), p().author_id.eq(u().id));
    select_join_inferred_from_foreign_key => select((u().username, p().title)).join_fk(p());
    select_join_chain_inferred => select((u().username, p().title, PostTag::table().tag_id)).join_fk(p()).join_fk(PostTag::table());
    select_join_ambiguous_foreign_keys_is_error => {
        let cm = c().alias("cm");
        select((u().username, cm.content)).join_fk(p()).join_fk(cm)
    };
    select_full_outer_join => select((u().id, p().id)).full_outer_join(p(), p().author_id.eq(u().id));
    select_self_join_alias => {
        let a = u().alias("a");
        let b = u().alias("b");
        select((a.username, b.username)).join(b, a.email.eq(b.email) & a.id.lt(b.id))
    };
    select_duplicate_names_get_labels => select((u().id, p().id, p().title)).join(p(), p().author_id.eq(u().id));
    select_scalar_subquery_correlated => {
        let n = select(func::count(p().id)).where_(p().author_id.eq(u().id)).scalar_subquery();
        select((u().username, n.label("post_count")))
    };
    select_exists => select(u().username).where_(exists(select(p().id).where_(p().author_id.eq(u().id))));
    select_not_exists => select(u().username).where_(not_exists(select(p().id).where_(p().author_id.eq(u().id))));
    select_derived_table => {
        let counts = select((p().author_id, func::count(p().id).label("n"))).group_by(p().author_id).subquery("counts");
        let n = counts.column::<i64>("n").expect("column n");
        let author = counts.column::<i64>("author_id").expect("column author_id");
        select((u().username, n.clone())).join(counts.clone(), author.eq(u().id)).where_(n.gt(1))
    };
    select_quoted_identifiers => {
        let t = odd_table();
        select((t.c("select").expect("c"), t.c("Group").expect("c"), t.c("it's").expect("c"), t.c("back`tick\"quote").expect("c")))
            .where_(t.c("select").expect("c").eq(1))
    };
    select_cast => select(p().views.cast::<String>(SqlType::Text).label("v"));
    select_bindparam => select(u()).where_(u().email.eq(sqlkit::expr::bindparam::<String>("email")));
    select_literal_value => select(literal::<i64>(1).label("one"));
    select_raw_fragment => select(u().id).where_(raw("1 = 1"));
    insert_one_row => insert(u()).value(u().email, "a@x.org").value(u().username, "a").value(u().password, "p").value(u().is_active, true).value(u().created_at, jan(1)).value(u().updated_at, jan(1));
    insert_with_client_defaults => insert(u()).value(u().email, "a@x.org").value(u().username, "a").value(u().password, "p");
    insert_many_rows => insert(Tag::table()).columns((Tag::table().name,)).rows([("python",), ("rust",), ("sql",)]);
    insert_record_serde => insert(Tag::table()).record(&Tag { id: None, name: "orm".into() });
    insert_records_serde => insert(PostTag::table()).records(&[PostTag { post_id: 1, tag_id: 2 }, PostTag { post_id: 1, tag_id: 3 }]);
    insert_returning => insert(Tag::table()).value(Tag::table().name, "x").returning(Tag::table().id);
    upsert_do_nothing => insert(Tag::table()).value(Tag::table().name, "rust").on_conflict([Tag::table().name]).do_nothing();
    upsert_do_update_with_excluded => insert(u()).value(u().email, "a@x.org").value(u().username, "a").value(u().password, "p").value(u().is_active, true).value(u().created_at, jan(1)).value(u().updated_at, jan(1))
        .on_conflict([u().email]).do_update(u().username, excluded(u().username)).do_update(u().password, excluded(u().password));
    upsert_counter_from_existing_row => insert(p()).value(p().title, "t").value(p().slug, "s").value(p().author_id, 1).value(p().created_at, jan(1)).value(p().published, false).value(p().views, 1)
        .on_conflict([p().slug]).do_update(p().views, p().views + 1);
    upsert_many_rows => insert(Tag::table()).columns((Tag::table().name,)).rows([("python",), ("rust",)]).on_conflict([Tag::table().name]).do_update(Tag::table().name, excluded(Tag::table().name));
    upsert_returning => insert(Tag::table()).value(Tag::table().name, "x").on_conflict([Tag::table().name]).do_update(Tag::table().name, excluded(Tag::table().name)).returning(Tag::table().id);
    insert_default_values => insert(Table::builder("counters").column(ColumnDef::new("id", SqlType::BigInt).primary_key()).build().expect("table")).default_values();
    update_set_expression => update(p()).set(p().views, p().views + 1).set(p().title, "New").where_(p().id.eq(5));
    update_sets_on_update_columns => update(u()).set(u().is_active, false).where_(u().id.eq(1));
    update_returning => update(p()).set(p().views, 0).where_(p().id.eq(1)).returning((p().id, p().views));
    delete_where => delete(p()).where_(p().published.eq(false) & p().views.lt(1));
    delete_returning => delete(Tag::table()).where_(Tag::table().name.eq("x")).returning(Tag::table().id);
    create_table_users => CreateTable::new(u());
    create_table_posts_with_foreign_key => CreateTable::new(p());
    create_table_composite_primary_key => CreateTable::new(PostTag::table());
    create_table_all_types => CreateTable::new(all_types());
    create_table_if_not_exists => CreateTable::new(Tag::table()).if_not_exists();
    create_table_with_inline_indexes => CreateTable::new(p()).with_indexes();
    create_table_quoted_names => CreateTable::new(odd_table());
    create_table_long_constraint_names => CreateTable::new(long_names());
    drop_table => DropTable::new(u());
    drop_table_if_exists => DropTable::new(u()).if_exists();
}

#[test]
fn create_all_and_drop_all_in_foreign_key_order() {
    let md = metadata();
    let drop = md.drop_all_statements(true).expect("sorted");
    for name in DIALECTS {
        let d = dialect(name);
        let create = md.create_all_statements(&*d, true).expect("sorted");
        let text: String = create.iter().chain(&drop).map(|s| render(s, &*d)).collect();
        insta::with_settings!({
            snapshot_path => format!("../dialects/{name}"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("create_all then drop_all of the blog on {name}"),
        }, {
            insta::assert_snapshot!("metadata_create_all_drop_all", text);
        });
    }
}

#[test]
fn literals_are_escaped_per_dialect() {
    let hostile = [
        Value::Text("it's".into()),
        Value::Text("back\\slash".into()),
        Value::Text("'; DROP TABLE users; --".into()),
        Value::Text("100% _sure_ /* */".into()),
        Value::Text("ünïcødé ✓".into()),
        Value::Bool(true),
        Value::Int(-5),
        Value::Float(1.5),
        Value::Decimal(rust_decimal::Decimal::new(12345, 2)),
        Value::Bytes(vec![0, 1, 0xff].into()),
        Value::Date(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("date")),
        Value::Timestamp(jan(2)),
        Value::Json(serde_json::json!({"a": "it's"})),
        Value::Uuid(uuid::Uuid::nil()),
        Value::Null,
    ];
    for name in DIALECTS {
        let d = dialect(name);
        let items: Vec<Expr<Any>> = hostile.iter().map(|v| literal::<Any>(v.clone())).collect();
        let q = select(items).where_(u().username.eq("o'neil\\"));
        let text = q.debug_sql(&*d).unwrap_or_else(|e| format!("error: {e}"));
        insta::with_settings!({
            snapshot_path => format!("../dialects/{name}"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("debug rendering with inlined literals on {name}"),
        }, {
            insta::assert_snapshot!("debug_sql_literals", text);
        });
    }
}

#[test]
fn every_golden_case_exists_for_every_dialect() {
    let list = |d: &str| -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/dialects/{d}", env!("CARGO_MANIFEST_DIR")))
                .expect("dialect folder")
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".snap"))
                .collect();
        v.sort();
        v
    };
    let reference = list("postgres");
    assert!(
        reference.len() > 80,
        "expected the full golden set, found {}",
        reference.len()
    );
    for d in DIALECTS {
        assert_eq!(
            list(d),
            reference,
            "dialects/{d} differs from dialects/postgres"
        );
    }
}

#[test]
fn long_constraint_names_are_shortened_deterministically() {
    let cols = ["another_quite_long_column_name_here".into()];
    let n = constraint_name(
        "fk",
        "a_table_with_a_rather_long_name_for_testing",
        &cols,
        Some("a_table_with_a_rather_long_name_for_testing"),
    );
    assert!(n.len() <= 63, "{n}");
    assert_eq!(
        n,
        constraint_name(
            "fk",
            "a_table_with_a_rather_long_name_for_testing",
            &cols,
            Some("a_table_with_a_rather_long_name_for_testing")
        )
    );
    assert!(n.starts_with("fk_a_table_with"));
}

// The rest of SQL (expressions).
golden! {
    expr_case_searched => select(case::<String>().when(p().views.gt(100), "hot").when(p().views.gt(10), "warm").else_("cold").label("heat"));
    expr_case_simple => select(case_of::<String, _>(p().author_id).when(1, "one").when(2, "two").end().label("who"));
    expr_case_in_aggregate => select(func::count(case::<i64>().when(p().published.eq(true), 1).end()).label("n"));
    expr_case_without_when_is_error => select(case::<i64>().end());
    expr_is_distinct_from => select(p().id).where_(p().content.is_distinct_from("x") & p().content.is_not_distinct_from(None::<&str>));
    expr_is_true_is_false => select(p().id).where_(p().published.is_true() | p().published.is_false() | p().published.is_not_true());
    expr_true_division => select((p().views / 3).label("q"));
    expr_floor_division => select(p().views.floordiv(7).label("f"));
    expr_greatest_least => select((func::greatest(p().views, 10), func::least(p().views, 10)));
    expr_nullif_coalesce => select((func::nullif(p().views, 0), func::coalesce_all(p().content, [p().title, p().slug])));
    expr_extract_parts => select((func::extract(DatePart::Year, p().created_at), func::extract(DatePart::Quarter, p().created_at), func::extract(DatePart::Second, p().created_at), func::extract(DatePart::DayOfWeek, p().created_at), func::extract(DatePart::DayOfYear, p().created_at)));
    expr_current_date_time => select((func::current_date(), func::current_time(), func::current_timestamp()));
    expr_cast_date_and_numeric => select((p().created_at.cast::<chrono::NaiveDate>(SqlType::Date), p().views.cast::<rust_decimal::Decimal>(SqlType::Numeric { precision: 10, scale: 2 })));
    expr_regexp => select(p().id).where_(p().title.regexp_match("^Py") & p().slug.not_regexp_match("[0-9]"));
    expr_char_length => select(func::char_length(u().username));
    expr_decimal_binds_typed => select(func::coalesce(p().rating, rust_decimal::Decimal::new(45, 1))).where_(p().rating.gt(rust_decimal::Decimal::new(-1005, 2)));
    expr_string_functions => select((func::substr(p().title, 1, 3), func::replace(p().slug, "-", "_"), func::trim(p().title), func::abs(p().views), func::round(p().views / 7, 2)));
    expr_call_mixed_arguments => select(func::call::<String>("substr", (p().title, 2, bind::<i64>(3i64))));
    expr_any_all => select(p().id).where_(p().views.gt(all_(select(p().views).where_(p().published.eq(false)))) & p().author_id.eq(any_(select(u().id))));
    window_row_number_rank => select((func::row_number().over(Window::new().order_by(p().views.desc())), func::rank().over(Window::new().partition_by(p().author_id).order_by(p().views)), func::dense_rank().over(Window::new().order_by(p().views))));
    window_ntile_dist => select((func::ntile(4).over(Window::new().order_by(p().views)), func::cume_dist().over(Window::new().order_by(p().views)), func::percent_rank().over(Window::new().order_by(p().views))));
    window_lag_lead_first_last => select((func::lag(p().views, 1).over(Window::new().order_by(p().id)), func::lead(p().views, 2).over(Window::new().order_by(p().id)), func::first_value(p().title).over(Window::new().partition_by(p().author_id).order_by(p().id)), func::last_value(p().title).over(Window::new().partition_by(p().author_id).order_by(p().id).rows(Bound::UnboundedPreceding, Bound::UnboundedFollowing))));
    window_frames => select((func::sum(p().views).over(Window::new().order_by(p().id).rows(Bound::Preceding(2), Bound::CurrentRow)), func::avg(p().views).over(Window::new().order_by(p().views).range(Bound::Preceding(10), Bound::Following(10)))));
    window_nulls_last => select(func::row_number().over(Window::new().order_by(p().content.asc().nulls_last())));
    window_backwards_frame_is_error => select(func::count_star().over(Window::new().rows(Bound::CurrentRow, Bound::Preceding(1))));
    window_over_non_function_is_error => select((p().views + 1).over(Window::new()));
}

fn thread_cte() -> sqlkit::stmt::Cte {
    let c = c();
    let anchor = select((c.id, c.parent_id, literal::<i64>(0i64).label("depth")))
        .where_(c.parent_id.is_null())
        .cte("thread");
    let depth = anchor.column::<i64>("depth").expect("column");
    let parent = anchor.column::<i64>("id").expect("column");
    anchor
        .clone()
        .union_all(select((c.id, c.parent_id, depth + 1)).join(anchor, c.parent_id.eq(parent)))
}

// The rest of SQL (set operations and CTEs).
golden! {
    set_union => select(u().username).union(select(p().title)).order_by(u().username).limit(5);
    set_union_all_three => select(u().id).union_all(select(p().id)).union_all(select(c().id));
    set_intersect_except => select(u().id).intersect(select(p().author_id)).except(select(c().user_id));
    set_intersect_all_except_all => select(u().id).intersect_all(select(p().author_id)).except_all(select(c().user_id));
    set_member_with_limit => select(u().id).order_by(u().id).limit(2).union(select(p().author_id).order_by(p().author_id.desc()).limit(2));
    set_in_subquery => select(u().username).where_(u().id.in_select(select(p().author_id).union(select(c().user_id))));
    set_width_mismatch_is_error => select(u().id).union(select((p().id, p().title)));
    set_as_derived_table => { let s = select(u().id.label("x")).union_all(select(p().id)).subquery("s"); select(func::count_star()).select_from(s) };
    cte_simple => { let t = select((p().author_id, func::count_star().label("n"))).group_by(p().author_id).cte("counts"); select((u().username, t.c("n").unwrap())).join(t.clone(), u().id.eq(t.c("author_id").unwrap())) };
    cte_referenced_twice => { let t = select((p().author_id, p().views)).where_(p().published.eq(true)).cte("pub"); let t2 = t.clone(); select(func::count_star()).select_from(t.clone()).where_(t.c("views").unwrap().gt(select(func::avg(t2.c("views").unwrap())).select_from(t2).scalar_subquery())) };
    cte_two_dependent => { let a = select(p().author_id).where_(p().views.gt(10)).cte("a"); let b = select(a.c("author_id").unwrap()).select_from(a.clone()).distinct().cte("b"); select(u().username).join(b.clone(), u().id.eq(b.c("author_id").unwrap())) };
    cte_recursive_thread => { let t = thread_cte(); select(t.clone()).order_by(t.c("depth").unwrap()) };
    cte_in_update => { let t = select(p().author_id).where_(p().views.gt(100)).cte("popular"); update(u()).set(u().is_active, true).where_(u().id.in_select(select(t.c("author_id").unwrap()).select_from(t))) };
    cte_in_delete => { let t = select(p().id).where_(p().published.eq(false)).cte("drafts"); delete(c()).where_(c().post_id.in_select(select(t.c("id").unwrap()).select_from(t))) };
    cte_recursive_in_delete => { let t = thread_cte(); delete(c()).where_(c().id.in_select(select(t.c("id").unwrap()).select_from(t))) };
}

// The rest of SQL (joins, SELECT extras, labels).
golden! {
    join_right => select((u().username, p().title)).select_from(u()).right_join(p(), p().author_id.eq(u().id));
    join_cross => select((u().username, Tag::table().name)).select_from(u()).cross_join(Tag::table());
    join_lateral => { let last = select(p().title).where_(p().author_id.eq(u().id)).order_by(p().id.desc()).limit(1).subquery("last"); select((u().username, last.c("title").unwrap())).select_from(u()).join_lateral(last, literal::<bool>(true), true) };
    join_same_table_twice => { let a = Comment::table().alias("reply"); select((c().content, a.content)).join(a, a.parent_id.eq(c().id)) };
    select_distinct_on => select((p().author_id, p().title)).distinct_on(p().author_id).order_by((p().author_id, p().views.desc()));
    select_for_update => select(p().id).where_(p().id.eq(1)).for_update();
    select_for_update_nowait => select(p().id).for_update().nowait();
    select_for_update_skip_locked => select(p().id).order_by(p().id).limit(5).for_update().skip_locked();
    select_for_share => select(p().id).for_share();
    select_for_update_grouped_is_error => select(p().author_id).group_by(p().author_id).for_update();
    select_limit_in_in_subquery => select(u().username).where_(u().id.in_select(select(p().author_id).order_by(p().views.desc()).limit(3)));
    select_values_table => { let v = sqlkit::stmt::values("v", &["id", "name"], [(1i64, "a"), (2, "b")]).unwrap(); select((v.c("id").unwrap(), v.c("name").unwrap())).order_by(v.c("id").unwrap()) };
    select_values_joined => { let v = sqlkit::stmt::values("wanted", &["slug"], [("a",), ("b",)]).unwrap(); select(p().id).join(v.clone(), p().slug.eq(v.c("slug").unwrap())) };
    select_exists_as_column => select((u().username, exists(select(p().id).where_(p().author_id.eq(u().id))).label("has_posts")));
    select_order_group_by_label => { let k = (p().views / 1000).label("k"); select((k.clone(), func::count_star().label("n"))).group_by(k.clone()).order_by(k.desc()) };
    select_repeated_expression_with_bind => select((p().views.floordiv(1000), func::count_star())).group_by(p().views.floordiv(1000)).having(p().views.floordiv(1000).gt(2)).order_by(p().views.floordiv(1000));
    select_order_by_label_name => select(func::count_star().label("n")).order_by("n");
}

// The rest of SQL (DML).
golden! {
    dml_insert_from_select => insert(Tag::table()).from_select([Tag::table().name], select(u().username).where_(u().is_active.eq(false)));
    dml_insert_from_select_adds_client_defaults => insert(u()).from_select((u().email, u().username, u().password), select((p().slug, p().title, p().slug)));
    dml_insert_from_select_width_is_error => insert(Tag::table()).from_select([Tag::table().name], select((u().username, u().email)));
    dml_insert_from_select_with_cte => { let t = select(u().username).where_(u().is_active.eq(false)).cte("idle"); insert(Tag::table()).from_select([Tag::table().name], select(t.c("username").unwrap()).select_from(t)) };
    dml_upsert_where => insert(Tag::table()).value(Tag::table().name, "rust").on_conflict([Tag::table().name]).do_update(Tag::table().name, "x").do_update_where(Tag::table().id.gt(10));
    dml_update_from => update(p()).set(p().views, p().views + 1).where_(p().author_id.eq(u().id)).where_(u().username.eq("bob"));
    dml_update_case => update(p()).set(p().views, case::<i64>().when(p().published.eq(false), 0).else_(p().views));
    dml_update_correlated_subquery => update(p()).set(p().views, select(func::count_star()).select_from(c()).where_(c().post_id.eq(p().id)).scalar_subquery());
    dml_delete_using => delete(c()).where_(c().post_id.eq(p().id)).where_(p().slug.eq("x"));
    dml_delete_subquery_same_table => delete(p()).where_(p().id.in_select(select(p().id).where_(p().views.eq(0))));
}

/// The statement cache: a statement rebuilt with other values is a hit, and gives
/// exactly what compiling it gives (client defaults computed again, LIMIT values,
/// decimals of another scale a miss where the SQL differs).
#[test]
fn statement_cache_hits_give_what_compiling_gives() {
    use rust_decimal::Decimal;
    type Build = Box<dyn Fn(i64, &str) -> Box<dyn Statement>>;
    let templates: Vec<(&str, Build)> = vec![
        (
            "select with limit and offset",
            Box::new(|n, s| {
                Box::new(
                    select((u().id, u().email))
                        .where_(u().username.eq(s) & u().id.gt(n))
                        .order_by(u().id)
                        .limit(n + 1)
                        .offset(n),
                )
            }),
        ),
        (
            "in list and like",
            Box::new(|n, s| {
                Box::new(
                    select(p().id).where_(p().id.in_([n, n + 1, n + 2]) & p().title.contains(s)),
                )
            }),
        ),
        (
            "decimal of the same scale",
            Box::new(|n, _| {
                Box::new(select(p().id).where_(p().rating.gt(Decimal::new(n * 10 + 5, 1))))
            }),
        ),
        (
            "insert with client defaults",
            Box::new(|n, s| {
                Box::new(
                    insert(u())
                        .value(u().email, format!("{s}{n}@x"))
                        .value(u().username, s)
                        .value(u().password, "h"),
                )
            }),
        ),
        (
            "update with on_update",
            Box::new(|n, s| Box::new(update(u()).set(u().username, s).where_(u().id.eq(n)))),
        ),
        (
            "cte, union and window",
            Box::new(|n, s| {
                let t = select((
                    p().author_id,
                    func::row_number()
                        .over(Window::new().order_by(p().views))
                        .label("rn"),
                ))
                .where_(p().views.gt(n))
                .cte("w");
                Box::new(
                    select(t.c("author_id").unwrap())
                        .select_from(t.clone())
                        .where_(t.c("rn").unwrap().lt(n))
                        .union(select(u().id).where_(u().username.eq(s))),
                )
            }),
        ),
        (
            "case, values and repeated expressions",
            Box::new(|n, s| {
                let v = sqlkit::stmt::values("v", &["k"], [(n,), (n + 1,)]).unwrap();
                Box::new(
                    select((
                        p().views.floordiv(n + 1),
                        case::<String>().when(p().views.gt(n), s).else_("x"),
                    ))
                    .join(v.clone(), p().id.eq(v.c("k").unwrap()))
                    .group_by(p().views.floordiv(n + 1))
                    .having(p().views.floordiv(n + 1).gt(0)),
                )
            }),
        ),
        (
            "upsert",
            Box::new(|n, s| {
                Box::new(
                    insert(Tag::table())
                        .value(Tag::table().name, s)
                        .on_conflict([Tag::table().name])
                        .do_update(Tag::table().name, format!("{s}{n}")),
                )
            }),
        ),
    ];
    for name in DIALECTS {
        let d = dialect(name);
        for (what, build) in &templates {
            let mut cache = sqlkit::compile::StatementCache::new(16);
            for (k, s) in ["ann", "bob", "o'neil", "zoë", "🦀"].iter().enumerate() {
                let stmt = build(k as i64 + 1, s);
                for to_run in [false, true] {
                    let plain = if to_run {
                        stmt.compile_to_run(&*d)
                    } else {
                        stmt.compile(&*d)
                    };
                    let cached = cache.compile(&*stmt, &*d, to_run);
                    match (plain, cached) {
                        (Ok(a), Ok(b)) => {
                            assert_eq!(a.sql, b.sql, "{what} on {name}");
                            assert_eq!(
                                show_params(&a.params),
                                show_params(&b.params),
                                "{what} on {name}"
                            );
                            assert_eq!(
                                (a.named, a.key, a.returns_rows),
                                (b.named, b.key, b.returns_rows),
                                "{what} on {name}"
                            );
                        }
                        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                        (a, b) => panic!("{what} on {name}: {a:?} vs {b:?}"),
                    }
                }
            }
            // Everything after the first build of each form came from the cache.
            assert_eq!(cache.misses(), 2, "{what} on {name}: {cache:?}");
            assert_eq!(cache.hits(), 8, "{what} on {name}: {cache:?}");
        }
    }
}

/// Every migration operation on every dialect (`dialects/<dialect>/migrate_*.snap`),
/// applied to the blog's `posts` table; SQLite shows its table rebuild.
#[cfg(feature = "migrate")]
#[test]
fn migration_operations() {
    use sqlkit::migrate::{
        render, CheckSpec, ColumnSpec, DefaultSpec, DialectSql, ForeignKeySpec, IndexSpec, Op,
        SchemaState, TableSpec, UniqueSpec,
    };
    let posts =
        TableSpec::of(Post::table().as_table().def(), &sqlkit::dialect::Generic).expect("spec");
    let users =
        TableSpec::of(User::table().as_table().def(), &sqlkit::dialect::Generic).expect("spec");
    let mut posts = posts;
    posts.uniques.push(UniqueSpec {
        name: None,
        columns: vec!["title".into(), "author_id".into()],
    });
    posts.checks.push(CheckSpec {
        name: "title_set".into(),
        sql: "title <> ''".into(),
        constraint: None,
    });
    let state = SchemaState {
        tables: vec![users, posts.clone()],
    };
    let column = |name: &str, ty| ColumnSpec::new(name, ty);
    let title = posts.column("title").expect("title").clone();
    let mut wider = title.clone();
    wider.sql_type = SqlType::String(500);
    wider.nullable = true;
    wider.default = Some(DefaultSpec::Text("untitled".into()));
    let mut summary = column("summary", SqlType::Text);
    summary.default = Some(DefaultSpec::Text("it's".into()));
    let fk = ForeignKeySpec {
        name: None,
        columns: vec!["author_id".into()],
        references: "users".into(),
        ref_columns: vec!["id".into()],
        on_delete: Some("SET NULL".into()),
        on_update: None,
    };
    let unique = UniqueSpec {
        name: None,
        columns: vec!["slug".into(), "author_id".into()],
    };
    let check = CheckSpec {
        name: "views_positive".into(),
        sql: "views >= 0".into(),
        constraint: None,
    };
    let index = IndexSpec {
        name: "ix_posts_title".into(),
        columns: vec!["title".into()],
        unique: false,
        where_: None,
    };
    let t = || "posts".to_string();
    let cases: Vec<(&str, Op)> = vec![
        ("create_table", Op::CreateTable(posts.clone())),
        ("drop_table", Op::DropTable(posts.clone())),
        (
            "rename_table",
            Op::RenameTable {
                from: t(),
                to: "articles".into(),
            },
        ),
        (
            "add_column",
            Op::AddColumn {
                table: t(),
                column: summary,
            },
        ),
        (
            "drop_column",
            Op::DropColumn {
                table: t(),
                column: posts.column("rating").expect("rating").clone(),
            },
        ),
        (
            "rename_column",
            Op::RenameColumn {
                table: t(),
                from: "content".into(),
                to: "body".into(),
            },
        ),
        (
            "alter_column",
            Op::AlterColumn {
                table: t(),
                from: title,
                to: wider,
            },
        ),
        (
            "create_index",
            Op::CreateIndex {
                table: t(),
                index: index.clone(),
            },
        ),
        ("drop_index", Op::DropIndex { table: t(), index }),
        (
            "add_foreign_key",
            Op::AddForeignKey {
                table: t(),
                foreign_key: fk.clone(),
            },
        ),
        (
            "drop_foreign_key",
            Op::DropForeignKey {
                table: t(),
                foreign_key: posts.foreign_keys.first().expect("fk").clone(),
            },
        ),
        (
            "add_unique",
            Op::AddUnique {
                table: t(),
                unique: unique.clone(),
            },
        ),
        (
            "drop_unique",
            Op::DropUnique {
                table: t(),
                unique: posts.uniques.last().expect("unique").clone(),
            },
        ),
        (
            "add_check",
            Op::AddCheck {
                table: t(),
                check: check.clone(),
            },
        ),
        (
            "drop_check",
            Op::DropCheck {
                table: t(),
                check: posts.checks.last().expect("check").clone(),
            },
        ),
        (
            "sql",
            Op::Sql(DialectSql {
                any: Some("UPDATE posts SET views = 0".into()),
                sqlite: Some("UPDATE posts SET views = 0 WHERE views IS NULL".into()),
                ..DialectSql::default()
            }),
        ),
    ];
    let _ = (fk, unique, check);
    for (case, op) in cases {
        for name in DIALECTS {
            let d = dialect(name);
            let text = match render(&op, &*d, &state) {
                Ok(stmts) => stmts.iter().map(|s| format!("{s};\n")).collect::<String>(),
                Err(e) => format!("-- error: {e}\n"),
            };
            insta::with_settings!({
                snapshot_path => format!("../dialects/{name}"),
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("migrate {case} on {name}"),
            }, {
                insta::assert_snapshot!(format!("migrate_{case}"), text);
            });
        }
    }
}
