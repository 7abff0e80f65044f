//! Relationships: typed descriptors declared next to a model, over its foreign keys.

use std::any::TypeId;
use std::marker::PhantomData;

use super::state::{new_store, AnyStore};
use super::Model;
use crate::expr::Column;
use crate::schema::TableDef;
use crate::{Error, Result};

/// What happens to the targets of a one-to-many relationship when its owner goes
/// (SQLAlchemy's `cascade=`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cascade {
    /// Deleting the owner deletes its children (`"delete"`), children first.
    pub delete: bool,
    /// A child removed from its owner's collection is deleted (`"delete-orphan"`).
    pub delete_orphan: bool,
}

impl Cascade {
    /// `"all, delete-orphan"`: children go with their owner, and when removed from it.
    pub const ALL_DELETE_ORPHAN: Cascade = Cascade {
        delete: true,
        delete_orphan: true,
    };
    /// `"all"` (for what a flush does): children go with their owner.
    pub const ALL: Cascade = Cascade {
        delete: true,
        delete_orphan: false,
    };
}

/// Reads target rows into the target's store.
pub(crate) type Fetch = fn(
    &mut crate::engine::Connection,
    &dyn crate::stmt::Statement,
    &mut dyn AnyStore,
    bool,
) -> Result<Vec<u32>>;
/// Reads target rows followed by a key column.
pub(crate) type FetchKeyed = fn(
    &mut crate::engine::Connection,
    &dyn crate::stmt::Statement,
    &mut dyn AnyStore,
    bool,
) -> Result<Vec<(u32, crate::Value)>>;

/// The most columns a relationship's foreign key may have.
const MAX_COLS: usize = 4;

/// The column positions of a foreign key, or of the key it refers to: one to four.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cols {
    n: u8,
    c: [u16; MAX_COLS],
}

impl Cols {
    /// One column.
    pub(crate) fn one(c: usize) -> Cols {
        Cols {
            n: 1,
            c: [c as u16, 0, 0, 0],
        }
    }
    fn of(cols: &[usize]) -> std::result::Result<Cols, String> {
        if cols.is_empty() || cols.len() > MAX_COLS {
            return Err(format!(
                "a foreign key of {} columns (1 to {MAX_COLS} are supported)",
                cols.len()
            ));
        }
        let mut c = [0u16; MAX_COLS];
        for (slot, &v) in c.iter_mut().zip(cols) {
            *slot = u16::try_from(v).map_err(|_| "a column past the 65,536th".to_string())?;
        }
        Ok(Cols {
            n: cols.len() as u8,
            c,
        })
    }
    /// The positions, in key order.
    pub(crate) fn iter(self) -> impl Iterator<Item = usize> {
        self.c.into_iter().take(self.n as usize).map(usize::from)
    }
    /// The one column of a single-column key.
    pub(crate) fn single(self) -> Option<usize> {
        (self.n == 1).then_some(self.c[0] as usize)
    }
    /// The columns' names in `def`.
    pub(crate) fn names(self, def: &TableDef) -> Vec<&str> {
        self.iter()
            .map(|c| def.columns().get(c).map_or("?", |d| d.name()))
            .collect()
    }
}

/// The values of columns `cols` of object `idx`.
pub(crate) fn values_of(store: &dyn AnyStore, idx: u32, cols: Cols) -> Vec<crate::Value> {
    cols.iter().map(|c| store.value(idx, c)).collect()
}

/// `cols IN (keys)` over `t` (a table of `def`, or its alias): a list of values for
/// one column, row values `(a, b) IN ((?, ?), ..)` for a composite key.
pub(crate) fn cols_in(
    t: &crate::schema::Table,
    def: &TableDef,
    cols: Cols,
    keys: Vec<Vec<crate::Value>>,
) -> Result<crate::expr::Expr<bool>> {
    use crate::expr::{ExprOps, Node};
    let names = cols.names(def);
    if let [one] = names.as_slice() {
        return Ok(t.c(one)?.in_(keys.into_iter().flatten()));
    }
    let mut lhs = Vec::with_capacity(names.len());
    for n in &names {
        lhs.push(t.c(n)?.into_node());
    }
    let list = keys
        .into_iter()
        .map(|k| Node::Tuple(k.into_iter().map(Node::Bind).collect()))
        .collect();
    Ok(crate::expr::Expr::from_node(Node::InList(
        Box::new(Node::Tuple(lhs)),
        list,
        false,
    )))
}

/// `a.x = b.y AND ..` over the column pairs of `ac` (of `a`, a table of `ad`) and `bc`
/// (of `b`, of `bd`).
pub(crate) fn cols_eq(
    a: &crate::schema::Table,
    ad: &TableDef,
    ac: Cols,
    b: &crate::schema::Table,
    bd: &TableDef,
    bc: Cols,
) -> Result<crate::expr::Expr<bool>> {
    use crate::expr::ExprOps;
    let mut conds = Vec::new();
    for (x, y) in ac.names(ad).into_iter().zip(bc.names(bd)) {
        conds.push(a.c(x)?.eq(b.c(y)?));
    }
    Ok(crate::expr::and_(conds))
}

/// The shape of a relationship, by column positions.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// The owner's columns `fk` hold the target's columns `target_col`.
    ManyToOne { fk: Cols, target_col: Cols },
    /// The target's columns `fk` hold the owner's columns `owner_col`.
    OneToMany { fk: Cols, owner_col: Cols },
    /// Rows of `secondary` pair the owner (`left` holds `owner_col`) with the target
    /// (`right` holds `target_col`).
    ManyToMany {
        secondary: &'static TableDef,
        left: usize,
        owner_col: usize,
        right: usize,
        target_col: usize,
    },
}

/// A relationship with its types erased: what the session keeps to cascade and to
/// keep both sides of a foreign key in step. Made from any typed descriptor with
/// `Relation::from`.
#[derive(Debug, Clone)]
pub struct Relation {
    pub(crate) name: &'static str,
    pub(crate) owner: TypeId,
    pub(crate) owner_def: &'static TableDef,
    pub(crate) target: TypeId,
    pub(crate) target_def: &'static TableDef,
    pub(crate) kind: Kind,
    pub(crate) cascade: Cascade,
    pub(crate) new_target: fn() -> Box<dyn AnyStore>,
    pub(crate) fetch: Fetch,
    pub(crate) fetch_keyed: FetchKeyed,
    /// Why the declaration is wrong, reported when it is used.
    pub(crate) error: Option<Error>,
}

impl Relation {
    /// The relationship's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// The declaration is sound (its columns are where it says).
    pub(crate) fn check(&self) -> Result<&Relation> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(self),
        }
    }
    /// The same foreign key seen from the other side (`Post.author` for `User.posts`):
    /// SQLAlchemy's `back_populates`, implied here by the shared column.
    pub(crate) fn is_back_of(&self, other: &Relation) -> bool {
        match (self.kind, other.kind) {
            (Kind::ManyToOne { fk, .. }, Kind::OneToMany { fk: f2, .. })
            | (Kind::OneToMany { fk, .. }, Kind::ManyToOne { fk: f2, .. }) => {
                fk == f2 && self.owner == other.target && self.target == other.owner
            }
            (
                Kind::ManyToMany {
                    secondary, left, ..
                },
                Kind::ManyToMany {
                    secondary: s2,
                    right: r2,
                    ..
                },
            ) => std::ptr::eq(secondary, s2) && left == r2 && self.owner == other.target,
            _ => false,
        }
    }
}

/// A typed relationship from `Owner` objects to `Target` objects.
pub trait Relationship {
    /// The model that declares it.
    type Owner: Model;
    /// The model it leads to.
    type Target: Model;
    /// Its erased form.
    fn relation(&self) -> &Relation;
}

fn column_error(what: &str, name: &str, reason: String) -> Error {
    Error::Schema(format!("relationship `{name}` ({what}): {reason}").into())
}

/// The positions of `target`'s columns that `def`'s foreign key over exactly the
/// columns `cols` (in that order) refers to.
fn referenced(def: &TableDef, cols: Cols, target: &TableDef) -> std::result::Result<Cols, String> {
    let names = cols.names(def);
    let shown = names.join(", ");
    let fk = def
        .foreign_keys()
        .iter()
        .find(|fk| {
            fk.columns()
                .iter()
                .map(|c| c.as_str())
                .eq(names.iter().copied())
        })
        .ok_or_else(|| format!("{}.({shown}) has no foreign key of its own", def.name()))?;
    if fk.ref_table() != target.name() {
        return Err(format!(
            "{}.({shown}) refers to {}, not to {}",
            def.name(),
            fk.ref_table(),
            target.name()
        ));
    }
    let mut out = Vec::with_capacity(fk.ref_columns().len());
    for rc in fk.ref_columns() {
        out.push(
            target
                .column_index(rc)
                .ok_or_else(|| format!("{} has no column {rc}", target.name()))?,
        );
    }
    Cols::of(&out)
}

fn relation<O: Model, T: Model>(
    name: &'static str,
    kind: std::result::Result<Kind, String>,
    what: &str,
) -> Relation {
    let (kind, error) = match kind {
        Ok(k) => (k, None),
        Err(e) => (
            Kind::ManyToOne {
                fk: Cols::one(0),
                target_col: Cols::one(0),
            },
            Some(column_error(what, name, e)),
        ),
    };
    Relation {
        name,
        owner: TypeId::of::<O>(),
        owner_def: O::definition(),
        target: TypeId::of::<T>(),
        target_def: T::definition(),
        kind,
        cascade: Cascade::default(),
        new_target: new_store::<T>,
        fetch: super::session::fetch_into::<T>,
        fetch_keyed: super::session::fetch_keyed::<T>,
        error,
    }
}

fn on_table<X>(col: &Column<X>, def: &'static TableDef) -> std::result::Result<usize, String> {
    let (d, i) = col.position();
    if std::ptr::eq(d, def) {
        Ok(i)
    } else {
        Err(format!(
            "{}.{} is not a column of {}",
            d.name(),
            col.name(),
            def.name()
        ))
    }
}

/// The column or columns of a relationship's foreign key: a [`Column`], or a tuple
/// of two to four for a composite key, in the foreign key's order.
pub trait ForeignKeyColumns {
    /// The columns' positions in `def`, or why they are not all its columns.
    #[doc(hidden)]
    fn positions_in(&self, def: &'static TableDef) -> std::result::Result<Vec<usize>, String>;
}
impl<X> ForeignKeyColumns for Column<X> {
    fn positions_in(&self, def: &'static TableDef) -> std::result::Result<Vec<usize>, String> {
        Ok(vec![on_table(self, def)?])
    }
}
macro_rules! fk_tuples {
    ($(($($t:ident $i:tt),*))*) => {$(
        impl<$($t),*> ForeignKeyColumns for ($(Column<$t>,)*) {
            fn positions_in(&self, def: &'static TableDef) -> std::result::Result<Vec<usize>, String> {
                Ok(vec![$(on_table(&self.$i, def)?),*])
            }
        }
    )*};
}
fk_tuples! {
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
}

fn cols_on(
    fk: &impl ForeignKeyColumns,
    def: &'static TableDef,
) -> std::result::Result<Cols, String> {
    Cols::of(&fk.positions_in(def)?)
}

macro_rules! descriptor {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<O, T> {
            rel: Relation,
            _m: PhantomData<fn() -> (O, T)>,
        }
        impl<O, T> Clone for $name<O, T> {
            fn clone(&self) -> Self {
                $name { rel: self.rel.clone(), _m: PhantomData }
            }
        }
        impl<O, T> std::fmt::Debug for $name<O, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({}.{})", stringify!($name), self.rel.owner_def.name(), self.rel.name)
            }
        }
        impl<O: Model, T: Model> Relationship for $name<O, T> {
            type Owner = O;
            type Target = T;
            fn relation(&self) -> &Relation {
                &self.rel
            }
        }
        impl<O, T> From<$name<O, T>> for Relation {
            fn from(d: $name<O, T>) -> Relation {
                d.rel
            }
        }
    };
}

descriptor!(
    /// Many-to-one: the owner's foreign-key column names one target (`Post.author`).
    ManyToOne
);
descriptor!(
    /// One-to-many: the target's foreign-key column names the owner (`User.posts`);
    /// the many-to-one over the same column is its `back_populates` side.
    OneToMany
);
descriptor!(
    /// Many-to-many through an association table (`Post.tags` through `post_tags`).
    ManyToMany
);

impl<O: Model, T: Model> ManyToOne<O, T> {
    /// The relationship over `fk`, a column of the owner's table with a foreign key to
    /// the target's table (or a tuple of the columns of a composite foreign key).
    pub fn new(name: &'static str, fk: impl ForeignKeyColumns) -> Self {
        let kind = cols_on(&fk, O::definition()).and_then(|fk| {
            referenced(O::definition(), fk, T::definition())
                .map(|target_col| Kind::ManyToOne { fk, target_col })
        });
        ManyToOne {
            rel: relation::<O, T>(name, kind, "many-to-one"),
            _m: PhantomData,
        }
    }
}

impl<O: Model, T: Model> OneToMany<O, T> {
    /// The relationship over `fk`, a column of the target's table with a foreign key to
    /// the owner's table (or a tuple of the columns of a composite foreign key).
    pub fn new(name: &'static str, fk: impl ForeignKeyColumns) -> Self {
        let kind = cols_on(&fk, T::definition()).and_then(|fk| {
            referenced(T::definition(), fk, O::definition())
                .map(|owner_col| Kind::OneToMany { fk, owner_col })
        });
        OneToMany {
            rel: relation::<O, T>(name, kind, "one-to-many"),
            _m: PhantomData,
        }
    }
    /// What deleting the owner, or removing a child from it, does to the children.
    pub fn cascade(mut self, cascade: Cascade) -> Self {
        self.rel.cascade = cascade;
        self
    }
}

impl<O: Model, T: Model> ManyToMany<O, T> {
    /// The relationship through an association table whose column `left` refers to the
    /// owner and `right` to the target. Deleting either object deletes its association
    /// rows.
    pub fn new<X, Y>(name: &'static str, left: Column<X>, right: Column<Y>) -> Self {
        let (secondary, l) = left.position();
        let kind = on_table(&right, secondary).and_then(|r| {
            let single = |c: Cols| {
                c.single()
                    .ok_or_else(|| "a many-to-many over a composite key".to_string())
            };
            let owner_col = single(referenced(secondary, Cols::one(l), O::definition())?)?;
            let target_col = single(referenced(secondary, Cols::one(r), T::definition())?)?;
            Ok(Kind::ManyToMany {
                secondary,
                left: l,
                owner_col,
                right: r,
                target_col,
            })
        });
        ManyToMany {
            rel: relation::<O, T>(name, kind, "many-to-many"),
            _m: PhantomData,
        }
    }
}
