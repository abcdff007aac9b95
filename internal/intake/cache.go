package intake

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
)

// cacheTTL bounds how long an admin's change to intake addresses or the
// sender policy takes to apply; a burst of mail saves a query per message.
const cacheTTL = 5 * time.Second

// directory caches the intake addresses and the unknown-sender policy.
type directory struct {
	mu      sync.Mutex
	addrs   map[string]addrEntry
	policy  *SenderPolicy
	policyT time.Time
}

type addrEntry struct {
	addr *helpdesk.IntakeAddress // nil: no such address
	at   time.Time
}

// address returns the intake address for a local part, or nil.
func (d *directory) address(ctx context.Context, db *postgres.DB, local string) (*helpdesk.IntakeAddress, error) {
	local = strings.ToLower(local)
	d.mu.Lock()
	if e, ok := d.addrs[local]; ok && time.Since(e.at) < cacheTTL {
		d.mu.Unlock()
		return e.addr, nil
	}
	d.mu.Unlock()
	out, err := db.IntakeAddress(ctx, local)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if d.addrs == nil || len(d.addrs) > 1000 {
		d.addrs = map[string]addrEntry{}
	}
	d.addrs[local] = addrEntry{out, time.Now()}
	d.mu.Unlock()
	return out, nil
}

// ours reports whether addr is an address we take mail for: a valid signed
// reply address or a configured intake address on domain.
func (d *directory) ours(ctx context.Context, db *postgres.DB, secret []byte, domain, addr string) (bool, error) {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	local, ok := localPart(addr, domain)
	if !ok {
		return false, nil
	}
	if _, _, ok := mail.ParseReplyAddress(secret, addr, domain); ok {
		return true, nil
	}
	if _, ok := mail.ParseBounceAddress(secret, addr, domain); ok {
		return true, nil // the return path of mail we sent: its delivery reports
	}
	if mail.IsApprovalAddress(addr, domain) {
		// An approval's reply address: its signature names the approver,
		// so it is checked against the sender when the mail is processed.
		return true, nil
	}
	a, err := d.address(ctx, db, local)
	return a != nil, err
}

// localPart returns what comes before the @ of addr (angle brackets and
// spaces ignored) when addr is on domain.
func localPart(addr, domain string) (string, bool) {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || !strings.EqualFold(addr[at+1:], domain) {
		return "", false
	}
	return addr[:at], true
}

// senderPolicy returns the unknown-sender policy (default: accept everyone).
func (d *directory) senderPolicy(ctx context.Context, db *postgres.DB) (SenderPolicy, error) {
	d.mu.Lock()
	if d.policy != nil && time.Since(d.policyT) < cacheTTL {
		p := *d.policy
		d.mu.Unlock()
		return p, nil
	}
	d.mu.Unlock()
	var sp SenderPolicy
	v, err := db.Setting(ctx, "unknown_sender_policy")
	if err != nil {
		return sp, err
	}
	if v != nil {
		_ = json.Unmarshal(v, &sp) // a broken setting means the default: accept
	}
	d.mu.Lock()
	d.policy, d.policyT = &sp, time.Now()
	d.mu.Unlock()
	return sp, nil
}
