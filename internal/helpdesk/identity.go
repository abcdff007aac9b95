package helpdesk

import "time"

// SecondFactors is what a person has set up beyond the password.
type SecondFactors struct {
	TOTP         bool // an authenticator app is confirmed
	RecoveryLeft int  // unused one-time recovery codes
	Passkeys     []Passkey
}

// Any reports whether at least one second factor is set up (recovery codes
// alone do not count: they back up a factor, they are not one).
func (f SecondFactors) Any() bool { return f.TOTP || len(f.Passkeys) > 0 }

// Passkey is one registered WebAuthn credential.
type Passkey struct {
	ID         []byte
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// AuthFlow is a sign-in step in flight (see auth.Flows): kind says which,
// Data is the step's own JSON.
type AuthFlow struct {
	Kind     string
	UserID   int64 // 0 when the flow has no user yet (SSO, passwordless)
	Data     []byte
	Attempts int
}

// SSOIdentity links a provider's subject to a person.
type SSOIdentity struct {
	Issuer, Subject string
	UserID          int64
}
