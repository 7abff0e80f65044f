//! The blog models of the SQLAlchemy 2.0 guide (users, posts, comments, tags,
//! post_tags), declared next to Rust structs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlkit::prelude::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlkit::Table)]
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
    #[sqlkit(default = true)]
    pub is_active: bool,
    #[sqlkit(default = now)]
    pub created_at: Option<DateTime<Utc>>,
    #[sqlkit(default = now, on_update = now)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn new(name: &str) -> Self {
        User {
            id: None,
            email: format!("{name}@example.com"),
            username: name.to_string(),
            password: "hashed".to_string(),
            is_active: true,
            created_at: None,
            updated_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlkit::Table)]
#[sqlkit(table = "posts")]
pub struct Post {
    #[sqlkit(primary_key)]
    pub id: Option<i64>,
    #[sqlkit(string = 255)]
    pub title: String,
    #[sqlkit(string = 255, unique, index)]
    pub slug: String,
    pub content: Option<String>,
    #[sqlkit(default = false)]
    pub published: bool,
    #[sqlkit(default = 0)]
    pub views: i64,
    #[sqlkit(foreign_key = "users.id", on_delete = "cascade")]
    pub author_id: i64,
    #[sqlkit(default = now)]
    pub created_at: Option<DateTime<Utc>>,
    /// A reader rating, NUMERIC(4, 1).
    #[sqlkit(sql_type = SqlType::Numeric { precision: 4, scale: 1 })]
    pub rating: Option<rust_decimal::Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlkit::Table)]
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
    #[sqlkit(default = now)]
    pub created_at: Option<DateTime<Utc>>,
    /// The comment this one replies to (reply threads).
    #[sqlkit(foreign_key = "comments.id", on_delete = "cascade")]
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlkit::Table)]
#[sqlkit(table = "tags")]
pub struct Tag {
    #[sqlkit(primary_key)]
    pub id: Option<i64>,
    #[sqlkit(string = 50, unique)]
    pub name: String,
}

/// The many-to-many association table: a composite primary key of two foreign keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlkit::Table)]
#[sqlkit(table = "post_tags", primary_key(post_id, tag_id))]
pub struct PostTag {
    #[sqlkit(foreign_key = "posts.id", on_delete = "cascade")]
    pub post_id: i64,
    #[sqlkit(foreign_key = "tags.id")]
    pub tag_id: i64,
}

/// All the blog's tables, added in an order that is not the foreign-key order.
pub fn metadata() -> MetaData {
    let mut md = MetaData::new();
    md.add(PostTag::table())
        .and_then(|m| m.add(Comment::table()))
        .and_then(|m| m.add(Post::table()))
        .and_then(|m| m.add(Tag::table()))
        .and_then(|m| m.add(User::table()))
        .expect("the blog schema is valid");
    md
}
