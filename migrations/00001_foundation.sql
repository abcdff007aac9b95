-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('requester', 'agent', 'lead', 'admin')),
    time_zone     text NOT NULL DEFAULT 'UTC',
    locale        text NOT NULL DEFAULT 'en',
    active        boolean NOT NULL DEFAULT true,
    vip           boolean NOT NULL DEFAULT false,
    password_hash text,
    bouncing_at   timestamptz, -- set when mail to this address bounces
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Sessions: the cookie holds a random id; only its SHA-256 is stored, so a
-- leaked table cannot be replayed. Deleting rows signs people out.
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    user_agent   text NOT NULL DEFAULT '',
    ip           text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- API tokens: HMAC-SHA-256 of the secret under the server key, never the secret.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    name         text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    scope        text NOT NULL DEFAULT 'read_write' CHECK (scope IN ('read', 'read_write')),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE teams (
    id          bigserial PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    name        text NOT NULL,
    time_zone   text NOT NULL DEFAULT 'UTC',
    -- business calendar: [{"day":1,"start":540,"end":1020}, …], minutes from local midnight
    hours       jsonb NOT NULL DEFAULT '[]',
    restricted  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_holidays (
    team_id bigint NOT NULL REFERENCES teams ON DELETE CASCADE,
    day     date NOT NULL,
    name    text NOT NULL DEFAULT '',
    PRIMARY KEY (team_id, day)
);

CREATE TABLE team_members (
    team_id bigint NOT NULL REFERENCES teams ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    is_lead boolean NOT NULL DEFAULT false,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_idx ON team_members (user_id);

CREATE TABLE agent_profiles (
    user_id      bigint PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    capacity     integer NOT NULL DEFAULT 10 CHECK (capacity >= 0),
    availability text NOT NULL DEFAULT 'available' CHECK (availability IN ('available', 'away', 'offline')),
    languages    text[] NOT NULL DEFAULT '{}',
    last_assigned_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agent_skills (
    user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    skill   text NOT NULL,
    level   integer NOT NULL CHECK (level BETWEEN 1 AND 3),
    PRIMARY KEY (user_id, skill)
);

-- Weekly working hours in the agent's own time zone. end_minute <= start_minute
-- means the range crosses midnight into the next day.
CREATE TABLE agent_hours (
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    weekday      integer NOT NULL CHECK (weekday BETWEEN 0 AND 6), -- 0 = Sunday
    start_minute integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   integer NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    PRIMARY KEY (user_id, weekday, start_minute)
);

CREATE TABLE agent_time_off (
    id        bigserial PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    starts_on date NOT NULL,
    ends_on   date NOT NULL CHECK (ends_on >= starts_on),
    note      text NOT NULL DEFAULT ''
);
CREATE INDEX agent_time_off_user_idx ON agent_time_off (user_id, ends_on);

-- On-call rota: who carries the pager for a team, and when.
CREATE TABLE oncall_shifts (
    id        bigserial PRIMARY KEY,
    team_id   bigint NOT NULL REFERENCES teams ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    starts_at timestamptz NOT NULL,
    ends_at   timestamptz NOT NULL CHECK (ends_at > starts_at)
);
CREATE INDEX oncall_team_idx ON oncall_shifts (team_id, starts_at);

CREATE TABLE categories (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    team_id         bigint NOT NULL REFERENCES teams,
    required_skill  text,
    default_impact  text NOT NULL DEFAULT 'person' CHECK (default_impact IN ('person', 'team', 'department', 'organisation')),
    default_urgency text NOT NULL DEFAULT 'medium' CHECK (default_urgency IN ('low', 'medium', 'high', 'critical')),
    min_priority    text CHECK (min_priority IN ('P1', 'P2', 'P3', 'P4')),
    keywords        text[] NOT NULL DEFAULT '{}',
    follow_the_sun  boolean NOT NULL DEFAULT false,
    confidence_threshold real NOT NULL DEFAULT 0.5 CHECK (confidence_threshold BETWEEN 0 AND 1),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Editable impact x urgency matrix; seeded with ITIL defaults.
CREATE TABLE priority_matrix (
    impact   text NOT NULL,
    urgency  text NOT NULL,
    priority text NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    PRIMARY KEY (impact, urgency)
);
INSERT INTO priority_matrix (impact, urgency, priority)
SELECT i.v, u.v, CASE
        WHEN i.n + u.n >= 5 THEN 'P1' WHEN i.n + u.n >= 4 THEN 'P2'
        WHEN i.n + u.n >= 2 THEN 'P3' ELSE 'P4' END
FROM (VALUES ('person', 0), ('team', 1), ('department', 2), ('organisation', 3)) AS i(v, n),
     (VALUES ('low', 0), ('medium', 1), ('high', 2), ('critical', 3)) AS u(v, n);

-- SLA targets per priority, in business minutes of the owning team's calendar.
CREATE TABLE sla_policies (
    priority              text PRIMARY KEY CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    first_response_minutes integer NOT NULL CHECK (first_response_minutes > 0),
    resolution_minutes    integer NOT NULL CHECK (resolution_minutes > 0)
);
INSERT INTO sla_policies VALUES ('P1', 60, 240), ('P2', 240, 960), ('P3', 480, 2880), ('P4', 960, 4800);

CREATE SEQUENCE ticket_number_seq START 1000;

CREATE TABLE tickets (
    id                 bigserial PRIMARY KEY,
    number             bigint NOT NULL UNIQUE DEFAULT nextval('ticket_number_seq'),
    subject            text NOT NULL,
    status             text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'pending', 'on_hold', 'resolved', 'closed')),
    priority           text NOT NULL DEFAULT 'P3' CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    impact             text NOT NULL DEFAULT 'person' CHECK (impact IN ('person', 'team', 'department', 'organisation')),
    urgency            text NOT NULL DEFAULT 'medium' CHECK (urgency IN ('low', 'medium', 'high', 'critical')),
    category_id        bigint REFERENCES categories,
    team_id            bigint REFERENCES teams,
    assignee_id        bigint REFERENCES users,
    requester_id       bigint NOT NULL REFERENCES users,
    source             text NOT NULL DEFAULT 'portal',
    first_response_due timestamptz,
    resolution_due     timestamptz,
    -- the next deadline that still matters (first response until answered,
    -- then resolution); what the queue sorts by
    due_at             timestamptz,
    first_responded_at timestamptz,
    resolved_at        timestamptz,
    closed_at          timestamptz,
    resolution_count   integer NOT NULL DEFAULT 0,
    parent_id          bigint REFERENCES tickets, -- incident this ticket belongs to
    merged_into_id     bigint REFERENCES tickets,
    followup_of_id     bigint REFERENCES tickets,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- subject and public messages; requesters search this
    search             tsvector NOT NULL DEFAULT ''::tsvector,
    -- internal notes; only staff search includes it
    note_search        tsvector NOT NULL DEFAULT ''::tsvector
);
CREATE INDEX tickets_requester_idx ON tickets (requester_id, updated_at DESC);
CREATE INDEX tickets_open_due_idx ON tickets (due_at, id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_team_open_idx ON tickets (team_id, assignee_id, due_at, id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_assignee_open_idx ON tickets (assignee_id, due_at, id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_status_idx ON tickets (status, updated_at DESC);
CREATE INDEX tickets_parent_idx ON tickets (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX tickets_search_idx ON tickets USING gin (search);
CREATE INDEX tickets_note_search_idx ON tickets USING gin (note_search);
CREATE INDEX tickets_subject_trgm_idx ON tickets USING gin (subject gin_trgm_ops);

-- People who follow a ticket besides its requester (CC'd, added by staff).
CREATE TABLE ticket_participants (
    ticket_id bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, user_id)
);
CREATE INDEX ticket_participants_user_idx ON ticket_participants (user_id);

CREATE TABLE messages (
    id               bigserial PRIMARY KEY,
    ticket_id        bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    author_id        bigint REFERENCES users,
    internal         boolean NOT NULL DEFAULT false,
    body_text        text NOT NULL DEFAULT '',
    body_html        text NOT NULL DEFAULT '', -- already sanitised
    email_message_id text,
    source           text NOT NULL DEFAULT 'portal',
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_ticket_idx ON messages (ticket_id, created_at, id);
CREATE UNIQUE INDEX messages_email_message_id_key ON messages (email_message_id) WHERE email_message_id IS NOT NULL;

-- Every Message-ID known for a ticket, ours or received: threading looks here.
CREATE TABLE ticket_message_ids (
    message_id text PRIMARY KEY,
    ticket_id  bigint NOT NULL REFERENCES tickets ON DELETE CASCADE
);
CREATE INDEX ticket_message_ids_ticket_idx ON ticket_message_ids (ticket_id);

CREATE TABLE attachments (
    id           bigserial PRIMARY KEY,
    ticket_id    bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    message_id   bigint REFERENCES messages ON DELETE CASCADE,
    filename     text NOT NULL CHECK (filename <> '' AND filename !~ '[/\\]'),
    content_type text NOT NULL,
    size         bigint NOT NULL,
    content_id   text,
    inline       boolean NOT NULL DEFAULT false,
    data         bytea NOT NULL CHECK (octet_length(data) <= 104857600),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_message_idx ON attachments (message_id);
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id);

-- The audit trail of every ticket change.
CREATE TABLE ticket_events (
    id         bigserial PRIMARY KEY,
    ticket_id  bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    actor_id   bigint REFERENCES users, -- null: Switchboard itself
    kind       text NOT NULL,
    before     jsonb,
    after      jsonb,
    reason     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);

-- SLA pause ledger: the clock stops while a ticket waits on its requester.
CREATE TABLE sla_pauses (
    id         bigserial PRIMARY KEY,
    ticket_id  bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    paused_at  timestamptz NOT NULL,
    resumed_at timestamptz
);
CREATE INDEX sla_pauses_ticket_idx ON sla_pauses (ticket_id);

CREATE TABLE satisfaction_ratings (
    ticket_id     bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    resolution_no integer NOT NULL,
    rating        integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment       text NOT NULL DEFAULT '',
    user_id       bigint REFERENCES users,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, resolution_no)
);

-- Admin changes (who, what, before, after).
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    actor_id    bigint REFERENCES users,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    action      text NOT NULL,
    before      jsonb,
    after       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);

-- Sign-in throttling, in the database so it holds across app nodes.
CREATE TABLE login_attempts (
    key          text PRIMARY KEY, -- 'email:…' or 'ip:…'
    failures     integer NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);

-- Small key/value settings an admin edits (unknown-sender policy, …).
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value jsonb NOT NULL
);

-- +goose Down
DROP TABLE settings, login_attempts, audit_log, satisfaction_ratings, sla_pauses, ticket_events,
    attachments, ticket_message_ids, messages, ticket_participants, tickets, sla_policies,
    priority_matrix, categories, oncall_shifts, agent_time_off, agent_hours, agent_skills,
    agent_profiles, team_members, team_holidays, teams, api_tokens, sessions, users;
DROP SEQUENCE ticket_number_seq;
