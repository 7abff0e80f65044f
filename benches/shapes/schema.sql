-- The per-query comparison's schema (diesel_bench's: users, posts, comments), created
-- by both sides' harnesses, benches/examples/shapes.rs and benches/diesel.
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT NOT NULL, body TEXT);
CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts (id), text TEXT NOT NULL);
CREATE INDEX ix_posts_user_id ON posts (user_id);
CREATE INDEX ix_comments_post_id ON comments (post_id);
-- 10,000 users (every other one black-haired); users 1-1000 have 10 posts each; the
-- posts of users 1-100 have 10 comments each. Texts of 30-90 bytes.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO users (id, name, hair_color)
SELECT i, printf('User %05d, a reader of the blog since %d', i, 2000 + i % 25),
       CASE WHEN i % 2 = 0 THEN 'black' END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO posts (id, user_id, title, body)
SELECT i, (i - 1) / 10 + 1, printf('Post %d: notes on SQL and Rust, part %d', i, i % 10),
       CASE WHEN i % 3 = 0 THEN NULL ELSE printf('The body of post %d, which says a little about queries and rows.', i) END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO comments (id, post_id, text)
SELECT i, (i - 1) / 10 + 1, printf('Comment %d: thanks, this helped with a query of mine.', i) FROM n;
