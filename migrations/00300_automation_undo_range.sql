-- +goose Up
-- Undo every run of a rule version in a time range: a run remembers the
-- rollback that undid it (so a range undo skips what was undone already),
-- and runs are found by rule, version and time through an index instead of
-- a scan of the whole run log. created_at alone serves time-range reads
-- across rules (the incident timeline, retention).
ALTER TABLE automation_runs ADD COLUMN undone_by bigint REFERENCES automation_runs ON DELETE SET NULL;
UPDATE automation_runs o SET undone_by = r.id FROM automation_runs r WHERE r.rollback_of = o.id;
CREATE INDEX automation_runs_created_idx ON automation_runs (created_at);
CREATE INDEX automation_runs_version_idx ON automation_runs (rule_id, rule_version, created_at);

-- +goose Down
DROP INDEX automation_runs_version_idx;
DROP INDEX automation_runs_created_idx;
ALTER TABLE automation_runs DROP COLUMN undone_by;
