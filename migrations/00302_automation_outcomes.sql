-- +goose Up
-- A run shows what became of its notify_chat messages (sent with the chat
-- system's message id, or failed and why). Their deliveries carry the key
-- rule:<run id>:<ticket id>:<channel>; this index finds a run's by prefix
-- (a range on the C-collated key) without scanning every chat delivery.
CREATE INDEX chat_deliveries_rule_idx ON chat_deliveries ((idem_key COLLATE "C")) WHERE idem_key LIKE 'rule:%';
-- A run's webhook deliveries, by run.
CREATE INDEX webhook_deliveries_run_idx ON webhook_deliveries (run_id) WHERE run_id IS NOT NULL;

-- +goose Down
DROP INDEX webhook_deliveries_run_idx;
DROP INDEX chat_deliveries_rule_idx;
