#[derive(sqlkit::Table)]
struct User {
    #[sqlkit(primary_key, colour = "red")]
    id: i64,
}

fn main() {}
