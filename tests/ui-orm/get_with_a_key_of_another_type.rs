// `Session::get` takes the key column's type: text for an integer key does not compile.
#[derive(Debug, Clone, sqlkit::Table, sqlkit::Model)]
struct User {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    name: String,
}

fn lookup(s: &mut sqlkit::orm::Session) -> sqlkit::Result<()> {
    let _ = s.get::<User>("abc")?;
    Ok(())
}

fn main() {}
