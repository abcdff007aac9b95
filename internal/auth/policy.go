package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"switchboard/internal/helpdesk"
)

// SettingFactorRoles is the settings key listing the roles that must use a
// second factor. Unset means none: a fresh install, `user add` and the demo
// sign in with a password alone until an admin turns it on.
const SettingFactorRoles = "second_factor_roles"

// FactorRoles is the stored form of SettingFactorRoles.
type FactorRoles struct {
	Roles []helpdesk.Role `json:"roles"`
}

// RequiredRoles returns the roles that must use a second factor.
func (f *Factors) RequiredRoles(ctx context.Context) ([]helpdesk.Role, error) {
	raw, err := f.DB.Setting(ctx, SettingFactorRoles)
	if err != nil || raw == nil {
		return nil, err
	}
	var v FactorRoles
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("read %s: %w", SettingFactorRoles, err)
	}
	return v.Roles, nil
}

// Required reports whether role must use a second factor.
func (f *Factors) Required(ctx context.Context, role helpdesk.Role) (bool, error) {
	roles, err := f.RequiredRoles(ctx)
	return slices.Contains(roles, role), err
}

// RequiredFor reports whether u must use a second factor: their role's
// policy, or a high-risk detection that forced one on them.
func (f *Factors) RequiredFor(ctx context.Context, u *helpdesk.User) (bool, error) {
	if ok, err := f.Required(ctx, u.Role); err != nil || ok {
		return ok, err
	}
	return f.DB.SecondFactorForced(ctx, u.ID)
}
