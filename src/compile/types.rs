//! The SQL type of each column a statement returns, where the tree says: a table
//! column's declared type, a CAST's target, an aggregate's argument, .. The connection
//! reads each result column as that type, so the same expression gives the same kind of
//! [`Value`](crate::Value) on every database (SQLite's text instants, MySQL's naive
//! DATETIME for a UTC instant, PostgreSQL's NUMERIC `avg` of integers).

use crate::expr::{BinOp, Node, Op, Source};
use crate::schema::SqlType;
use crate::stmt::{Select, SelectItem};

/// The type of one result column (`None`: not known, read as the server sends it), and
/// whether it is a table's column, which drivers decode by its declared type
/// themselves (except MySQL, whose result metadata cannot tell a UTC instant, a boolean,
/// JSON or a UUID from a naive date-time, an integer or text).
pub type OutputType = (Option<SqlType>, bool);

/// The types of a select list's columns.
pub(crate) fn item_types(items: &[SelectItem]) -> Vec<OutputType> {
    items
        .iter()
        .map(|it| {
            let table_column =
                matches!(&it.node, Node::Column(c) if matches!(c.source, Source::Table(_)));
            (type_of(&it.node, 0), table_column)
        })
        .collect()
}

/// The types of a query's result columns.
pub(crate) fn select_types(q: &Select) -> Vec<OutputType> {
    item_types(&q.leader().items)
}

fn type_of(n: &Node, depth: u32) -> Option<SqlType> {
    if depth > 64 {
        return None;
    }
    let d = depth + 1;
    let first = |args: &[Node]| args.first().and_then(|a| type_of(a, d));
    match n {
        Node::Column(c) => match &c.source {
            Source::Table(t) => t
                .def()
                .columns()
                .get(c.idx as usize)
                .map(|col| col.sql_type()),
            Source::Subquery(sq) => sq
                .select()
                .leader()
                .items
                .get(c.idx as usize)
                .and_then(|it| type_of(&it.node, d)),
        },
        Node::Cast(_, t) => Some(*t),
        // A decimal value reads back as a decimal with its places, where the server
        // keeps no type for it (SQLite gives a REAL).
        Node::Bind(crate::value::Value::Decimal(v))
        | Node::Literal(crate::value::Value::Decimal(v)) => Some(SqlType::Numeric {
            precision: 38,
            scale: u8::try_from(v.scale()).unwrap_or(28),
        }),
        Node::Now => Some(SqlType::Timestamp),
        Node::Not(_)
        | Node::IsNull(..)
        | Node::Like { .. }
        | Node::InList(..)
        | Node::InSelect(..)
        | Node::Between(..)
        | Node::And(_)
        | Node::Or(_)
        | Node::Exists(_) => Some(SqlType::Boolean),
        Node::Binary(op, lr) => {
            let [l, _] = &**lr;
            match op {
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    Some(SqlType::Boolean)
                }
                BinOp::Concat => Some(SqlType::Text),
                BinOp::Div => match l {
                    Node::Cast(_, SqlType::Double) => Some(SqlType::Double),
                    l => type_of(l, d).filter(|t| !t.is_integer()),
                },
                _ => type_of(l, d),
            }
        }
        Node::Neg(x) => type_of(x, d),
        Node::Func { name, args, .. } => match name.as_str() {
            "count" | "char_length" | "length" | "row_number" | "rank" | "dense_rank" | "ntile" => {
                Some(SqlType::BigInt)
            }
            "avg" | "cume_dist" | "percent_rank" => Some(SqlType::Double),
            "lower" | "upper" | "substr" | "replace" | "trim" => Some(SqlType::Text),
            "sum" => first(args).map(|t| if t.is_integer() { SqlType::BigInt } else { t }),
            "min" | "max" | "coalesce" | "nullif" | "abs" | "first_value" | "last_value"
            | "lag" | "lead" => first(args),
            _ => None,
        },
        Node::Subquery(q) => select_types(q).first().and_then(|t| t.0),
        Node::Op(op, args) => match &**op {
            Op::Case { operand, .. } => args
                .get(if *operand { 2 } else { 1 })
                .and_then(|a| type_of(a, d)),
            Op::IsDistinct { .. } | Op::IsBool { .. } | Op::Regexp { .. } => Some(SqlType::Boolean),
            Op::Extract(_) | Op::FloorDiv => Some(SqlType::BigInt),
            Op::CurrentDate => Some(SqlType::Date),
            Op::CurrentTime => Some(SqlType::Time),
            Op::Extremum(_) | Op::Round | Op::Over(_) => first(args),
            _ => None,
        },
        _ => None,
    }
}
