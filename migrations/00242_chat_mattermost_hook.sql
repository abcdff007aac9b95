-- +goose Up
-- Mattermost's outgoing webhook (thread replies into tickets) has a token
-- of its own, different from the slash command's; sealed like the others.
ALTER TABLE chat_connectors ADD COLUMN sealed_hook_token bytea;

-- +goose Down
ALTER TABLE chat_connectors DROP COLUMN sealed_hook_token;
