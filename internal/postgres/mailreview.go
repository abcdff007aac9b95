package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
)

// ReviewMail lists stored mail with one of the statuses (held, ignored,
// bounce …), newest first, with its sender-authentication verdict. With
// teamsOf set, only mail for a team that user is a member of (a lead's
// review list).
func (db *DB) ReviewMail(ctx context.Context, statuses []string, limit int, teamsOf *int64) ([]helpdesk.ReviewMail, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, received_at, via, coalesce(nullif(sender, ''), envelope_from), subject,
		status, kind, reason, auth FROM inbound_mail WHERE status = ANY($1::text[])
		  AND ($3::bigint IS NULL OR team_id IN (SELECT team_id FROM team_members WHERE user_id = $3))
		ORDER BY received_at DESC, id DESC LIMIT $2`, statuses, limit, teamsOf)
	if err != nil {
		return nil, fmt.Errorf("list mail for review: %w", mapError(err))
	}
	defer rows.Close()
	var out []helpdesk.ReviewMail
	for rows.Next() {
		var m helpdesk.ReviewMail
		var auth []byte
		if err := rows.Scan(&m.ID, &m.ReceivedAt, &m.Via, &m.Sender, &m.Subject, &m.Status, &m.Kind, &m.Reason, &auth); err != nil {
			return nil, fmt.Errorf("list mail for review: %w", mapError(err))
		}
		if len(auth) > 0 {
			var v mail.AuthVerdict
			if json.Unmarshal(auth, &v) == nil && v.Result != "" {
				m.Verdict, m.VerdictSummary, m.VerdictReasons = v.Result, v.Summary(), v.Reasons
			}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list mail for review: %w", mapError(err))
	}
	return out, nil
}

// HeldForTeamsOf reports whether a mail is held for review for a team the
// user is a member of (what a lead may see and decide).
func (db *DB) HeldForTeamsOf(ctx context.Context, id, userID int64) (bool, error) {
	var ok bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inbound_mail i
		JOIN team_members tm ON tm.team_id = i.team_id AND tm.user_id = $2
		WHERE i.id = $1 AND i.status = 'held')`, id, userID).Scan(&ok); err != nil {
		return false, fmt.Errorf("review rights on mail %d: %w", id, mapError(err))
	}
	return ok, nil
}

// decisionStatuses are the statuses each decision applies to: release and
// reject are for held mail; any mail that made nothing can be made a ticket.
var decisionStatuses = map[string][]string{
	"release": {"held"},
	"reject":  {"held"},
	"ticket":  {"ignored", "bounce", "loop", "refused", "failed", "rejected", "held"},
}

// DecideInbound records an admin's or lead's decision on a mail that did not
// become a ticket: "ticket" or "release" queue it again to be processed as
// decided (the job is the caller's, in tx), "reject" closes it. It returns
// what the mail was, for the audit log, or ENOTFOUND when the mail is not in
// a state that decision applies to (say, another admin decided first). With
// teamsOf set, only mail for a team that user is a member of qualifies (a
// lead's decision).
func (tx *Tx) DecideInbound(ctx context.Context, id, actorID int64, decision string, teamsOf *int64) (helpdesk.MailDecision, error) {
	d := helpdesk.MailDecision{ID: id, Decision: decision}
	from, ok := decisionStatuses[decision]
	if !ok {
		return d, helpdesk.Errorf(helpdesk.EINVALID, "Unknown decision %q.", decision)
	}
	status, override := "queued", decision
	if decision == "reject" {
		status, override = "rejected", ""
	}
	err := tx.tx.QueryRow(ctx, `WITH old AS (SELECT id, status FROM inbound_mail WHERE id = $1 FOR UPDATE)
		UPDATE inbound_mail m SET status = $3, override = $4, decided_by = $2,
			processed_at = CASE WHEN $3 = 'queued' THEN NULL ELSE m.processed_at END
		FROM old WHERE m.id = old.id AND old.status = ANY($5::text[])
		  AND ($6::bigint IS NULL OR m.team_id IN (SELECT team_id FROM team_members WHERE user_id = $6))
		RETURNING old.status, coalesce(nullif(m.sender, ''), m.envelope_from), m.subject, m.reason`,
		id, actorID, status, override, from, teamsOf).Scan(&d.Before, &d.Sender, &d.Subject, &d.Reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found or already decided.")
	}
	if err != nil {
		return d, fmt.Errorf("decide mail %d: %w", id, mapError(err))
	}
	return d, nil
}
