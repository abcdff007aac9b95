-- +goose Up

-- GIN indexes take new entries into a pending list (fastupdate) and merge
-- it into the index when it passes gin_pending_list_limit (4 MB by default)
-- or at vacuum. Two costs of the default on the ticket search indexes,
-- measured on the 1M-ticket benchmark set: every search scans the whole
-- pending list (3,000 new tickets in it: a two-word open-queue search took
-- 6.95 ms of PostgreSQL CPU instead of 4.35 ms), and the insert that passes
-- the limit merges 4 MB alone (a 200-400 ms stall for that one request on
-- a busy machine, 80-90 ms with 256 kB). The total merge work is the same
-- either way (20,000 inserts and updates: equal CPU within noise); only its
-- chunks are smaller. fastupdate off cost 2.5 times as much per write.
ALTER INDEX tickets_search_idx SET (gin_pending_list_limit = 256);
ALTER INDEX tickets_note_search_idx SET (gin_pending_list_limit = 256);
ALTER INDEX tickets_open_search_idx SET (gin_pending_list_limit = 256);
ALTER INDEX tickets_open_note_search_idx SET (gin_pending_list_limit = 256);

-- +goose Down
ALTER INDEX tickets_search_idx RESET (gin_pending_list_limit);
ALTER INDEX tickets_note_search_idx RESET (gin_pending_list_limit);
ALTER INDEX tickets_open_search_idx RESET (gin_pending_list_limit);
ALTER INDEX tickets_open_note_search_idx RESET (gin_pending_list_limit);
