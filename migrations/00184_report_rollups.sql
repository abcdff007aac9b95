-- +goose Up

-- Daily report rollups (issue #19: reports stay fast at a million tickets).
--
-- report_days holds, per time zone and local day, team, category and
-- priority, the counts the reports add up whose value no longer changes by
-- itself: tickets created that day (SLA outcomes already decided, first-
-- contact resolution, reopens, portal filings) and ratings given that day.
-- What changes with the clock alone (targets passing for unanswered and
-- unresolved tickets, the open backlog) is read live from small partial
-- indexes over those tickets.
--
-- Exactness: every write that can change a rolled-up figure marks the UTC
-- hour concerned in report_dirty (triggers below, so no writer can forget);
-- a report reads rolled-up days that are not marked and computes marked days
-- from the tickets, in one statement. A River job folds the marks into the
-- rollup every minute. Days are local days, so each zone a report is read
-- in gets its own rows: report_zones lists them, a zone is backfilled by the
-- job the first time someone reads a report in it (read live meanwhile).
CREATE TABLE report_zones (
    zone         text PRIMARY KEY,
    requested_at timestamptz NOT NULL DEFAULT now(),
    ready_at     timestamptz
);
INSERT INTO report_zones (zone) VALUES ('UTC');

CREATE TABLE report_dirty (
    id   bigserial PRIMARY KEY,
    hour timestamptz NOT NULL
);

CREATE TABLE report_days (
    zone        text NOT NULL,
    day         date NOT NULL,
    team_id     bigint,
    category_id bigint,
    priority    text NOT NULL,
    created     int NOT NULL DEFAULT 0,
    fr_met      int NOT NULL DEFAULT 0, -- answered within the first-response target
    fr_settled  int NOT NULL DEFAULT 0, -- answered, with a target
    res_met     int NOT NULL DEFAULT 0,
    res_settled int NOT NULL DEFAULT 0,
    resolved    int NOT NULL DEFAULT 0, -- resolved or closed now
    fcr         int NOT NULL DEFAULT 0, -- of those, solved at first contact
    reopen_of   int NOT NULL DEFAULT 0, -- resolved at least once
    reopened    int NOT NULL DEFAULT 0,
    portal      int NOT NULL DEFAULT 0, -- filed in the portal
    -- ratings given that day, by stars
    rated1      int NOT NULL DEFAULT 0,
    rated2      int NOT NULL DEFAULT 0,
    rated3      int NOT NULL DEFAULT 0,
    rated4      int NOT NULL DEFAULT 0,
    rated5      int NOT NULL DEFAULT 0
);
CREATE INDEX report_days_zone_day_idx ON report_days (zone, day);

-- Live parts: unanswered tickets (first-response targets passing) and
-- unresolved ones (resolution targets passing, backlog, agent load).
DROP INDEX tickets_report_unresolved_idx;
CREATE INDEX tickets_report_unresolved_idx ON tickets (created_at)
    INCLUDE (assignee_id, team_id, category_id, priority, status, resolution_due) WHERE resolved_at IS NULL;
CREATE INDEX tickets_report_unanswered_idx ON tickets (created_at)
    INCLUDE (team_id, category_id, priority, first_response_due) WHERE first_responded_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION report_mark_new_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (hour) SELECT DISTINCT date_trunc('hour', created_at, 'UTC') FROM changed;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_mark_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
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
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_mark_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only first-contact resolution reads messages, and only of resolved
    -- tickets: a reply before the resolution is covered by the resolving
    -- update's own mark.
    INSERT INTO report_dirty (hour)
        SELECT DISTINCT date_trunc('hour', t.created_at, 'UTC') FROM changed m JOIN tickets t ON t.id = m.ticket_id
        WHERE t.status IN ('resolved', 'closed');
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_mark_rating() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO report_dirty (hour) VALUES (date_trunc('hour', OLD.created_at, 'UTC'));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO report_dirty (hour) VALUES (date_trunc('hour', NEW.created_at, 'UTC'));
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER report_mark_insert AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_mark_new_tickets();
CREATE TRIGGER report_mark_delete AFTER DELETE ON tickets
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_mark_new_tickets();
CREATE TRIGGER report_mark_update AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.team_id IS DISTINCT FROM NEW.team_id
       OR OLD.category_id IS DISTINCT FROM NEW.category_id OR OLD.priority IS DISTINCT FROM NEW.priority
       OR OLD.source IS DISTINCT FROM NEW.source OR OLD.requester_id IS DISTINCT FROM NEW.requester_id
       OR OLD.first_response_due IS DISTINCT FROM NEW.first_response_due
       OR OLD.first_responded_at IS DISTINCT FROM NEW.first_responded_at
       OR OLD.resolution_due IS DISTINCT FROM NEW.resolution_due OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at
       OR OLD.resolution_count IS DISTINCT FROM NEW.resolution_count OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION report_mark_ticket();
CREATE TRIGGER report_mark_message_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_mark_messages();
CREATE TRIGGER report_mark_message_update AFTER UPDATE ON messages
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_mark_messages();
CREATE TRIGGER report_mark_message_update_old AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_mark_messages();
CREATE TRIGGER report_mark_message_delete AFTER DELETE ON messages
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_mark_messages();
CREATE TRIGGER report_mark_rating AFTER INSERT OR UPDATE OR DELETE ON satisfaction_ratings
    FOR EACH ROW EXECUTE FUNCTION report_mark_rating();

-- +goose Down
DROP TRIGGER report_mark_rating ON satisfaction_ratings;
DROP TRIGGER report_mark_message_delete ON messages;
DROP TRIGGER report_mark_message_update_old ON messages;
DROP TRIGGER report_mark_message_update ON messages;
DROP TRIGGER report_mark_message_insert ON messages;
DROP TRIGGER report_mark_update ON tickets;
DROP TRIGGER report_mark_delete ON tickets;
DROP TRIGGER report_mark_insert ON tickets;
DROP FUNCTION report_mark_rating(), report_mark_messages(), report_mark_ticket(), report_mark_new_tickets();
DROP INDEX tickets_report_unanswered_idx;
DROP INDEX tickets_report_unresolved_idx;
CREATE INDEX tickets_report_unresolved_idx ON tickets (created_at)
    INCLUDE (assignee_id, team_id, category_id, priority) WHERE resolved_at IS NULL;
DROP TABLE report_days, report_dirty, report_zones;

