-- +goose Up

-- An @mention of a staff member in an internal note or reply; the mentioned
-- agent finds it under the Mentions view until they open the ticket.
CREATE TABLE mentions (
    message_id bigint NOT NULL REFERENCES messages ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    ticket_id  bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz,
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX mentions_user_idx ON mentions (user_id, ticket_id);

-- Canned replies, managed by team leads; team_id NULL means every team.
CREATE TABLE canned_replies (
    id         bigserial PRIMARY KEY,
    team_id    bigint REFERENCES teams ON DELETE CASCADE,
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_by bigint REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX canned_replies_team_idx ON canned_replies (team_id, title);

-- Who is looking at or writing on a ticket right now. Ephemeral by nature:
-- UNLOGGED (a crash empties it, which is the truth anyway) and every row
-- expires unless its browser keeps refreshing it.
CREATE UNLOGGED TABLE ticket_presence (
    ticket_id  bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    activity   text NOT NULL CHECK (activity IN ('viewing', 'replying')),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);

-- Queue orders not covered by the foundation's indexes: by priority then
-- due time, and by last update, both over open tickets only (the due order
-- itself uses tickets_open_due_idx and tickets_team_open_idx).
CREATE INDEX tickets_open_prio_idx ON tickets (priority, due_at, id)
    WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_open_updated_idx ON tickets (updated_at DESC, id DESC)
    WHERE status NOT IN ('resolved', 'closed');
-- "Unassigned in my teams" and "My teams" in due order: equality on the team
-- then the due time, so a page is the first rows of one index range.
-- (tickets_team_open_idx has the assignee in between, which an IS NULL
-- condition does not fix for ordering.)
CREATE INDEX tickets_team_due_idx ON tickets (team_id, due_at, id)
    WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_unassigned_due_idx ON tickets (team_id, due_at, id)
    WHERE assignee_id IS NULL AND status NOT IN ('resolved', 'closed');
-- Searching the open queue: a common word matches a tenth of a million
-- tickets, of which a few percent are open; these small indexes hold only
-- the open ones, so the search never visits closed tickets.
CREATE INDEX tickets_open_search_idx ON tickets USING gin (search)
    WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_open_note_search_idx ON tickets USING gin (note_search)
    WHERE status NOT IN ('resolved', 'closed');

-- The overview's weekly first-response chart reads tickets by creation time.
CREATE INDEX tickets_created_idx ON tickets (created_at);

-- +goose Down
DROP INDEX tickets_created_idx;
DROP INDEX tickets_open_note_search_idx;
DROP INDEX tickets_open_search_idx;
DROP INDEX tickets_open_updated_idx;
DROP INDEX tickets_open_prio_idx;
DROP INDEX tickets_unassigned_due_idx;
DROP INDEX tickets_team_due_idx;
DROP TABLE ticket_presence, canned_replies, mentions;
