package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Privilege control (issue 14, item 5): four-eyes admin grants and the
// access review.

const grantColumns = `g.id, g.user_id, u.name, u.email, coalesce(g.requested_by, 0), coalesce(r.name, ''), g.from_role,
	g.reason, g.status, g.expires_at, coalesce(g.decided_by, 0), coalesce(d.name, ''), g.decided_at, g.created_at
	FROM admin_grants g JOIN users u ON u.id = g.user_id LEFT JOIN users r ON r.id = g.requested_by
	LEFT JOIN users d ON d.id = g.decided_by`

func scanGrant(row pgx.CollectableRow) (helpdesk.AdminGrant, error) {
	var g helpdesk.AdminGrant
	var from string
	err := row.Scan(&g.ID, &g.UserID, &g.UserName, &g.UserEmail, &g.RequestedBy, &g.RequesterName, &from,
		&g.Reason, &g.Status, &g.ExpiresAt, &g.DecidedBy, &g.DeciderName, &g.DecidedAt, &g.CreatedAt)
	g.FromRole = helpdesk.Role(from)
	return g, err
}

// OtherActiveAdmins counts the active admins other than the given users:
// whether anyone is left to approve a grant.
func (tx *Tx) OtherActiveAdmins(ctx context.Context, except ...int64) (int, error) {
	var n int
	err := tx.tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND active AND id <> ALL($1)`, except).Scan(&n)
	return n, mapError(err)
}

// InsertAdminGrant files a pending grant of the admin role; 0 when the
// person already has one waiting (that one stands).
func (tx *Tx) InsertAdminGrant(ctx context.Context, g helpdesk.AdminGrant) (int64, error) {
	var id int64
	err := tx.tx.QueryRow(ctx, `INSERT INTO admin_grants (user_id, requested_by, from_role, reason, expires_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) WHERE status = 'pending' DO NOTHING RETURNING id`,
		g.UserID, nullID(g.RequestedBy), string(g.FromRole), g.Reason, g.ExpiresAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, mapError(err)
}

// PendingGrantFor returns the person's pending grant; ENOTFOUND when none.
func (db *DB) PendingGrantFor(ctx context.Context, userID int64) (helpdesk.AdminGrant, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+grantColumns+` WHERE g.user_id = $1 AND g.status = 'pending'`, userID)
	if err != nil {
		return helpdesk.AdminGrant{}, mapError(err)
	}
	g, err := pgx.CollectExactlyOneRow(rows, scanGrant)
	return g, mapError(err)
}

// LockAdminGrant reads a grant and locks it until the transaction ends, so
// two admins deciding at once cannot both act on it.
func (tx *Tx) LockAdminGrant(ctx context.Context, id int64) (helpdesk.AdminGrant, error) {
	rows, err := tx.tx.Query(ctx, `SELECT `+grantColumns+` WHERE g.id = $1 FOR UPDATE OF g`, id)
	if err != nil {
		return helpdesk.AdminGrant{}, mapError(err)
	}
	g, err := pgx.CollectExactlyOneRow(rows, scanGrant)
	return g, mapError(err)
}

// DecideAdminGrant closes a pending grant with status, by decidedBy (0:
// nobody, it expired).
func (tx *Tx) DecideAdminGrant(ctx context.Context, id int64, status string, decidedBy int64) error {
	_, err := tx.tx.Exec(ctx, `UPDATE admin_grants SET status = $2, decided_by = $3, decided_at = now()
		WHERE id = $1 AND status = 'pending'`, id, status, nullID(decidedBy))
	return mapError(err)
}

// ExpireAdminGrants closes the pending grants whose time ran out, each with
// an audit entry, and returns how many.
func (db *DB) ExpireAdminGrants(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.tx.Query(ctx, `UPDATE admin_grants SET status = 'expired', decided_at = $1
			WHERE status = 'pending' AND expires_at <= $1 RETURNING id, user_id, from_role`, now)
		if err != nil {
			return err
		}
		type expired struct {
			id, user int64
			from     string
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (expired, error) {
			var e expired
			return e, r.Scan(&e.id, &e.user, &e.from)
		})
		if err != nil {
			return err
		}
		for _, e := range list {
			if err := tx.Audit(ctx, nil, "user", itoa64(e.user), "admin_grant_expired",
				map[string]any{"grant": e.id, "role": e.from, "status": "pending"},
				map[string]any{"grant": e.id, "role": e.from, "status": "expired"}); err != nil {
				return err
			}
		}
		n = len(list)
		return nil
	})
	return n, err
}

// AdminGrants lists the pending grants and the last decided ones, newest first.
func (db *DB) AdminGrants(ctx context.Context, decided int) ([]helpdesk.AdminGrant, error) {
	rows, err := db.pool.Query(ctx, `(SELECT `+grantColumns+` WHERE g.status = 'pending' ORDER BY g.id DESC)
		UNION ALL (SELECT `+grantColumns+` WHERE g.status <> 'pending' ORDER BY g.id DESC LIMIT $1)`, decided)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, scanGrant)
	return out, mapError(err)
}

// SetUserRole changes a user's role in tx (staff get an agent profile);
// it returns the role before.
func (tx *Tx) SetUserRole(ctx context.Context, userID int64, role helpdesk.Role) (helpdesk.Role, error) {
	var before string
	if err := tx.tx.QueryRow(ctx, `SELECT role FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&before); err != nil {
		return "", mapError(err)
	}
	if _, err := tx.tx.Exec(ctx, `UPDATE users SET role = $2, updated_at = now() WHERE id = $1`, userID, string(role)); err != nil {
		return "", mapError(err)
	}
	if role.IsStaff() {
		if err := tx.q.EnsureAgentProfile(ctx, userID); err != nil {
			return "", mapError(err)
		}
	}
	return helpdesk.Role(before), nil
}

// AccessRows lists every active account with its teams, second factor,
// last use and API tokens (active ones), for the access review.
func (db *DB) AccessRows(ctx context.Context) ([]helpdesk.AccessRow, error) {
	rows, err := db.pool.Query(ctx, `SELECT u.id, u.email, u.name, u.role, u.time_zone, u.active, u.created_at,
		greatest((SELECT max(at) FROM sign_ins s WHERE s.user_id = u.id AND s.ok),
		         (SELECT max(last_seen_at) FROM sessions x WHERE x.user_id = u.id)),
		EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id) OR
		EXISTS (SELECT 1 FROM webauthn_credentials w WHERE w.user_id = u.id)
		FROM users u WHERE u.active ORDER BY CASE u.role WHEN 'admin' THEN 0 WHEN 'lead' THEN 1 WHEN 'agent' THEN 2 ELSE 3 END,
		lower(u.name) LIMIT 5000`)
	if err != nil {
		return nil, mapError(err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.AccessRow, error) {
		var a helpdesk.AccessRow
		var role string
		err := r.Scan(&a.ID, &a.Email, &a.Name, &role, &a.TimeZone, &a.Active, &a.CreatedAt, &a.LastSignIn, &a.SecondFactor)
		a.Role = helpdesk.Role(role)
		return a, err
	})
	if err != nil {
		return nil, mapError(err)
	}
	index := make(map[int64]int, len(list))
	for i, a := range list {
		index[a.ID] = i
	}
	trows, err := db.pool.Query(ctx, `SELECT m.user_id, t.slug, m.is_lead, t.restricted FROM team_members m
		JOIN teams t ON t.id = m.team_id ORDER BY t.slug`)
	if err != nil {
		return nil, mapError(err)
	}
	var uid int64
	var team helpdesk.AccessTeam
	if _, err := pgx.ForEachRow(trows, []any{&uid, &team.Slug, &team.Lead, &team.Restricted}, func() error {
		if i, ok := index[uid]; ok {
			list[i].Teams = append(list[i].Teams, team)
		}
		return nil
	}); err != nil {
		return nil, mapError(err)
	}
	krows, err := db.pool.Query(ctx, `SELECT user_id, id, name, scope, created_at, last_used_at, expires_at FROM api_tokens
		WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) ORDER BY id`)
	if err != nil {
		return nil, mapError(err)
	}
	var tok helpdesk.AccessToken
	if _, err := pgx.ForEachRow(krows, []any{&uid, &tok.ID, &tok.Name, &tok.Scope, &tok.CreatedAt, &tok.LastUsedAt, &tok.ExpiresAt}, func() error {
		if i, ok := index[uid]; ok {
			list[i].Tokens = append(list[i].Tokens, tok)
		}
		return nil
	}); err != nil {
		return nil, mapError(err)
	}
	return list, nil
}

// LastAccessReview returns when the access review was last recorded and
// by whom; nil when never.
func (db *DB) LastAccessReview(ctx context.Context) (*time.Time, string, error) {
	var at time.Time
	var by string
	err := db.pool.QueryRow(ctx, `SELECT a.created_at, coalesce(u.name, '') FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
		WHERE a.object_type = 'access_review' ORDER BY a.id DESC LIMIT 1`).Scan(&at, &by)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", nil
	} else if err != nil {
		return nil, "", mapError(err)
	}
	return &at, by, nil
}

// SetAPITokenScope changes the scope of one of userID's active tokens and
// writes the audit entry (before and after) in the same transaction; it
// returns the scope before. ENOTFOUND for someone else's or a revoked token.
func (db *DB) SetAPITokenScope(ctx context.Context, actorID, userID, tokenID int64, scope string) (string, error) {
	var before string
	err := db.InTx(ctx, func(tx *Tx) error {
		var name string
		err := tx.tx.QueryRow(ctx, `SELECT scope, name FROM api_tokens WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
			FOR UPDATE`, tokenID, userID).Scan(&before, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return helpdesk.Errorf(helpdesk.ENOTFOUND, "Token not found.")
		} else if err != nil {
			return err
		}
		if before == scope {
			return nil
		}
		if _, err := tx.tx.Exec(ctx, `UPDATE api_tokens SET scope = $2 WHERE id = $1`, tokenID, scope); err != nil {
			return err
		}
		return tx.Audit(ctx, &actorID, "api_token", itoa64(tokenID), "scope",
			map[string]any{"user_id": userID, "name": name, "scope": before},
			map[string]any{"user_id": userID, "name": name, "scope": scope})
	})
	return before, mapError(err)
}

// APITokenInfo is one token's owner, name and scope (for audit entries).
func (db *DB) APITokenInfo(ctx context.Context, tokenID int64) (userID int64, name, scope string, err error) {
	err = db.pool.QueryRow(ctx, `SELECT user_id, name, scope FROM api_tokens WHERE id = $1`, tokenID).Scan(&userID, &name, &scope)
	return userID, name, scope, mapError(err)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// FileSSOAdminGrant files a request for the admin role that the SSO
// provider's role mapping asked for, with its audit entry (no actor: the
// provider). held=false when there is no other active admin to approve
// it, and the caller applies the role at once.
func (db *DB) FileSSOAdminGrant(ctx context.Context, userID int64, from helpdesk.Role, expires time.Time) (bool, error) {
	held := false
	err := db.InTx(ctx, func(tx *Tx) error {
		others, err := tx.OtherActiveAdmins(ctx, userID)
		if err != nil || others == 0 {
			return err
		}
		held = true
		id, err := tx.InsertAdminGrant(ctx, helpdesk.AdminGrant{UserID: userID, FromRole: from,
			Reason: "SSO role mapping", ExpiresAt: expires})
		if err != nil || id == 0 {
			return err
		}
		return tx.Audit(ctx, nil, "user", itoa64(userID), "admin_grant_requested", map[string]any{"role": from},
			map[string]any{"requested_role": helpdesk.RoleAdmin, "grant": id, "expires_at": expires, "by": "sso"})
	})
	return held, err
}
