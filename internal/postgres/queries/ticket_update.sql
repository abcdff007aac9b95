-- name: LockTicketFields :one
-- The fields ticket.Update may change, locked for the rest of the transaction.
SELECT status, priority, category_id, team_id, assignee_id
FROM tickets WHERE id = $1 FOR NO KEY UPDATE;

-- name: UpdateTicketFields :exec
UPDATE tickets SET priority = @priority, category_id = sqlc.narg(category_id), team_id = sqlc.narg(team_id),
    assignee_id = sqlc.narg(assignee_id), updated_at = now()
WHERE id = @id;
