-- The escalation ladder: categories outside follow-the-sun that may still
-- go to another region's skilled agent when the deadline would otherwise be
-- missed; why an unowned ticket waits (shown in the queue and workspace);
-- and whether its owner is a stand-in a skilled agent may take over from.

-- +goose Up
ALTER TABLE categories ADD COLUMN cross_region boolean NOT NULL DEFAULT false;
ALTER TABLE tickets
    ADD COLUMN triage_wait       text,
    ADD COLUMN triage_wait_skill text,
    ADD COLUMN triage_stand_in   boolean NOT NULL DEFAULT false;
CREATE INDEX tickets_triage_waiting_idx ON tickets (team_id)
    WHERE assignee_id IS NULL AND triage_wait IS NOT NULL AND status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_triage_stand_in_idx ON tickets (assignee_id)
    WHERE triage_stand_in AND status NOT IN ('resolved', 'closed');

-- +goose Down
DROP INDEX tickets_triage_stand_in_idx;
DROP INDEX tickets_triage_waiting_idx;
ALTER TABLE tickets DROP COLUMN triage_wait, DROP COLUMN triage_wait_skill, DROP COLUMN triage_stand_in;
ALTER TABLE categories DROP COLUMN cross_region;
