use sqlkit::prelude::*;

#[derive(sqlkit::Table)]
struct User {
    #[sqlkit(primary_key)]
    id: i64,
}

fn main() {
    let users = User::table();
    let _ = users.id.like("%1%");
}
