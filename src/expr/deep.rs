//! Trees of any depth: `Clone` and `Debug` of a [`Node`] grow the stack as they
//! recurse (`stacker`), and `Drop` takes a deep tree apart on the heap, so building,
//! cloning, printing and dropping a 100,000-deep expression cannot overflow the stack.
//! Compiling refuses trees deeper than [`MAX_DEPTH`](crate::compile::MAX_DEPTH).

use super::Node;
use std::fmt;

/// Stack left below which recursion moves to a new segment.
pub(crate) const RED_ZONE: usize = 128 * 1024;
/// The size of each new stack segment.
pub(crate) const SEGMENT: usize = 2 * 1024 * 1024;

/// Runs `f` with at least [`RED_ZONE`] bytes of stack, on a new segment if needed.
#[inline]
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

impl Clone for Node {
    fn clone(&self) -> Self {
        // Leaves (most clones) copy at once; only a node with children can recurse.
        match self {
            Node::Column(c) => return Node::Column(c.clone()),
            Node::Bind(v) => return Node::Bind(v.clone()),
            Node::Param(n) => return Node::Param(n.clone()),
            Node::Literal(v) => return Node::Literal(v.clone()),
            _ => {}
        }
        with_stack(|| match self {
            Node::Column(c) => Node::Column(c.clone()),
            Node::Bind(v) => Node::Bind(v.clone()),
            Node::Param(n) => Node::Param(n.clone()),
            Node::Literal(v) => Node::Literal(v.clone()),
            Node::Raw(s) => Node::Raw(s.clone()),
            Node::Star => Node::Star,
            Node::Not(x) => Node::Not(x.clone()),
            Node::Neg(x) => Node::Neg(x.clone()),
            Node::IsNull(x, n) => Node::IsNull(x.clone(), *n),
            Node::Binary(op, lr) => Node::Binary(*op, lr.clone()),
            Node::Like {
                operands,
                escape,
                negated,
                case_insensitive,
            } => Node::Like {
                operands: operands.clone(),
                escape: *escape,
                negated: *negated,
                case_insensitive: *case_insensitive,
            },
            Node::InList(x, list, n) => Node::InList(x.clone(), list.clone(), *n),
            Node::InSelect(x, q, n) => Node::InSelect(x.clone(), q.clone(), *n),
            Node::Between(parts, n) => Node::Between(parts.clone(), *n),
            Node::And(v) => Node::And(v.clone()),
            Node::Or(v) => Node::Or(v.clone()),
            Node::Func {
                name,
                args,
                distinct,
            } => Node::Func {
                name: name.clone(),
                args: args.clone(),
                distinct: *distinct,
            },
            Node::Now => Node::Now,
            Node::Cast(x, ty) => Node::Cast(x.clone(), *ty),
            Node::Tuple(v) => Node::Tuple(v.clone()),
            Node::Subquery(q) => Node::Subquery(q.clone()),
            Node::Exists(q) => Node::Exists(q.clone()),
            Node::Excluded(c) => Node::Excluded(c.clone()),
            Node::Op(op, args) => Node::Op(op.clone(), args.clone()),
        })
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_stack(|| match self {
            Node::Column(c) => f.debug_tuple("Column").field(c).finish(),
            Node::Bind(v) => f.debug_tuple("Bind").field(v).finish(),
            Node::Param(n) => f.debug_tuple("Param").field(n).finish(),
            Node::Literal(v) => f.debug_tuple("Literal").field(v).finish(),
            Node::Raw(s) => f.debug_tuple("Raw").field(s).finish(),
            Node::Star => f.write_str("Star"),
            Node::Not(x) => f.debug_tuple("Not").field(x).finish(),
            Node::Neg(x) => f.debug_tuple("Neg").field(x).finish(),
            Node::IsNull(x, n) => f.debug_tuple("IsNull").field(x).field(n).finish(),
            Node::Binary(op, lr) => f.debug_tuple("Binary").field(op).field(lr).finish(),
            Node::Like {
                operands,
                escape,
                negated,
                case_insensitive,
            } => f
                .debug_struct("Like")
                .field("operands", operands)
                .field("escape", escape)
                .field("negated", negated)
                .field("case_insensitive", case_insensitive)
                .finish(),
            Node::InList(x, list, n) => f
                .debug_tuple("InList")
                .field(x)
                .field(list)
                .field(n)
                .finish(),
            Node::InSelect(x, q, n) => f
                .debug_tuple("InSelect")
                .field(x)
                .field(q)
                .field(n)
                .finish(),
            Node::Between(parts, n) => f.debug_tuple("Between").field(parts).field(n).finish(),
            Node::And(v) => f.debug_tuple("And").field(v).finish(),
            Node::Or(v) => f.debug_tuple("Or").field(v).finish(),
            Node::Func {
                name,
                args,
                distinct,
            } => f
                .debug_struct("Func")
                .field("name", name)
                .field("args", args)
                .field("distinct", distinct)
                .finish(),
            Node::Now => f.write_str("Now"),
            Node::Cast(x, ty) => f.debug_tuple("Cast").field(x).field(ty).finish(),
            Node::Tuple(v) => f.debug_tuple("Tuple").field(v).finish(),
            Node::Subquery(q) => f.debug_tuple("Subquery").field(q).finish(),
            Node::Exists(q) => f.debug_tuple("Exists").field(q).finish(),
            Node::Excluded(c) => f.debug_tuple("Excluded").field(c).finish(),
            Node::Op(op, args) => f.debug_tuple("Op").field(op).field(args).finish(),
        })
    }
}

impl Node {
    /// Whether `f` holds for one of the node's operands (its direct sub-expressions,
    /// not the expressions inside a subquery it holds), trying them in order.
    pub(crate) fn any_operand(&self, mut f: impl FnMut(&Node) -> bool) -> bool {
        match self {
            Node::Not(x) | Node::Neg(x) | Node::IsNull(x, _) | Node::Cast(x, _) => f(x),
            Node::InSelect(x, _, _) => f(x),
            Node::Binary(_, lr) | Node::Like { operands: lr, .. } => lr.iter().any(f),
            Node::Between(parts, _) => parts.iter().any(f),
            Node::InList(x, list, _) => f(x) || list.iter().any(f),
            Node::And(v) | Node::Or(v) | Node::Tuple(v) => v.iter().any(f),
            Node::Func { args, .. } | Node::Op(_, args) => args.iter().any(f),
            Node::Column(_)
            | Node::Bind(_)
            | Node::Param(_)
            | Node::Literal(_)
            | Node::Raw(_)
            | Node::Star
            | Node::Now
            | Node::Excluded(_)
            | Node::Subquery(_)
            | Node::Exists(_) => false,
        }
    }
}

impl Drop for Node {
    #[inline]
    fn drop(&mut self) {
        if !has_children(self) || leaves_only(self) {
            return;
        }
        // With room on the stack, the usual recursive drop of the fields follows.
        if stacker::remaining_stack().is_some_and(|left| left > RED_ZONE) {
            return;
        }
        flatten(self);
    }
}

/// Takes a tree apart on the heap: each node popped has had its children moved out, so
/// dropping it does not recurse.
#[cold]
#[inline(never)]
fn flatten(root: &mut Node) {
    {
        let mut stack = Vec::new();
        take_children(root, &mut stack);
        while let Some(mut n) = stack.pop() {
            take_children(&mut n, &mut stack);
        }
    }
}

/// Whether every child of `n` is a leaf, so dropping it recurses one level at most
/// (most nodes of a statement: `a = $1`, `f(a, b)`): no need to look at the stack.
/// Subqueries and the constructs of [`Node::Op`], which may hold statements, are
/// never taken for this.
#[inline(always)]
fn leaves_only(n: &Node) -> bool {
    let leaf = |c: &Node| !has_children(c);
    match n {
        Node::Not(x) | Node::Neg(x) | Node::IsNull(x, _) | Node::Cast(x, _) => leaf(x),
        Node::Binary(_, lr) | Node::Like { operands: lr, .. } => lr.iter().all(leaf),
        Node::Between(parts, _) => parts.iter().all(leaf),
        Node::And(v) | Node::Or(v) | Node::Tuple(v) | Node::Func { args: v, .. } => {
            v.iter().all(leaf)
        }
        Node::InList(x, list, _) => leaf(x) && list.iter().all(leaf),
        _ => false,
    }
}

#[inline(always)]
fn has_children(n: &Node) -> bool {
    !matches!(
        n,
        Node::Column(_)
            | Node::Bind(_)
            | Node::Param(_)
            | Node::Literal(_)
            | Node::Raw(_)
            | Node::Star
            | Node::Now
            | Node::Excluded(_)
    )
}

/// Moves the children of `n` (also the expressions of a subquery it holds) onto
/// `out`, leaving leaves in their place.
fn take_children(n: &mut Node, out: &mut Vec<Node>) {
    let mut take = |x: &mut Node| {
        if has_children(x) {
            out.push(std::mem::replace(x, Node::Star));
        }
    };
    match n {
        Node::Column(_)
        | Node::Bind(_)
        | Node::Param(_)
        | Node::Literal(_)
        | Node::Raw(_)
        | Node::Star
        | Node::Now
        | Node::Excluded(_) => {}
        Node::Not(x) | Node::Neg(x) | Node::IsNull(x, _) | Node::Cast(x, _) => take(x),
        Node::Binary(_, lr) | Node::Like { operands: lr, .. } => lr.iter_mut().for_each(take),
        Node::Between(parts, _) => parts.iter_mut().for_each(take),
        Node::InList(x, list, _) => {
            take(x);
            list.iter_mut().for_each(take);
        }
        Node::And(v) | Node::Or(v) | Node::Tuple(v) | Node::Func { args: v, .. } => {
            v.iter_mut().for_each(take)
        }
        Node::InSelect(x, q, _) => {
            take(x);
            q.take_nodes(&mut take);
        }
        Node::Subquery(q) | Node::Exists(q) => q.take_nodes(&mut take),
        Node::Op(op, args) => {
            args.iter_mut().for_each(&mut take);
            if let super::Op::Quantified(q) = &mut **op {
                q.query.take_nodes(&mut take);
            }
        }
    }
}
