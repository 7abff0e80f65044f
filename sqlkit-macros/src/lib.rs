//! `#[derive(Table)]` for sqlkit: declares a table next to a Rust struct and generates
//! a `Copy` handle struct whose fields are the typed columns.
//!
//! See the documentation of the `Table` derive below for the attributes.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::{
    parse_macro_input, punctuated::Punctuated, spanned::Spanned, Data, DeriveInput, Expr, Fields,
    Ident, LitStr, Token,
};

/// Declares a table next to a struct, as SQLAlchemy's declarative classes do.
///
/// For `struct User` it generates `UserTable`, a `Copy` handle whose fields are the typed
/// columns (`Column<i64>`, `Column<Option<String>>`, …), and `User::table()` returning it.
/// The definition is built once, on first use. Column types follow the field types
/// (`i64` → `BIGINT`, `String` → `TEXT`, `Option<T>` → nullable, `DateTime<Utc>` →
/// timestamp with time zone, …) unless an attribute says otherwise.
///
/// ```text
/// #[derive(sqlkit::Table)]
/// #[sqlkit(table = "posts")]               // default: the struct name in snake_case
/// struct Post {
///     #[sqlkit(primary_key)]               // a single integer key autoincrements
///     id: Option<i64>,
///     #[sqlkit(string = 255, unique, index)]
///     slug: String,
///     content: Option<String>,             // nullable
///     #[sqlkit(default = false)]           // client-side default (any value)
///     published: bool,
///     #[sqlkit(foreign_key = "users.id", on_delete = "cascade")]
///     author_id: i64,
///     #[sqlkit(default = now, on_update = now)]
///     updated_at: Option<chrono::DateTime<chrono::Utc>>,
/// }
/// ```
///
/// Table attributes: `table = ".."`, `schema = ".."`, `handle = Name` (the generated
/// struct's name), `primary_key(a, b)` (composite), `unique(a, b)`, `index(a, b)`,
/// `check(name = "..", sql = "..")`, `foreign_key(columns(a, b), references =
/// "table(x, y)", on_delete = "cascade")` (a composite foreign key).
///
/// Column attributes: `primary_key`, `autoincrement = bool`, `unique`, `index`,
/// `nullable`, `not_null`, `string = N`, `text`, `sql_type = SqlType::…`,
/// `default = value | now`, `default_fn = path` (a `fn() -> Value`),
/// `on_update = value | now`, `server_default = value | now | expression` (an
/// expression such as `sqlkit::expr::raw("gen_random_uuid()")`),
/// `foreign_key = "table.column"` with `on_delete` / `fk_on_update` (`"cascade"`,
/// `"set null"`, `"set default"`, `"restrict"`, `"no action"`), `version` (the
/// ORM's optimistic-concurrency counter, an integer), `rename = ".."`, `skip`.
/// An unknown attribute, or a table attribute naming a field that does not exist, is a
/// compile error.
#[proc_macro_derive(Table, attributes(sqlkit))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[derive(Default)]
struct FieldOpts {
    skip: bool,
    rename: Option<String>,
    primary_key: bool,
    version: bool,
    autoincrement: Option<bool>,
    unique: bool,
    index: bool,
    nullable: Option<bool>,
    sql_type: Option<Expr>,
    default: Option<Expr>,
    default_fn: Option<Expr>,
    on_update: Option<Expr>,
    server_default: Option<Expr>,
    foreign_key: Option<LitStr>,
    on_delete: Option<LitStr>,
    fk_on_update: Option<LitStr>,
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

fn fk_action(lit: &LitStr) -> syn::Result<TokenStream2> {
    let v = lit.value().to_ascii_lowercase().replace(['_', '-'], " ");
    Ok(match v.as_str() {
        "cascade" => quote!(::sqlkit::schema::FkAction::Cascade),
        "set null" => quote!(::sqlkit::schema::FkAction::SetNull),
        "set default" => quote!(::sqlkit::schema::FkAction::SetDefault),
        "restrict" => quote!(::sqlkit::schema::FkAction::Restrict),
        "no action" => quote!(::sqlkit::schema::FkAction::NoAction),
        _ => {
            return Err(syn::Error::new(
                lit.span(),
                "expected cascade, set null, set default, restrict or no action",
            ))
        }
    })
}

/// `now` means the current instant; anything else is a value convertible into `Value`.
fn default_value(e: &Expr) -> TokenStream2 {
    if let Expr::Path(p) = e {
        if p.path.is_ident("now") {
            return quote!(::sqlkit::schema::Default::Func(|| ::sqlkit::Value::from(
                ::sqlkit::__chrono::Utc::now()
            )));
        }
    }
    quote!(::sqlkit::schema::Default::Value(::sqlkit::Value::from(#e)))
}

fn ident_list(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Vec<Ident>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list: Punctuated<Ident, Token![,]> =
        content.parse_terminated(Ident::parse_any, Token![,])?;
    Ok(list.into_iter().collect())
}

use syn::ext::IdentExt;

fn expand(input: DeriveInput) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    let vis = &input.vis;
    let mut table_name = snake(&name.to_string());
    let mut schema: Option<LitStr> = None;
    let mut composite_pk: Vec<Ident> = Vec::new();
    let mut uniques: Vec<Vec<Ident>> = Vec::new();
    let mut indexes: Vec<Vec<Ident>> = Vec::new();
    let mut checks: Vec<(LitStr, LitStr)> = Vec::new();
    // Composite foreign keys: the columns, `references = "table(a, b)"`, on_delete.
    let mut fks: Vec<(Vec<Ident>, LitStr, Option<LitStr>)> = Vec::new();
    let mut handle = format_ident!("{}Table", name);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("sqlkit")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                table_name = meta.value()?.parse::<LitStr>()?.value();
            } else if meta.path.is_ident("schema") {
                schema = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("handle") {
                handle = meta.value()?.parse::<Ident>()?;
            } else if meta.path.is_ident("primary_key") {
                composite_pk = ident_list(&meta)?;
            } else if meta.path.is_ident("relationships") {
                // The ORM's (`#[derive(Model)]`).
                ident_list(&meta)?;
            } else if meta.path.is_ident("unique") {
                uniques.push(ident_list(&meta)?);
            } else if meta.path.is_ident("index") {
                indexes.push(ident_list(&meta)?);
            } else if meta.path.is_ident("foreign_key") {
                let mut cols = Vec::new();
                let mut refs = None;
                let mut on_delete = None;
                meta.parse_nested_meta(|m| {
                    if m.path.is_ident("columns") {
                        cols = ident_list(&m)?;
                    } else if m.path.is_ident("references") {
                        refs = Some(m.value()?.parse::<LitStr>()?);
                    } else if m.path.is_ident("on_delete") {
                        on_delete = Some(m.value()?.parse::<LitStr>()?);
                    } else {
                        return Err(m.error(
                            "expected `columns(..)`, `references = \"table(a, b)\"` or `on_delete = \"..\"`",
                        ));
                    }
                    Ok(())
                })?;
                match refs {
                    Some(r) if !cols.is_empty() => fks.push((cols, r, on_delete)),
                    _ => {
                        return Err(meta.error(
                            "foreign_key(..) needs columns(..) and references = \"table(a, b)\"",
                        ))
                    }
                }
            } else if meta.path.is_ident("check") {
                let mut cname = None;
                let mut sql = None;
                meta.parse_nested_meta(|m| {
                    if m.path.is_ident("name") {
                        cname = Some(m.value()?.parse::<LitStr>()?);
                    } else if m.path.is_ident("sql") {
                        sql = Some(m.value()?.parse::<LitStr>()?);
                    } else {
                        return Err(m.error("expected `name = \"..\"` or `sql = \"..\"`"));
                    }
                    Ok(())
                })?;
                match (cname, sql) {
                    (Some(n), Some(s)) => checks.push((n, s)),
                    _ => return Err(meta.error("check needs both name = \"..\" and sql = \"..\"")),
                }
            } else {
                return Err(meta.error(
                    "unknown table attribute; expected table, schema, handle, primary_key(..), unique(..), index(..), check(..), foreign_key(..) or relationships(..)",
                ));
            }
            Ok(())
        })?;
    }

    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[derive(Table)] needs a struct",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[derive(Table)] needs named fields",
        ));
    };

    let mut column_defs = Vec::new();
    let mut handle_fields = Vec::new();
    let mut handle_inits = Vec::new();
    let mut column_names: Vec<(Ident, String)> = Vec::new();
    let mut skipped: Vec<Ident> = Vec::new();
    let mut nullable_checks = TokenStream2::new();
    let mut idx: u32 = 0;
    for f in &fields.named {
        let mut o = FieldOpts::default();
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("sqlkit")) {
            attr.parse_nested_meta(|meta| {
                let p = &meta.path;
                if p.is_ident("skip") {
                    o.skip = true;
                } else if p.is_ident("rename") {
                    o.rename = Some(meta.value()?.parse::<LitStr>()?.value());
                } else if p.is_ident("primary_key") {
                    o.primary_key = true;
                } else if p.is_ident("version") {
                    o.version = true;
                } else if p.is_ident("autoincrement") {
                    o.autoincrement = Some(meta.value()?.parse::<syn::LitBool>()?.value);
                } else if p.is_ident("unique") {
                    o.unique = true;
                } else if p.is_ident("index") {
                    o.index = true;
                } else if p.is_ident("nullable") {
                    o.nullable = Some(true);
                } else if p.is_ident("not_null") {
                    o.nullable = Some(false);
                } else if p.is_ident("string") {
                    let n: syn::LitInt = meta.value()?.parse()?;
                    o.sql_type = Some(syn::parse_quote!(::sqlkit::schema::SqlType::String(#n)));
                } else if p.is_ident("text") {
                    o.sql_type = Some(syn::parse_quote!(::sqlkit::schema::SqlType::Text));
                } else if p.is_ident("sql_type") {
                    o.sql_type = Some(meta.value()?.parse()?);
                } else if p.is_ident("default") {
                    o.default = Some(meta.value()?.parse()?);
                } else if p.is_ident("default_fn") {
                    o.default_fn = Some(meta.value()?.parse()?);
                } else if p.is_ident("on_update") {
                    o.on_update = Some(meta.value()?.parse()?);
                } else if p.is_ident("server_default") {
                    o.server_default = Some(meta.value()?.parse()?);
                } else if p.is_ident("foreign_key") {
                    o.foreign_key = Some(meta.value()?.parse()?);
                } else if p.is_ident("on_delete") {
                    o.on_delete = Some(meta.value()?.parse()?);
                } else if p.is_ident("fk_on_update") {
                    o.fk_on_update = Some(meta.value()?.parse()?);
                } else {
                    return Err(meta.error("unknown column attribute"));
                }
                Ok(())
            })?;
        }
        if o.skip {
            if let Some(id) = f.ident.clone() {
                skipped.push(id);
            }
            continue;
        }
        let Some(fident) = f.ident.clone() else {
            continue;
        };
        let col_name = o
            .rename
            .clone()
            .unwrap_or_else(|| fident.unraw().to_string());
        let ty = &f.ty;
        let sql_type = match &o.sql_type {
            Some(t) => quote!(#t),
            None => quote! {
                match <#ty as ::sqlkit::expr::SqlTy>::SQL_TYPE {
                    ::std::option::Option::Some(t) => t,
                    ::std::option::Option::None => ::sqlkit::schema::SqlType::Text,
                }
            },
        };
        let mut def = quote! {
            ::sqlkit::schema::ColumnDef::new(#col_name, #sql_type)
                .nullable(<#ty as ::sqlkit::expr::SqlTy>::NULLABLE)
        };
        if let Some(n) = o.nullable {
            def.extend(quote!(.nullable(#n)));
            if n && input.generics.params.is_empty() {
                // A column that takes NULL needs a field that can hold it: the row
                // would otherwise fail to decode (or a NULL be written as a value).
                let msg = format!(
                    "field `{fident}` is #[sqlkit(nullable)] but its type cannot hold NULL: make it an Option"
                );
                nullable_checks.extend(quote! {
                    const _: () = ::std::assert!(<#ty as ::sqlkit::expr::SqlTy>::NULLABLE, #msg);
                });
            }
        }
        if o.primary_key {
            def.extend(quote!(.primary_key()));
        }
        if o.version {
            def.extend(quote!(.version()));
        }
        if let Some(a) = o.autoincrement {
            def.extend(quote!(.autoincrement(#a)));
        }
        if o.unique {
            def.extend(quote!(.unique()));
        }
        if o.index {
            def.extend(quote!(.index()));
        }
        if let Some(d) = &o.default {
            let d = default_value(d);
            def.extend(quote!(.default(#d)));
        }
        if let Some(d) = &o.default_fn {
            def.extend(quote!(.default(::sqlkit::schema::Default::Func(#d))));
        }
        if let Some(d) = &o.on_update {
            let d = default_value(d);
            def.extend(quote!(.on_update(#d)));
        }
        if let Some(d) = &o.server_default {
            let is_now = matches!(d, Expr::Path(p) if p.path.is_ident("now"));
            if is_now {
                def.extend(quote!(.server_default_expr(::sqlkit::expr::func::now())));
            } else if matches!(d, Expr::Call(_) | Expr::MethodCall(_)) {
                // An expression: `server_default = sqlkit::expr::raw("gen_random_uuid()")`.
                def.extend(quote!(.server_default_expr(#d)));
            } else {
                def.extend(quote!(.server_default(#d)));
            }
        }
        if let Some(fk) = &o.foreign_key {
            if !fk.value().contains('.') {
                return Err(syn::Error::new(
                    fk.span(),
                    "foreign_key must be \"table.column\"",
                ));
            }
            def.extend(quote!(.references(#fk)));
            if let Some(a) = &o.on_delete {
                let a = fk_action(a)?;
                def.extend(quote!(.on_delete(#a)));
            }
            if let Some(a) = &o.fk_on_update {
                let a = fk_action(a)?;
                def.extend(quote!(.on_update_fk(#a)));
            }
        } else if o.on_delete.is_some() || o.fk_on_update.is_some() {
            return Err(syn::Error::new(
                f.span(),
                "on_delete / fk_on_update need foreign_key",
            ));
        }
        column_defs.push(def);
        let fvis = &f.vis;
        let doc = format!("The `{col_name}` column.");
        handle_fields.push(quote! {
            #[doc = #doc]
            #fvis #fident: ::sqlkit::expr::Column<#ty>
        });
        handle_inits.push(quote!(#fident: ::sqlkit::expr::Column::new(def, alias, #idx)));
        column_names.push((fident, col_name));
        idx += 1;
    }
    if column_defs.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "a table needs at least one column",
        ));
    }

    let find = |i: &Ident| -> syn::Result<String> {
        column_names
            .iter()
            .find(|(f, c)| f == i || c == &i.to_string())
            .map(|(_, c)| c.clone())
            .ok_or_else(|| {
                syn::Error::new(i.span(), format!("no column named `{i}` in this struct"))
            })
    };
    let mut table_extra = TokenStream2::new();
    if let Some(s) = &schema {
        table_extra.extend(quote!(.schema(#s)));
    }
    if !composite_pk.is_empty() {
        let cols = composite_pk
            .iter()
            .map(find)
            .collect::<syn::Result<Vec<_>>>()?;
        table_extra.extend(quote!(.primary_key([#(#cols),*])));
    }
    for u in &uniques {
        let cols = u.iter().map(find).collect::<syn::Result<Vec<_>>>()?;
        table_extra.extend(quote!(.unique([#(#cols),*])));
    }
    for ix in &indexes {
        let cols = ix.iter().map(find).collect::<syn::Result<Vec<_>>>()?;
        table_extra.extend(quote!(.index(::std::option::Option::None, [#(#cols),*], false)));
    }
    for (n, s) in &checks {
        table_extra.extend(quote!(.check(#n, #s)));
    }
    for (cols, refs, on_delete) in &fks {
        let cols = cols.iter().map(find).collect::<syn::Result<Vec<_>>>()?;
        let text = refs.value();
        let parsed = text.strip_suffix(')').and_then(|t| t.split_once('('));
        let Some((table, ref_cols)) = parsed else {
            return Err(syn::Error::new(
                refs.span(),
                "references must be \"table(column, ..)\"",
            ));
        };
        let table = table.trim();
        let ref_cols: Vec<&str> = ref_cols.split(',').map(str::trim).collect();
        if ref_cols.len() != cols.len() || table.is_empty() {
            return Err(syn::Error::new(
                refs.span(),
                "references must name a table and as many columns as columns(..)",
            ));
        }
        let mut fk =
            quote!(::sqlkit::schema::ForeignKey::new([#(#cols),*], #table, [#(#ref_cols),*]));
        if let Some(a) = on_delete {
            let a = fk_action(a)?;
            fk.extend(quote!(.on_delete(#a)));
        }
        table_extra.extend(quote!(.foreign_key(#fk)));
    }

    let from_row = from_row_impl(name, &input.generics, &column_names, &skipped);
    let record = record_impl(name, &input.generics, &column_names);
    let handle_doc = format!(
        "Typed columns of table `{table_name}` (generated by `#[derive(Table)]` on `{name}`)."
    );
    Ok(quote! {
        #nullable_checks

        #[doc = #handle_doc]
        #[derive(Clone, Copy, Debug)]
        #vis struct #handle {
            #(#handle_fields,)*
            __alias: ::std::option::Option<&'static str>,
        }

        impl #handle {
            /// The table's definition, built once.
            pub fn definition() -> &'static ::sqlkit::schema::TableDef {
                static DEF: ::std::sync::OnceLock<::sqlkit::schema::TableDef> = ::std::sync::OnceLock::new();
                DEF.get_or_init(|| {
                    let built = ::sqlkit::schema::Table::builder(#table_name)
                        #(.column(#column_defs))*
                        #table_extra
                        .build_def();
                    match built {
                        ::std::result::Result::Ok(d) => d,
                        // The derive checked the attributes when it expanded; a failure here is a bug in sqlkit.
                        ::std::result::Result::Err(e) => ::std::panic!("sqlkit derive produced an invalid table: {e}"),
                    }
                })
            }
            fn with_alias(alias: ::std::option::Option<&'static str>) -> Self {
                let def = Self::definition();
                #handle { #(#handle_inits,)* __alias: alias }
            }
            /// The same table under an alias (`FROM users AS u2`), for self-joins.
            pub fn alias(self, alias: &'static str) -> Self {
                Self::with_alias(::std::option::Option::Some(alias))
            }
        }

        impl ::sqlkit::stmt::AsTable for #handle {
            fn as_table(&self) -> ::sqlkit::schema::Table {
                let t = ::sqlkit::schema::Table::from_static(Self::definition());
                match self.__alias {
                    ::std::option::Option::Some(a) => t.alias(a),
                    ::std::option::Option::None => t,
                }
            }
        }

        impl #name {
            /// The typed columns of this struct's table.
            pub fn table() -> #handle {
                #handle::with_alias(::std::option::Option::None)
            }
        }

        #from_row
        #record
    })
}

/// The `Record` impls of a table's struct, owned (values move) and borrowed.
fn record_impl(
    name: &Ident,
    generics: &syn::Generics,
    columns: &[(Ident, String)],
) -> TokenStream2 {
    let idents: Vec<&Ident> = columns.iter().map(|(i, _)| i).collect();
    let names: Vec<&String> = columns.iter().map(|(_, c)| c).collect();
    let (impl_g, ty_g, where_g) = generics.split_for_impl();
    quote! {
        impl #impl_g ::sqlkit::stmt::Record for #name #ty_g #where_g {
            fn write(self, row: &mut ::sqlkit::stmt::RecordSink<'_>) -> ::sqlkit::Result<()> {
                #(row.set(#names, ::sqlkit::Value::from(self.#idents))?;)*
                ::std::result::Result::Ok(())
            }
        }
        impl #impl_g ::sqlkit::stmt::Record for &#name #ty_g #where_g {
            fn write(self, row: &mut ::sqlkit::stmt::RecordSink<'_>) -> ::sqlkit::Result<()> {
                #(row.set(#names, ::sqlkit::ToValue::to_value(&self.#idents))?;)*
                ::std::result::Result::Ok(())
            }
        }
    }
}

/// The `FromRow` impl of a struct whose non-skipped fields read the columns named
/// `columns`: positions found once per result set, each row read by position.
fn from_row_impl(
    name: &Ident,
    generics: &syn::Generics,
    columns: &[(Ident, String)],
    skipped: &[Ident],
) -> TokenStream2 {
    let n = columns.len();
    let idents: Vec<&Ident> = columns.iter().map(|(i, _)| i).collect();
    let names: Vec<&String> = columns.iter().map(|(_, c)| c).collect();
    let vars: Vec<Ident> = (0..n).map(|i| format_ident!("__c{}", i)).collect();
    let (impl_g, ty_g, where_g) = generics.split_for_impl();
    quote! {
        ::sqlkit::__from_row! {
            impl #impl_g ::sqlkit::engine::FromRow for #name #ty_g #where_g {
                type Layout = [usize; #n];
                fn layout(
                    columns: &::sqlkit::engine::Columns<'_>,
                    start: usize,
                ) -> ::sqlkit::Result<([usize; #n], usize)> {
                    ::std::result::Result::Ok((
                        [#(columns.position(#names, start, #n)?),*],
                        #n,
                    ))
                }
                #[inline]
                fn decode(
                    row: &::sqlkit::engine::RowCells<'_>,
                    layout: &[usize; #n],
                ) -> ::sqlkit::Result<Self> {
                    let [#(#vars),*] = *layout;
                    ::std::result::Result::Ok(#name {
                        #(#idents: row.get(#vars)?,)*
                        #(#skipped: ::std::default::Default::default(),)*
                    })
                }
                fn positions(layout: &[usize; #n]) -> ::std::vec::Vec<usize> {
                    layout.to_vec()
                }
            }
        }
    }
}

/// Reads rows into a struct by column name, without serde (`FromRow`): the columns'
/// positions are found once per result set. `#[derive(Table)]` already implements it
/// for its struct; this derive is for other structs of columns (a query's own shape).
/// Field attributes: `#[sqlkit(rename = "col")]`, `#[sqlkit(skip)]` (set to
/// `Default::default()`).
#[proc_macro_derive(FromRow, attributes(sqlkit))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand_from_row(input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand_from_row(input: DeriveInput) -> syn::Result<TokenStream2> {
    let (columns, skipped) = plain_fields(&input, "FromRow")?;
    Ok(from_row_impl(
        &input.ident,
        &input.generics,
        &columns,
        &skipped,
    ))
}

/// Writes a struct as one row to insert, each field the column of its name, without
/// serde (`Record`, for `Connection::insert_many`). `#[derive(Table)]` already
/// implements it for its struct; this derive is for other shapes (a new row without
/// its generated key). Field attributes: `#[sqlkit(rename = "col")]`,
/// `#[sqlkit(skip)]` (not written).
#[proc_macro_derive(Record, attributes(sqlkit))]
pub fn derive_record(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match plain_fields(&input, "Record") {
        Ok((columns, _)) => record_impl(&input.ident, &input.generics, &columns).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// (field, column) pairs.
type Columns = Vec<(Ident, String)>;

/// The named fields of a struct as (field, column) pairs, and the skipped fields.
/// Passes over an attribute this derive does not read (`name = value` or `name(..)`).
fn skip_meta(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
        let _: TokenStream2 = _content.parse()?;
    }
    Ok(())
}

/// The type `Session::get` takes for a model's key: its one key field's type without
/// `Option` (`i64` for `id: Option<i64>`), or `CompositeKey` for a key of several
/// columns (or none).
fn key_type(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let composite = quote!(::sqlkit::orm::CompositeKey);
    let Data::Struct(data) = &input.data else {
        return Ok(composite);
    };
    let Fields::Named(fields) = &data.fields else {
        return Ok(composite);
    };
    let mut table_pk: Vec<Ident> = Vec::new();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("sqlkit")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("primary_key") {
                table_pk = ident_list(&meta)?;
            } else {
                skip_meta(&meta)?;
            }
            Ok(())
        })?;
    }
    let mut keys: Vec<&syn::Type> = Vec::new();
    for f in &fields.named {
        let mut pk = f.ident.as_ref().is_some_and(|i| table_pk.contains(i));
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("sqlkit")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("primary_key") {
                    pk = true;
                } else {
                    skip_meta(&meta)?;
                }
                Ok(())
            })?;
        }
        if pk {
            keys.push(&f.ty);
        }
    }
    let [ty] = keys.as_slice() else {
        return Ok(composite);
    };
    // `Option<T>` (however the path is written) is keyed by `T`.
    if let syn::Type::Path(p) = ty {
        if let Some(last) = p.path.segments.last() {
            if last.ident == "Option" {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return Ok(quote!(#inner));
                    }
                }
            }
        }
    }
    Ok(quote!(#ty))
}

fn plain_fields(input: &DeriveInput, what: &str) -> syn::Result<(Columns, Vec<Ident>)> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.span(),
            format!("{what} needs a struct"),
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            input.span(),
            format!("{what} needs named fields"),
        ));
    };
    let mut columns = Vec::new();
    let mut skipped = Vec::new();
    for f in &fields.named {
        let mut rename = None;
        let mut skip = false;
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("sqlkit")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    rename = Some(meta.value()?.parse::<LitStr>()?.value());
                } else if meta.path.is_ident("skip") {
                    skip = true;
                } else {
                    // Table attributes (types, keys) mean nothing to reading or writing rows.
                    if meta.input.peek(Token![=]) {
                        let _: Expr = meta.value()?.parse()?;
                    }
                }
                Ok(())
            })?;
        }
        let Some(id) = f.ident.clone() else { continue };
        if skip {
            skipped.push(id);
        } else {
            let col = rename.unwrap_or_else(|| id.unraw().to_string());
            columns.push((id, col));
        }
    }
    Ok((columns, skipped))
}

/// Makes a `#[derive(Table)]` struct a model of the ORM (`sqlkit::orm::Model`, feature
/// `orm`): objects a `Session` keeps in its identity map, compares with what it
/// loaded, and writes in a flush.
///
/// It reads the same `#[sqlkit(..)]` attributes as `Table` (`skip`, `rename`, and the
/// table's `handle = ..`). Every column field must be `Clone + PartialEq` and convert
/// to and from a `Value` (`ToValue`, `FromValue`); skipped fields are not the
/// session's business and are `Default::default()` in the copies it keeps.
///
/// ```text
/// #[derive(sqlkit::Table, sqlkit::Model)]
/// #[sqlkit(table = "users")]
/// struct User { #[sqlkit(primary_key)] id: Option<i64>, name: String }
/// ```
#[proc_macro_derive(Model, attributes(sqlkit))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand_model(input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand_model(input: DeriveInput) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    let mut handle = format_ident!("{}Table", name);
    let mut rels: Vec<Ident> = Vec::new();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("sqlkit")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("handle") {
                handle = meta.value()?.parse::<Ident>()?;
            } else if meta.path.is_ident("relationships") {
                rels = ident_list(&meta)?;
            } else {
                skip_meta(&meta)?;
            }
            Ok(())
        })?;
    }
    let (columns, skipped) = plain_fields(&input, "Model")?;
    let key = key_type(&input)?;
    let idents: Vec<&Ident> = columns.iter().map(|(i, _)| i).collect();
    let names: Vec<&String> = columns.iter().map(|(_, c)| c).collect();
    let idx: Vec<usize> = (0..columns.len()).collect();
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    Ok(quote! {
        ::sqlkit::__orm_model! {
            impl #impl_g ::sqlkit::orm::Model for #name #ty_g #where_g {
                type Table = #handle;
                type Key = #key;
                fn table() -> #handle {
                    #name::table()
                }
                fn definition() -> &'static ::sqlkit::schema::TableDef {
                    #handle::definition()
                }
                fn value(&self, column: usize) -> ::sqlkit::Value {
                    match column {
                        #(#idx => ::sqlkit::ToValue::to_value(&self.#idents),)*
                        _ => ::sqlkit::Value::Null,
                    }
                }
                fn set_value(&mut self, column: usize, value: ::sqlkit::Value) -> ::sqlkit::Result<()> {
                    match column {
                        #(#idx => self.#idents = ::sqlkit::FromValue::from_value(value, #names)?,)*
                        _ => return ::std::result::Result::Err(::sqlkit::orm::no_column(#name::table(), column)),
                    }
                    ::std::result::Result::Ok(())
                }
                fn from_values(values: ::std::vec::Vec<::sqlkit::Value>) -> ::sqlkit::Result<Self> {
                    let mut it = values.into_iter();
                    ::std::result::Result::Ok(#name {
                        #(#idents: ::sqlkit::FromValue::from_value(it.next().unwrap_or_default(), #names)?,)*
                        #(#skipped: ::std::default::Default::default(),)*
                    })
                }
                fn changed(&self, old: &Self, out: &mut ::std::vec::Vec<usize>) {
                    #(if self.#idents != old.#idents { out.push(#idx); })*
                }
                fn relationships() -> ::std::vec::Vec<::sqlkit::orm::Relation> {
                    ::std::vec![#(::sqlkit::orm::Relation::from(#name::#rels())),*]
                }
                fn snapshot(&self) -> Self {
                    #name {
                        #(#idents: ::std::clone::Clone::clone(&self.#idents),)*
                        #(#skipped: ::std::default::Default::default(),)*
                    }
                }
            }
        }
    })
}

/// Embeds a folder of migration revision files in the binary:
/// `embed_migrations!("migrations")` (relative to the crate's `Cargo.toml`) is an
/// expression of type `sqlkit::Result<sqlkit::migrate::Migrations>`, so that an
/// application can migrate itself at start.
///
/// The files are read at compile time with `include_str!`: an edited file rebuilds the
/// crate. Cargo does not watch the folder for *new* files; add
/// `println!("cargo:rerun-if-changed=migrations");` to the crate's `build.rs` so that
/// a new revision rebuilds it too.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let dir = parse_macro_input!(input as LitStr);
    match embed(&dir) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn embed(dir: &LitStr) -> syn::Result<TokenStream2> {
    let root = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| syn::Error::new(dir.span(), "CARGO_MANIFEST_DIR is not set"))?;
    let path = std::path::Path::new(&root).join(dir.value());
    let mut files: Vec<std::path::PathBuf> = match std::fs::read_dir(&path) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(e) => {
            return Err(syn::Error::new(
                dir.span(),
                format!("cannot read {}: {e}", path.display()),
            ))
        }
    };
    files.sort();
    let items = files.iter().map(|f| {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let full = f.display().to_string();
        quote! { (#name, include_str!(#full)) }
    });
    Ok(quote! {
        ::sqlkit::migrate::Migrations::from_texts([#(#items),*])
    })
}
