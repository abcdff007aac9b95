-- +goose Up

-- The bulk loader (switchboard load, the benchmarks) copies messages with
-- session_replication_role = replica to skip foreign-key checks, and that
-- also skips ordinary triggers: its messages got no search vector, so the
-- queue's search showed no snippet from them. The trigger only fills a
-- missing vector, so it may fire in every mode.
ALTER TABLE messages ENABLE ALWAYS TRIGGER messages_fill_search;
ALTER TABLE messages ENABLE ALWAYS TRIGGER messages_refill_search;

-- +goose Down
ALTER TABLE messages ENABLE TRIGGER messages_refill_search;
ALTER TABLE messages ENABLE TRIGGER messages_fill_search;
