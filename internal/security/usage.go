package security

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"switchboard/internal/helpdesk"
)

// Thresholds of API and admin-console detection.
const (
	networkRecheck = 10 * time.Minute // a node re-notes a token's network at most this often
	burstWindow    = 5 * time.Minute
	burstMin       = 20 // audited admin changes by one person within burstWindow
)

// Network is the network an address belongs to for "new network"
// detection: its /24 (IPv4) or /48 (IPv6), so a home router's changing
// address is not news, another provider is.
func Network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p.String()
}

// seenNetworks remembers, per node, which token used which network lately,
// so an API request costs no write for it.
type seenNetworks struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (s *seenNetworks) fresh(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil || len(s.seen) > 50000 {
		s.seen = map[string]time.Time{}
	}
	if t, ok := s.seen[key]; ok && now.Sub(t) < networkRecheck {
		return true
	}
	s.seen[key] = now
	return false
}

// OnTokenUse is the API's hook for every authenticated request: a token
// used from a network it was never used from before, after it had been
// used elsewhere, is a high-risk event (a leaked token's first use by
// someone else looks exactly like this). Errors are logged, never fail the
// request.
func (d *Detector) OnTokenUse(ctx context.Context, u *helpdesk.User, tokenID int64, tokenName, ip string) {
	if u == nil || ip == "" {
		return
	}
	network := Network(ip)
	if d.networks.fresh(strconv.FormatInt(tokenID, 10)+"|"+network, d.now()) {
		return
	}
	isNew, earlier, err := d.DB.TouchTokenNetwork(ctx, tokenID, network)
	if err == nil && isNew && earlier > 0 {
		evidence := map[string]any{"account": u.Email, "token": tokenName, "token_id": tokenID, "network": network,
			"address": ip, "earlier_networks": earlier}
		_, err = d.raise(ctx, u, "token_new_network", "high", ip, fmt.Sprintf("token:%d", tokenID),
			fmt.Sprintf("API token of %s used from a new network", u.Email), evidence,
			fmt.Sprintf("Your API token %q was used from %s, a network it was never used from before", tokenName, ip))
	}
	if err != nil && d.Log != nil {
		d.Log.Warn("threat detection: token use", "token_id", tokenID, "err", err)
	}
}

// OnAdminAction is called after each change an admin makes (admin
// console and API writes): more than burstMin audited changes within
// burstWindow is a high-risk event, raised once per window — a stolen
// admin session being used to grant access or wipe settings looks like
// this. ip is the client's address.
func (d *Detector) OnAdminAction(ctx context.Context, u *helpdesk.User, ip string) {
	if u == nil || u.Role != helpdesk.RoleAdmin {
		return
	}
	err := d.adminAction(ctx, u, ip)
	if err != nil && d.Log != nil {
		d.Log.Warn("threat detection: admin burst", "user_id", u.ID, "err", err)
	}
}

func (d *Detector) adminAction(ctx context.Context, u *helpdesk.User, ip string) error {
	since := d.now().Add(-burstWindow)
	n, err := d.DB.AuditActionsSince(ctx, u.ID, since)
	if err != nil || n < burstMin {
		return err
	}
	if raised, err := d.DB.SecurityEventSince(ctx, u.ID, "admin_burst", since); err != nil || raised {
		return err
	}
	evidence := map[string]any{"account": u.Email, "actions": n, "window": burstWindow.String(), "address": ip}
	_, err = d.raise(ctx, u, "admin_burst", "high", ip, fmt.Sprintf("burst:%d", u.ID),
		fmt.Sprintf("Burst of admin actions by %s", u.Email), evidence,
		fmt.Sprintf("%d admin changes within %s from %s", n, burstWindow, ip))
	return err
}

// OnOwnerLocked records that a person locked their own account from a
// "was this you?" mail: the Security team's ticket about them hears of it
// (opened if there is none), as high-risk evidence that the detection was
// right.
func (d *Detector) OnOwnerLocked(ctx context.Context, u *helpdesk.User, ip string) {
	evidence := map[string]any{"account": u.Email, "address": ip,
		"signals": "the person answered: no, this was not me, and locked the account"}
	if _, err := d.raise(ctx, nil, "locked_by_owner", "high", ip, fmt.Sprintf("user:%d", u.ID),
		fmt.Sprintf("Suspicious sign-in to %s", u.Email), evidence, ""); err != nil && d.Log != nil {
		d.Log.Warn("threat detection: owner lock", "user_id", u.ID, "err", err)
	}
}
