-- +goose Up

-- The team that holds tickets triage could not place: no category was given
-- and the classifier was not confident enough. It has no fixed hours (24x7)
-- so its SLA clock never waits for a shift; admins add leads to it.
INSERT INTO teams (slug, name, time_zone, hours) VALUES ('needs-triage', 'Needs triage', 'UTC', '[]')
ON CONFLICT (slug) DO NOTHING;

-- Triage state on the ticket: when it last ran, and when a queued ticket
-- (nobody eligible) is due to be tried again (the next eligible shift start).
ALTER TABLE tickets
    ADD COLUMN triaged_at          timestamptz,
    ADD COLUMN triage_retry_at     timestamptz,
    -- 75% marks of the two SLA targets, kept next to the due times so the
    -- minute scan is an index range instead of calendar arithmetic per row
    ADD COLUMN first_response_warn_at timestamptz,
    ADD COLUMN resolution_warn_at  timestamptz;
CREATE INDEX tickets_triage_retry_idx ON tickets (triage_retry_at)
    WHERE assignee_id IS NULL AND triage_retry_at IS NOT NULL AND status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_sla_warn_idx ON tickets (least(coalesce(first_response_warn_at, 'infinity'), coalesce(resolution_warn_at, 'infinity')))
    WHERE status NOT IN ('resolved', 'closed', 'pending');

-- Each agent's weighted open load (P1=4, P2=2, P3/P4=1, as
-- triage.LoadWeight), kept by a trigger on tickets so triage reads it from
-- the profile row it locks instead of counting open tickets while every
-- other triage of the team waits on that lock.
ALTER TABLE agent_profiles ADD COLUMN open_load integer NOT NULL DEFAULT 0;

CREATE FUNCTION ticket_load_weight(status text, priority text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status IN ('resolved', 'closed') THEN 0
                WHEN priority = 'P1' THEN 4 WHEN priority = 'P2' THEN 2 ELSE 1 END
$$;

-- +goose StatementBegin
CREATE FUNCTION tickets_track_load() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_w integer := 0;
    new_w integer := 0;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.assignee_id IS NOT NULL THEN
        old_w := ticket_load_weight(OLD.status, OLD.priority);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.assignee_id IS NOT NULL THEN
        new_w := ticket_load_weight(NEW.status, NEW.priority);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.assignee_id IS NOT DISTINCT FROM NEW.assignee_id THEN
        IF old_w <> new_w THEN
            UPDATE agent_profiles SET open_load = open_load + new_w - old_w WHERE user_id = NEW.assignee_id;
        END IF;
        RETURN NULL;
    END IF;
    IF old_w <> 0 THEN
        UPDATE agent_profiles SET open_load = open_load - old_w WHERE user_id = OLD.assignee_id;
    END IF;
    IF new_w <> 0 THEN
        UPDATE agent_profiles SET open_load = open_load + new_w WHERE user_id = NEW.assignee_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER tickets_track_load AFTER INSERT OR DELETE OR UPDATE OF assignee_id, status, priority ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_track_load();

UPDATE agent_profiles p SET open_load = coalesce((SELECT sum(ticket_load_weight(t.status, t.priority))
    FROM tickets t WHERE t.assignee_id = p.user_id), 0);

-- Which SLA alarms fired, so each fires exactly once per target per ticket
-- however many nodes scan.
CREATE TABLE sla_alarms (
    ticket_id bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    target    text NOT NULL CHECK (target IN ('first_response', 'resolution')),
    level     text NOT NULL CHECK (level IN ('warning', 'breached')),
    due_at    timestamptz NOT NULL,
    fired_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, target, level)
);

-- Tickets kept by an absent agent because they already answered; shown to
-- the team lead. Removed when the agent is back or the ticket moves on.
CREATE TABLE ticket_flags (
    ticket_id  bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    agent_id   bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    absence    text NOT NULL,
    reason     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, agent_id)
);

-- Historical, resolved tickets imported to train categorisation. Kept apart
-- from tickets: they have no requester, no SLA and must never reach a queue.
CREATE TABLE imported_tickets (
    id          bigserial PRIMARY KEY,
    text        text NOT NULL,
    category    text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

-- Trained categorisation models. Exactly one is active; nodes load it at
-- start and poll for a newer one.
CREATE TABLE classifier_models (
    id          bigserial PRIMARY KEY,
    model       bytea NOT NULL,
    labels      text[] NOT NULL,
    examples    integer NOT NULL,        -- how many tickets it learned from
    metrics     jsonb NOT NULL DEFAULT '{}',
    active      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    in_use_at   timestamptz              -- first time a node loaded it
);
CREATE UNIQUE INDEX classifier_models_active_key ON classifier_models (active) WHERE active;

-- +goose Down
DROP TABLE classifier_models, imported_tickets, ticket_flags, sla_alarms;
DROP TRIGGER tickets_track_load ON tickets;
DROP FUNCTION tickets_track_load();
DROP FUNCTION ticket_load_weight(text, text);
ALTER TABLE agent_profiles DROP COLUMN open_load;
DROP INDEX tickets_sla_warn_idx;
DROP INDEX tickets_triage_retry_idx;
ALTER TABLE tickets DROP COLUMN triaged_at, DROP COLUMN triage_retry_at,
    DROP COLUMN first_response_warn_at, DROP COLUMN resolution_warn_at;
DELETE FROM teams WHERE slug = 'needs-triage';
