-- +goose Up

-- Every new ticket and every triage writes the ticket row with an entry in
-- each of its indexes and runs its row triggers; two things there did
-- nothing useful on that path.
--
-- tickets_created_idx (created_at) has the same key as the covering
-- tickets_report_created_idx (created_at INCLUDE ...): any scan by creation
-- time (the API list sorted by creation, reports) can use the covering one,
-- so the plain one only cost an entry per row version.
DROP INDEX tickets_created_idx;

-- The load counter trigger ran (a PL/pgSQL call) for every new ticket,
-- although a ticket adds load only when it is created with an assignee;
-- most are created unassigned and assigned by triage (an UPDATE, which
-- still fires). Same function, the INSERT case only when it matters.
DROP TRIGGER tickets_track_load ON tickets;
CREATE TRIGGER tickets_track_load AFTER DELETE OR UPDATE OF assignee_id, status, priority ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_track_load();
CREATE TRIGGER tickets_track_load_insert AFTER INSERT ON tickets
    FOR EACH ROW WHEN (NEW.assignee_id IS NOT NULL) EXECUTE FUNCTION tickets_track_load();

-- +goose Down
DROP TRIGGER tickets_track_load_insert ON tickets;
DROP TRIGGER tickets_track_load ON tickets;
CREATE TRIGGER tickets_track_load AFTER INSERT OR DELETE OR UPDATE OF assignee_id, status, priority ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_track_load();
CREATE INDEX tickets_created_idx ON tickets (created_at);
