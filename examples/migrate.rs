//! The migration commands for the guide's blog, as an application would ship them: a
//! small binary that hands its models to `sqlkit::migrate::cli::main`.
//!
//! The models come in three versions (`--models 1|2|3`, default 1) so that the tour of
//! the README can evolve the schema: version 2 adds `users.bio` with a server default,
//! makes `password` nullable, renames `username` to `handle`, widens `posts.title`,
//! indexes it and adds a `post_likes` table; version 3 drops `posts.rating` and makes a
//! like unique per user.
//!
//!     cargo run --features migrate --example migrate -- revision --autogenerate -m "create blog"
//!     cargo run --features migrate --example migrate -- upgrade
//!     cargo run --features migrate --example migrate -- --models 2 check
//!
//! Without `--url` or `DATABASE_URL` it works on `target/migrate-example/blog.db`, with
//! its revisions in `target/migrate-example/migrations`.

use chrono::{DateTime, Utc};
use sqlkit::prelude::*;

/// Version 1: the guide's blog.
mod v1 {
    use super::*;

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "users")]
    pub struct User {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(string = 255, unique, index)]
        pub email: String,
        #[sqlkit(string = 50, unique)]
        pub username: String,
        #[sqlkit(string = 255)]
        pub password: String,
        #[sqlkit(default = now)]
        pub created_at: Option<DateTime<Utc>>,
    }

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "posts")]
    pub struct Post {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(string = 255)]
        pub title: String,
        pub content: Option<String>,
        #[sqlkit(server_default = false)]
        pub published: bool,
        #[sqlkit(foreign_key = "users.id", on_delete = "cascade")]
        pub author_id: i64,
        #[sqlkit(sql_type = SqlType::Numeric { precision: 4, scale: 1 })]
        pub rating: Option<rust_decimal::Decimal>,
    }

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "comments")]
    pub struct Comment {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(text)]
        pub content: String,
        #[sqlkit(foreign_key = "posts.id", on_delete = "cascade")]
        pub post_id: i64,
        #[sqlkit(foreign_key = "users.id")]
        pub user_id: i64,
        #[sqlkit(foreign_key = "comments.id", on_delete = "cascade")]
        pub parent_id: Option<i64>,
    }

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "tags")]
    pub struct Tag {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(string = 50, unique)]
        pub name: String,
    }

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "post_tags", primary_key(post_id, tag_id))]
    pub struct PostTag {
        #[sqlkit(foreign_key = "posts.id", on_delete = "cascade")]
        pub post_id: i64,
        #[sqlkit(foreign_key = "tags.id", on_delete = "cascade")]
        pub tag_id: i64,
    }
}

/// Version 2: profiles and likes.
mod v2 {
    use super::*;

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "users")]
    pub struct User {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(string = 255, unique, index)]
        pub email: String,
        #[sqlkit(string = 50, unique)]
        pub handle: String,
        #[sqlkit(string = 255)]
        pub password: Option<String>,
        #[sqlkit(default = now)]
        pub created_at: Option<DateTime<Utc>>,
        #[sqlkit(text, server_default = "")]
        pub bio: String,
    }

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "posts", index(title))]
    pub struct Post {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(string = 500)]
        pub title: String,
        pub content: Option<String>,
        #[sqlkit(server_default = false)]
        pub published: bool,
        #[sqlkit(foreign_key = "users.id", on_delete = "cascade")]
        pub author_id: i64,
        #[sqlkit(sql_type = SqlType::Numeric { precision: 4, scale: 1 })]
        pub rating: Option<rust_decimal::Decimal>,
    }

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "post_likes")]
    pub struct PostLike {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(foreign_key = "posts.id", on_delete = "cascade")]
        pub post_id: i64,
        #[sqlkit(foreign_key = "users.id")]
        pub user_id: i64,
        #[sqlkit(server_default = now)]
        pub created_at: Option<DateTime<Utc>>,
    }
}

/// Version 3: no ratings; one like per user and post.
mod v3 {
    use super::*;

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "posts", index(title))]
    pub struct Post {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(string = 500)]
        pub title: String,
        pub content: Option<String>,
        #[sqlkit(server_default = false)]
        pub published: bool,
        #[sqlkit(foreign_key = "users.id", on_delete = "cascade")]
        pub author_id: i64,
    }

    #[derive(Debug, Clone, sqlkit::Table)]
    #[sqlkit(table = "post_likes", unique(post_id, user_id))]
    pub struct PostLike {
        #[sqlkit(primary_key)]
        pub id: Option<i64>,
        #[sqlkit(foreign_key = "posts.id", on_delete = "cascade")]
        pub post_id: i64,
        #[sqlkit(foreign_key = "users.id")]
        pub user_id: i64,
        #[sqlkit(server_default = now)]
        pub created_at: Option<DateTime<Utc>>,
    }
}

fn models(version: &str) -> Result<MetaData> {
    let shared = [
        v1::Comment::table().as_table(),
        v1::Tag::table().as_table(),
        v1::PostTag::table().as_table(),
    ];
    let own = match version {
        "1" => vec![v1::User::table().as_table(), v1::Post::table().as_table()],
        "2" => vec![
            v2::User::table().as_table(),
            v2::Post::table().as_table(),
            v2::PostLike::table().as_table(),
        ],
        "3" => vec![
            v2::User::table().as_table(),
            v3::Post::table().as_table(),
            v3::PostLike::table().as_table(),
        ],
        v => {
            return Err(sqlkit::Error::Schema(
                format!("--models {v}: the versions are 1, 2 and 3").into(),
            ))
        }
    };
    MetaData::from_tables(shared.into_iter().chain(own))
}

fn main() -> std::process::ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut version = "1".to_string();
    if let Some(i) = args.iter().position(|a| a == "--models") {
        if i + 1 < args.len() {
            version = args.remove(i + 1);
        }
        args.remove(i);
    }
    let (has_url, has_dir) = (
        args.iter().any(|a| a == "--url"),
        args.iter().any(|a| a == "--dir"),
    );
    if !has_url && std::env::var_os("DATABASE_URL").is_none() {
        let _ = std::fs::create_dir_all("target/migrate-example");
        args.splice(
            0..0,
            [
                "--url".into(),
                "sqlite:///target/migrate-example/blog.db".into(),
            ],
        );
    }
    if !has_dir {
        args.splice(
            0..0,
            ["--dir".into(), "target/migrate-example/migrations".into()],
        );
    }
    match models(&version) {
        Ok(md) => sqlkit::migrate::cli::main(&md, &args),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
