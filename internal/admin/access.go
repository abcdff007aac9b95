package admin

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// ReviewEvery is how often the access review is due.
const ReviewEvery = 7 * 24 * time.Hour

// AccessReview lists who holds which privilege (role, teams, restricted
// teams, second factor, API tokens with their scopes) and when each was
// last used; accounts and tokens unused for the configured number of days
// are flagged. Pending admin grants come with it (admins only).
func (s *Service) AccessReview(ctx context.Context, actor *helpdesk.User) (*helpdesk.AccessReview, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	set, err := auth.LoadPrivilege(ctx, s.db)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.AccessRows(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	cutoff := now.AddDate(0, 0, -set.Unused())
	stale := func(last *time.Time, created time.Time) bool {
		if last == nil {
			return created.Before(cutoff)
		}
		return last.Before(cutoff)
	}
	for i := range rows {
		rows[i].Unused = stale(rows[i].LastSignIn, rows[i].CreatedAt)
		for j := range rows[i].Tokens {
			t := &rows[i].Tokens[j]
			t.Unused = stale(t.LastUsedAt, t.CreatedAt)
		}
	}
	v := &helpdesk.AccessReview{Rows: rows, UnusedDays: set.Unused(), FourEyes: !set.FourEyesOff,
		GrantLifetime: set.GrantLifetime()}
	if v.LastReviewAt, v.LastReviewBy, err = s.db.LastAccessReview(ctx); err != nil {
		return nil, err
	}
	v.ReviewDue = v.LastReviewAt == nil || now.Sub(*v.LastReviewAt) >= ReviewEvery
	if v.Grants, err = s.AccessGrants(ctx, actor); err != nil {
		return nil, err
	}
	return v, nil
}

// RecordAccessReview notes in the audit log that actor went through the
// access review, with what it showed then.
func (s *Service) RecordAccessReview(ctx context.Context, actor *helpdesk.User, note string) error {
	v, err := s.AccessReview(ctx, actor)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if len(note) > 2000 {
		return helpdesk.Invalid("note", "Keep the note under 2,000 characters.")
	}
	sum := map[string]any{"accounts": len(v.Rows), "unused_days": v.UnusedDays}
	admins, unusedAccounts, tokens, unusedTokens := 0, 0, 0, 0
	for _, r := range v.Rows {
		if r.Role == helpdesk.RoleAdmin {
			admins++
		}
		if r.Unused {
			unusedAccounts++
		}
		for _, t := range r.Tokens {
			tokens++
			if t.Unused {
				unusedTokens++
			}
		}
	}
	sum["admins"], sum["unused_accounts"], sum["tokens"], sum["unused_tokens"] = admins, unusedAccounts, tokens, unusedTokens
	if note != "" {
		sum["note"] = note
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		return audit(ctx, tx, actor, "access_review", "weekly", "reviewed", nil, sum)
	})
}

// PrivilegeInput is the privilege-control settings form, as typed.
type PrivilegeInput struct {
	FourEyes   bool
	GrantHours string
	UnusedDays string
}

// SetPrivilege stores the privilege-control settings, audited with before
// and after (admins only).
func (s *Service) SetPrivilege(ctx context.Context, actor *helpdesk.User, in PrivilegeInput) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	hours, err := strconv.Atoi(strings.TrimSpace(in.GrantHours))
	if err != nil || hours < 1 || hours > 24*30 {
		v.Add("grant_hours", "Enter a number of hours from 1 to 720.")
	}
	days, err := strconv.Atoi(strings.TrimSpace(in.UnusedDays))
	if err != nil || days < 1 || days > 3650 {
		v.Add("unused_days", "Enter a number of days from 1 to 3650.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	after := auth.PrivilegeSettings{FourEyesOff: !in.FourEyes, GrantHours: hours, UnusedDays: days}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		raw, err := tx.SettingTx(ctx, auth.SettingPrivilege)
		if err != nil {
			return err
		}
		var before auth.PrivilegeSettings
		if raw != nil {
			_ = json.Unmarshal(raw, &before)
		}
		if before == after {
			return nil
		}
		b, err := json.Marshal(after)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, auth.SettingPrivilege, b); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "setting", auth.SettingPrivilege, "update", privilegeAudit(before), privilegeAudit(after))
	})
}

func privilegeAudit(p auth.PrivilegeSettings) map[string]any {
	return map[string]any{"four_eyes": !p.FourEyesOff, "grant_hours": int(p.GrantLifetime() / time.Hour), "unused_days": p.Unused()}
}
