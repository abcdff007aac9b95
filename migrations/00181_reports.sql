-- +goose Up

-- Reports read tickets by creation time within a date range. The columns
-- every report needs ride along in the index, so a month of a million-ticket
-- history is an index-only range scan rather than a heap visit per ticket.
-- (Indexes over the ticket row's event-maintained timestamps, not daily
-- rollups: the figures stay exact for any time zone and range, and the cost
-- follows the tickets in the range, not the size of the history.)
CREATE INDEX tickets_report_created_idx ON tickets (created_at)
    INCLUDE (id, team_id, category_id, priority, status, source, assignee_id, first_responded_at,
             first_response_due, resolved_at, resolution_due, resolution_count);

-- Agent load over time counts the tickets open on each day: those still
-- unresolved, and those resolved after the range began.
CREATE INDEX tickets_report_unresolved_idx ON tickets (created_at)
    INCLUDE (assignee_id, team_id, category_id, priority) WHERE resolved_at IS NULL;
CREATE INDEX tickets_report_resolved_idx ON tickets (resolved_at)
    INCLUDE (created_at, assignee_id, team_id, category_id, priority) WHERE resolved_at IS NOT NULL;

-- Satisfaction by when it was given.
CREATE INDEX satisfaction_ratings_created_idx ON satisfaction_ratings (created_at);

-- +goose Down
DROP INDEX satisfaction_ratings_created_idx, tickets_report_resolved_idx, tickets_report_unresolved_idx, tickets_report_created_idx;
