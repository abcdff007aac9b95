-- name: InsertAPIToken :one
INSERT INTO api_tokens (user_id, name, hash, scope, expires_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, created_at;

-- name: APITokenByHash :one
-- One indexed lookup per API request. The user's active flag is checked here,
-- so deactivating a user stops every token at once.
SELECT t.id AS token_id, t.name AS token_name, t.scope, t.expires_at, t.last_used_at, t.created_at AS token_created_at,
       sqlc.embed(u)
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.active;

-- name: TouchAPIToken :exec
UPDATE api_tokens SET last_used_at = now()
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');

-- name: ListAPITokens :many
SELECT id, name, scope, expires_at, last_used_at, revoked_at, created_at
FROM api_tokens WHERE user_id = $1
ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC;

-- name: RevokeAPIToken :execrows
UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL;

-- name: GetIdempotencyKey :one
SELECT request_hash, status, location, body
FROM api_idempotency_keys
WHERE user_id = $1 AND key = $2 AND created_at > now() - interval '24 hours';

-- name: InsertIdempotencyKey :execrows
-- Zero rows means a live key exists: another request with it committed
-- first (a concurrent one waits for it here, then gets zero rows).
INSERT INTO api_idempotency_keys (user_id, key, request_hash, status, location, body)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (user_id, key) DO UPDATE
SET request_hash = EXCLUDED.request_hash, status = EXCLUDED.status, location = EXCLUDED.location,
    body = EXCLUDED.body, created_at = now()
WHERE api_idempotency_keys.created_at <= now() - interval '24 hours';

-- name: DeleteExpiredIdempotencyKeys :execrows
DELETE FROM api_idempotency_keys WHERE created_at <= now() - interval '24 hours';

-- name: GetCategoryByName :one
SELECT * FROM categories WHERE lower(name) = lower(@name::text);
