//! The rows of [`Connection::insert_many`](super::Connection::insert_many): records
//! turned into values, grouped by the columns they set.

use crate::schema::{Default, TableDef};
use crate::stmt::{Record, RecordSink};
use crate::value::Value;
use crate::Result;

/// Records read one at a time into rows of values; as an iterator it yields the rows
/// of the current group (rows setting the same columns) and stops at the first row of
/// another group, which [`group`](Self::group) then starts.
pub(super) struct RecordRows<'t, I> {
    table: &'t TableDef,
    rows: I,
    /// The index of the next row to yield (or of the one that failed).
    pub(super) next_row: usize,
    /// Which columns the current group sets.
    mask: Vec<bool>,
    /// A row read that starts the next group.
    pending: Option<(Vec<bool>, Vec<Value>)>,
    scratch: Vec<bool>,
    slots: Vec<Option<Value>>,
    /// A record that could not be turned into values: the group ends before it.
    pub(super) error: Option<crate::Error>,
}

impl<'t, R: Record, I: Iterator<Item = R>> RecordRows<'t, I> {
    pub(super) fn new(table: &'t TableDef, rows: I) -> Self {
        let n = table.columns().len();
        RecordRows {
            table,
            rows,
            next_row: 0,
            mask: Vec::new(),
            pending: None,
            scratch: Vec::with_capacity(n),
            slots: vec![None; n],
            error: None,
        }
    }

    /// Starts the next group: the names of the columns its rows set, or `None` when the
    /// records are all written.
    pub(super) fn group(&mut self) -> Result<Option<Vec<String>>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let (mask, values) = match self.pending.take() {
            Some(p) => p,
            None => match self.rows.next() {
                None => return Ok(None),
                Some(r) => {
                    let values = self.read(r)?;
                    (self.scratch.clone(), values)
                }
            },
        };
        let names = self
            .table
            .columns()
            .iter()
            .zip(&mask)
            .filter(|(_, set)| **set)
            .map(|(c, _)| c.name().to_owned())
            .collect();
        self.mask = mask.clone();
        self.pending = Some((mask, values));
        Ok(Some(names))
    }

    /// One record's values, in column order, and in `scratch` which columns it sets.
    fn read(&mut self, record: R) -> Result<Vec<Value>> {
        for s in &mut self.slots {
            *s = None;
        }
        record.write(&mut RecordSink::new(self.table, &mut self.slots))?;
        self.scratch.clear();
        let mut values = Vec::with_capacity(self.slots.len());
        let auto = self.table.autoincrement_column();
        for (i, (col, slot)) in self.table.columns().iter().zip(&mut self.slots).enumerate() {
            let v = match slot.take() {
                Some(v) if !v.is_null() => Some(v),
                given => {
                    let defaulted = auto == Some(i)
                        || col.client_default().is_some()
                        || col.server_default_node().is_some();
                    if !defaulted {
                        given
                    } else {
                        // Left to the default: a client one is worked out for this row;
                        // a SQL expression or the server's applies when the column is
                        // left out of the INSERT.
                        match col.client_default() {
                            Some(Default::Value(v)) => Some(v.clone()),
                            Some(Default::Func(f)) => Some(f()),
                            Some(Default::Expr(_)) | None => None,
                        }
                    }
                }
            };
            self.scratch.push(v.is_some());
            values.extend(v);
        }
        Ok(values)
    }
}

impl<R: Record, I: Iterator<Item = R>> Iterator for RecordRows<'_, I> {
    type Item = Vec<Value>;

    fn next(&mut self) -> Option<Vec<Value>> {
        if self.error.is_some() {
            return None;
        }
        if let Some((mask, _)) = &self.pending {
            if *mask != self.mask {
                return None;
            }
            let (_, values) = self.pending.take()?;
            self.next_row += 1;
            return Some(values);
        }
        let record = self.rows.next()?;
        match self.read(record) {
            Ok(values) if self.scratch == self.mask => {
                self.next_row += 1;
                Some(values)
            }
            Ok(values) => {
                self.pending = Some((self.scratch.clone(), values));
                None
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}
