package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Scope limits what an API token may do.
type Scope string

// Scopes.
const (
	ScopeRead      Scope = "read"       // GET only
	ScopeReadWrite Scope = "read_write" // everything its user may do
	ScopeAlerts    Scope = "alerts"     // only POST /api/v1/alerts/… (monitoring systems)
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s == ScopeRead || s == ScopeReadWrite || s == ScopeAlerts }

// TokenPrefix starts every API token, so secret scanners and people can
// recognise one.
const TokenPrefix = "sbt_"

// tokenEncoding renders 32 random bytes as 52 lowercase characters that are
// safe in headers, URLs and shells.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// tokenLen is the length of a well-formed token, checked before any query.
var tokenLen = len(TokenPrefix) + tokenEncoding.EncodedLen(32)

// Token describes an API token; its secret is never stored.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	Scope      Scope
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// Active reports whether the token still authenticates (ignoring its user).
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(now))
}

// NewToken is a token to create.
type NewToken struct {
	Name      string
	Scope     Scope      // default read_write
	ExpiresAt *time.Time // nil: never
}

// Tokens creates, lists, revokes and checks API tokens. Only an
// HMAC-SHA-256 of each secret under the server key is stored: a leaked
// table or backup cannot be replayed, and checking costs microseconds, not
// the tens of milliseconds a password hash would on every request.
type Tokens struct {
	DB  *postgres.DB
	Key []byte // config.SecretKey
	Now func() time.Time

	cache tokenCache
}

func (s *Tokens) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Tokens) hash(secret string) [32]byte {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(secret))
	var h [32]byte
	m.Sum(h[:0])
	return h
}

// Create makes a token for an active user and returns its secret, which is
// shown this once and never again.
func (s *Tokens) Create(ctx context.Context, user *helpdesk.User, in NewToken) (_ string, _ *Token, err error) {
	defer helpdesk.WrapOp(&err, "create API token for user %d", user.ID)
	var v helpdesk.Validation
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		v.Add("name", "Name the token, e.g. after the script that uses it.")
	case utf8.RuneCountInString(in.Name) > 100:
		v.Add("name", "Keep the name under 100 characters.")
	}
	if in.Scope == "" {
		in.Scope = ScopeReadWrite
	} else if !in.Scope.Valid() {
		v.Add("scope", "Scope must be read, read_write or alerts.")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		v.Add("expires_at", "Choose an expiry date in the future.")
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	if user == nil || !user.Active {
		return "", nil, helpdesk.Errorf(helpdesk.EFORBIDDEN, "Deactivated users cannot have API tokens.")
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	secret := TokenPrefix + tokenEncoding.EncodeToString(raw)
	h := s.hash(secret)
	t, err := s.DB.InsertAPIToken(ctx, postgres.APIToken{UserID: user.ID, Name: in.Name, Scope: string(in.Scope),
		ExpiresAt: in.ExpiresAt}, h[:])
	if err != nil {
		return "", nil, err
	}
	// Token scopes are privileges: who got which is audited (issue 14).
	if err := s.DB.Audit(ctx, user.ID, "api_token", t.ID, "create", nil, map[string]any{"user_id": user.ID,
		"name": in.Name, "scope": in.Scope, "expires_at": in.ExpiresAt}); err != nil {
		return "", nil, err
	}
	return secret, tokenOf(t), nil
}

// List returns a user's tokens, active ones first, newest first.
func (s *Tokens) List(ctx context.Context, userID int64) ([]Token, error) {
	ts, err := s.DB.APITokens(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Token, 0, len(ts))
	for i := range ts {
		out = append(out, *tokenOf(&ts[i]))
	}
	return out, nil
}

// Revoke ends one of the user's own tokens at once: on this node the
// cache is dropped here, other nodes hear of it on AuthChannel. Someone
// else's token, or one already revoked, is ENOTFOUND.
func (s *Tokens) Revoke(ctx context.Context, userID, tokenID int64) error {
	return s.RevokeBy(ctx, userID, userID, tokenID)
}

// RevokeBy is Revoke by actorID (the owner, or an admin), audited with the
// scope the token had.
func (s *Tokens) RevokeBy(ctx context.Context, actorID, userID, tokenID int64) (err error) {
	defer helpdesk.WrapOp(&err, "revoke API token %d of user %d", tokenID, userID)
	owner, name, scope, err := s.DB.APITokenInfo(ctx, tokenID)
	if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND || (err == nil && owner != userID) {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Token not found.")
	} else if err != nil {
		return err
	}
	err = s.DB.RevokeAPIToken(ctx, userID, tokenID)
	s.Forget()
	if err != nil {
		return err
	}
	return s.DB.Audit(ctx, actorID, "api_token", tokenID, "revoke",
		map[string]any{"user_id": userID, "name": name, "scope": scope}, map[string]any{"user_id": userID, "revoked": true})
}

// SetScope changes the scope of one of the user's active tokens, audited
// with before and after; ENOTFOUND for someone else's or a revoked token.
func (s *Tokens) SetScope(ctx context.Context, actorID, userID, tokenID int64, scope Scope) (err error) {
	defer helpdesk.WrapOp(&err, "set scope of API token %d of user %d", tokenID, userID)
	if !scope.Valid() {
		return helpdesk.Invalid("scope", "Scope must be read, read_write or alerts.")
	}
	_, err = s.DB.SetAPITokenScope(ctx, actorID, userID, tokenID, string(scope))
	s.Forget()
	return err
}

// errBadToken is the one answer for a missing, malformed, unknown, expired
// or revoked token, or a deactivated user: callers learn nothing about which.
var errBadToken = helpdesk.Errorf(helpdesk.EUNAUTH, "A valid API token is required.")

// Authenticate returns the user and token for a secret. The lookup is by
// the secret's HMAC through a unique index, so response time does not depend
// on how much of a guessed secret is right; the user's active flag is read
// in the same query. A token checked in the last few seconds comes from the
// node's cache (see tokenCache), which every change to tokens or users
// drops, so revocation, expiry and deactivation hold within milliseconds on
// every node; the caller gets its own copies either way. last_used_at is
// written at most once a minute per token.
func (s *Tokens) Authenticate(ctx context.Context, secret string) (_ *helpdesk.User, _ *Token, err error) {
	defer helpdesk.WrapOp(&err, "authenticate API token")
	if len(secret) != tokenLen || !strings.HasPrefix(secret, TokenPrefix) {
		return nil, nil, errBadToken
	}
	h := s.hash(secret)
	now := s.now()
	e, ok, err := s.cache.load(h, tokenFresh(now), func() (cachedToken, bool, error) {
		u, t, err := s.DB.APITokenByHash(ctx, h[:])
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			return cachedToken{}, false, nil
		} else if err != nil {
			return cachedToken{}, false, err
		}
		return cachedToken{user: *u, token: *tokenOf(t), checkedAt: now}, true, nil
	})
	if err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, errBadToken
	}
	if e.token.LastUsedAt == nil || now.Sub(*e.token.LastUsedAt) > time.Minute {
		e.token.LastUsedAt = &now
		if err := s.cache.write(h, e, func() error { return s.DB.TouchAPIToken(ctx, e.token.ID) }); err != nil {
			return nil, nil, err
		}
	}
	u, t := e.user, e.token
	return &u, &t, nil
}

// Forget drops this node's cached tokens; Revoke calls it, and the server
// after every request that may have written (a deactivation), so a change
// made here holds for the very next request.
func (s *Tokens) Forget() { s.cache.forget() }

// CacheHits is how many token checks this node answered from its cache.
func (s *Tokens) CacheHits() int64 { return s.cache.hits.Load() }

// Caching reports whether this node caches tokens (it hears AuthChannel).
func (s *Tokens) Caching() bool { return s.cache.caching() }

// Listening tells the tokens whether this node hears AuthChannel; only then
// are tokens cached.
func (s *Tokens) Listening(on bool) { s.cache.listening(on) }

func tokenOf(t *postgres.APIToken) *Token {
	return &Token{ID: t.ID, UserID: t.UserID, Name: t.Name, Scope: Scope(t.Scope), ExpiresAt: t.ExpiresAt,
		LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt, CreatedAt: t.CreatedAt}
}
