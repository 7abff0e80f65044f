use sqlkit::prelude::*;

#[derive(sqlkit::Table)]
struct User {
    #[sqlkit(primary_key)]
    id: i64,
    active: bool,
}

fn main() {
    let users = User::table();
    let _ = update(users).set(users.active, "yes");
    let _ = insert(users).value(users.id, 1.5);
}
