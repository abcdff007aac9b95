package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
)

// Resolve finds or creates the person an ID token signs in: by the linked
// subject first, then by email (which links it); a new account only with
// just-in-time accounts on. The claims' role and teams are applied.
func (s *SSO) Resolve(ctx context.Context, set SSOSettings, issuer string, c SSOClaims) (*helpdesk.User, error) {
	email, msg := ValidateEmail(c.Email)
	if msg != "" || (c.EmailVerified != nil && !*c.EmailVerified) {
		s.logWarn("SSO sign-in refused", errors.New("no verified email in the ID token"), "subject", c.Subject)
		return nil, helpdesk.Errorf(helpdesk.EUNAUTH, "Your identity provider did not share a verified email address.")
	}
	if !EmailDomainAllowed(set.Domains, email) {
		s.logWarn("SSO sign-in refused", errors.New("email domain not allowed"), "email", email)
		return nil, helpdesk.Errorf(helpdesk.EUNAUTH, "Accounts of that email domain cannot sign in here.")
	}
	role, teams := MapClaims(set, c.Values)
	create := role
	if create == helpdesk.RoleAdmin {
		create = helpdesk.RoleAgent // a new account waits for approval like any admin grant (holdAdmin)
	}
	var u *helpdesk.User
	uid, err := s.DB.SSOIdentityUser(ctx, issuer, c.Subject)
	switch {
	case err == nil:
		if u, err = s.DB.ActiveUser(ctx, uid); err != nil {
			return nil, s.noAccount(err, email)
		}
	case helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND:
		if u, err = s.byEmailOrNew(ctx, set, email, c.Name, create); err != nil {
			return nil, err
		}
		if err := s.DB.LinkSSOIdentity(ctx, issuer, c.Subject, u.ID); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	if role == helpdesk.RoleAdmin && u.Role != helpdesk.RoleAdmin {
		held, err := s.holdAdmin(ctx, u)
		if err != nil {
			return nil, err
		}
		if held {
			role = u.Role
			if !role.IsStaff() {
				role = helpdesk.RoleAgent
			}
		}
	}
	if (role != "" && role != u.Role) || len(teams) > 0 {
		if err := s.DB.SSOApply(ctx, u.ID, role, teams); err != nil {
			return nil, err
		}
		if role != "" {
			u.Role = role
		}
	}
	return u, nil
}

func (s *SSO) byEmailOrNew(ctx context.Context, set SSOSettings, email, name string, role helpdesk.Role) (*helpdesk.User, error) {
	u, err := s.DB.UserByEmail(ctx, email)
	if err == nil {
		if !u.Active {
			return nil, s.noAccount(nil, email)
		}
		return u, nil
	}
	if helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		return nil, err
	}
	if !set.JIT {
		return nil, s.noAccount(nil, email)
	}
	if role == "" {
		role = helpdesk.RoleRequester
	}
	if strings.TrimSpace(name) == "" {
		name = email[:strings.IndexByte(email, '@')]
	}
	u, err = CreateUser(ctx, s.DB, NewUser{Email: email, Name: name, Role: role})
	if err != nil {
		return nil, err
	}
	if s.Log != nil {
		s.Log.Info("SSO created an account", "user_id", u.ID, "role", role)
	}
	return u, nil
}

func (s *SSO) noAccount(err error, email string) error {
	s.logWarn("SSO sign-in refused: no active account", err, "email", email)
	return helpdesk.Errorf(helpdesk.EUNAUTH, "There is no active account for you here. Please ask IT.")
}

// holdAdmin files a four-eyes request when the provider's mapping would
// make u an admin; held=false when the role may apply at once (four-eyes
// off, or no other admin to approve).
func (s *SSO) holdAdmin(ctx context.Context, u *helpdesk.User) (bool, error) {
	p, err := LoadPrivilege(ctx, s.DB)
	if err != nil || p.FourEyesOff {
		return false, err
	}
	return s.DB.FileSSOAdminGrant(ctx, u.ID, u.Role, time.Now().Add(p.GrantLifetime()))
}
