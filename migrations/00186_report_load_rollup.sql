-- +goose Up

-- Agent load rollup (issue #19: reports stay fast at a million tickets).
--
-- Agent load is the number of tickets assigned to each agent and open at
-- the end of each local day: opened on or before the day, not resolved by
-- its end. A ticket counts from the day it was created (local) until the
-- day before it was resolved; a ticket resolved the day it was created
-- never counts. Instead of a snapshot per day (which every change to a
-- long-open ticket would rewrite for its whole life), report_load_days
-- holds the daily change: +1 on a ticket's first counted day, -1 on the
-- day it was resolved. Summed over all days, the changes are the tickets
-- open now; so the load at the end of day d is the open tickets now minus
-- the changes after d. A report reads the changes from its range's first
-- day on and counts the open tickets live (a small partial index), never
-- the whole history.
--
-- The rows are kept exact like report_days: a change to a ticket marks the
-- UTC hours of its creation and of its resolution (before and after) in
-- report_dirty, the report reads marked days from the tickets, and the
-- rollup job recomputes them. Every zone is backfilled again so that its
-- load rows are built beside its report_days (read live meanwhile).
CREATE TABLE report_load_days (
    zone        text NOT NULL,
    day         date NOT NULL,
    agent_id    bigint NOT NULL,
    team_id     bigint,
    category_id bigint,
    priority    text NOT NULL,
    delta       int NOT NULL
);
CREATE INDEX report_load_days_zone_day_idx ON report_load_days (zone, day);
UPDATE report_zones SET ready_at = NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_new_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (hour)
        SELECT date_trunc('hour', created_at, 'UTC') FROM changed
        UNION
        SELECT date_trunc('hour', resolved_at, 'UTC') FROM changed WHERE resolved_at IS NOT NULL AND assignee_id IS NOT NULL;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (hour) VALUES (date_trunc('hour', NEW.created_at, 'UTC'));
    IF OLD.created_at IS DISTINCT FROM NEW.created_at THEN
        INSERT INTO report_dirty (hour) VALUES (date_trunc('hour', OLD.created_at, 'UTC'));
    END IF;
    -- Ratings are counted under their ticket's team, category and priority.
    IF (OLD.team_id, OLD.category_id, OLD.priority) IS DISTINCT FROM (NEW.team_id, NEW.category_id, NEW.priority) THEN
        INSERT INTO report_dirty (hour)
            SELECT date_trunc('hour', created_at, 'UTC') FROM satisfaction_ratings WHERE ticket_id = NEW.id;
    END IF;
    -- Agent load counts a ticket down on the day it was resolved.
    IF (OLD.assignee_id, OLD.team_id, OLD.category_id, OLD.priority, OLD.created_at, OLD.resolved_at)
        IS DISTINCT FROM (NEW.assignee_id, NEW.team_id, NEW.category_id, NEW.priority, NEW.created_at, NEW.resolved_at) THEN
        IF OLD.resolved_at IS NOT NULL AND OLD.assignee_id IS NOT NULL THEN
            INSERT INTO report_dirty (hour) VALUES (date_trunc('hour', OLD.resolved_at, 'UTC'));
        END IF;
        IF NEW.resolved_at IS NOT NULL AND NEW.assignee_id IS NOT NULL
            AND (OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.assignee_id IS NULL) THEN
            INSERT INTO report_dirty (hour) VALUES (date_trunc('hour', NEW.resolved_at, 'UTC'));
        END IF;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- The update trigger fires on a change of assignee too now.
DROP TRIGGER report_mark_update ON tickets;
CREATE TRIGGER report_mark_update AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.team_id IS DISTINCT FROM NEW.team_id
       OR OLD.category_id IS DISTINCT FROM NEW.category_id OR OLD.priority IS DISTINCT FROM NEW.priority
       OR OLD.source IS DISTINCT FROM NEW.source OR OLD.requester_id IS DISTINCT FROM NEW.requester_id
       OR OLD.first_response_due IS DISTINCT FROM NEW.first_response_due
       OR OLD.first_responded_at IS DISTINCT FROM NEW.first_responded_at
       OR OLD.resolution_due IS DISTINCT FROM NEW.resolution_due OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at
       OR OLD.resolution_count IS DISTINCT FROM NEW.resolution_count OR OLD.created_at IS DISTINCT FROM NEW.created_at
       OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id)
    EXECUTE FUNCTION report_mark_ticket();

-- +goose Down
DROP TRIGGER report_mark_update ON tickets;
CREATE TRIGGER report_mark_update AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.team_id IS DISTINCT FROM NEW.team_id
       OR OLD.category_id IS DISTINCT FROM NEW.category_id OR OLD.priority IS DISTINCT FROM NEW.priority
       OR OLD.source IS DISTINCT FROM NEW.source OR OLD.requester_id IS DISTINCT FROM NEW.requester_id
       OR OLD.first_response_due IS DISTINCT FROM NEW.first_response_due
       OR OLD.first_responded_at IS DISTINCT FROM NEW.first_responded_at
       OR OLD.resolution_due IS DISTINCT FROM NEW.resolution_due OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at
       OR OLD.resolution_count IS DISTINCT FROM NEW.resolution_count OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION report_mark_ticket();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (hour) VALUES (date_trunc('hour', NEW.created_at, 'UTC'));
    IF OLD.created_at IS DISTINCT FROM NEW.created_at THEN
        INSERT INTO report_dirty (hour) VALUES (date_trunc('hour', OLD.created_at, 'UTC'));
    END IF;
    IF (OLD.team_id, OLD.category_id, OLD.priority) IS DISTINCT FROM (NEW.team_id, NEW.category_id, NEW.priority) THEN
        INSERT INTO report_dirty (hour)
            SELECT date_trunc('hour', created_at, 'UTC') FROM satisfaction_ratings WHERE ticket_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_new_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (hour) SELECT DISTINCT date_trunc('hour', created_at, 'UTC') FROM changed;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TABLE report_load_days;
