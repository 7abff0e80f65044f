//! [`FromRow`]: rows into Rust types without serde. Where a type's columns are is
//! worked out once per result set (its [`layout`](FromRow::layout)); each row is then
//! read cell by cell at those positions, straight from the driver's row.
//!
//! `#[derive(sqlkit::Table)]` implements it for the table's struct (and
//! `#[derive(sqlkit::FromRow)]` for any struct of columns); tuples of such types take
//! their columns one after the other, so `select((posts, users))` reads into
//! `(Post, User)`, and an outer join's missing side into `Option<User>`. A plain type
//! (`i64`, `String`, ..) reads one column.

use super::de::{Cell, Cells, DeError};
use crate::error::{Error, Result};
use crate::value::{FromValue, Value};

/// The columns of a result set, for working out a [`FromRow`] layout.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    names: &'a [crate::name::Name],
}

impl<'a> Columns<'a> {
    pub(crate) fn new(names: &'a [crate::name::Name]) -> Self {
        Columns { names }
    }
    /// How many columns the result has.
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// Whether the result has no columns.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
    /// The name of column `i`.
    pub fn name(&self, i: usize) -> Option<&'a str> {
        self.names.get(i).map(|n| n.as_str())
    }
    /// The position of the column for `field` among the `width` columns from `start`:
    /// the column of that name, or one renamed `<table>_<field>` (sqlkit's label for a
    /// name an earlier column already uses). No such column is an error naming the
    /// field and the columns there are.
    pub fn position(&self, field: &str, start: usize, width: usize) -> Result<usize> {
        let end = (start + width).min(self.names.len());
        let group = self.names.get(start..end).unwrap_or(&[]);
        if let Some(k) = group.iter().position(|n| n.as_str() == field) {
            return Ok(start + k);
        }
        let renamed = group.iter().position(|n| {
            let n = n.as_str();
            n.len() > field.len() + 1
                && n.ends_with(field)
                && n.as_bytes().get(n.len() - field.len() - 1) == Some(&b'_')
        });
        if let Some(k) = renamed {
            return Ok(start + k);
        }
        Err(self.missing(field, start, width))
    }
    /// The error for a field no column provides: it names the field and lists the
    /// columns there are.
    pub fn missing(&self, field: &str, start: usize, width: usize) -> Error {
        let end = (start + width).min(self.names.len());
        let cols: Vec<&str> = self
            .names
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .map(|n| n.as_str())
            .collect();
        Error::decode(
            field,
            format!(
                "no column for the field `{field}` in columns {start}..{end} of the result: {}",
                if cols.is_empty() {
                    "(none)".to_string()
                } else {
                    cols.join(", ")
                }
            ),
        )
    }
}

/// One row of a result set, read in place from the driver.
pub struct RowCells<'a> {
    cells: &'a dyn DynCells,
}

pub(crate) trait DynCells {
    fn len(&self) -> usize;
    fn name(&self, i: usize) -> &str;
    fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, DeError>;
}
impl<C: Cells> DynCells for C {
    fn len(&self) -> usize {
        Cells::len(self)
    }
    fn name(&self, i: usize) -> &str {
        Cells::name(self, i)
    }
    fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, DeError> {
        Cells::cell(self, i)
    }
}

impl<'a> RowCells<'a> {
    pub(crate) fn new(cells: &'a dyn DynCells) -> Self {
        RowCells { cells }
    }
    /// The number of columns.
    pub fn len(&self) -> usize {
        self.cells.len()
    }
    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.cells.len() == 0
    }
    /// Column `i` read as `T`; the error names the column.
    #[inline]
    pub fn get<T: FromCell>(&self, i: usize) -> Result<T> {
        match self.cells.cell(i) {
            // The column's name is looked up only for an error.
            Ok(c) => T::from_cell(CellRef(c), "").map_err(|e| self.named(e, i)),
            Err(e) => Err(Error::decode(self.cells.name(i), e.0)),
        }
    }
    #[cold]
    fn named(&self, e: Error, i: usize) -> Error {
        match e {
            Error::Decode { column, reason } if column.is_empty() => Error::Decode {
                column: self.cells.name(i).into(),
                reason,
            },
            e => e,
        }
    }
    /// Whether column `i` is NULL.
    pub fn is_null(&self, i: usize) -> bool {
        self.cells.cell(i).is_ok_and(|c| CellRef(c).is_null())
    }
}

/// One cell, borrowed from the driver's row where it can be.
pub struct CellRef<'a>(Cell<'a>);

impl CellRef<'_> {
    /// The cell as an owned [`Value`].
    pub fn to_value(&self) -> Value {
        self.0.clone_value()
    }
    /// Whether the cell is NULL.
    pub fn is_null(&self) -> bool {
        matches!(&self.0, Cell::Null)
            || matches!(&self.0, Cell::Value(Value::Null) | Cell::Owned(Value::Null))
    }
}

/// A column type a [`FromRow`] field reads from one cell. Implemented for every type
/// [`FromValue`] converts to, reading plain integers and text without an owned value in
/// between. A custom type implements it by converting from a supported type (see
/// [`FromCell::from_cell`]'s example).
pub trait FromCell: Sized {
    /// The cell read as `Self`; `column` names it in errors.
    ///
    /// ```
    /// use sqlkit::engine::{CellRef, FromCell};
    /// /// A status stored as text.
    /// #[derive(Debug, PartialEq)]
    /// enum Status { Draft, Published }
    /// impl FromCell for Status {
    ///     fn from_cell(cell: CellRef<'_>, column: &str) -> sqlkit::Result<Self> {
    ///         match String::from_cell(cell, column)?.as_str() {
    ///             "draft" => Ok(Status::Draft),
    ///             "published" => Ok(Status::Published),
    ///             other => Err(sqlkit::Error::decode(column, format!("unknown status {other:?}"))),
    ///         }
    ///     }
    /// }
    /// ```
    fn from_cell(cell: CellRef<'_>, column: &str) -> Result<Self>;
}

/// The general conversion, through an owned value.
#[inline]
fn via_value<T: FromValue>(cell: Cell<'_>, column: &str) -> Result<T> {
    T::from_value(cell.into_value(), column)
}

macro_rules! via_value {
    ($($t:ty),*) => {$(
        impl FromCell for $t {
            #[inline]
            fn from_cell(cell: CellRef<'_>, column: &str) -> Result<Self> {
                via_value(cell.0, column)
            }
        }
    )*};
}
via_value!(
    rust_decimal::Decimal,
    crate::value::Text,
    Vec<u8>,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    serde_json::Value,
    uuid::Uuid,
    Value
);

// The narrower integers straight from an integer cell; anything else (and a value out
// of range, for its error) through the owned value.
macro_rules! narrow_int {
    ($($t:ty),*) => {$(
        impl FromCell for $t {
            #[inline]
            fn from_cell(cell: CellRef<'_>, column: &str) -> Result<Self> {
                match cell.0 {
                    Cell::Int(i) => match <$t>::try_from(i) {
                        Ok(v) => Ok(v),
                        Err(_) => via_value(Cell::Int(i), column),
                    },
                    c => via_value(c, column),
                }
            }
        }
    )*};
}
narrow_int!(i8, i16, i32, u8, u16, u32);

impl FromCell for f32 {
    #[inline]
    fn from_cell(cell: CellRef<'_>, column: &str) -> Result<Self> {
        crate::value::narrow_f32(f64::from_cell(cell, column)?, column)
    }
}

impl FromCell for i64 {
    #[inline]
    fn from_cell(cell: CellRef<'_>, column: &str) -> Result<Self> {
        match cell.0 {
            Cell::Int(i) => Ok(i),
            c => via_value(c, column),
        }
    }
}
impl FromCell for bool {
    #[inline]
    fn from_cell(cell: CellRef<'_>, column: &str) -> Result<Self> {
        match cell.0 {
            Cell::Owned(Value::Bool(b)) => Ok(b),
            // 0 and 1 only, as from an owned value: 2 is an error, not `true`.
            Cell::Int(0) => Ok(false),
            Cell::Int(1) => Ok(true),
            c => via_value(c, column),
        }
    }
}
impl FromCell for f64 {
    #[inline]
    fn from_cell(cell: CellRef<'_>, column: &str) -> Result<Self> {
        match cell.0 {
            Cell::Float(f) => Ok(f),
            c => via_value(c, column),
        }
    }
}
impl FromCell for String {
    #[inline]
    fn from_cell(cell: CellRef<'_>, column: &str) -> Result<Self> {
        match cell.0 {
            Cell::Text(s) | Cell::LongText(s) => Ok(s.to_owned()),
            c => via_value(c, column),
        }
    }
}
impl<T: FromCell> FromCell for Option<T> {
    #[inline]
    fn from_cell(cell: CellRef<'_>, column: &str) -> Result<Self> {
        if cell.is_null() {
            Ok(None)
        } else {
            T::from_cell(cell, column).map(Some)
        }
    }
}

/// A Rust type a result row (or a run of its columns) reads into, by position.
///
/// ```
/// use sqlkit::prelude::*;
/// #[derive(Debug, PartialEq, sqlkit::Table)]
/// #[sqlkit(table = "users")]
/// struct User { #[sqlkit(primary_key)] id: i64, name: String }
/// #[derive(Debug, PartialEq, sqlkit::Table)]
/// #[sqlkit(table = "posts")]
/// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] author_id: i64, title: String }
/// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
/// # conn.execute(&CreateTable::new(User::table()))?;
/// # conn.execute(&CreateTable::new(Post::table()))?;
/// let (u, p) = (User::table(), Post::table());
/// conn.execute(&insert(u).value(u.name, "ann"))?;
/// conn.execute(&insert(p).value(p.author_id, 1).value(p.title, "hi"))?;
/// let rows: Vec<(Post, User)> = conn.fetch_all(&select((p, u)).join(u, p.author_id.eq(u.id)))?;
/// assert_eq!(rows[0].1.name, "ann");
/// let n: i64 = conn.fetch_one(&select(sqlkit::expr::func::count_star()).select_from(p))?;
/// assert_eq!(n, 1);
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub trait FromRow: Sized {
    /// Where the type's columns are, worked out once per result set.
    type Layout;
    /// The layout for the columns from `start`, and how many columns the type takes.
    fn layout(columns: &Columns<'_>, start: usize) -> Result<(Self::Layout, usize)>;
    /// Reads one row at the layout's positions.
    fn decode(row: &RowCells<'_>, layout: &Self::Layout) -> Result<Self>;
    /// The columns the layout reads (for an `Option<T>`: NULL in all of them is `None`).
    fn positions(layout: &Self::Layout) -> Vec<usize>;
}

macro_rules! scalar_row {
    ($($t:ty),*) => {$(
        impl FromRow for $t {
            type Layout = usize;
            fn layout(columns: &Columns<'_>, start: usize) -> Result<(usize, usize)> {
                if start >= columns.len() {
                    return Err(Error::decode(super::de::WHOLE_ROW, format!(
                        "a {} needs a column, but the result has {} columns", stringify!($t), columns.len())));
                }
                Ok((start, 1))
            }
            #[inline]
            fn decode(row: &RowCells<'_>, at: &usize) -> Result<Self> {
                row.get(*at)
            }
            fn positions(at: &usize) -> Vec<usize> {
                vec![*at]
            }
        }
    )*};
}
scalar_row!(
    bool,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    f32,
    f64,
    String,
    rust_decimal::Decimal,
    crate::value::Text,
    Vec<u8>,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    serde_json::Value,
    uuid::Uuid,
    Value
);

/// The missing side of an outer join: `None` when every column of `T` is NULL.
impl<T: FromRow> FromRow for Option<T> {
    type Layout = (T::Layout, Vec<usize>);
    fn layout(columns: &Columns<'_>, start: usize) -> Result<(Self::Layout, usize)> {
        let (inner, n) = T::layout(columns, start)?;
        let at = T::positions(&inner);
        Ok(((inner, at), n))
    }
    fn decode(row: &RowCells<'_>, layout: &Self::Layout) -> Result<Self> {
        if layout.1.iter().all(|&i| row.is_null(i)) {
            return Ok(None);
        }
        T::decode(row, &layout.0).map(Some)
    }
    fn positions(layout: &Self::Layout) -> Vec<usize> {
        layout.1.clone()
    }
}

macro_rules! tuple_row {
    ($($n:ident $i:tt),*) => {
        impl<$($n: FromRow),*> FromRow for ($($n,)*) {
            type Layout = ($($n::Layout,)*);
            #[allow(unused_assignments)]
            fn layout(columns: &Columns<'_>, start: usize) -> Result<(Self::Layout, usize)> {
                let mut at = start;
                let layout = ($({
                    let (l, n) = $n::layout(columns, at)?;
                    at += n;
                    l
                },)*);
                Ok((layout, at - start))
            }
            #[inline]
            fn decode(row: &RowCells<'_>, layout: &Self::Layout) -> Result<Self> {
                Ok(($($n::decode(row, &layout.$i)?,)*))
            }
            fn positions(layout: &Self::Layout) -> Vec<usize> {
                let mut v = Vec::new();
                $(v.extend($n::positions(&layout.$i));)*
                v
            }
        }
    };
}
tuple_row!(A 0);
tuple_row!(A 0, B 1);
tuple_row!(A 0, B 1, C 2);
tuple_row!(A 0, B 1, C 2, D 3);
tuple_row!(A 0, B 1, C 2, D 3, E 4);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5);

/// Collects rows into `T`, the layout worked out on the first row.
pub(crate) struct CollectRows<T: FromRow> {
    pub(crate) out: Vec<T>,
    layout: Option<T::Layout>,
}

impl<T: FromRow> CollectRows<T> {
    pub(crate) fn new() -> Self {
        CollectRows {
            out: Vec::new(),
            layout: None,
        }
    }
}

/// Reads one row into `T`, working out the layout on the first call.
pub(crate) fn read_row<T: FromRow, C: super::DriverRow>(
    layout: &mut Option<T::Layout>,
    row: &C,
) -> Result<T> {
    let l = match layout {
        Some(l) => l,
        None => layout.insert(first_layout::<T>(row.names())?),
    };
    T::decode(&RowCells::new(row), l)
}

/// `T`'s layout for a result set, which it must cover whole.
#[cold]
fn first_layout<T: FromRow>(names: &[crate::name::Name]) -> Result<T::Layout> {
    let cols = Columns::new(names);
    let (l, n) = T::layout(&cols, 0)?;
    if n != cols.len() {
        let all: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        return Err(Error::decode(
            super::de::WHOLE_ROW,
            format!(
                "the type reads {n} columns but the result has {}: {}",
                cols.len(),
                all.join(", ")
            ),
        ));
    }
    Ok(l)
}

impl<T: FromRow> super::RowSink for CollectRows<T> {
    fn row<R: super::DriverRow>(&mut self, row: &R) -> Result<bool> {
        let v = read_row::<T, R>(&mut self.layout, row)?;
        self.out.push(v);
        Ok(true)
    }
    fn wants_all(&self) -> bool {
        true
    }
}

/// Hands each row, read into `T`, to a closure until it returns `false`.
pub(crate) struct EachAs<T: FromRow, F> {
    layout: Option<T::Layout>,
    each: F,
}

impl<T: FromRow, F: FnMut(T) -> Result<bool>> EachAs<T, F> {
    pub(crate) fn new(each: F) -> Self {
        EachAs { layout: None, each }
    }
}

impl<T: FromRow, F: FnMut(T) -> Result<bool>> super::RowSink for EachAs<T, F> {
    fn row<R: super::DriverRow>(&mut self, row: &R) -> Result<bool> {
        let v = read_row::<T, R>(&mut self.layout, row)?;
        (self.each)(v)
    }
}
