-- +goose Up
-- Phishing reports (issue 15): an intake address marked for reports, each
-- report's suspect and analysis, campaigns (an incident ticket with the
-- reports as children) and the indicators that group them.
ALTER TABLE intake_addresses ADD COLUMN phishing boolean NOT NULL DEFAULT false;

ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_kind_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_kind_check CHECK (kind IN ('alert', 'detected', 'manual', 'phishing'));

-- One campaign: reports of the same mail or attack. Its incident ticket is
-- filed when the second report joins (a single report stays a ticket).
CREATE TABLE phishing_campaigns (
    id               bigserial PRIMARY KEY,
    ticket_id        bigint UNIQUE REFERENCES tickets ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    closed_notice_at timestamptz -- the "handled; delete the mail" notice went out
);

-- A report is a ticket: the mail a reporter forwarded (or uploaded), the
-- suspect found in it, and the analysis of the suspect.
CREATE TABLE phishing_reports (
    ticket_id     bigint PRIMARY KEY REFERENCES tickets ON DELETE CASCADE,
    reporter_id   bigint REFERENCES users ON DELETE SET NULL,
    inbound_id    bigint REFERENCES inbound_mail ON DELETE SET NULL,
    how           text NOT NULL DEFAULT '' CHECK (how IN ('', 'attachment', 'inline', 'redirect', 'upload')),
    suspect       bytea,      -- the reported mail as found; NULL until found
    verdict       text NOT NULL DEFAULT 'pending'
                  CHECK (verdict IN ('pending', 'malicious', 'suspicious', 'likely_safe', 'simulation')),
    auto_verdict  text NOT NULL DEFAULT 'pending',
    score         integer NOT NULL DEFAULT 0,
    reasons       text[] NOT NULL DEFAULT '{}',
    analysis      jsonb,      -- findings with evidence, links, attachments, auth
    overruled_by  bigint REFERENCES users ON DELETE SET NULL,
    overrule_note text NOT NULL DEFAULT '',
    campaign_id   bigint REFERENCES phishing_campaigns ON DELETE SET NULL,
    sender        text NOT NULL DEFAULT '',  -- the suspect's From address
    simhash       bigint NOT NULL DEFAULT 0, -- of its text, for near-identical mails
    delivered_at  timestamptz,               -- the suspect's Date header
    reported_at   timestamptz NOT NULL DEFAULT now(),
    analysed_at   timestamptz,
    teachback_at  timestamptz                -- the thank-you mail was posted
);
CREATE INDEX phishing_reports_reported_idx ON phishing_reports (reported_at);
CREATE INDEX phishing_reports_campaign_idx ON phishing_reports (campaign_id) WHERE campaign_id IS NOT NULL;

-- What a report is recognised by: sender addresses, link hosts, shortened
-- URLs, attachment hashes.
CREATE TABLE phishing_indicators (
    ticket_id bigint NOT NULL REFERENCES phishing_reports ON DELETE CASCADE,
    kind      text NOT NULL CHECK (kind IN ('sender', 'host', 'url', 'sha256')),
    value     text NOT NULL,
    PRIMARY KEY (ticket_id, kind, value)
);
CREATE INDEX phishing_indicators_value_idx ON phishing_indicators (kind, value);

-- +goose Down
DROP TABLE phishing_indicators, phishing_reports, phishing_campaigns;
DELETE FROM incidents WHERE kind = 'phishing';
ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_kind_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_kind_check CHECK (kind IN ('alert', 'detected', 'manual'));
ALTER TABLE intake_addresses DROP COLUMN phishing;
