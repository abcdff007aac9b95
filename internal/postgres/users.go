package postgres

import (
	"context"
	"fmt"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// User reads a user by id.
func (db *DB) User(ctx context.Context, id int64) (*helpdesk.User, error) {
	return user(ctx, db.q(), id)
}

// User reads a user by id inside the transaction.
func (tx *Tx) User(ctx context.Context, id int64) (*helpdesk.User, error) { return user(ctx, tx.q, id) }

func user(ctx context.Context, q *dbsqlc.Queries, id int64) (*helpdesk.User, error) {
	u, err := q.GetUser(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read user %d: %w", id, mapError(err))
	}
	return userFromRow(u), nil
}

// UserByEmail reads a user by email (case-insensitive).
func (db *DB) UserByEmail(ctx context.Context, email string) (*helpdesk.User, error) {
	u, err := db.q().GetUserByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("read user %s: %w", email, mapError(err))
	}
	return userFromRow(u), nil
}

func userFromRow(u dbsqlc.User) *helpdesk.User {
	return &helpdesk.User{ID: u.ID, Email: u.Email, Name: u.Name, Role: helpdesk.Role(u.Role), TimeZone: u.TimeZone,
		Locale: u.Locale, Active: u.Active, VIP: u.Vip, CreatedAt: u.CreatedAt, BouncingAt: u.BouncingAt}
}

// UserCredentials reads a user by email (case-insensitive) with the
// password hash, "" when the user has no password (SSO or passkeys only).
func (db *DB) UserCredentials(ctx context.Context, email string) (*helpdesk.User, string, error) {
	u, err := db.q().GetUserByEmail(ctx, email)
	if err != nil {
		return nil, "", fmt.Errorf("read user %s: %w", email, mapError(err))
	}
	var hash string
	if u.PasswordHash != nil {
		hash = *u.PasswordHash
	}
	return userFromRow(u), hash, nil
}

// NewUser is a user to create.
type NewUser struct {
	Email, Name  string
	Role         helpdesk.Role
	TimeZone     string
	Locale       string
	PasswordHash *string // nil: no password
	TeamSlug     string  // "" or the team to join (as lead when Role is lead)
}

// CreateUser stores a user and, for staff, an agent profile, and joins the
// team, in one transaction. A taken email is ECONFLICT and an unknown team
// EINVALID, each naming its form field.
func (db *DB) CreateUser(ctx context.Context, in NewUser) (*helpdesk.User, error) {
	var u *helpdesk.User
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		u, err = tx.CreateUser(ctx, in)
		return err
	})
	return u, err
}

// CreateUser is DB.CreateUser inside the transaction.
func (tx *Tx) CreateUser(ctx context.Context, in NewUser) (*helpdesk.User, error) {
	if _, err := tx.q.GetUserByEmail(ctx, in.Email); err == nil {
		return nil, &helpdesk.Error{Code: helpdesk.ECONFLICT, Message: "A user with that email already exists.",
			Fields: []helpdesk.FieldError{{Field: "email", Message: "A user with that email already exists."}}}
	}
	row, err := tx.q.CreateUser(ctx, dbsqlc.CreateUserParams{Email: in.Email, Name: in.Name, Role: string(in.Role),
		TimeZone: in.TimeZone, Locale: in.Locale, PasswordHash: in.PasswordHash})
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", in.Email, mapError(err))
	}
	if in.Role.IsStaff() {
		if err := tx.q.EnsureAgentProfile(ctx, row.ID); err != nil {
			return nil, fmt.Errorf("create agent profile of %s: %w", in.Email, mapError(err))
		}
	}
	if in.TeamSlug != "" {
		team, err := tx.q.GetTeamBySlug(ctx, in.TeamSlug)
		if err != nil {
			return nil, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Unknown team.",
				Fields: []helpdesk.FieldError{{Field: "team", Message: "No team with slug " + in.TeamSlug + "."}}}
		}
		if err := tx.q.AddTeamMember(ctx, dbsqlc.AddTeamMemberParams{TeamID: team.ID, UserID: row.ID,
			IsLead: in.Role == helpdesk.RoleLead}); err != nil {
			return nil, fmt.Errorf("add %s to team %s: %w", in.Email, in.TeamSlug, mapError(err))
		}
	}
	return userFromRow(row), nil
}
