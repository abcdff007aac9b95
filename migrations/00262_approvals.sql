-- +goose Up
-- Approvals for service requests (issue 17): a category may require that
-- the requester's manager, the team's leads or any one of a named group
-- approve a ticket before IT works it. The ticket waits on hold with its
-- SLA clock paused until someone decides or the request expires.

-- A person's manager (a profile field): who approves their requests.
ALTER TABLE users ADD COLUMN manager_id bigint REFERENCES users ON DELETE SET NULL
    CHECK (manager_id <> id);

ALTER TABLE categories
    ADD COLUMN approval text CHECK (approval IN ('manager', 'lead', 'group')),
    ADD COLUMN approvers bigint[] NOT NULL DEFAULT '{}',          -- 'group': any one of these people
    ADD COLUMN approval_remind_hours integer NOT NULL DEFAULT 24 CHECK (approval_remind_hours > 0),
    ADD COLUMN approval_expire_hours integer NOT NULL DEFAULT 120 CHECK (approval_expire_hours > 0);

CREATE TABLE approvals (
    id           bigserial PRIMARY KEY,
    ticket_id    bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    category_id  bigint REFERENCES categories ON DELETE SET NULL,
    mode         text NOT NULL CHECK (mode IN ('manager', 'lead', 'group')),
    approvers    bigint[] NOT NULL,                    -- any one of them decides
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'declined', 'expired', 'cancelled')),
    why          text NOT NULL DEFAULT '',             -- how the approvers were chosen
    requested_at timestamptz NOT NULL DEFAULT now(),
    remind_at    timestamptz NOT NULL,                 -- next reminder to the approvers
    reminders    integer NOT NULL DEFAULT 0,
    expires_at   timestamptz NOT NULL,
    decided_at   timestamptz,
    decided_by   bigint REFERENCES users ON DELETE SET NULL,
    via          text NOT NULL DEFAULT '',             -- web, mail, chat, api, expiry
    comment      text NOT NULL DEFAULT ''
);
-- One open request per ticket; a category asks once per ticket.
CREATE UNIQUE INDEX approvals_pending_ticket ON approvals (ticket_id) WHERE status = 'pending';
CREATE UNIQUE INDEX approvals_ticket_category ON approvals (ticket_id, category_id);
-- The periodic scan: reminders and expiries due.
CREATE INDEX approvals_due ON approvals (remind_at) WHERE status = 'pending';
-- An approver's page.
CREATE INDEX approvals_approvers ON approvals USING gin (approvers) WHERE status = 'pending';

-- +goose Down
DROP TABLE approvals;
ALTER TABLE categories DROP COLUMN approval, DROP COLUMN approvers, DROP COLUMN approval_remind_hours,
    DROP COLUMN approval_expire_hours;
ALTER TABLE users DROP COLUMN manager_id;
