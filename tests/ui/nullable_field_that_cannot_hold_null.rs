// A column declared nullable needs a field that can hold NULL.
#[derive(sqlkit::Table)]
struct User {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(nullable)]
    password: String,
}

fn main() {}
