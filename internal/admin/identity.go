package admin

import (
	"context"
	"encoding/json"
	"slices"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// SecondFactorRoles returns the roles that must use a second factor
// (admins only).
func (s *Service) SecondFactorRoles(ctx context.Context, actor *helpdesk.User) ([]helpdesk.Role, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return (&auth.Factors{DB: s.db}).RequiredRoles(ctx)
}

// SetSecondFactorRoles stores which roles must use a second factor,
// audited with before and after. People of those roles who have none set
// one up at their next sign-in.
func (s *Service) SetSecondFactorRoles(ctx context.Context, actor *helpdesk.User, roles []helpdesk.Role) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	var clean []helpdesk.Role
	for _, r := range helpdesk.Roles { // a fixed order, duplicates dropped
		if slices.Contains(roles, r) {
			clean = append(clean, r)
		}
	}
	for _, r := range roles {
		if !r.Valid() {
			v.Add("roles", "Unknown role.")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		raw, err := tx.SettingTx(ctx, auth.SettingFactorRoles)
		if err != nil {
			return err
		}
		var before auth.FactorRoles
		if raw != nil {
			_ = json.Unmarshal(raw, &before)
		}
		after := auth.FactorRoles{Roles: clean}
		if slices.Equal(before.Roles, after.Roles) {
			return nil
		}
		b, err := json.Marshal(after)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, auth.SettingFactorRoles, b); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "setting", auth.SettingFactorRoles, "update", before, after)
	})
}

// PersonFactors lists a person's second factors (admins only).
func (s *Service) PersonFactors(ctx context.Context, actor *helpdesk.User, id int64) (helpdesk.SecondFactors, error) {
	if err := requireAdmin(actor); err != nil {
		return helpdesk.SecondFactors{}, err
	}
	return s.db.SecondFactors(ctx, id)
}

// ResetSecondFactors removes every second factor of a person who lost
// theirs: another admin does it (never oneself, or a stolen admin session
// could strip its own account's protection), and it is audited. If their
// role needs a factor they set a new one up at the next sign-in.
func (s *Service) ResetSecondFactors(ctx context.Context, actor *helpdesk.User, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if id == actor.ID {
		return helpdesk.Errorf(helpdesk.EINVALID, "You cannot reset your own second factors; ask another admin.")
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if _, err := tx.LockUser(ctx, id); err != nil {
			return err
		}
		totp, passkeys, codes, err := tx.DeleteSecondFactors(ctx, id)
		if err != nil {
			return err
		}
		if !totp && passkeys == 0 && codes == 0 {
			return helpdesk.Errorf(helpdesk.EINVALID, "They have no second factor to reset.")
		}
		before := map[string]any{"authenticator_app": totp, "passkeys": passkeys, "recovery_codes": codes}
		after := map[string]any{"authenticator_app": false, "passkeys": 0, "recovery_codes": 0}
		return audit(ctx, tx, actor, "user", id, "reset_second_factors", before, after)
	})
}

// ThreatResponse returns what a high-risk detection does besides the
// ticket and the mail (admins only).
func (s *Service) ThreatResponse(ctx context.Context, actor *helpdesk.User) (auth.ThreatResponse, error) {
	if err := requireAdmin(actor); err != nil {
		return auth.ThreatResponse{}, err
	}
	return auth.LoadThreatResponse(ctx, s.db)
}

// SetThreatResponse stores the responses to high-risk detections, audited
// with before and after (admins only).
func (s *Service) SetThreatResponse(ctx context.Context, actor *helpdesk.User, in auth.ThreatResponse) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		raw, err := tx.SettingTx(ctx, auth.SettingThreatResponse)
		if err != nil {
			return err
		}
		var before auth.ThreatResponse
		if raw != nil {
			_ = json.Unmarshal(raw, &before)
		}
		if before == in {
			return nil
		}
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, auth.SettingThreatResponse, b); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "setting", auth.SettingThreatResponse, "update", before, in)
	})
}

// SecurityEvents lists the latest threat detections with their evidence (admins only).
func (s *Service) SecurityEvents(ctx context.Context, actor *helpdesk.User) ([]helpdesk.SecurityEvent, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.db.SecurityEvents(ctx, 300)
}
