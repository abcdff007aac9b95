-- +goose Up
-- Automation: rules, their runs with every change before/after (for rollback),
-- and an inbox of ticket events waiting for the rules.

CREATE TABLE automation_rules (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (name <> ''),
    trigger     text NOT NULL CHECK (trigger IN ('ticket.created', 'ticket.updated', 'message.received',
                                                 'sla.at_risk', 'sla.breached', 'schedule')),
    every_secs  integer NOT NULL DEFAULT 0,          -- schedule rules: how often
    condition   text NOT NULL DEFAULT '',
    actions     jsonb NOT NULL DEFAULT '[]',
    enabled     boolean NOT NULL DEFAULT false,
    position    integer NOT NULL DEFAULT 100,        -- evaluation order, lowest first
    team_id     bigint REFERENCES teams ON DELETE CASCADE, -- a lead's rule applies to this team's tickets only
    version     integer NOT NULL DEFAULT 1,          -- bumped by every edit; runs name the version they ran
    created_by  bigint REFERENCES users,
    updated_by  bigint REFERENCES users,
    last_run_at timestamptz,                         -- schedule rules
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_rules_trigger_idx ON automation_rules (trigger, position, id) WHERE enabled;

-- One firing of a rule (or a rollback of one), with what it touched.
CREATE TABLE automation_runs (
    id            bigserial PRIMARY KEY,
    rule_id       bigint NOT NULL REFERENCES automation_rules ON DELETE CASCADE,
    rule_version  integer NOT NULL,
    kind          text NOT NULL DEFAULT 'run' CHECK (kind IN ('run', 'rollback', 'manual')),
    trigger       text NOT NULL,
    event_id      bigint,                             -- the ticket event that triggered it
    rollback_of   bigint REFERENCES automation_runs,  -- kind rollback: the run undone
    actor_id      bigint REFERENCES users,            -- who asked (rollback, manual run); null: an event
    results       jsonb NOT NULL DEFAULT '[]',        -- actions' external results (webhook, chat, replies sent)
    conflicts     jsonb NOT NULL DEFAULT '[]',        -- rollback: what was left alone and why
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_runs_rule_idx ON automation_runs (rule_id, id DESC);

-- Every field a run changed, with its value before and after.
CREATE TABLE automation_changes (
    id         bigserial PRIMARY KEY,
    run_id     bigint NOT NULL REFERENCES automation_runs ON DELETE CASCADE,
    ticket_id  bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    field      text NOT NULL,
    before     jsonb,
    after      jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_changes_run_idx ON automation_changes (run_id, id);
-- Loop protection counts a ticket's rule changes of the last minute.
CREATE INDEX automation_changes_ticket_idx ON automation_changes (ticket_id, created_at);

-- Ticket events waiting for the rules. A trigger fills it in the event's own
-- transaction (so no event is missed or seen before it commits) and only
-- while some rule is enabled, so a helpdesk without rules pays one index
-- probe per event. run_id is the automation run that caused the event, so a
-- rule's own change never triggers that rule again.
CREATE TABLE automation_inbox (
    event_id   bigint PRIMARY KEY,
    ticket_id  bigint NOT NULL,
    kind       text NOT NULL,
    run_id     bigint,
    rule_id    bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_inbox_ticket_idx ON automation_inbox (ticket_id, event_id);

-- +goose StatementBegin
CREATE FUNCTION automation_inbox_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM automation_rules WHERE enabled AND trigger <> 'schedule') THEN
        INSERT INTO automation_inbox (event_id, ticket_id, kind, run_id, rule_id)
        VALUES (NEW.id, NEW.ticket_id, NEW.kind,
                nullif(current_setting('switchboard.automation_run', true), '')::bigint,
                nullif(current_setting('switchboard.automation_rule', true), '')::bigint);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER ticket_events_automation AFTER INSERT ON ticket_events
    FOR EACH ROW WHEN (NEW.kind IN ('created', 'status_changed', 'fields_changed', 'assigned',
                                    'replied', 'noted', 'sla_warning', 'sla_breached'))
    EXECUTE FUNCTION automation_inbox_add();

-- Dry-run reads the last N days of events; without this it would scan them all.
CREATE INDEX ticket_events_created_idx ON ticket_events (created_at);

-- +goose Down
DROP TRIGGER ticket_events_automation ON ticket_events;
DROP FUNCTION automation_inbox_add();
DROP INDEX ticket_events_created_idx;
DROP TABLE automation_inbox, automation_changes, automation_runs, automation_rules;
