-- +goose Up

-- Every ticket row version (a new ticket, each change: updated_at moves, so
-- no update is HOT) takes an entry in each index whose predicate it meets.
-- Of the open-queue indexes, tickets_team_open_idx (team_id, assignee_id,
-- due_at, id) had no query that another index did not serve as well. At 1M
-- tickets (EXPLAIN ANALYZE, warm): "Unassigned" and "My teams" use
-- tickets_unassigned_due_idx and tickets_team_due_idx, "Mine" and the load
-- count use tickets_assignee_open_idx, a team plus assignee filter walks
-- the assignee's open tickets in due order. Its only own use was the
-- "Mine" view count as an index-only scan, which reads team_id for the
-- hidden-team filter: tickets_assignee_open_idx now carries team_id, so
-- that count stays index-only (0.04 ms) while one index less is written.
CREATE INDEX tickets_assignee_open_team_idx ON tickets (assignee_id, due_at, id) INCLUDE (team_id)
    WHERE status NOT IN ('resolved', 'closed');
DROP INDEX tickets_assignee_open_idx;
ALTER INDEX tickets_assignee_open_team_idx RENAME TO tickets_assignee_open_idx;
DROP INDEX tickets_team_open_idx;

-- +goose Down
CREATE INDEX tickets_team_open_idx ON tickets (team_id, assignee_id, due_at, id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_assignee_open_plain_idx ON tickets (assignee_id, due_at, id) WHERE status NOT IN ('resolved', 'closed');
DROP INDEX tickets_assignee_open_idx;
ALTER INDEX tickets_assignee_open_plain_idx RENAME TO tickets_assignee_open_idx;
