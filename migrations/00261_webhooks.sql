-- +goose Up
-- Outbound webhooks: subscriptions to ticket events and every delivery
-- (rule actions' calls too), with the receiver's answers.

CREATE TABLE webhooks (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL CHECK (name <> ''),
    url             text NOT NULL,
    events          text[] NOT NULL DEFAULT '{}',    -- ticket event kinds; empty: every kind
    secret          text NOT NULL,                   -- HMAC-SHA256 key, shown once to the admin
    active          boolean NOT NULL DEFAULT true,
    failing_since   timestamptz,                     -- first failure of the current failure streak
    disabled_reason text NOT NULL DEFAULT '',
    created_by      bigint REFERENCES users,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id            bigserial PRIMARY KEY,
    webhook_id    bigint REFERENCES webhooks ON DELETE CASCADE, -- null: a rule's webhook action
    run_id        bigint REFERENCES automation_runs ON DELETE SET NULL,
    url           text NOT NULL,
    event         text NOT NULL,
    payload       jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    response_code integer,
    response_body text NOT NULL DEFAULT '',
    error         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_attempt  timestamptz,
    delivered_at  timestamptz
);
CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (webhook_id, id DESC);

-- Events go to the automation inbox while a rule is enabled or a webhook
-- is active: the inbox's drain also fans them out to the subscriptions.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION automation_inbox_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM automation_rules WHERE enabled AND trigger <> 'schedule')
       OR EXISTS (SELECT 1 FROM webhooks WHERE active) THEN
        INSERT INTO automation_inbox (event_id, ticket_id, kind, run_id, rule_id)
        VALUES (NEW.id, NEW.ticket_id, NEW.kind,
                nullif(current_setting('switchboard.automation_run', true), '')::bigint,
                nullif(current_setting('switchboard.automation_rule', true), '')::bigint);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION automation_inbox_add() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TABLE webhook_deliveries, webhooks;
