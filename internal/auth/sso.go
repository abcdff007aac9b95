package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// SettingSSO is the settings key of the single sign-on configuration.
const SettingSSO = "sso"

// SSOSettings configure OpenID Connect sign-in; an admin edits them in the
// console. The client secret is stored sealed under the server key.
type SSOSettings struct {
	Enabled      bool   `json:"enabled"`
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	SecretSealed []byte `json:"client_secret_sealed,omitempty"`
	// Domains limits sign-in to these email domains; empty allows any.
	Domains []string `json:"domains"`
	// Claim names the ID-token claim (a string or a list, e.g. "groups")
	// that RoleMap and TeamMap read.
	Claim   string                   `json:"claim"`
	RoleMap map[string]helpdesk.Role `json:"role_map"`
	TeamMap map[string]string        `json:"team_map"` // claim value -> team slug
	// JIT creates an account on the first sign-in of an unknown person.
	JIT bool `json:"jit"`
	// Only turns password sign-in off for everyone but BreakGlass, an admin
	// who can still get in when the provider is down.
	Only       bool   `json:"only"`
	BreakGlass string `json:"break_glass"`
}

// Ready reports whether SSO sign-in can be offered.
func (s SSOSettings) Ready() bool { return s.Enabled && s.Issuer != "" && s.ClientID != "" }

// PasswordAllowed reports whether email may sign in with a password (or a
// passkey alone): always, unless SSO-only mode is on and email is not the
// break-glass admin.
func (s SSOSettings) PasswordAllowed(email string) bool {
	return !s.Ready() || !s.Only || (s.BreakGlass != "" && strings.EqualFold(strings.TrimSpace(email), s.BreakGlass))
}

// SSO runs the OpenID Connect authorisation code flow with PKCE, state and
// nonce, verifies ID tokens (signature against the provider's published
// keys, fetched again when an unknown key id appears; issuer; audience;
// expiry), and maps claims to a role and teams.
type SSO struct {
	DB     *postgres.DB
	Secret []byte
	// RedirectURL is the callback registered at the provider.
	RedirectURL string
	// Now is the clock for token expiry; nil means time.Now.
	Now func() time.Time
	// Client makes the requests to the provider; nil means a client with a
	// 15 s timeout.
	Client *http.Client
	Log    *slog.Logger

	mu       sync.Mutex
	provider *oidc.Provider // discovery for issuer, kept until the issuer changes
	issuer   string
}

// Settings reads the stored configuration (zero when none).
func (s *SSO) Settings(ctx context.Context) (SSOSettings, error) {
	var v SSOSettings
	raw, err := s.DB.Setting(ctx, SettingSSO)
	if err != nil || raw == nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("read SSO settings: %w", err)
	}
	return v, nil
}

func (s *SSO) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// Discover returns the provider of issuer from its discovery document,
// cached until the issuer changes; its key set is shared, so keys are
// fetched once and again only for an unknown key id (key rotation).
func (s *SSO) Discover(ctx context.Context, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider != nil && s.issuer == issuer {
		return s.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.client()), issuer)
	if err != nil {
		return nil, fmt.Errorf("discover OpenID provider %s: %w", issuer, err)
	}
	s.provider, s.issuer = p, issuer
	return p, nil
}

// ssoFlow is what an SSO round trip remembers (server side, in auth_flows).
type ssoFlow struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
	Issuer   string `json:"issuer"`
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Begin prepares a round trip: the provider's authorisation URL and the
// flow data to keep until the callback.
func (s *SSO) Begin(ctx context.Context, next string) (string, []byte, error) {
	set, err := s.Settings(ctx)
	if err != nil {
		return "", nil, err
	}
	if !set.Ready() {
		return "", nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Single sign-on is not set up.")
	}
	p, err := s.Discover(ctx, set.Issuer)
	if err != nil {
		s.logWarn("SSO discovery failed", err)
		return "", nil, ssoUnavailable()
	}
	f := ssoFlow{Verifier: oauth2.GenerateVerifier(), Next: next, Issuer: set.Issuer}
	if f.State, err = randomToken(); err != nil {
		return "", nil, err
	}
	if f.Nonce, err = randomToken(); err != nil {
		return "", nil, err
	}
	data, err := json.Marshal(f)
	if err != nil {
		return "", nil, err
	}
	cfg := s.oauth(set, p, "")
	return cfg.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), data, nil
}

func (s *SSO) oauth(set SSOSettings, p *oidc.Provider, secret string) *oauth2.Config {
	return &oauth2.Config{ClientID: set.ClientID, ClientSecret: secret, Endpoint: p.Endpoint(), RedirectURL: s.RedirectURL,
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

func ssoUnavailable() error {
	return helpdesk.Errorf(helpdesk.EUNAUTH, "The identity provider could not be reached. Please try again later.")
}

// ssoRefused is the answer to every failed callback: the reason goes to the
// log for admins, not to the browser.
func ssoRefused() error {
	return helpdesk.Errorf(helpdesk.EUNAUTH, "Single sign-on did not work. Please try again, or ask IT.")
}

func (s *SSO) logWarn(msg string, err error, args ...any) {
	if s.Log != nil {
		s.Log.Warn(msg, append(args, "err", err)...)
	}
}

// SSOClaims are the ID-token claims Switchboard reads.
type SSOClaims struct {
	Subject       string
	Email         string
	EmailVerified *bool
	Name          string
	Values        []string // the mapping claim's values
}

// Finish checks the callback against the flow (state), redeems the code
// with the PKCE verifier, verifies the ID token and its nonce, and returns
// the person it signs in (see Resolve).
func (s *SSO) Finish(ctx context.Context, flowData []byte, state, code string) (*helpdesk.User, string, error) {
	var f ssoFlow
	if err := json.Unmarshal(flowData, &f); err != nil {
		return nil, "", fmt.Errorf("read SSO flow: %w", err)
	}
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1 {
		s.logWarn("SSO callback refused", errors.New("state does not match"))
		return nil, "", ssoRefused()
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return nil, "", err
	}
	if !set.Ready() || set.Issuer != f.Issuer {
		return nil, "", ssoRefused()
	}
	p, err := s.Discover(ctx, set.Issuer)
	if err != nil {
		s.logWarn("SSO discovery failed", err)
		return nil, "", ssoUnavailable()
	}
	secret := ""
	if len(set.SecretSealed) > 0 {
		if secret, err = Open(s.Secret, "sso-client-secret", set.SecretSealed); err != nil {
			return nil, "", err
		}
	}
	cctx := oidc.ClientContext(ctx, s.client())
	tok, err := s.oauth(set, p, secret).Exchange(cctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		s.logWarn("SSO code exchange failed", err)
		return nil, "", ssoRefused()
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.logWarn("SSO callback refused", errors.New("no id_token in the token response"))
		return nil, "", ssoRefused()
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: set.ClientID, Now: s.Now}).Verify(cctx, raw)
	if err != nil {
		s.logWarn("SSO ID token refused", err)
		return nil, "", ssoRefused()
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		s.logWarn("SSO ID token refused", errors.New("nonce does not match"))
		return nil, "", ssoRefused()
	}
	claims, err := readClaims(idt, set.Claim)
	if err != nil {
		return nil, "", err
	}
	if claims.Email == "" && p.UserInfoEndpoint() != "" {
		// Some providers put the email only behind the userinfo endpoint.
		if ui, err := p.UserInfo(cctx, oauth2.StaticTokenSource(tok)); err == nil && ui.Subject == claims.Subject {
			claims.Email, claims.EmailVerified = ui.Email, &ui.EmailVerified
		}
	}
	u, err := s.Resolve(ctx, set, idt.Issuer, claims)
	if err != nil {
		return nil, "", err
	}
	return u, f.Next, nil
}

func readClaims(idt *oidc.IDToken, claim string) (SSOClaims, error) {
	var all map[string]any
	if err := idt.Claims(&all); err != nil {
		return SSOClaims{}, fmt.Errorf("read ID token claims: %w", err)
	}
	c := SSOClaims{Subject: idt.Subject}
	c.Email, _ = all["email"].(string)
	c.Name, _ = all["name"].(string)
	if v, ok := all["email_verified"].(bool); ok {
		c.EmailVerified = &v
	}
	switch v := all[claim].(type) {
	case string:
		c.Values = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				c.Values = append(c.Values, s)
			}
		}
	}
	return c, nil
}

// MapClaims returns the highest role and the teams the claim values map
// to; role is "" when no value maps to one.
func MapClaims(set SSOSettings, values []string) (helpdesk.Role, []string) {
	var role helpdesk.Role
	var teams []string
	for _, v := range values {
		if r, ok := set.RoleMap[v]; ok && rank(r) > rank(role) {
			role = r
		}
		if t, ok := set.TeamMap[v]; ok && !slices.Contains(teams, t) {
			teams = append(teams, t)
		}
	}
	slices.Sort(teams)
	return role, teams
}

func rank(r helpdesk.Role) int { return slices.Index(helpdesk.Roles, r) + 1 }

// EmailDomainAllowed reports whether email's domain is in the list (any
// domain when the list is empty).
func EmailDomainAllowed(domains []string, email string) bool {
	if len(domains) == 0 {
		return true
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	d := strings.ToLower(email[at+1:])
	return slices.ContainsFunc(domains, func(x string) bool { return strings.EqualFold(x, d) })
}
