#[derive(sqlkit::Table)]
#[sqlkit(table = "posts", index(title, nope))]
struct Post {
    #[sqlkit(primary_key)]
    id: i64,
    title: String,
}

fn main() {}
