use sqlkit::prelude::*;

#[derive(sqlkit::Table)]
struct User {
    #[sqlkit(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    let users = User::table();
    let _ = users.id.eq("x");
}
