package admin

import (
	"context"
	"unicode/utf8"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// PasswordLink describes a valid one-time link, for the set-password page.
type PasswordLink struct {
	UserID int64
	Email  string
	Name   string
	Invite bool
}

// CheckPasswordLink reports who a link is for; ENOTFOUND when it is unknown,
// used, expired or its user deactivated.
func (s *Service) CheckPasswordLink(ctx context.Context, token string) (*PasswordLink, error) {
	if token == "" || len(token) > 100 {
		return nil, notFound()
	}
	r, err := s.db.PeekPasswordToken(ctx, tokenHash(token))
	if err != nil {
		return nil, err
	}
	return &PasswordLink{UserID: r.UserID, Email: r.Email, Name: r.Name, Invite: r.Purpose == "invite"}, nil
}

// UsePasswordLink sets the password through a one-time link: the link is
// spent, and every session of the user ends, in one transaction.
func (s *Service) UsePasswordLink(ctx context.Context, token, password, confirm string) (int64, error) {
	var v helpdesk.Validation
	if utf8.RuneCountInString(password) < 8 {
		v.Add("password", "Use at least 8 characters.")
	} else if len(password) > 1024 {
		v.Add("password", "Use at most 1024 characters.")
	} else if password != confirm {
		v.Add("confirm", "The two passwords differ.")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return 0, err
	}
	var userID int64
	err = s.db.InTx(ctx, func(tx *postgres.Tx) error {
		r, err := tx.TakePasswordToken(ctx, tokenHash(token))
		if err != nil {
			return err
		}
		userID = r.UserID
		if err := tx.SetPasswordHash(ctx, r.UserID, hash); err != nil {
			return err
		}
		if _, err := tx.EndUserSessions(ctx, r.UserID); err != nil {
			return err
		}
		self := &helpdesk.User{ID: r.UserID}
		return audit(ctx, tx, self, "user", r.UserID, "password_set", nil, map[string]any{"via": r.Purpose})
	})
	return userID, err
}
