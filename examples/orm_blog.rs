//! The SQLAlchemy 2.0 guide's ORM tour on sqlkit's Session: models with relationships,
//! the CRUD functions, eager loading, a savepoint, and a graph turned into plain
//! structs for a JSON response.
//!
//! Runs on embedded SQLite by default; `DATABASE_URL` picks another database.
//!
//!     cargo run --features orm --example orm_blog

use serde::Serialize;
use sqlkit::orm::{
    joinedload, selectinload, Cascade, Handle, ManyToMany, ManyToOne, OneToMany, Session,
};
use sqlkit::prelude::*;

#[derive(Debug, Clone, PartialEq, Serialize, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "users", relationships(posts))]
struct User {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(string = 255, unique, index)]
    email: String,
    #[sqlkit(string = 50, unique)]
    username: String,
    #[sqlkit(default = true)]
    is_active: bool,
    #[sqlkit(default = now)]
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[sqlkit(default = now, on_update = now)]
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
}
impl User {
    /// `posts = relationship(back_populates="author", cascade="all, delete-orphan")`
    fn posts() -> OneToMany<User, Post> {
        OneToMany::new("posts", Post::table().author_id).cascade(Cascade::ALL_DELETE_ORPHAN)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "posts", relationships(author, comments, tags))]
struct Post {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(string = 255)]
    title: String,
    content: Option<String>,
    #[sqlkit(default = false)]
    published: bool,
    #[sqlkit(foreign_key = "users.id", on_delete = "cascade")]
    author_id: Option<i64>,
}
impl Post {
    fn author() -> ManyToOne<Post, User> {
        ManyToOne::new("author", Post::table().author_id)
    }
    fn comments() -> OneToMany<Post, Comment> {
        OneToMany::new("comments", Comment::table().post_id).cascade(Cascade::ALL_DELETE_ORPHAN)
    }
    fn tags() -> ManyToMany<Post, Tag> {
        ManyToMany::new("tags", PostTag::table().post_id, PostTag::table().tag_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "comments", relationships(post, user))]
struct Comment {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    content: String,
    #[sqlkit(foreign_key = "posts.id", on_delete = "cascade")]
    post_id: Option<i64>,
    #[sqlkit(foreign_key = "users.id")]
    user_id: Option<i64>,
}
impl Comment {
    fn post() -> ManyToOne<Comment, Post> {
        ManyToOne::new("post", Comment::table().post_id)
    }
    fn user() -> ManyToOne<Comment, User> {
        ManyToOne::new("user", Comment::table().user_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "tags", relationships(posts))]
struct Tag {
    #[sqlkit(primary_key)]
    id: Option<i64>,
    #[sqlkit(string = 50, unique)]
    name: String,
}
impl Tag {
    fn posts() -> ManyToMany<Tag, Post> {
        ManyToMany::new("posts", PostTag::table().tag_id, PostTag::table().post_id)
    }
}

/// The association table `post_tags`.
#[derive(Debug, Clone, sqlkit::Table)]
#[sqlkit(table = "post_tags", primary_key(post_id, tag_id))]
struct PostTag {
    #[sqlkit(foreign_key = "posts.id", on_delete = "cascade")]
    post_id: i64,
    #[sqlkit(foreign_key = "tags.id", on_delete = "cascade")]
    tag_id: i64,
}

// The guide's CRUD functions.

fn create_user(s: &mut Session, email: &str, username: &str) -> sqlkit::Result<Handle<User>> {
    let u = s.add(User {
        id: None,
        email: email.into(),
        username: username.into(),
        is_active: true,
        created_at: None,
        updated_at: None,
    })?;
    s.commit()?;
    s.refresh(u)?; // server state back into the object
    Ok(u)
}

fn get_user(s: &mut Session, id: i64) -> sqlkit::Result<Option<Handle<User>>> {
    s.get::<User>(id)
}

fn get_user_by_email(s: &mut Session, email: &str) -> sqlkit::Result<Option<Handle<User>>> {
    let u = User::table();
    s.query::<User>(select(u).where_(u.email.eq(email.to_string())))
        .first()
}

fn get_users(s: &mut Session, skip: i64, limit: i64) -> sqlkit::Result<Vec<Handle<User>>> {
    let u = User::table();
    s.query::<User>(select(u).order_by(u.id).offset(skip).limit(limit))
        .all()
}

fn update_user(
    s: &mut Session,
    id: i64,
    username: Option<&str>,
    active: Option<bool>,
) -> sqlkit::Result<Option<Handle<User>>> {
    let Some(h) = get_user(s, id)? else {
        return Ok(None);
    };
    let user = s.obj_mut(h)?;
    if let Some(n) = username {
        user.username = n.into();
    }
    if let Some(a) = active {
        user.is_active = a;
    }
    s.commit()?; // UPDATE of the changed columns, and updated_at
    Ok(Some(h))
}

fn delete_user(s: &mut Session, id: i64) -> sqlkit::Result<bool> {
    let Some(h) = get_user(s, id)? else {
        return Ok(false);
    };
    s.delete(h)?; // its posts and their comments go too (cascade)
    s.commit()?;
    Ok(true)
}

/// A post with its author nested, as a JSON response would have it.
#[derive(Serialize)]
struct PostOut<'a> {
    #[serde(flatten)]
    post: &'a Post,
    author: &'a User,
    tags: Vec<&'a str>,
    comments: usize,
}

fn main() -> sqlkit::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://".to_string());
    let engine = Engine::from_url(&url)?;
    let mut md = MetaData::new();
    md.add(User::table())?
        .add(Post::table())?
        .add(Comment::table())?
        .add(Tag::table())?
        .add(PostTag::table())?;
    let mut conn = engine.connect()?;
    conn.drop_all(&md)?;
    conn.create_all(&md)?;
    drop(conn);
    println!("ORM tour on {}", engine.dialect().name());

    let mut s = Session::new(&engine)?;
    let john = create_user(&mut s, "john@example.com", "john")?;
    let jane = create_user(&mut s, "jane@example.com", "jane")?;
    println!(
        "created users {:?} and {:?}",
        s.obj(john)?.id,
        s.obj(jane)?.id
    );

    // A unit of work: new posts, tags and comments linked by handle, one commit.
    let rust = s.add(Tag {
        id: None,
        name: "rust".into(),
    })?;
    let sql = s.add(Tag {
        id: None,
        name: "sql".into(),
    })?;
    for (title, author) in [
        ("Python tips", john),
        ("SQLAlchemy tutorial", john),
        ("Rust and SQL", jane),
    ] {
        let p = s.add(Post {
            id: None,
            title: title.into(),
            content: None,
            published: true,
            author_id: None,
        })?;
        s.set_related(p, Post::author(), Some(author))?;
        s.link(p, Post::tags(), sql)?;
        if author == jane {
            s.link(p, Post::tags(), rust)?;
        }
        let c = s.add(Comment {
            id: None,
            content: format!("nice post, {}", s.obj(author)?.username),
            post_id: None,
            user_id: None,
        })?;
        s.append(p, Post::comments(), c)?;
        s.set_related(c, Comment::user(), Some(jane))?;
    }
    s.commit()?;

    // The identity map: the same row is the same object.
    let by_email = get_user_by_email(&mut s, "john@example.com")?;
    assert_eq!(by_email, Some(john));
    let id = s.obj(john)?.id.unwrap_or_default();
    println!(
        "get_user({id}) is the same object: {}",
        get_user(&mut s, id)? == Some(john)
    );
    let page = get_users(&mut s, 0, 10)?;
    println!("get_users(0, 10): {} users", page.len());
    update_user(&mut s, id, Some("johnny"), None)?;
    println!("updated: {}", s.obj(john)?.username);

    // Eager loading in a new session: posts with their author joined, tags and comments
    // (with each comment's user) selected in.
    let mut s = Session::new(&engine)?;
    let p = Post::table();
    let posts = s
        .query::<Post>(select(p).order_by(p.id))
        .options(joinedload(Post::author()))
        .options(selectinload(Post::tags()))
        .options(selectinload(Post::comments()).selectinload(Comment::user()))
        .all()?;
    let mut out = Vec::new();
    for &ph in &posts {
        let author = s.related(ph, Post::author())?.ok_or(Error::NoRows)?;
        let tags = s.linked(ph, Post::tags())?;
        out.push(PostOut {
            post: s.obj(ph)?,
            author: s.obj(author)?,
            tags: tags
                .iter()
                .map(|t| s.obj(*t).map(|t| t.name.as_str()))
                .collect::<sqlkit::Result<_>>()?,
            comments: s.children(ph, Post::comments())?.len(),
        });
    }
    let json =
        serde_json::to_string_pretty(&out).map_err(|e| Error::Session(e.to_string().into()))?;
    println!("{json}");

    // A savepoint: an expected failure contained, the session's work kept.
    let r: sqlkit::Result<()> = s.nested(|s| {
        s.add(Tag {
            id: None,
            name: "rust".into(),
        })?; // a duplicate
        s.flush()
    });
    println!("duplicate tag refused inside a savepoint: {}", r.is_err());

    // delete_user cascades to the user's posts and their comments.
    s = Session::new(&engine)?;
    println!("deleted john: {}", delete_user(&mut s, id)?);
    drop(s);
    let mut conn = engine.connect()?;
    let left: i64 =
        conn.query_scalar(&select(sqlkit::expr::func::count_star()).select_from(Post::table()))?;
    println!("posts left: {left}");
    Ok(())
}
