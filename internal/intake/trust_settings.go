package intake

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"switchboard/internal/helpdesk"
)

// trustPolicy is the sender-trust setup in force: the admin's saved
// settings, or the environment's when none were saved.
type trustPolicy struct {
	authServIDs []string
	relays      []*net.IPNet
	orgDomains  []string
}

// trustCache holds the policy read from the database for cacheTTL, so an
// admin's change reaches every node within seconds (and this node at once,
// see Trust.Reload) without a query per mail.
type trustCache struct {
	mu  sync.Mutex
	cur *trustPolicy
	at  time.Time
}

// ParseRelay reads one trusted relay: a CIDR, or a single address (taken
// as /32 or /128).
func ParseRelay(s string) (*net.IPNet, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		if strings.Contains(s, ":") {
			s += "/128"
		} else {
			s += "/32"
		}
	}
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("parse relay %q: %w", s, err)
	}
	return n, nil
}

// Reload forgets the cached settings: the next mail reads them again. The
// admin service calls it after a save, so this node needs no wait.
func (t *Trust) Reload() {
	if t == nil {
		return
	}
	t.cache.mu.Lock()
	t.cache.cur = nil
	t.cache.mu.Unlock()
}

// Current returns the trusted authserv-ids and the organisation's own
// domains in force, for other readers of reported mail (phishing analysis)
// that must agree with intake.
func (t *Trust) Current(ctx context.Context) (authServIDs, orgDomains []string) {
	p := t.policy(ctx)
	return p.authServIDs, p.orgDomains
}

// policy returns the setup in force. Without a database (tests, tools) it
// is the environment's; when the settings cannot be read it keeps the last
// known policy, or the environment's, rather than failing the mail.
func (t *Trust) policy(ctx context.Context) trustPolicy {
	env := trustPolicy{authServIDs: t.AuthServIDs, relays: t.Relays, orgDomains: t.OrgDomains}
	if t.DB == nil {
		return env
	}
	t.cache.mu.Lock()
	if t.cache.cur != nil && time.Since(t.cache.at) < cacheTTL {
		p := *t.cache.cur
		t.cache.mu.Unlock()
		return p
	}
	last := t.cache.cur
	t.cache.mu.Unlock()
	s, saved, err := t.DB.MailTrustSettings(ctx)
	if err != nil {
		if last != nil {
			return *last
		}
		return env
	}
	p := env
	if saved {
		p = fromSettings(s)
	}
	t.cache.mu.Lock()
	t.cache.cur, t.cache.at = &p, time.Now()
	t.cache.mu.Unlock()
	return p
}

// fromSettings turns saved settings into a policy; a relay that no longer
// parses (it was validated on save) is left out rather than trusted.
func fromSettings(s helpdesk.MailTrustSettings) trustPolicy {
	p := trustPolicy{authServIDs: s.AuthServIDs, orgDomains: s.OrgDomains}
	for _, r := range s.Relays {
		if n, err := ParseRelay(r); err == nil {
			p.relays = append(p.relays, n)
		}
	}
	return p
}

// fromRelay reports whether an SMTP client is one of the policy's relays.
func (p trustPolicy) fromRelay(ip string) bool {
	addr := net.ParseIP(ip)
	for _, n := range p.relays {
		if addr != nil && n.Contains(addr) {
			return true
		}
	}
	return false
}
