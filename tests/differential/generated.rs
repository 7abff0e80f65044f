//! A generated differential test: random expressions over the blog fixture mixing
//! integers, decimals, floats, text, booleans and bound values, each run on every
//! database and compared with the others and with an answer computed here in Rust.
//!
//! The generator is seeded, so a failure names its seed and case number and repeats.
//! `SQLKIT_DIFF_CASES` sets the number of queries (300 by default, what CI runs);
//! `SQLKIT_DIFF_SEED` the first seed. The README's "Same query, same answer" gives the
//! long run's command and result.
//!
//! What is generated is what has one answer in SQL: integer arithmetic within 64
//! bits, `%` and floor division by non-zero values, decimal `+ - *`, float arithmetic
//! and true division, casts of floats to integers (ties to even) and of decimals
//! (ties away from zero), text concatenation, `substr` and `char_length`,
//! comparisons (text by code point), three-valued AND / OR / NOT, IS NULL, LIKE,
//! CASE, EXTRACT, correlated and uncorrelated scalar subqueries, and these in five
//! shapes: a select list with a filter, grouped sums with HAVING, a running sum over
//! a window, UNION ALL of two filters, and a CTE. Decimal division is left out: its number of
//! places is the server's choice (MariaDB keeps four more than the dividend).

use super::common::models::*;
use super::seeded;
use rust_decimal::Decimal;
use sqlkit::expr::{case, func, Node};
use sqlkit::prelude::*;
use sqlkit::schema::SqlType;
use sqlkit::stmt::Select;

/// A small seeded generator (xorshift64*): the same seed gives the same queries.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

/// A seed's bits spread over the whole word (SplitMix64's finaliser), so that
/// neighbouring case numbers start the generator far apart.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One fixture row (a post and its author), as the Rust reference reads it.
#[derive(Debug, Clone)]
struct Fx {
    id: i64,
    views: i64,
    rating: Option<Decimal>,
    slug: String,
    published: bool,
    author: i64,
    username: String,
    created: chrono::DateTime<chrono::Utc>,
    // The post's comments, and the most views of any post (for subqueries).
    comments: i64,
    max_views: i64,
}

/// A value the reference computes; `Unknown` where SQL leaves the answer to the
/// server (overflow), and the case is then not compared with the reference.
#[derive(Debug, Clone, PartialEq)]
enum R {
    Null,
    Int(i64),
    Dec(Decimal),
    Flt(f64),
    Str(String),
    Bool(bool),
    Unknown,
}

type Eval = Box<dyn Fn(&Fx) -> R>;
type Shared = std::rc::Rc<dyn Fn(&Fx) -> R>;

/// A generated expression: the sqlkit side and the reference side.
struct G<T> {
    expr: Expr<T>,
    eval: Eval,
}

fn g<T>(expr: Expr<T>, eval: impl Fn(&Fx) -> R + 'static) -> G<T> {
    G {
        expr,
        eval: Box::new(eval),
    }
}

const WORDS: [&str; 9] = ["", "a", "Post", "post", "b ", "b", "Zoë", "x%y", "py"];
const PATTERNS: [&str; 6] = ["%a%", "P%", "%t", "_o%", "%", "py%"];

fn int(r: &mut Rng, depth: u32) -> G<i64> {
    let (p, u) = (Post::table(), User::table());
    let leaf = depth == 0 || r.chance(30);
    match if leaf { r.below(4) } else { 4 + r.below(12) } {
        0 => g(p.views.expr(), |f| R::Int(f.views)),
        1 => g(p.id.expr().cast_type::<i64>(), |f| R::Int(f.id)),
        2 => g(u.id.expr().cast_type::<i64>(), |f| R::Int(f.author)),
        3 => {
            let v = if r.chance(5) {
                r.range(-3_000_000_000, 3_000_000_000)
            } else {
                r.range(-20, 20)
            };
            g(bind::<i64>(v), move |_| R::Int(v))
        }
        4 | 5 => {
            let (a, b) = (int(r, depth - 1), int(r, depth - 1));
            let op = r.below(3);
            let e = match op {
                0 => a.expr + b.expr,
                1 => a.expr - b.expr,
                _ => a.expr * b.expr,
            };
            let (fa, fb) = (a.eval, b.eval);
            g(e, move |f| match (fa(f), fb(f)) {
                (R::Int(x), R::Int(y)) => match op {
                    0 => x.checked_add(y),
                    1 => x.checked_sub(y),
                    _ => x.checked_mul(y),
                }
                .map_or(R::Unknown, R::Int),
                (R::Null, _) | (_, R::Null) => R::Null,
                _ => R::Unknown,
            })
        }
        6 => {
            let a = int(r, depth - 1);
            let k = nonzero(r);
            let fa = a.eval;
            if r.chance(50) {
                g(a.expr % k, move |f| match fa(f) {
                    R::Int(x) => R::Int(x % k),
                    other => other,
                })
            } else {
                g(a.expr.floordiv(k), move |f| match fa(f) {
                    R::Int(x) => R::Int(x / k - i64::from(x % k != 0 && (x < 0) != (k < 0))),
                    other => other,
                })
            }
        }
        7 => {
            let a = int(r, depth - 1);
            let fa = a.eval;
            g(func::abs(a.expr), move |f| match fa(f) {
                R::Int(x) => x.checked_abs().map_or(R::Unknown, R::Int),
                other => other,
            })
        }
        8 => {
            let s = text(r, depth - 1);
            let fs = s.eval;
            g(func::char_length(s.expr), move |f| match fs(f) {
                R::Str(s) => R::Int(s.chars().count() as i64),
                other => other,
            })
        }
        9 => {
            let (c, a, b) = (boolean(r, depth - 1), int(r, depth - 1), int(r, depth - 1));
            let (fc, fa, fb) = (c.eval, a.eval, b.eval);
            g(
                case::<i64>().when(c.expr, a.expr).else_(b.expr),
                move |f| match fc(f) {
                    R::Bool(true) => fa(f),
                    R::Unknown => R::Unknown,
                    _ => fb(f),
                },
            )
        }
        10 => {
            // A float rounded to an integer: ties to even on every dialect.
            let a = float(r, depth - 1);
            let fa = a.eval;
            g(a.expr.cast::<i64>(SqlType::BigInt), move |f| match fa(f) {
                R::Flt(x) if x.abs() < 1e15 => R::Int(x.round_ties_even() as i64),
                R::Null => R::Null,
                _ => R::Unknown,
            })
        }
        11 => {
            // A decimal rounded to an integer: ties away from zero.
            let a = decimal(r, depth - 1);
            let fa = a.eval;
            g(a.expr.cast::<i64>(SqlType::BigInt), move |f| match fa(f) {
                R::Dec(d) => d
                    .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                    .try_into()
                    .map_or(R::Unknown, R::Int),
                other => other,
            })
        }
        12 => {
            use chrono::{Datelike, Timelike};
            let parts = [
                DatePart::Year,
                DatePart::Quarter,
                DatePart::Month,
                DatePart::Day,
                DatePart::Hour,
                DatePart::Minute,
                DatePart::Second,
                DatePart::DayOfWeek,
                DatePart::DayOfYear,
            ];
            let k = r.below(parts.len() as u64) as usize;
            g(
                func::extract(parts[k], p.created_at).cast_type::<i64>(),
                move |f| {
                    let t = f.created;
                    R::Int(i64::from(match k {
                        0 => t.year() as u32,
                        1 => (t.month() - 1) / 3 + 1,
                        2 => t.month(),
                        3 => t.day(),
                        4 => t.hour(),
                        5 => t.minute(),
                        6 => t.second(),
                        7 => t.weekday().num_days_from_sunday(),
                        _ => t.ordinal(),
                    }))
                },
            )
        }
        13 => {
            // A correlated scalar subquery: the post's comments.
            let c = Comment::table();
            g(
                select(func::count_star())
                    .select_from(c)
                    .where_(c.post_id.eq(p.id))
                    .scalar_subquery()
                    .cast_type::<i64>(),
                |f| R::Int(f.comments),
            )
        }
        14 => {
            // An uncorrelated one, over the table under another name.
            let p2 = Post::table().alias("p2");
            g(
                select(func::max(p2.views))
                    .scalar_subquery()
                    .cast_type::<i64>(),
                |f| R::Int(f.max_views),
            )
        }
        _ => {
            let a = int(r, depth - 1);
            let fa = a.eval;
            g(-a.expr, move |f| match fa(f) {
                R::Int(x) => x.checked_neg().map_or(R::Unknown, R::Int),
                other => other,
            })
        }
    }
}

fn nonzero(r: &mut Rng) -> i64 {
    let k = r.range(1, 7);
    if r.chance(30) {
        -k
    } else {
        k
    }
}

fn dec_value(r: &mut Rng) -> Decimal {
    Decimal::new(r.range(-500, 500), r.range(0, 2) as u32)
}

fn decimal(r: &mut Rng, depth: u32) -> G<Decimal> {
    let p = Post::table();
    let leaf = depth == 0 || r.chance(35);
    match if leaf { r.below(2) } else { 2 + r.below(4) } {
        0 => g(p.rating.expr().cast_type::<Decimal>(), |f| {
            f.rating.map_or(R::Null, R::Dec)
        }),
        1 => {
            let v = dec_value(r);
            g(bind::<Decimal>(v), move |_| R::Dec(v))
        }
        2 | 3 => {
            let (a, b) = (decimal(r, depth - 1), decimal(r, depth - 1));
            let op = r.below(3);
            let e = match op {
                0 => a.expr + b.expr,
                1 => a.expr - b.expr,
                _ => a.expr * b.expr,
            };
            let (fa, fb) = (a.eval, b.eval);
            g(e, move |f| match (fa(f), fb(f)) {
                (R::Dec(x), R::Dec(y)) => match op {
                    0 => x.checked_add(y),
                    1 => x.checked_sub(y),
                    _ => x.checked_mul(y),
                }
                .map_or(R::Unknown, R::Dec),
                (R::Null, _) | (_, R::Null) => R::Null,
                _ => R::Unknown,
            })
        }
        4 => {
            // An integer made a decimal.
            let a = int(r, depth - 1);
            let fa = a.eval;
            g(
                a.expr.cast::<Decimal>(SqlType::Numeric {
                    precision: 30,
                    scale: 2,
                }),
                move |f| match fa(f) {
                    R::Int(x) if x.abs() < 10_i64.pow(17) => R::Dec(Decimal::from(x)),
                    R::Null => R::Null,
                    _ => R::Unknown,
                },
            )
        }
        _ => {
            let a = decimal(r, depth - 1);
            let fa = a.eval;
            g(func::abs(a.expr), move |f| match fa(f) {
                R::Dec(x) => R::Dec(x.abs()),
                other => other,
            })
        }
    }
}

fn float(r: &mut Rng, depth: u32) -> G<f64> {
    let leaf = depth == 0 || r.chance(35);
    match if leaf { r.below(2) } else { 2 + r.below(3) } {
        0 => {
            let v = r.range(-80, 80) as f64 / 4.0;
            g(bind::<f64>(v), move |_| R::Flt(v))
        }
        1 => {
            let a = int(r, 0);
            let fa = a.eval;
            g(a.expr.cast::<f64>(SqlType::Double), move |f| match fa(f) {
                R::Int(x) => R::Flt(x as f64),
                other => other,
            })
        }
        2 | 3 => {
            let (a, b) = (float(r, depth - 1), float(r, depth - 1));
            let op = r.below(3);
            let e = match op {
                0 => a.expr + b.expr,
                1 => a.expr - b.expr,
                _ => a.expr * b.expr,
            };
            let (fa, fb) = (a.eval, b.eval);
            g(e, move |f| match (fa(f), fb(f)) {
                (R::Flt(x), R::Flt(y)) => R::Flt(match op {
                    0 => x + y,
                    1 => x - y,
                    _ => x * y,
                }),
                (R::Null, _) | (_, R::Null) => R::Null,
                _ => R::Unknown,
            })
        }
        _ => {
            // True division of integers (never by zero).
            let a = int(r, depth - 1);
            let k = nonzero(r);
            let fa = a.eval;
            g(a.expr / k, move |f| match fa(f) {
                R::Int(x) => R::Flt(x as f64 / k as f64),
                other => other,
            })
        }
    }
}

fn text(r: &mut Rng, depth: u32) -> G<String> {
    let (p, u) = (Post::table(), User::table());
    let leaf = depth == 0 || r.chance(40);
    match if leaf { r.below(3) } else { 3 + r.below(3) } {
        5.. => {
            let a = text(r, depth - 1);
            let up = r.chance(50);
            let fa = a.eval;
            let e = if up {
                func::upper(a.expr)
            } else {
                func::lower(a.expr)
            };
            g(e, move |f| match fa(f) {
                R::Str(s) if up => R::Str(s.to_uppercase()),
                R::Str(s) => R::Str(s.to_lowercase()),
                other => other,
            })
        }
        0 => g(p.slug.expr(), |f| R::Str(f.slug.clone())),
        1 => g(u.username.expr(), |f| R::Str(f.username.clone())),
        2 => {
            let w = WORDS[r.below(WORDS.len() as u64) as usize];
            g(bind::<String>(w), move |_| R::Str(w.to_string()))
        }
        3 => {
            let (a, b) = (text(r, depth - 1), text(r, depth - 1));
            let (fa, fb) = (a.eval, b.eval);
            g(a.expr.concat(b.expr), move |f| match (fa(f), fb(f)) {
                (R::Str(x), R::Str(y)) => R::Str(x + &y),
                (R::Null, _) | (_, R::Null) => R::Null,
                _ => R::Unknown,
            })
        }
        4 => {
            let a = text(r, depth - 1);
            let (start, len) = (r.range(1, 4), r.range(0, 4));
            let fa = a.eval;
            g(func::substr(a.expr, start, len), move |f| match fa(f) {
                R::Str(s) => R::Str(
                    s.chars()
                        .skip(start as usize - 1)
                        .take(len as usize)
                        .collect(),
                ),
                other => other,
            })
        }
    }
}

fn compare(x: &R, y: &R) -> Option<std::cmp::Ordering> {
    match (x, y) {
        (R::Int(a), R::Int(b)) => Some(a.cmp(b)),
        (R::Dec(a), R::Dec(b)) => Some(a.cmp(b)),
        (R::Flt(a), R::Flt(b)) => a.partial_cmp(b),
        // UTF-8 bytes order as code points do.
        (R::Str(a), R::Str(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        // Across kinds, as the servers compare: an integer with a decimal exactly, a
        // float with anything as doubles.
        (R::Int(a), R::Dec(b)) => Some(Decimal::from(*a).cmp(b)),
        (R::Dec(a), R::Int(b)) => Some(a.cmp(&Decimal::from(*b))),
        (R::Int(a), R::Flt(b)) => (*a as f64).partial_cmp(b),
        (R::Flt(a), R::Int(b)) => a.partial_cmp(&(*b as f64)),
        (R::Dec(a), R::Flt(b)) => rust_decimal::prelude::ToPrimitive::to_f64(a)?.partial_cmp(b),
        (R::Flt(a), R::Dec(b)) => a.partial_cmp(&rust_decimal::prelude::ToPrimitive::to_f64(b)?),
        _ => None,
    }
}

fn like(s: &[char], p: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some(('%', rest)) => (0..=s.len()).any(|i| like(&s[i..], rest)),
        Some(('_', rest)) => !s.is_empty() && like(&s[1..], rest),
        Some((c, rest)) => s.first() == Some(c) && like(&s[1..], rest),
    }
}

fn boolean(r: &mut Rng, depth: u32) -> G<bool> {
    let p = Post::table();
    let leaf = depth == 0 || r.chance(25);
    match if leaf { r.below(2) } else { 2 + r.below(6) } {
        0 => g(p.published.expr(), |f| R::Bool(f.published)),
        1 => {
            let p2 = Post::table();
            g(p2.rating.is_null(), |f| R::Bool(f.rating.is_none()))
        }
        2 | 3 => {
            // A comparison of two values of one kind.
            let (l, rr): (Node, Node);
            let (fl, fr): (Eval, Eval);
            match r.below(7) {
                4 => {
                    let (a, b) = (int(r, depth - 1), decimal(r, depth - 1));
                    (l, rr, fl, fr) = (a.expr.into_node(), b.expr.into_node(), a.eval, b.eval);
                }
                5 => {
                    let (a, b) = (float(r, depth - 1), int(r, depth - 1));
                    (l, rr, fl, fr) = (a.expr.into_node(), b.expr.into_node(), a.eval, b.eval);
                }
                6 => {
                    let (a, b) = (decimal(r, depth - 1), float(r, depth - 1));
                    (l, rr, fl, fr) = (a.expr.into_node(), b.expr.into_node(), a.eval, b.eval);
                }
                0 => {
                    let (a, b) = (int(r, depth - 1), int(r, depth - 1));
                    (l, rr, fl, fr) = (a.expr.into_node(), b.expr.into_node(), a.eval, b.eval);
                }
                1 => {
                    let (a, b) = (decimal(r, depth - 1), decimal(r, depth - 1));
                    (l, rr, fl, fr) = (a.expr.into_node(), b.expr.into_node(), a.eval, b.eval);
                }
                2 => {
                    let (a, b) = (float(r, depth - 1), float(r, depth - 1));
                    (l, rr, fl, fr) = (a.expr.into_node(), b.expr.into_node(), a.eval, b.eval);
                }
                _ => {
                    let (a, b) = (text(r, depth - 1), text(r, depth - 1));
                    (l, rr, fl, fr) = (a.expr.into_node(), b.expr.into_node(), a.eval, b.eval);
                }
            }
            let op = r.below(6);
            let (l, rr) = (Expr::<Any>::from_node(l), Expr::<Any>::from_node(rr));
            let e = match op {
                0 => l.eq(rr),
                1 => l.ne(rr),
                2 => l.lt(rr),
                3 => l.le(rr),
                4 => l.gt(rr),
                _ => l.ge(rr),
            };
            g(e, move |f| {
                let (x, y) = (fl(f), fr(f));
                if x == R::Unknown || y == R::Unknown {
                    return R::Unknown;
                }
                if x == R::Null || y == R::Null {
                    return R::Null;
                }
                use std::cmp::Ordering::*;
                match compare(&x, &y) {
                    Some(o) => R::Bool(match op {
                        0 => o == Equal,
                        1 => o != Equal,
                        2 => o == Less,
                        3 => o != Greater,
                        4 => o == Greater,
                        _ => o != Less,
                    }),
                    None => R::Unknown,
                }
            })
        }
        4 | 5 => {
            let (a, b) = (boolean(r, depth - 1), boolean(r, depth - 1));
            let and = r.chance(50);
            let (fa, fb) = (a.eval, b.eval);
            let e = if and {
                a.expr & b.expr
            } else {
                a.expr | b.expr
            };
            g(e, move |f| {
                let (x, y) = (fa(f), fb(f));
                if x == R::Unknown || y == R::Unknown {
                    return R::Unknown;
                }
                let (dominant, other) = (R::Bool(!and), R::Bool(and));
                if x == dominant || y == dominant {
                    dominant
                } else if x == R::Null || y == R::Null {
                    R::Null
                } else {
                    other
                }
            })
        }
        6 => {
            let a = boolean(r, depth - 1);
            let fa = a.eval;
            g(!a.expr, move |f| match fa(f) {
                R::Bool(b) => R::Bool(!b),
                other => other,
            })
        }
        _ => {
            let a = text(r, depth - 1);
            let pat = PATTERNS[r.below(PATTERNS.len() as u64) as usize];
            let fa = a.eval;
            g(a.expr.like(pat), move |f| match fa(f) {
                R::Str(s) => R::Bool(like(
                    &s.chars().collect::<Vec<_>>(),
                    &pat.chars().collect::<Vec<_>>(),
                )),
                other => other,
            })
        }
    }
}

/// A generated query and what the reference says it returns (`None`: unknown).
struct Query {
    select: Select,
    want: Option<Vec<Vec<R>>>,
}

fn query(r: &mut Rng, fixture: &[Fx]) -> Query {
    let (p, u) = (Post::table(), User::table());
    let depth = 1 + r.below(3) as u32;
    let filter = r.chance(50).then(|| boolean(r, depth));
    let base = |items: Select| {
        items
            .select_from(p)
            .join(u, p.author_id.eq(u.id))
            .order_by(p.id)
    };
    let rows = |keep: &dyn Fn(&Fx) -> Option<bool>| -> Option<Vec<&Fx>> {
        let mut out = Vec::new();
        for f in fixture {
            if keep(f)? {
                out.push(f);
            }
        }
        Some(out)
    };
    let keep = |f: &Fx| match &filter {
        None => Some(true),
        Some(b) => match (b.eval)(f) {
            R::Bool(x) => Some(x),
            R::Null => Some(false),
            _ => None,
        },
    };
    let shape = r.below(100);
    if shape < 10 {
        // A running sum per author, in id order.
        let e = int(r, depth);
        let mut q = select((
            p.id,
            func::sum(e.expr)
                .over(Window::new().partition_by(p.author_id).order_by(p.id))
                .cast_type::<i64>()
                .label("running"),
        ))
        .select_from(p)
        .join(u, p.author_id.eq(u.id))
        .order_by(p.id);
        if let Some(b) = &filter {
            q = q.where_(b.expr.clone());
        }
        let want = rows(&keep).and_then(|kept| {
            let mut sums: std::collections::HashMap<i64, Option<i64>> = Default::default();
            let mut out = Vec::new();
            for f in kept {
                let slot = sums.entry(f.author).or_insert(None);
                match (e.eval)(f) {
                    R::Int(x) => *slot = Some(slot.unwrap_or(0).checked_add(x)?),
                    R::Null => {}
                    _ => return None,
                }
                out.push(vec![R::Int(f.id), slot.map_or(R::Null, R::Int)]);
            }
            Some(out)
        });
        return Query { select: q, want };
    }
    if shape < 20 {
        // The same expression over two filters, UNION ALL, or through a CTE.
        let (node, eval) = any_value(r, depth);
        let other = boolean(r, depth);
        let item = || Expr::<Any>::from_node(node.clone()).label("v");
        let mut first = select((p.id, item()))
            .select_from(p)
            .join(u, p.author_id.eq(u.id));
        if let Some(b) = &filter {
            first = first.where_(b.expr.clone());
        }
        let second = select((p.id, item()))
            .select_from(p)
            .join(u, p.author_id.eq(u.id))
            .where_(other.expr.clone());
        let keep_other = |f: &Fx| match (other.eval)(f) {
            R::Bool(x) => Some(x),
            R::Null => Some(false),
            _ => None,
        };
        let cte = shape >= 15;
        let q = if cte {
            let w = first.cte("w");
            let (id, v) = (w.c("id").expect("id"), w.c("v").expect("v"));
            select((id.clone(), v)).select_from(w).order_by(id)
        } else {
            first.union_all(second).order_by("id")
        };
        let want = (|| {
            let mut out = Vec::new();
            let mut add = |keep: &dyn Fn(&Fx) -> Option<bool>| -> Option<()> {
                for f in fixture {
                    if keep(f)? {
                        match eval(f) {
                            R::Unknown => return None,
                            v => out.push((f.id, v)),
                        }
                    }
                }
                Some(())
            };
            add(&keep)?;
            if !cte {
                add(&keep_other)?;
            }
            out.sort_by_key(|(id, _)| *id);
            Some(out.into_iter().map(|(id, v)| vec![R::Int(id), v]).collect())
        })();
        return Query { select: q, want };
    }
    if shape < 40 {
        // Grouped: per author, the sum of an integer expression, HAVING count > k.
        let e = int(r, depth);
        let k = r.range(0, 1);
        let mut q = select((p.author_id, func::sum(e.expr).cast_type::<i64>()))
            .select_from(p)
            .join(u, p.author_id.eq(u.id))
            .group_by(p.author_id)
            .having(func::count_star().gt(k))
            .order_by(p.author_id);
        if let Some(b) = &filter {
            q = q.where_(b.expr.clone());
        }
        let want = rows(&keep).and_then(|kept| {
            let mut groups: std::collections::BTreeMap<i64, (i64, Option<i64>)> =
                Default::default();
            for f in kept {
                let slot = groups.entry(f.author).or_insert((0, None));
                slot.0 += 1;
                match (e.eval)(f) {
                    R::Int(x) => slot.1 = Some(slot.1.unwrap_or(0).checked_add(x)?),
                    R::Null => {}
                    _ => return None,
                }
            }
            Some(
                groups
                    .into_iter()
                    .filter(|(_, (n, _))| *n > k)
                    .map(|(a, (_, s))| vec![R::Int(a), s.map_or(R::Null, R::Int)])
                    .collect(),
            )
        });
        return Query { select: q, want };
    }
    let (node, eval) = any_value(r, depth);
    let mut q = base(select((p.id, Expr::<Any>::from_node(node).label("v"))));
    if let Some(b) = &filter {
        q = q.where_(b.expr.clone());
    }
    let want = rows(&keep).and_then(|kept| {
        kept.into_iter()
            .map(|f| match eval(f) {
                R::Unknown => None,
                v => Some(vec![R::Int(f.id), v]),
            })
            .collect()
    });
    Query { select: q, want }
}

/// An expression of any of the kinds, untyped.
fn any_value(r: &mut Rng, depth: u32) -> (Node, Shared) {
    let (node, eval): (Node, Eval) = match r.below(5) {
        0 => {
            let e = int(r, depth);
            (e.expr.into_node(), e.eval)
        }
        1 => {
            let e = decimal(r, depth);
            (e.expr.into_node(), e.eval)
        }
        2 => {
            let e = float(r, depth);
            (e.expr.into_node(), e.eval)
        }
        3 => {
            let e = text(r, depth);
            (e.expr.into_node(), e.eval)
        }
        _ => {
            let e = boolean(r, depth);
            (e.expr.into_node(), e.eval)
        }
    };
    (node, std::rc::Rc::from(eval))
}

/// Whether a cell the server returned is the reference's value: numbers to 1e-9
/// relative (decimals and floats are printed by each server in its own way),
/// booleans as 0/1 where the server has none.
fn same(got: &Value, want: &R) -> bool {
    use rust_decimal::prelude::ToPrimitive;
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Decimal(d) => d.to_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    match (got, want) {
        (Value::Null, R::Null) => true,
        (Value::Int(a), R::Int(b)) => a == b,
        (Value::Text(a), R::Str(b)) => a.as_str() == b,
        (v, R::Bool(b)) => num(v) == Some(f64::from(u8::from(*b))),
        (v, R::Dec(d)) => num(v).zip(d.to_f64()).is_some_and(|(a, b)| close(a, b)),
        (v, R::Flt(f)) => num(v).is_some_and(|a| close(a, *f)),
        (v, R::Int(i)) => num(v).is_some_and(|a| a == *i as f64),
        _ => false,
    }
}

/// Whether two databases returned the same cell.
fn agree(a: &Value, b: &Value) -> bool {
    use rust_decimal::prelude::ToPrimitive;
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Decimal(d) => d.to_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
            _ => false,
        },
    }
}

fn fixture(conn: &mut Connection) -> Vec<Fx> {
    let (p, u) = (Post::table(), User::table());
    let q = select((
        p.id,
        p.views,
        p.rating,
        p.slug,
        p.published,
        u.id,
        u.username,
        p.created_at,
    ))
    .join(u, p.author_id.eq(u.id))
    .order_by(p.id);
    let c = Comment::table();
    let counts: std::collections::HashMap<i64, i64> = conn
        .query(&select((c.post_id, func::count_star())).group_by(c.post_id))
        .expect("comments")
        .iter()
        .map(|r| (r.get(0).expect("post"), r.get(1).expect("n")))
        .collect();
    let mut out: Vec<Fx> = conn
        .query(&q)
        .expect("fixture")
        .iter()
        .map(|row| {
            let id: i64 = row.get(0).expect("id");
            Fx {
                id,
                views: row.get(1).expect("views"),
                rating: row.get(2).expect("rating"),
                slug: row.get(3).expect("slug"),
                published: row.get(4).expect("published"),
                author: row.get(5).expect("author"),
                username: row.get(6).expect("username"),
                created: row.get(7).expect("created"),
                comments: counts.get(&id).copied().unwrap_or(0),
                max_views: 0,
            }
        })
        .collect();
    let max = out.iter().map(|f| f.views).max().unwrap_or(0);
    for f in &mut out {
        f.max_views = max;
    }
    out
}

#[test]
fn generated_expressions_give_the_same_rows_everywhere_and_in_rust() {
    let cases: u64 = std::env::var("SQLKIT_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed: u64 = std::env::var("SQLKIT_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(23);
    let engines = super::common::engines();
    let mut dbs: Vec<(&'static str, Connection)> =
        engines.iter().map(|db| (db.name, seeded(db))).collect();
    let fx = fixture(&mut dbs[0].1);
    assert_eq!(fx.len(), 8, "the fixture's posts");
    let (mut failures, mut checked, mut unknown) = (Vec::new(), 0, 0);
    for n in 0..cases {
        // One seed per case: a failure is repeated alone with its seed.
        let case_seed = splitmix(seed << 32 ^ n) | 1;
        let mut rng = Rng(case_seed);
        let q = query(&mut rng, &fx);
        let mut answers: Vec<(&str, Vec<Vec<Value>>)> = Vec::new();
        for (name, conn) in dbs.iter_mut() {
            match conn.query(&q.select) {
                Ok(rows) => {
                    answers.push((*name, rows.iter().map(|r| r.values().to_vec()).collect()))
                }
                Err(e) => failures.push(format!(
                    "case {n} (SQLKIT_DIFF_SEED={seed}, seed {case_seed}) on {name}: {e}\n  {}",
                    q.select
                )),
            }
        }
        let describe = |rows: &[Vec<Value>]| format!("{rows:?}");
        if let Some((first, base)) = answers.first() {
            for (name, rows) in &answers[1..] {
                let same_rows = rows.len() == base.len()
                    && rows.iter().zip(base).all(|(a, b)| {
                        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| agree(x, y))
                    });
                if !same_rows {
                    failures.push(format!(
                        "case {n} (seed {case_seed}): {first} and {name} differ\n  {}\n  {first}: {}\n  {name}: {}",
                        q.select,
                        describe(base),
                        describe(rows)
                    ));
                }
            }
        }
        match &q.want {
            None => unknown += 1,
            Some(want) => {
                checked += 1;
                for (name, rows) in &answers {
                    let ok = rows.len() == want.len()
                        && rows.iter().zip(want).all(|(a, b)| {
                            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
                        });
                    if !ok {
                        failures.push(format!(
                            "case {n} (seed {case_seed}): {name} differs from Rust\n  {}\n  {name}: {}\n  Rust: {want:?}",
                            q.select,
                            describe(rows)
                        ));
                    }
                }
            }
        }
        if failures.len() > 20 {
            break;
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures ({checked} checked against Rust, {unknown} unknown there):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{cases} generated queries agree ({checked} also with the Rust reference)");
}
