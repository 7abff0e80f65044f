//! The constructs whose spelling varies by dialect ([`Op`]): the standard forms
//! (`Compiler::default_op`), and the pieces dialects reuse when they override
//! [`Dialect::write_op`](crate::dialect::Dialect::write_op).

use super::Compiler;
use crate::dialect::Feature;
use crate::error::{Error, Result};
use crate::expr::{Bound, DatePart, Frame, Node, Op, Over};

/// The standard name of a date part, as `EXTRACT(<name> FROM ..)` spells it.
pub fn date_part_name(part: DatePart) -> &'static str {
    match part {
        DatePart::Year => "YEAR",
        DatePart::Quarter => "QUARTER",
        DatePart::Month => "MONTH",
        DatePart::Day => "DAY",
        DatePart::Hour => "HOUR",
        DatePart::Minute => "MINUTE",
        DatePart::Second => "SECOND",
        DatePart::DayOfWeek => "DOW",
        DatePart::DayOfYear => "DOY",
    }
}

fn malformed(what: &'static str) -> Error {
    Error::invalid(what, "the expression has the wrong number of operands")
}

impl Compiler<'_> {
    /// Writes `n` as an operand of an operator: parenthesised unless it is atomic
    /// (a column, value, function call, ..).
    pub fn write_operand(&mut self, n: &Node) -> Result<()> {
        self.child(n, 9, false)
    }

    /// Writes `n` as the operand of a comparison (parenthesised when it binds weaker).
    pub fn write_comparison_operand(&mut self, n: &Node) -> Result<()> {
        match n {
            // The other operand types (and, on MySQL, collates) a compared value.
            Node::Bind(v) => self.compared_bind(v),
            n => self.child(n, 4, true),
        }
    }

    /// `CAST(x AS ty)` with the dialect's cast type name.
    pub fn default_cast(&mut self, x: &Node, ty: crate::schema::SqlType) -> Result<()> {
        self.push("CAST(");
        self.write_operand_alone(x)?;
        self.push(" AS ");
        self.dialect.write_cast_type(&mut self.sql, ty);
        self.push(")");
        Ok(())
    }

    /// The standard SQL for each [`Op`]; regexp matching has no standard spelling and
    /// is refused here.
    pub fn default_op(&mut self, op: &Op, args: &[Node]) -> Result<()> {
        match op {
            Op::Case { operand, else_ } => self.case(*operand, *else_, args),
            Op::IsDistinct { negated } => {
                let [l, r] = args else {
                    return Err(malformed("IS DISTINCT FROM"));
                };
                self.child(l, 4, true)?;
                self.push(if *negated {
                    " IS NOT DISTINCT FROM "
                } else {
                    " IS DISTINCT FROM "
                });
                self.child(r, 4, true)
            }
            Op::IsBool { value, negated } => {
                let [x] = args else {
                    return Err(malformed("IS TRUE"));
                };
                self.child(x, 4, true)?;
                self.push(match (negated, value) {
                    (false, true) => " IS TRUE",
                    (false, false) => " IS FALSE",
                    (true, true) => " IS NOT TRUE",
                    (true, false) => " IS NOT FALSE",
                });
                Ok(())
            }
            Op::Regexp { .. } => self.require(Feature::Regexp),
            Op::Extract(part) => {
                let [x] = args else {
                    return Err(malformed("EXTRACT"));
                };
                self.push("EXTRACT(");
                self.push(date_part_name(*part));
                self.push(" FROM ");
                self.node(x)?;
                self.push(")");
                Ok(())
            }
            Op::CurrentDate => {
                self.push("CURRENT_DATE");
                Ok(())
            }
            Op::CurrentTime => {
                self.push("CURRENT_TIME");
                Ok(())
            }
            Op::FloorDiv => self.floor_div(args, " / "),
            Op::Extremum(greatest) => {
                if args.len() < 2 {
                    return Err(malformed("GREATEST / LEAST"));
                }
                self.push(if *greatest { "GREATEST(" } else { "LEAST(" });
                self.list(args)?;
                self.push(")");
                Ok(())
            }
            Op::Over(over) => self.over(over, args),
            Op::Quantified(q) => {
                self.require(Feature::QuantifiedComparison)?;
                if !args.is_empty() {
                    return Err(malformed("ANY / ALL"));
                }
                self.push(if q.all { "ALL (" } else { "ANY (" });
                self.in_subselect(&q.query)?;
                self.push(")");
                Ok(())
            }
            // The name; the expression it stands for (if any) is written by the
            // clauses that know the select list (ORDER BY, GROUP BY).
            Op::Label(name) => {
                if args.len() > 1 {
                    return Err(malformed("label"));
                }
                self.push_ident(name);
                Ok(())
            }
            Op::Round => {
                let [x, digits] = args else {
                    return Err(malformed("round"));
                };
                self.push("round(");
                self.node(x)?;
                self.push(", ");
                self.node(digits)?;
                self.push(")");
                Ok(())
            }
        }
    }

    fn case(&mut self, operand: bool, else_: bool, args: &[Node]) -> Result<()> {
        let (subject, rest) = match (operand, args) {
            (true, [x, rest @ ..]) => (Some(x), rest),
            (true, []) => return Err(malformed("CASE")),
            (false, rest) => (None, rest),
        };
        let (pairs, fallback) = match (else_, rest) {
            (true, [pairs @ .., e]) => (pairs, Some(e)),
            (true, []) => return Err(malformed("CASE")),
            (false, pairs) => (pairs, None),
        };
        if pairs.is_empty() || pairs.len() % 2 != 0 {
            return Err(Error::invalid(
                "CASE",
                "it needs at least one WHEN .. THEN ..",
            ));
        }
        self.push("CASE");
        if let Some(x) = subject {
            self.push(" ");
            self.node(x)?;
        }
        for pair in pairs.chunks(2) {
            if let [w, t] = pair {
                self.push(" WHEN ");
                self.node(w)?;
                self.push(" THEN ");
                self.node(t)?;
            }
        }
        if let Some(e) = fallback {
            self.push(" ELSE ");
            self.node(e)?;
        }
        self.push(" END");
        Ok(())
    }

    /// Floor division of integers with truncating `%` and an exact division
    /// (`int_div`: ` / `, or MySQL's ` DIV `): `(a - ((a % b) + b) % b) / b`, which
    /// rounds toward negative infinity for every sign.
    pub fn floor_div(&mut self, args: &[Node], int_div: &str) -> Result<()> {
        let [a, b] = args else {
            return Err(malformed("floor division"));
        };
        self.push("(");
        self.write_operand(a)?;
        self.push(" - ((");
        self.write_operand(a)?;
        self.push(" % ");
        self.write_operand(b)?;
        self.push(") + ");
        self.write_operand(b)?;
        self.push(") % ");
        self.write_operand(b)?;
        self.push(")");
        self.push(int_div);
        self.write_operand(b)
    }

    fn over(&mut self, over: &Over, args: &[Node]) -> Result<()> {
        self.require(Feature::WindowFunctions)?;
        let Some((func, rest)) = args.split_first() else {
            return Err(malformed("OVER"));
        };
        let Some((partitions, order)) = rest.split_at_checked(over.partitions) else {
            return Err(malformed("OVER"));
        };
        if order.len() != over.order.len() {
            return Err(malformed("OVER"));
        }
        if !matches!(func, Node::Func { .. }) {
            return Err(Error::invalid(
                "OVER",
                "only a function call (a window or aggregate function) has a window",
            ));
        }
        self.node(func)?;
        self.push(" OVER (");
        if !partitions.is_empty() {
            self.push("PARTITION BY ");
            self.list(partitions)?;
        }
        if !order.is_empty() {
            if !partitions.is_empty() {
                self.push(" ");
            }
            self.push("ORDER BY ");
            for (i, (n, &(desc, nulls))) in order.iter().zip(&over.order).enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.order_term(n, desc, nulls)?;
            }
        }
        if let Some(frame) = &over.frame {
            if !partitions.is_empty() || !order.is_empty() {
                self.push(" ");
            }
            self.frame(frame)?;
        }
        self.push(")");
        Ok(())
    }

    fn frame(&mut self, f: &Frame) -> Result<()> {
        let rank = |b: &Bound| match b {
            Bound::UnboundedPreceding => 0,
            Bound::Preceding(_) => 1,
            Bound::CurrentRow => 2,
            Bound::Following(_) => 3,
            Bound::UnboundedFollowing => 4,
        };
        if rank(&f.start) > rank(&f.end)
            || f.start == Bound::UnboundedFollowing
            || f.end == Bound::UnboundedPreceding
        {
            return Err(Error::invalid(
                "window frame",
                "the frame must start before it ends",
            ));
        }
        self.push(if f.rows {
            "ROWS BETWEEN "
        } else {
            "RANGE BETWEEN "
        });
        self.bound(&f.start);
        self.push(" AND ");
        self.bound(&f.end);
        Ok(())
    }

    fn bound(&mut self, b: &Bound) {
        match b {
            Bound::UnboundedPreceding => self.push("UNBOUNDED PRECEDING"),
            Bound::Preceding(n) => {
                crate::dialect::push_uint(&mut self.sql, *n as usize);
                self.push(" PRECEDING");
            }
            Bound::CurrentRow => self.push("CURRENT ROW"),
            Bound::Following(n) => {
                crate::dialect::push_uint(&mut self.sql, *n as usize);
                self.push(" FOLLOWING");
            }
            Bound::UnboundedFollowing => self.push("UNBOUNDED FOLLOWING"),
        }
    }
}
