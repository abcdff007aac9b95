-- +goose Up

-- The report index gains requester_id, which first-contact resolution
-- compares message authors with, so that report's ticket side stays an
-- index-only scan instead of reading each resolved ticket's row.
DROP INDEX tickets_report_created_idx;
CREATE INDEX tickets_report_created_idx ON tickets (created_at)
    INCLUDE (id, team_id, category_id, priority, status, source, assignee_id, requester_id, first_responded_at,
             first_response_due, resolved_at, resolution_due, resolution_count);

-- +goose Down
DROP INDEX tickets_report_created_idx;
CREATE INDEX tickets_report_created_idx ON tickets (created_at)
    INCLUDE (id, team_id, category_id, priority, status, source, assignee_id, first_responded_at,
             first_response_due, resolved_at, resolution_due, resolution_count);
