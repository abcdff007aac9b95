-- +goose Up

-- Nodes keep recently checked API tokens in memory too (internal/auth), so
-- a change that could end a token or alter what it grants announces itself
-- on the same channel as session changes (00060), after commit; user
-- changes such as deactivation are announced there already. last_used_at,
-- written at most once a minute per token, is left out: it changes nothing
-- a token grants.
CREATE TRIGGER api_tokens_auth_changed AFTER UPDATE OF hash, user_id, scope, expires_at, revoked_at OR DELETE OR TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION sb_auth_changed();

-- +goose Down
DROP TRIGGER api_tokens_auth_changed ON api_tokens;
