-- +goose Up

-- A published article can carry a pending draft: a newer saved version
-- (kb_article_versions, published = false) that staff work on while the
-- live version stays what employees read. Publishing it makes a new
-- published version; every version is kept either way.
ALTER TABLE kb_articles ADD COLUMN draft_version integer;

-- +goose Down
ALTER TABLE kb_articles DROP COLUMN draft_version;
