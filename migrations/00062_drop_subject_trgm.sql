-- +goose Up

-- No query searches subjects by trigram (search uses the tsvector indexes),
-- yet every ticket insert and subject change paid for this GIN index.
DROP INDEX tickets_subject_trgm_idx;

-- +goose Down
CREATE INDEX tickets_subject_trgm_idx ON tickets USING gin (subject gin_trgm_ops);
