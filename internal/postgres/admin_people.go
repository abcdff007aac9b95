package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// People and their team memberships as the admin console manages them;
// password links. Rights are the admin service's business: these methods
// read and write what they are asked.

// LedTeamIDs is DB.LedTeamIDs inside the transaction.
func (tx *Tx) LedTeamIDs(ctx context.Context, userID int64) ([]int64, error) {
	ids, err := tx.q.AdminLedTeamIDs(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("read teams led by %d: %w", userID, mapError(err))
	}
	return ids, nil
}

// UserTeamIDs lists the ids of the teams a user belongs to.
func (db *DB) UserTeamIDs(ctx context.Context, userID int64) ([]int64, error) {
	return userTeamIDs(ctx, db.q(), userID)
}

// UserTeamIDs is DB.UserTeamIDs inside the transaction.
func (tx *Tx) UserTeamIDs(ctx context.Context, userID int64) ([]int64, error) {
	return userTeamIDs(ctx, tx.q, userID)
}

func userTeamIDs(ctx context.Context, q *dbsqlc.Queries, userID int64) ([]int64, error) {
	ids, err := q.AdminUserTeamIDs(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("read teams of %d: %w", userID, mapError(err))
	}
	return ids, nil
}

// People lists up to 500 users, active first, by name: everyone when all
// is set, otherwise the members of teams. search filters by a substring of
// the name or email.
func (db *DB) People(ctx context.Context, all bool, teams []int64, search string) ([]helpdesk.Person, error) {
	rows, err := db.q().AdminListPeople(ctx, dbsqlc.AdminListPeopleParams{AllUsers: all,
		TeamIds: append([]int64{}, teams...), Pattern: ContainsPattern(strings.TrimSpace(search))})
	if err != nil {
		return nil, fmt.Errorf("list people: %w", mapError(err))
	}
	out := make([]helpdesk.Person, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.Person{User: helpdesk.User{ID: r.ID, Email: r.Email, Name: r.Name,
			Role: helpdesk.Role(r.Role), TimeZone: r.TimeZone, Active: r.Active}, HasPassword: r.HasPassword, Teams: r.Teams})
	}
	return out, nil
}

// Person reads a user with their team memberships.
func (db *DB) Person(ctx context.Context, id int64) (*helpdesk.Person, error) {
	return person(ctx, db.q(), id)
}

// Person is DB.Person inside the transaction.
func (tx *Tx) Person(ctx context.Context, id int64) (*helpdesk.Person, error) {
	return person(ctx, tx.q, id)
}

func person(ctx context.Context, q *dbsqlc.Queries, id int64) (*helpdesk.Person, error) {
	u, err := q.GetUser(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read person %d: %w", id, mapError(err))
	}
	ms, err := q.AdminMemberships(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read memberships of %d: %w", id, mapError(err))
	}
	p := &helpdesk.Person{User: *userFromRow(u), HasPassword: u.PasswordHash != nil}
	for _, m := range ms {
		p.Memberships = append(p.Memberships, helpdesk.Membership{TeamID: m.TeamID, TeamSlug: m.Slug, TeamName: m.Name,
			Lead: m.IsLead, Restricted: m.Restricted})
	}
	return p, nil
}

// LockUser reads a user and locks the row until the transaction ends, so
// two admins editing one person apply one after the other.
func (tx *Tx) LockUser(ctx context.Context, id int64) (*helpdesk.User, error) {
	u, err := tx.q.AdminLockUser(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("lock user %d: %w", id, mapError(err))
	}
	return userFromRow(u), nil
}

// UpdateUser sets a user's name and role.
func (tx *Tx) UpdateUser(ctx context.Context, id int64, name string, role helpdesk.Role) error {
	if err := tx.q.AdminUpdateUser(ctx, dbsqlc.AdminUpdateUserParams{ID: id, Name: name, Role: string(role)}); err != nil {
		return fmt.Errorf("update user %d: %w", id, mapError(err))
	}
	return nil
}

// EnsureAgentProfile creates a staff member's agent profile when missing.
func (tx *Tx) EnsureAgentProfile(ctx context.Context, userID int64) error {
	if err := tx.q.EnsureAgentProfile(ctx, userID); err != nil {
		return fmt.Errorf("create agent profile of %d: %w", userID, mapError(err))
	}
	return nil
}

// SetMemberships replaces a user's team memberships; a team that does not
// exist is EINVALID.
func (tx *Tx) SetMemberships(ctx context.Context, userID int64, ms []helpdesk.Membership) error {
	if err := tx.q.AdminDeleteMemberships(ctx, userID); err != nil {
		return fmt.Errorf("clear memberships of %d: %w", userID, mapError(err))
	}
	for _, m := range ms {
		if err := tx.q.AddTeamMember(ctx, dbsqlc.AddTeamMemberParams{TeamID: m.TeamID, UserID: userID, IsLead: m.Lead}); err != nil {
			return fmt.Errorf("add %d to team %d: %w", userID, m.TeamID, mapError(err))
		}
	}
	return nil
}

// SetUserActive activates or deactivates a user.
func (tx *Tx) SetUserActive(ctx context.Context, id int64, active bool) error {
	if err := tx.q.SetUserActive(ctx, dbsqlc.SetUserActiveParams{ID: id, Active: active}); err != nil {
		return fmt.Errorf("set user %d active=%t: %w", id, active, mapError(err))
	}
	return nil
}

// EndUserSessions deletes every session of a user in the transaction and
// says how many there were.
func (tx *Tx) EndUserSessions(ctx context.Context, userID int64) (int64, error) {
	n, err := tx.q.AdminDeleteSessions(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("end sessions of %d: %w", userID, mapError(err))
	}
	return n, nil
}

// SetPasswordHash stores a user's new password hash.
func (tx *Tx) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	if err := tx.q.SetPasswordHash(ctx, dbsqlc.SetPasswordHashParams{ID: userID, PasswordHash: &hash}); err != nil {
		return fmt.Errorf("set password of %d: %w", userID, mapError(err))
	}
	return nil
}

// PasswordToken is a one-time link to set a password, stored by the hash
// of its secret.
type PasswordToken struct {
	Hash      []byte
	UserID    int64
	Purpose   string // "invite" or "reset"
	CreatedBy int64
	ExpiresAt time.Time
}

// RevokePasswordTokens spends every unused link of a user.
func (tx *Tx) RevokePasswordTokens(ctx context.Context, userID int64) error {
	if err := tx.q.AdminRevokePasswordTokens(ctx, userID); err != nil {
		return fmt.Errorf("revoke password links of %d: %w", userID, mapError(err))
	}
	return nil
}

// InsertPasswordToken stores a new link.
func (tx *Tx) InsertPasswordToken(ctx context.Context, t PasswordToken) error {
	if err := tx.q.AdminInsertPasswordToken(ctx, dbsqlc.AdminInsertPasswordTokenParams{Hash: t.Hash, UserID: t.UserID,
		Purpose: t.Purpose, CreatedBy: &t.CreatedBy, ExpiresAt: t.ExpiresAt}); err != nil {
		return fmt.Errorf("store password link of %d: %w", t.UserID, mapError(err))
	}
	return nil
}

// PasswordLink is whom a valid link is for.
type PasswordLink struct {
	UserID  int64
	Purpose string
	Email   string
	Name    string
}

// PeekPasswordToken reads a link without spending it; ENOTFOUND when it is
// unknown, used, expired or its user deactivated.
func (db *DB) PeekPasswordToken(ctx context.Context, hash []byte) (*PasswordLink, error) {
	r, err := db.q().AdminPeekPasswordToken(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("read password link: %w", mapError(err))
	}
	return &PasswordLink{UserID: r.UserID, Purpose: r.Purpose, Email: r.Email, Name: r.Name}, nil
}

// TakePasswordToken spends a valid link and says whose it was (Email and
// Name are not read); ENOTFOUND as for PeekPasswordToken.
func (tx *Tx) TakePasswordToken(ctx context.Context, hash []byte) (*PasswordLink, error) {
	r, err := tx.q.AdminTakePasswordToken(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("use password link: %w", mapError(err))
	}
	return &PasswordLink{UserID: r.UserID, Purpose: r.Purpose}, nil
}
