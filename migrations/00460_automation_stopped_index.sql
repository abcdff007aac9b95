-- +goose Up

-- Every rules run asks whether rules were stopped on its ticket in the last
-- minutes. With the ticket and the time as its only indexed conditions the
-- planner ANDed the ticket's few events with a bitmap of every event of the
-- window (ticket_events_created_idx, kept for dry runs): 11,000 entries and
-- 0.4-0.5 ms per ticket after a minute of 360 tickets/s on the demo, and
-- growing with the rate. Stopped events are rare, so an index of them alone
-- is tiny and answers at once; the query names the kind as a literal so the
-- index's predicate matches.
CREATE INDEX ticket_events_automation_stopped_idx ON ticket_events (ticket_id, created_at)
    WHERE kind = 'automation_stopped';

-- +goose Down
DROP INDEX ticket_events_automation_stopped_idx;
