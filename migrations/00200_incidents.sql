-- +goose Up
-- AIOps: alert intake, extracted entities, suspected incidents and known-issue banners.

-- Tokens that may only post monitoring alerts.
ALTER TABLE api_tokens DROP CONSTRAINT IF EXISTS api_tokens_scope_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scope_check CHECK (scope IN ('read', 'read_write', 'alerts'));

-- An incident is a ticket with children; this row holds what only incidents have.
CREATE TABLE incidents (
    ticket_id      bigint PRIMARY KEY REFERENCES tickets ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('alert', 'detected', 'manual')),
    published_at   timestamptz,            -- shown to employees as a known issue while set and open
    public_title   text NOT NULL DEFAULT '',
    public_message text NOT NULL DEFAULT '',
    affected       integer NOT NULL DEFAULT 0, -- "I'm affected too" clicks (deflected tickets)
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_published_idx ON incidents (published_at) WHERE published_at IS NOT NULL;

-- One Alertmanager alert group (groupKey) is one incident ticket.
CREATE TABLE alert_groups (
    id          bigserial PRIMARY KEY,
    group_key   text NOT NULL UNIQUE,
    ticket_id   bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    receiver    text NOT NULL DEFAULT '',
    labels      jsonb NOT NULL DEFAULT '{}', -- common labels
    status      text NOT NULL DEFAULT 'firing',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_groups_ticket_idx ON alert_groups (ticket_id);

CREATE TABLE alerts (
    group_id      bigint NOT NULL REFERENCES alert_groups ON DELETE CASCADE,
    fingerprint   text NOT NULL,
    status        text NOT NULL CHECK (status IN ('firing', 'resolved')),
    name          text NOT NULL DEFAULT '',
    labels        jsonb NOT NULL DEFAULT '{}',
    annotations   jsonb NOT NULL DEFAULT '{}',
    starts_at     timestamptz,
    ends_at       timestamptz,
    generator_url text NOT NULL DEFAULT '',
    fired         integer NOT NULL DEFAULT 1, -- times it went to firing (flaps)
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, fingerprint)
);

-- Entities extracted from each ticket (hosts, IPs, URLs, error codes, services, offices).
CREATE TABLE ticket_entities (
    ticket_id bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    kind      text NOT NULL,
    value     text NOT NULL,
    PRIMARY KEY (ticket_id, kind, value)
);
CREATE INDEX ticket_entities_value_idx ON ticket_entities (kind, value);

-- A burst the detector proposes: a new incident (target_id NULL) or more
-- children for an existing one.
CREATE TABLE suspected_incidents (
    id          bigserial PRIMARY KEY,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
    target_id   bigint REFERENCES tickets ON DELETE CASCADE,
    alert_id    bigint REFERENCES tickets ON DELETE SET NULL, -- related open alert incident
    started_at  timestamptz NOT NULL,
    proposed_at timestamptz NOT NULL DEFAULT now(),
    confidence  double precision NOT NULL DEFAULT 0,
    entities    text[] NOT NULL DEFAULT '{}',
    words       text[] NOT NULL DEFAULT '{}',
    decided_by  bigint REFERENCES users,
    decided_at  timestamptz,
    incident_id bigint REFERENCES tickets ON DELETE SET NULL -- the incident it became or joined
);
CREATE INDEX suspected_incidents_open_idx ON suspected_incidents (proposed_at) WHERE status = 'open';

CREATE TABLE suspected_incident_tickets (
    suspect_id bigint NOT NULL REFERENCES suspected_incidents ON DELETE CASCADE,
    ticket_id  bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    PRIMARY KEY (suspect_id, ticket_id)
);
CREATE INDEX suspected_incident_tickets_ticket_idx ON suspected_incident_tickets (ticket_id);

-- Ticket pairs an agent said are not one incident: never proposed together again.
CREATE TABLE incident_dismissed_pairs (
    a bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    b bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    PRIMARY KEY (a, b),
    CHECK (a < b)
);

-- +goose Down
DROP TABLE incident_dismissed_pairs, suspected_incident_tickets, suspected_incidents, ticket_entities,
    alerts, alert_groups, incidents;
ALTER TABLE api_tokens DROP CONSTRAINT IF EXISTS api_tokens_scope_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scope_check CHECK (scope IN ('read', 'read_write'));
