package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/postgres"
)

// SettingPrivilege is the settings key of privilege control (issue 14):
// whether granting the admin role needs a second admin (four-eyes), how
// long a request waits, and after how many days unused accounts and
// tokens are flagged on the access review.
const SettingPrivilege = "privilege_control"

// PrivilegeSettings is the stored form of SettingPrivilege. The zero value
// means the defaults: four-eyes on, 48 hours, 90 days.
type PrivilegeSettings struct {
	// FourEyesOff lets one admin grant the admin role alone (small teams).
	FourEyesOff bool `json:"four_eyes_off,omitempty"`
	GrantHours  int  `json:"grant_hours,omitempty"`
	UnusedDays  int  `json:"unused_days,omitempty"`
}

// Defaults of PrivilegeSettings.
const (
	DefaultGrantHours = 48
	DefaultUnusedDays = 90
)

// GrantLifetime is how long a request for the admin role waits for approval.
func (p PrivilegeSettings) GrantLifetime() time.Duration {
	if p.GrantHours <= 0 {
		return DefaultGrantHours * time.Hour
	}
	return time.Duration(p.GrantHours) * time.Hour
}

// Unused is the number of days after which an account or token counts as unused.
func (p PrivilegeSettings) Unused() int {
	if p.UnusedDays <= 0 {
		return DefaultUnusedDays
	}
	return p.UnusedDays
}

// LoadPrivilege reads the privilege-control settings (defaults when unset).
func LoadPrivilege(ctx context.Context, db *postgres.DB) (PrivilegeSettings, error) {
	var p PrivilegeSettings
	raw, err := db.Setting(ctx, SettingPrivilege)
	if err != nil || raw == nil {
		return p, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("read %s: %w", SettingPrivilege, err)
	}
	return p, nil
}
