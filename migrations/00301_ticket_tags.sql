-- +goose Up
-- Tags: short lowercase labels on tickets ("vip", "hardware-refresh"), set
-- by rules' add_tag action and read by their conditions (`"vip" in
-- ticket.tags`). The smallest model that works: a tag is its text, with no
-- table of its own, so there is nothing to create or rename first.
CREATE TABLE ticket_tags (
    ticket_id  bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    tag        text NOT NULL CHECK (tag ~ '^[a-z0-9][a-z0-9_.-]{0,39}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag_idx ON ticket_tags (tag);

-- +goose Down
DROP TABLE ticket_tags;
