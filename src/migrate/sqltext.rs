//! Just enough of SQL text for migrations: tokens that know quotes, for reading
//! SQLite's checks from its CREATE TABLE text and for following a column's name
//! through a check's expression.

/// A token of SQL text.
#[derive(Debug, PartialEq)]
pub(crate) enum Tok {
    /// A bare word (keyword or identifier).
    Word,
    /// A quoted identifier (`"a"`, `` `a` ``, `[a]`): its unquoted text.
    Quoted(String),
    /// A string literal.
    Str,
    /// `(`
    Open,
    /// `)`
    Close,
    /// Any other character.
    Other,
}

/// The tokens of `sql` with their byte ranges: words, quoted identifiers (`"a"`,
/// `` `a` ``, `[a]`), string literals (`''` escaping a quote), parentheses, the rest.
pub(crate) fn tokens(sql: &str) -> Vec<(Tok, usize, usize)> {
    let mut out = Vec::new();
    let mut it = sql.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            '(' => out.push((Tok::Open, i, i + 1)),
            ')' => out.push((Tok::Close, i, i + 1)),
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let mut text = String::new();
                let mut end = sql.len();
                while let Some((j, d)) = it.next() {
                    if d == close {
                        // A doubled quote is the quote itself (not for `[..]`).
                        if close != ']' && it.peek().is_some_and(|&(_, n)| n == close) {
                            it.next();
                            text.push(d);
                            continue;
                        }
                        end = j + d.len_utf8();
                        break;
                    }
                    text.push(d);
                }
                out.push((
                    if c == '\'' {
                        Tok::Str
                    } else {
                        Tok::Quoted(text)
                    },
                    i,
                    end,
                ));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = it.peek() {
                    if d.is_alphanumeric() || d == '_' || d == '$' {
                        end = j + d.len_utf8();
                        it.next();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Word, i, end));
            }
            c if c.is_whitespace() => {}
            _ => out.push((Tok::Other, i, i + c.len_utf8())),
        }
    }
    out
}

/// Whether SQL text names `column` (case-insensitive), bare or quoted, outside string
/// literals: how a check is known to depend on a column without parsing its SQL. A
/// false match only asks for the check to be dropped first.
pub(crate) fn mentions(sql: &str, column: &str) -> bool {
    tokens(sql).iter().any(|(t, a, b)| match t {
        Tok::Word => sql
            .get(*a..*b)
            .is_some_and(|w| w.eq_ignore_ascii_case(column)),
        Tok::Quoted(q) => q.eq_ignore_ascii_case(column),
        _ => false,
    })
}

/// `sql` with each mention of `from` (see [`mentions`]) renamed `to`, a plain
/// identifier (a quoted mention keeps its quotes).
pub(crate) fn rename_word(sql: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for (t, a, b) in tokens(sql) {
        let (start, end) = match &t {
            Tok::Word if sql.get(a..b).is_some_and(|w| w.eq_ignore_ascii_case(from)) => (a, b),
            // The quote characters are one byte each.
            Tok::Quoted(q) if q.eq_ignore_ascii_case(from) && b > a + 1 => (a + 1, b - 1),
            _ => continue,
        };
        out.push_str(sql.get(last..start).unwrap_or(""));
        out.push_str(to);
        last = end;
    }
    out.push_str(sql.get(last..).unwrap_or(""));
    out
}

/// A default's SQL text without what spells the same value another way: PostgreSQL's
/// casts (`'x'::character varying` after a column became `text` is `'x'::text`),
/// parentheses and runs of spaces. String literals are kept as they are.
pub(crate) fn plain(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut it = sql.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\'' => {
                out.push(c);
                // The literal, with `''` inside it, as it is.
                while let Some(d) = it.next() {
                    out.push(d);
                    if d == '\'' {
                        if it.peek() == Some(&'\'') {
                            it.next();
                            out.push('\'');
                        } else {
                            break;
                        }
                    }
                }
            }
            ':' if it.peek() == Some(&':') => {
                it.next();
                while it
                    .peek()
                    .is_some_and(|d| d.is_alphanumeric() || matches!(d, '_' | ' ' | '"'))
                {
                    it.next();
                }
                if it.peek() == Some(&'(') {
                    for d in it.by_ref() {
                        if d == ')' {
                            break;
                        }
                    }
                }
                while it.peek() == Some(&'[') || it.peek() == Some(&']') {
                    it.next();
                }
            }
            '(' | ')' => {}
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    out.trim().to_string()
}
