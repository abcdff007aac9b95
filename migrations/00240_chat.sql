-- +goose Up
-- ChatOps: linked chat accounts, ticket threads in chat, team channels,
-- outbound deliveries with idempotency keys, replay protection.

-- Connector settings saved in the admin console; they override the
-- environment. Secrets are sealed under the server key (like IMAP passwords).
CREATE TABLE chat_connectors (
    name          text PRIMARY KEY CHECK (name IN ('slack', 'mattermost', 'matrix')),
    api_url       text NOT NULL DEFAULT '',
    sealed_secret bytea, -- Slack signing secret, Mattermost command token
    sealed_token  bytea, -- bot token
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- A chat account linked to a Switchboard user: only linked accounts act.
CREATE TABLE chat_links (
    connector    text NOT NULL,
    workspace    text NOT NULL DEFAULT '', -- Slack team id, Mattermost team id
    chat_user    text NOT NULL,
    chat_name    text NOT NULL DEFAULT '',
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, workspace, chat_user)
);
CREATE INDEX chat_links_user_idx ON chat_links (user_id);

-- One-time link offers: the bot sends the link, the person confirms it
-- while signed in. Only the SHA-256 of the token is kept.
CREATE TABLE chat_link_tokens (
    token_hash   bytea PRIMARY KEY,
    connector    text NOT NULL,
    workspace    text NOT NULL DEFAULT '',
    chat_user    text NOT NULL,
    chat_name    text NOT NULL DEFAULT '',
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);

-- Team channels: where a team's urgent tickets are announced. Tickets of a
-- restricted team go only to channels marked private to that team.
CREATE TABLE chat_channels (
    id           bigserial PRIMARY KEY,
    connector    text NOT NULL,
    channel      text NOT NULL,
    team_id      bigint NOT NULL REFERENCES teams ON DELETE CASCADE,
    private      boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connector, channel, team_id)
);

-- A chat message that stands for a ticket: the requester's thread (replies
-- go both ways) or a team channel card (updated in place).
CREATE TABLE chat_threads (
    id           bigserial PRIMARY KEY,
    ticket_id    bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    connector    text NOT NULL,
    channel      text NOT NULL,
    thread       text NOT NULL, -- Slack ts / Mattermost post id of the root message
    kind         text NOT NULL CHECK (kind IN ('requester', 'card')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connector, channel, thread)
);
CREATE INDEX chat_threads_ticket_idx ON chat_threads (ticket_id);

-- Outbound messages: each is delivered by a River job; the key makes a
-- retried or repeated request deliver once.
CREATE TABLE chat_deliveries (
    id           bigserial PRIMARY KEY,
    connector    text NOT NULL,
    idem_key     text NOT NULL,
    ticket_id    bigint REFERENCES tickets ON DELETE CASCADE,
    action       text NOT NULL CHECK (action IN ('post', 'update')),
    channel      text NOT NULL,
    thread       text NOT NULL DEFAULT '', -- reply in this thread
    target       text NOT NULL DEFAULT '', -- update this message
    bind         text NOT NULL DEFAULT '', -- record the posted message as this thread kind
    body         jsonb NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    remote_id    text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    UNIQUE (connector, idem_key)
);
CREATE INDEX chat_deliveries_recent_idx ON chat_deliveries (connector, id DESC);

-- Signed requests already seen (replay protection) and Slack event ids
-- already handled (Slack retries events); old rows are swept.
CREATE TABLE chat_seen (
    key          text PRIMARY KEY,
    seen_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_seen_at_idx ON chat_seen (seen_at);

-- +goose Down
DROP TABLE chat_seen, chat_deliveries, chat_threads, chat_channels, chat_link_tokens, chat_links, chat_connectors;
