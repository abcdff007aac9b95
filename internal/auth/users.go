package auth

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// NewUser describes an account to create.
type NewUser struct {
	Email    string
	Name     string
	Role     helpdesk.Role
	TeamSlug string // optional; the user joins that team
	TimeZone string // IANA; default UTC
	Locale   string
	Password string // optional; empty means no password sign-in yet
}

// ValidateEmail normalises an address and reports a field error message.
func ValidateEmail(s string) (string, string) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if s == "" {
		return "", "Enter an email address."
	}
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") && !strings.HasSuffix(s, "localhost") {
		return s, "Enter a valid email address, like name@example.com."
	}
	return s, ""
}

// ValidTimeZone reports whether tz is a loadable IANA zone name.
func ValidTimeZone(tz string) bool {
	if tz == "" || tz == "Local" {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// ValidateNewUser checks and normalises in without touching the database.
func ValidateNewUser(in *NewUser) error {
	var v helpdesk.Validation
	email, msg := ValidateEmail(in.Email)
	if msg != "" {
		v.Add("email", msg)
	}
	in.Email = email
	in.Name = ValidateName(&v, in.Name)
	ValidateRole(&v, in.Role)
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	if !ValidTimeZone(in.TimeZone) {
		v.Add("timezone", "Unknown time zone; use an IANA name such as Europe/Berlin.")
	}
	if in.Locale == "" {
		in.Locale = "en"
	}
	if in.Password != "" && len(in.Password) < 8 {
		v.Add("password", "Use at least 8 characters.")
	}
	return v.Err()
}

// CreateUser validates and stores a user (and, for staff, an agent profile
// and team membership) in one transaction.
func CreateUser(ctx context.Context, db *postgres.DB, in NewUser) (*helpdesk.User, error) {
	if err := ValidateNewUser(&in); err != nil {
		return nil, err
	}
	email := in.Email
	var hash *string
	if in.Password != "" {
		h, err := HashPassword(in.Password)
		if err != nil {
			return nil, err
		}
		hash = &h
	}
	return db.CreateUser(ctx, postgres.NewUser{Email: email, Name: in.Name, Role: in.Role, TimeZone: in.TimeZone,
		Locale: in.Locale, PasswordHash: hash, TeamSlug: in.TeamSlug})
}

// ValidateName checks a person's name into v and returns it trimmed.
func ValidateName(v *helpdesk.Validation, name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		v.Add("name", "Enter a name.")
	} else if utf8.RuneCountInString(name) > 120 {
		v.Add("name", "Keep the name under 120 characters.")
	}
	return name
}

// ValidateRole checks a role into v; it reports whether the role is valid.
func ValidateRole(v *helpdesk.Validation, role helpdesk.Role) bool {
	if !role.Valid() {
		v.Add("role", "Role must be one of requester, agent, lead, admin.")
		return false
	}
	return true
}
