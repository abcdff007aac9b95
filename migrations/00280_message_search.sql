-- +goose Up

-- Each message's own full-text vector, kept by PostgreSQL. The staff queue's
-- search shows, under each result, a snippet from the first message that
-- matches; finding that message parsed every message body of the page's
-- tickets again (to_tsvector), more than half of a two-word search at 1M
-- tickets. With the vector stored, only the chosen message is parsed (by
-- ts_headline). Not indexed: it is only read for a page's tickets, found
-- through messages_ticket_idx.
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('english', body_text)) STORED;

-- +goose Down
ALTER TABLE messages DROP COLUMN search;
