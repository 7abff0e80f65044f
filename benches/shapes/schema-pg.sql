-- The per-query comparison's schema and data on PostgreSQL (schema.sql's, in
-- PostgreSQL's words), made in a schema of its own by each harness run.
CREATE TABLE users (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT);
CREATE TABLE posts (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id), title TEXT NOT NULL, body TEXT);
CREATE TABLE comments (id BIGSERIAL PRIMARY KEY, post_id BIGINT NOT NULL REFERENCES posts (id), text TEXT NOT NULL);
CREATE INDEX ix_posts_user_id ON posts (user_id);
CREATE INDEX ix_comments_post_id ON comments (post_id);
INSERT INTO users (id, name, hair_color)
SELECT i, format('User %s, a reader of the blog since %s', lpad(i::text, 5, '0'), 2000 + i % 25),
       CASE WHEN i % 2 = 0 THEN 'black' END FROM generate_series(1, 10000) AS i;
INSERT INTO posts (id, user_id, title, body)
SELECT i, (i - 1) / 10 + 1, format('Post %s: notes on SQL and Rust, part %s', i, i % 10),
       CASE WHEN i % 3 = 0 THEN NULL ELSE format('The body of post %s, which says a little about queries and rows.', i) END
FROM generate_series(1, 10000) AS i;
INSERT INTO comments (id, post_id, text)
SELECT i, (i - 1) / 10 + 1, format('Comment %s: thanks, this helped with a query of mine.', i)
FROM generate_series(1, 10000) AS i;
SELECT setval('users_id_seq', 10000), setval('posts_id_seq', 10000), setval('comments_id_seq', 10000);
ANALYZE;
