-- +goose Up
-- Held mail is reviewed by the leads of the team it was for (issue 13): the
-- team of the ticket it named, else of the intake address it was sent to.
-- Mail for no team (or held before this column) is the admins' to review.
ALTER TABLE inbound_mail ADD COLUMN team_id bigint REFERENCES teams ON DELETE SET NULL;
CREATE INDEX inbound_mail_held_team_idx ON inbound_mail (team_id) WHERE status = 'held';

-- +goose Down
DROP INDEX inbound_mail_held_team_idx;
ALTER TABLE inbound_mail DROP COLUMN team_id;
