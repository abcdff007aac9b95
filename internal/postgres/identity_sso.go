package postgres

import (
	"context"
	"encoding/json"
	"strconv"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// SSOIdentityUser returns the user linked to a provider's subject;
// ENOTFOUND when none.
func (db *DB) SSOIdentityUser(ctx context.Context, issuer, subject string) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT user_id FROM sso_identities WHERE issuer = $1 AND subject = $2`, issuer, subject).Scan(&id)
	return id, mapError(err)
}

// LinkSSOIdentity links a provider's subject to a user (first sign-in).
func (db *DB) LinkSSOIdentity(ctx context.Context, issuer, subject string, userID int64) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO sso_identities (issuer, subject, user_id) VALUES ($1, $2, $3)
		ON CONFLICT (issuer, subject) DO NOTHING`, issuer, subject, userID)
	return mapError(err)
}

// SSOApply gives a user the role ("" keeps it) and joins the teams (by
// slug; unknown slugs are skipped) that the provider's claims map to, with
// an audit entry per change, the provider as the actor (no person).
func (db *DB) SSOApply(ctx context.Context, userID int64, role helpdesk.Role, teamSlugs []string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var cur string
		if err := tx.tx.QueryRow(ctx, `SELECT role FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&cur); err != nil {
			return err
		}
		id := strconv.FormatInt(userID, 10)
		if role != "" && string(role) != cur {
			if _, err := tx.tx.Exec(ctx, `UPDATE users SET role = $2, updated_at = now() WHERE id = $1`, userID, string(role)); err != nil {
				return err
			}
			if role.IsStaff() {
				if err := tx.q.EnsureAgentProfile(ctx, userID); err != nil {
					return err
				}
			}
			if err := ssoAudit(ctx, tx, id, "sso_role", map[string]any{"role": cur}, map[string]any{"role": role}); err != nil {
				return err
			}
		}
		if len(teamSlugs) == 0 {
			return nil
		}
		rows, err := tx.tx.Query(ctx, `INSERT INTO team_members (team_id, user_id) SELECT id, $1 FROM teams WHERE slug = ANY($2)
			ON CONFLICT DO NOTHING RETURNING (SELECT slug FROM teams t WHERE t.id = team_id)`, userID, teamSlugs)
		if err != nil {
			return err
		}
		var joined []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			joined = append(joined, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(joined) == 0 {
			return nil
		}
		return ssoAudit(ctx, tx, id, "sso_teams", nil, map[string]any{"joined": joined})
	})
}

func ssoAudit(ctx context.Context, tx *Tx, userID, action string, before, after any) error {
	var b, a []byte
	var err error
	if before != nil {
		if b, err = json.Marshal(before); err != nil {
			return err
		}
	}
	if a, err = json.Marshal(after); err != nil {
		return err
	}
	return tx.q.AdminInsertAudit(ctx, dbsqlc.AdminInsertAuditParams{ObjectType: "user", ObjectID: userID, Action: action,
		Before: b, After: a})
}
