//! Loader options: which relationships a query loads with its objects, and how.

use std::marker::PhantomData;

use super::rel::{Relation, Relationship};
use super::Model;

/// How one hop of a loader path is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// A LEFT OUTER JOIN in the query that loads the hop's owners.
    Joined,
    /// One more SELECT (per 500 keys) with `WHERE key IN (..)`.
    SelectIn,
}

/// A loader option: a path of relationships from the queried model `R`, each hop
/// loaded by its strategy, ending at model `L`. Made by [`selectinload`] and
/// [`joinedload`], chained with their methods of the same names.
///
/// ```
/// # use sqlkit::orm::*;
/// # #[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
/// # #[sqlkit(table = "users")]
/// # struct User { #[sqlkit(primary_key)] id: Option<i64> }
/// # #[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
/// # #[sqlkit(table = "posts")]
/// # struct Post { #[sqlkit(primary_key)] id: Option<i64>, #[sqlkit(foreign_key = "users.id")] author_id: i64 }
/// # #[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
/// # #[sqlkit(table = "comments")]
/// # struct Comment { #[sqlkit(primary_key)] id: Option<i64>, #[sqlkit(foreign_key = "posts.id")] post_id: i64,
/// #   #[sqlkit(foreign_key = "users.id")] user_id: i64 }
/// let comments = OneToMany::<Post, Comment>::new("comments", Comment::table().post_id);
/// let user = ManyToOne::<Comment, User>::new("user", Comment::table().user_id);
/// // Post.comments in one more SELECT, then the comments' users in another.
/// let opt: Load<Post, User> = selectinload(comments).selectinload(user);
/// ```
pub struct Load<R, L> {
    pub(crate) hops: Vec<(Relation, Strategy)>,
    _m: PhantomData<fn() -> (R, L)>,
}

impl<R, L> std::fmt::Debug for Load<R, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path: Vec<String> = self
            .hops
            .iter()
            .map(|(r, s)| format!("{}.{} ({s:?})", r.owner_def.name(), r.name))
            .collect();
        write!(f, "Load({})", path.join(" -> "))
    }
}

impl<R, L> Clone for Load<R, L> {
    fn clone(&self) -> Self {
        Load {
            hops: self.hops.clone(),
            _m: PhantomData,
        }
    }
}

fn start<Rl: Relationship>(rel: Rl, s: Strategy) -> Load<Rl::Owner, Rl::Target> {
    Load {
        hops: vec![(rel.relation().clone(), s)],
        _m: PhantomData,
    }
}

/// Loads a relationship with one more SELECT per hop, `WHERE key IN (..)` in batches
/// of 500 keys (SQLAlchemy's `selectinload`): natural for collections.
pub fn selectinload<Rl: Relationship>(rel: Rl) -> Load<Rl::Owner, Rl::Target> {
    start(rel, Strategy::SelectIn)
}

/// Loads a relationship in the same query with a LEFT OUTER JOIN, rows folded into
/// unique objects (SQLAlchemy's `joinedload`): natural for many-to-one. First in a
/// path it joins the query itself; after a [`selectinload`] hop it joins that hop's
/// queries. Refused with [`Error::Session`](crate::Error::Session): right after another
/// joined hop, from or to a many-to-many, and a collection joined into a query with
/// LIMIT or OFFSET (the limit would count joined rows).
pub fn joinedload<Rl: Relationship>(rel: Rl) -> Load<Rl::Owner, Rl::Target> {
    start(rel, Strategy::Joined)
}

impl<R, L: Model> Load<R, L> {
    fn then<Rl: Relationship<Owner = L>>(mut self, rel: Rl, s: Strategy) -> Load<R, Rl::Target> {
        self.hops.push((rel.relation().clone(), s));
        Load {
            hops: self.hops,
            _m: PhantomData,
        }
    }
    /// Then loads a relationship of the path's last model with one more SELECT.
    pub fn selectinload<Rl: Relationship<Owner = L>>(self, rel: Rl) -> Load<R, Rl::Target> {
        self.then(rel, Strategy::SelectIn)
    }
    /// Then joins a relationship of the path's last model into the previous hop's
    /// queries (after a selectin hop; see [`joinedload`]).
    pub fn joinedload<Rl: Relationship<Owner = L>>(self, rel: Rl) -> Load<R, Rl::Target> {
        self.then(rel, Strategy::Joined)
    }
}
