package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Lifetimes of one-time password links: an invitation may sit in someone's
// inbox over a holiday; a reset is asked for and used at once.
const (
	InviteLifetime = 7 * 24 * time.Hour
	ResetLifetime  = 24 * time.Hour
)

// People lists the users actor may manage: everyone for admins, the members
// of their teams for leads. q filters by name or email.
func (s *Service) People(ctx context.Context, actor *helpdesk.User, q string) ([]helpdesk.Person, error) {
	led, err := s.LedTeams(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.db.People(ctx, IsAdmin(actor), led, q)
}

// Person loads one user with their team memberships, if actor may manage them.
func (s *Service) Person(ctx context.Context, actor *helpdesk.User, id int64) (*helpdesk.Person, error) {
	if err := canManageAgent(ctx, s.db, actor, id); err != nil {
		return nil, err
	}
	return s.db.Person(ctx, id)
}

// NewPerson is the "add a person" form.
type NewPerson struct {
	Email    string
	Name     string
	Role     helpdesk.Role
	TimeZone string
	// Password sets a password now; empty invites: the answer carries a
	// one-time link to set one.
	Password    string
	Memberships []helpdesk.Membership // TeamID and Lead are read
}

// personAudit is what the audit log keeps of a person: never a password.
type personAudit struct {
	Email    string                `json:"email"`
	Name     string                `json:"name"`
	Role     helpdesk.Role         `json:"role"`
	TimeZone string                `json:"time_zone,omitempty"`
	Active   bool                  `json:"active"`
	Teams    []helpdesk.Membership `json:"teams,omitempty"`
	// AdminWithoutApproval says why an admin grant did not wait for a
	// second admin (four-eyes off, or nobody else to ask).
	AdminWithoutApproval string `json:"admin_without_approval,omitempty"`
}

func auditOf(p *helpdesk.Person) personAudit {
	return personAudit{Email: p.Email, Name: p.Name, Role: p.Role, TimeZone: p.TimeZone, Active: p.Active, Teams: p.Memberships}
}

// CreatePerson adds a user (admins only). Without a password it returns a
// one-time token for /reset/{token}, which the admin passes on: mail may not
// be set up yet.
func (s *Service) CreatePerson(ctx context.Context, actor *helpdesk.User, in NewPerson) (*helpdesk.User, string, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, "", err
	}
	nu := auth.NewUser{Email: in.Email, Name: in.Name, Role: in.Role, TimeZone: in.TimeZone, Password: in.Password}
	verr := auth.ValidateNewUser(&nu)
	var v helpdesk.Validation
	for _, f := range helpdesk.FieldErrors(verr) {
		v.Add(f.Field, f.Message)
	}
	if !in.Role.IsStaff() && len(in.Memberships) > 0 {
		v.Add("teams", "Requesters cannot be team members; choose a staff role.")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	var hash *string
	if nu.Password != "" {
		h, err := auth.HashPassword(nu.Password)
		if err != nil {
			return nil, "", err
		}
		hash = &h
	}
	set, err := auth.LoadPrivilege(ctx, s.db)
	if err != nil {
		return nil, "", err
	}
	var user *helpdesk.User
	var token string
	err = s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if _, err := tx.UserByEmail(ctx, nu.Email); err == nil {
			return helpdesk.Invalid("email", "A user with that email already exists.")
		}
		// A new admin is created as an agent; the admin role waits for a
		// second admin like any other grant (see gateAdmin).
		wantAdmin := nu.Role == helpdesk.RoleAdmin
		if wantAdmin {
			nu.Role = helpdesk.RoleAgent
		}
		// CreateUser also creates a staff member's agent profile.
		u, err := tx.CreateUser(ctx, postgres.NewUser{Email: nu.Email, Name: nu.Name, Role: nu.Role,
			TimeZone: nu.TimeZone, Locale: nu.Locale, PasswordHash: hash})
		if err != nil {
			return err
		}
		user = u
		if err := setMemberships(ctx, tx, u.ID, in.Memberships); err != nil {
			return err
		}
		note := ""
		if wantAdmin {
			role, pending, err := s.gateAdmin(ctx, tx, set, actor, u.ID, helpdesk.RoleAgent)
			if err != nil {
				return err
			}
			if !pending {
				note = soleAdminNote(set)
				if _, err := tx.SetUserRole(ctx, u.ID, role); err != nil {
					return err
				}
				user.Role = role
			}
		}
		p, err := tx.Person(ctx, u.ID)
		if err != nil {
			return err
		}
		action := "create"
		if hash == nil {
			action = "invite"
			if token, err = s.newPasswordToken(ctx, tx, actor, u.ID, "invite"); err != nil {
				return err
			}
		}
		a := auditOf(p)
		a.AdminWithoutApproval = note
		return audit(ctx, tx, actor, "user", u.ID, action, nil, a)
	})
	if err != nil {
		return nil, "", err
	}
	return user, token, nil
}

func setMemberships(ctx context.Context, tx *postgres.Tx, userID int64, ms []helpdesk.Membership) error {
	err := tx.SetMemberships(ctx, userID, ms)
	if helpdesk.ErrorCode(err) == helpdesk.EINVALID {
		return helpdesk.Invalid("teams", "One of the chosen teams does not exist any more.")
	}
	return err
}

// PersonUpdate is the "edit person" form: name, role and teams.
type PersonUpdate struct {
	Name        string
	Role        helpdesk.Role
	Memberships []helpdesk.Membership
}

// UpdatePerson changes a user's name, role and team memberships (admins only).
func (s *Service) UpdatePerson(ctx context.Context, actor *helpdesk.User, id int64, in PersonUpdate) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	in.Name = auth.ValidateName(&v, in.Name)
	if auth.ValidateRole(&v, in.Role) && id == actor.ID && in.Role != helpdesk.RoleAdmin {
		v.Add("role", "You cannot take away your own admin role; ask another admin.")
	}
	if in.Role.Valid() && !in.Role.IsStaff() && len(in.Memberships) > 0 {
		v.Add("teams", "Requesters cannot be team members; choose a staff role.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	set, err := auth.LoadPrivilege(ctx, s.db)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if _, err := tx.LockUser(ctx, id); err != nil {
			return err
		}
		before, err := tx.Person(ctx, id)
		if err != nil {
			return err
		}
		role, note := in.Role, ""
		if role == helpdesk.RoleAdmin && before.Role != helpdesk.RoleAdmin {
			var pending bool
			if role, pending, err = s.gateAdmin(ctx, tx, set, actor, id, before.Role); err != nil {
				return err
			} else if !pending {
				note = soleAdminNote(set)
			}
		}
		if err := tx.UpdateUser(ctx, id, in.Name, role); err != nil {
			return err
		}
		if role.IsStaff() {
			if err := tx.EnsureAgentProfile(ctx, id); err != nil {
				return err
			}
		}
		if err := setMemberships(ctx, tx, id, in.Memberships); err != nil {
			return err
		}
		after, err := tx.Person(ctx, id)
		if err != nil {
			return err
		}
		a := auditOf(after)
		a.AdminWithoutApproval = note
		return audit(ctx, tx, actor, "user", id, "update", auditOf(before), a)
	})
}

// SetActive deactivates or reactivates a user (admins only). Deactivation
// deletes every session in the same transaction, so the next request of that
// user is signed out; API tokens stop because their lookup checks
// users.active. Open tickets go back to triage: a rebalance job for the
// user is enqueued in the same transaction (and the periodic sweep would
// find them anyway).
func (s *Service) SetActive(ctx context.Context, actor *helpdesk.User, id int64, active bool) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if id == actor.ID && !active {
		return helpdesk.Errorf(helpdesk.EINVALID, "You cannot deactivate yourself; ask another admin.")
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		u, err := tx.LockUser(ctx, id)
		if err != nil {
			return err
		}
		if u.Active == active {
			return nil
		}
		if err := tx.SetUserActive(ctx, id, active); err != nil {
			return err
		}
		action := "reactivate"
		var after any = map[string]any{"active": true}
		if !active {
			action = "deactivate"
			n, err := tx.EndUserSessions(ctx, id)
			if err != nil {
				return err
			}
			after = map[string]any{"active": false, "sessions_revoked": n}
			if err := tx.RevokePasswordTokens(ctx, id); err != nil {
				return err
			}
			// Their open tickets go back to triage now (triage's rebalancer).
			if err := s.rebalance(ctx, tx, id); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, "user", id, action, map[string]any{"active": u.Active}, after)
	})
}

// ResetPassword issues a one-time link to set a new password (admins only);
// older links of that user stop working. The current password keeps working
// until the link is used.
func (s *Service) ResetPassword(ctx context.Context, actor *helpdesk.User, id int64) (string, error) {
	if err := requireAdmin(actor); err != nil {
		return "", err
	}
	var token string
	err := s.db.InTx(ctx, func(tx *postgres.Tx) error {
		u, err := tx.LockUser(ctx, id)
		if err != nil {
			return err
		}
		if !u.Active {
			return helpdesk.Errorf(helpdesk.EINVALID, "Reactivate the account first.")
		}
		if token, err = s.newPasswordToken(ctx, tx, actor, id, "reset"); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "user", id, "password_reset_link", nil, map[string]any{"expires_in": ResetLifetime.String()})
	})
	return token, err
}

func (s *Service) newPasswordToken(ctx context.Context, tx *postgres.Tx, actor *helpdesk.User, userID int64, purpose string) (string, error) {
	if err := tx.RevokePasswordTokens(ctx, userID); err != nil {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	life := ResetLifetime
	if purpose == "invite" {
		life = InviteLifetime
	}
	err := tx.InsertPasswordToken(ctx, postgres.PasswordToken{Hash: tokenHash(token), UserID: userID,
		Purpose: purpose, CreatedBy: actor.ID, ExpiresAt: s.now().Add(life)})
	return token, err
}

func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
