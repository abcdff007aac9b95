-- +goose Up

-- Knowledge base: articles in Markdown, in categories, with every saved
-- version kept, visibility (employees or staff only), an owner who reviews
-- them by a date, files, feedback, and the searches and deflections the
-- reports count.
CREATE TABLE kb_categories (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    position   integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX kb_categories_name_key ON kb_categories (lower(name));

CREATE TABLE kb_articles (
    id               bigserial PRIMARY KEY,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body             text NOT NULL CHECK (length(body) <= 200000), -- Markdown
    body_html        text NOT NULL DEFAULT '',                     -- rendered and sanitised
    category_id      bigint REFERENCES kb_categories ON DELETE SET NULL,
    visibility       text NOT NULL DEFAULT 'employees' CHECK (visibility IN ('employees', 'staff')),
    published        boolean NOT NULL DEFAULT false, -- false: a draft, staff see it in the editor only
    version          integer NOT NULL DEFAULT 1,
    owner_id         bigint REFERENCES users ON DELETE SET NULL,
    review_on        date,                           -- past: the owner sees it under "Due for review"
    source_ticket_id bigint REFERENCES tickets ON DELETE SET NULL,
    helpful_yes      integer NOT NULL DEFAULT 0,
    helpful_no       integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Title weighs like a ticket's subject (A), the body like its
    -- description (B), so both searches rank alike.
    search           tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')) STORED
);
CREATE INDEX kb_articles_search_idx ON kb_articles USING gin (search);
CREATE INDEX kb_articles_category_idx ON kb_articles (category_id, title);
CREATE INDEX kb_articles_review_idx ON kb_articles (owner_id, review_on);

-- Every saved state of an article; the article row holds the newest.
CREATE TABLE kb_article_versions (
    article_id  bigint NOT NULL REFERENCES kb_articles ON DELETE CASCADE,
    version     integer NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL,
    category_id bigint,
    visibility  text NOT NULL,
    published   boolean NOT NULL,
    author_id   bigint REFERENCES users ON DELETE SET NULL,
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, version)
);

-- Files and images of an article; Markdown links to
-- /help/articles/{article}/files/{id}.
CREATE TABLE kb_files (
    id           bigserial PRIMARY KEY,
    article_id   bigint NOT NULL REFERENCES kb_articles ON DELETE CASCADE,
    filename     text NOT NULL CHECK (filename <> '' AND filename !~ '[/\\]'),
    content_type text NOT NULL,
    size         bigint NOT NULL,
    data         bytea NOT NULL CHECK (octet_length(data) <= 104857600),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_files_article_idx ON kb_files (article_id);

-- "Did this help?" answers.
CREATE TABLE kb_feedback (
    id         bigserial PRIMARY KEY,
    article_id bigint NOT NULL REFERENCES kb_articles ON DELETE CASCADE,
    user_id    bigint REFERENCES users ON DELETE SET NULL,
    helpful    boolean NOT NULL,
    comment    text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_feedback_article_idx ON kb_feedback (article_id, created_at DESC);

-- Help-centre searches, kept for "top searched terms with no article".
CREATE TABLE kb_searches (
    id         bigserial PRIMARY KEY,
    query      text NOT NULL,   -- lower-cased, spaces collapsed
    results    integer NOT NULL,
    user_id    bigint REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_searches_created_idx ON kb_searches (created_at) INCLUDE (query, results);

-- "This solved it" on a suggested article: a ticket that was not filed.
CREATE TABLE kb_deflections (
    id          bigserial PRIMARY KEY,
    article_id  bigint REFERENCES kb_articles ON DELETE SET NULL,
    user_id     bigint REFERENCES users ON DELETE SET NULL,
    subject     text NOT NULL DEFAULT '',
    category_id bigint REFERENCES categories ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_deflections_created_idx ON kb_deflections (created_at) INCLUDE (category_id);

-- +goose Down
DROP TABLE kb_deflections, kb_searches, kb_feedback, kb_files, kb_article_versions, kb_articles, kb_categories;
