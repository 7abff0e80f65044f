use sqlkit::expr::func;
use sqlkit::prelude::*;

#[derive(sqlkit::Table)]
struct User {
    #[sqlkit(primary_key)]
    id: i64,
    active: bool,
}

fn main() {
    let users = User::table();
    // PostgreSQL has no max(boolean): refused at compile time, not by the server.
    let _ = select(func::max(users.active));
}
