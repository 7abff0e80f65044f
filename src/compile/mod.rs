//! The compiler: one walk over statements and expressions writing into one `String`
//! and one `Vec<Value>`, asking the [`Dialect`] only where SQL differs.
//!
//! `push_bind` is the only place a placeholder is written and a value kept;
//! `push_ident` the only place an identifier is written.

mod walk;

use crate::dialect::{unsupported, Dialect, Feature};
use crate::error::{Error, Result};
use crate::expr::Node;
use crate::name::Name;
use crate::schema::SqlType;
use crate::value::Value;

/// A compiled statement: SQL text with placeholders and the parameter values in
/// placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The SQL text.
    pub sql: String,
    /// The parameter values, in placeholder order.
    pub params: Vec<Value>,
    /// For each parameter slot, the name of the [`bindparam`](crate::expr::bindparam)
    /// it came from, if any.
    pub param_names: Vec<Option<Name>>,
    /// Whether executing it yields rows.
    pub returns_rows: bool,
}

impl Compiled {
    /// Resolves the named parameters `names` to their slots (see [`Binder`]). Every named
    /// slot of the statement must be among `names`, and every name must occur in it.
    pub fn binder(&self, names: &[&str]) -> Result<Binder> {
        let mut slots = Vec::new();
        for (k, name) in names.iter().enumerate() {
            let before = slots.len();
            for (i, n) in self.param_names.iter().enumerate() {
                if n.as_deref() == Some(*name) {
                    slots.push((i, k));
                }
            }
            if slots.len() == before {
                return Err(Error::Parameter((*name).into()));
            }
        }
        if let Some(missing) = self
            .param_names
            .iter()
            .enumerate()
            .find(|(i, n)| n.is_some() && !slots.iter().any(|(s, _)| s == i))
        {
            return Err(Error::Parameter(
                missing.1.as_deref().unwrap_or_default().into(),
            ));
        }
        Ok(Binder {
            base: self.params.clone(),
            slots,
            arity: names.len(),
        })
    }

    /// The parameters with named slots filled from `values` (compile once, execute
    /// many). A name the statement does not have, or a named slot left without a value,
    /// is an [`Error::Parameter`].
    pub fn bind<'a, I>(&self, values: I) -> Result<Vec<Value>>
    where
        I: IntoIterator<Item = (&'a str, Value)>,
    {
        let mut params = self.params.clone();
        let mut filled = vec![false; params.len()];
        for (name, value) in values {
            let mut found = false;
            for (i, n) in self.param_names.iter().enumerate() {
                if n.as_deref() == Some(name) {
                    params[i] = value.clone();
                    filled[i] = true;
                    found = true;
                }
            }
            if !found {
                return Err(Error::Parameter(name.into()));
            }
        }
        if let Some(i) = (0..params.len()).find(|&i| self.param_names[i].is_some() && !filled[i]) {
            return Err(Error::Parameter(
                self.param_names[i].as_deref().unwrap_or_default().into(),
            ));
        }
        Ok(params)
    }
}

/// Named parameters resolved to their slots once, so that executing a compiled
/// statement again with new values copies values into place without looking names up.
///
/// ```
/// use sqlkit::prelude::*;
/// # let t = Table::builder("t").column(ColumnDef::new("x", SqlType::BigInt)).build().unwrap();
/// let x = t.column::<i64>("x").unwrap();
/// let c = select(x.clone()).where_(x.clone().gt(bindparam::<i64>("lo")) & x.lt(bindparam::<i64>("hi")))
///     .compile(&Postgres::default()).unwrap();
/// let binder = c.binder(&["hi", "lo"]).unwrap();
/// assert_eq!(binder.bind(&[Value::Int(9), Value::Int(1)]).unwrap(), [Value::Int(1), Value::Int(9)]);
/// ```
#[derive(Debug, Clone)]
pub struct Binder {
    base: Vec<Value>,
    // (slot in the parameter list, index in the values given to `bind`)
    slots: Vec<(usize, usize)>,
    arity: usize,
}

impl Binder {
    /// The parameters for one execution: `values[k]` fills every slot of the `k`-th name
    /// given to [`Compiled::binder`].
    pub fn bind(&self, values: &[Value]) -> Result<Vec<Value>> {
        let mut out = self.base.clone();
        self.bind_into(values, &mut out)?;
        Ok(out)
    }
    /// Like [`bind`](Self::bind), reusing `out`'s allocation.
    pub fn bind_into(&self, values: &[Value], out: &mut Vec<Value>) -> Result<()> {
        if values.len() != self.arity {
            return Err(Error::Parameter(
                format!(
                    "{} values given for {} named parameters",
                    values.len(),
                    self.arity
                )
                .into(),
            ));
        }
        out.clear();
        out.extend_from_slice(&self.base);
        for &(slot, k) in &self.slots {
            out[slot] = values[k].clone();
        }
        Ok(())
    }
}

/// The state of one compilation. Dialects receive it in their hooks and write through
/// its `push*` methods.
pub struct Compiler<'d> {
    dialect: &'d dyn Dialect,
    sql: String,
    params: Vec<Value>,
    param_names: Vec<Option<Name>>,
    inline: bool,
    qualify: bool,
    pub(crate) scopes: Vec<Vec<crate::expr::Source>>,
}

impl<'d> Compiler<'d> {
    /// A compiler for `dialect`; with `inline`, values are written as literals.
    pub fn new(dialect: &'d dyn Dialect, inline: bool) -> Self {
        Compiler {
            dialect,
            sql: String::with_capacity(256),
            params: Vec::new(),
            param_names: Vec::new(),
            inline,
            qualify: true,
            scopes: Vec::new(),
        }
    }

    /// The dialect being compiled for.
    pub fn dialect(&self) -> &'d dyn Dialect {
        self.dialect
    }

    /// Ends compilation.
    pub fn finish(self, returns_rows: bool) -> Compiled {
        Compiled {
            sql: self.sql,
            params: self.params,
            param_names: self.param_names,
            returns_rows,
        }
    }

    /// Appends trusted SQL text (keywords, punctuation).
    pub fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    /// Appends an identifier, quoted if it is reserved, not all lower case, or has
    /// characters outside `[a-z0-9_]`; embedded quote characters are doubled.
    pub fn push_ident(&mut self, ident: &str) {
        let q = self.dialect.quote_char();
        let plain = ident
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && ident
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !self.dialect.is_reserved(ident);
        if plain {
            self.sql.push_str(ident);
            return;
        }
        self.sql.reserve(ident.len() + 2);
        self.sql.push(q);
        for ch in ident.chars() {
            if ch == q {
                self.sql.push(q);
            }
            self.sql.push(ch);
        }
        self.sql.push(q);
    }

    /// Appends a bound value: a placeholder and the value, or (when inlining) a literal.
    pub fn push_bind(&mut self, value: Value) -> Result<()> {
        if self.inline {
            return self.dialect.write_literal(&mut self.sql, &value);
        }
        self.params.push(value);
        self.param_names.push(None);
        self.dialect
            .write_placeholder(&mut self.sql, self.params.len());
        Ok(())
    }

    fn push_param(&mut self, name: &Name) -> Result<()> {
        if self.inline {
            self.sql.push(':');
            self.sql.push_str(name);
            return Ok(());
        }
        self.params.push(Value::Null);
        self.param_names.push(Some(name.clone()));
        self.dialect
            .write_placeholder(&mut self.sql, self.params.len());
        Ok(())
    }

    /// Appends a literal.
    pub fn push_literal(&mut self, value: &Value) -> Result<()> {
        self.dialect.write_literal(&mut self.sql, value)
    }

    /// Appends a type name.
    pub fn push_type(&mut self, ty: SqlType) {
        self.dialect.write_type(&mut self.sql, ty)
    }

    /// Returns [`Error::Unsupported`] unless the dialect supports `feature`.
    pub fn require(&self, feature: Feature) -> Result<()> {
        if self.dialect.supports(feature) {
            Ok(())
        } else {
            Err(unsupported(self.dialect, feature))
        }
    }

    /// Writes any expression node.
    pub fn write_node(&mut self, node: &Node) -> Result<()> {
        self.node(node)
    }

    /// Standard ` LIMIT x OFFSET y` (either may be absent).
    pub fn default_limit_offset(
        &mut self,
        limit: Option<&Node>,
        offset: Option<&Node>,
    ) -> Result<()> {
        if let Some(l) = limit {
            self.push(" LIMIT ");
            self.node(l)?;
        }
        if let Some(o) = offset {
            self.push(" OFFSET ");
            self.node(o)?;
        }
        Ok(())
    }

    /// Standard column spec: type name, then `NOT NULL` unless nullable.
    pub fn default_column_spec(
        &mut self,
        ty: SqlType,
        nullable: bool,
        _autoincrement: bool,
    ) -> Result<()> {
        self.push_type(ty);
        if !nullable {
            self.push(" NOT NULL");
        }
        Ok(())
    }
}
