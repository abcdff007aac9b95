package intake

import (
	"context"
	"crypto/sha256"
	"net"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
)

// Trust is the sender-authentication setup shared by the listener, the
// store and the processor.
type Trust struct {
	// On enables sender authentication. Off, every sender is taken at its
	// word, as before issue 13 (benchmarks compare the two).
	On       bool
	Resolver mail.Resolver
	// AuthServIDs are the upstream servers whose Authentication-Results are
	// believed: from the Relays over SMTP, and in mailboxes fetched by IMAP
	// (which only that server delivers to).
	AuthServIDs []string
	Relays      []*net.IPNet
	// OrgDomains are the organisation's own mail domains; the mail domain is
	// always one. Mail claiming them must be verified.
	OrgDomains []string
	// AuthServIDs, Relays and OrgDomains above are the environment's
	// defaults. With DB set, the admin's saved settings (Admin > Mail >
	// Sender trust) replace them; see policy.
	DB    *postgres.DB
	cache trustCache
}

// prepare strips forged Authentication-Results from a received mail before
// it is stored, and computes the content hash of a mail without Message-ID.
func (t *Trust) prepare(ctx context.Context, r *Received, messageID string) {
	if t != nil {
		if p := t.policy(ctx); len(p.authServIDs) > 0 {
			// Believed only from a listed relay or a mailbox (which only
			// that server delivers to).
			r.Raw, _ = mail.StripAuthResults(r.Raw, p.authServIDs, r.Via == "imap" || p.fromRelay(r.ClientIP))
		}
	}
	if messageID == "" {
		// An SMTP retry after a lost 250 sends the same bytes in the same
		// envelope; a different mail without Message-ID differs somewhere.
		h := sha256.New()
		h.Write([]byte(strings.ToLower(r.EnvelopeFrom) + "\x00" + strings.ToLower(strings.Join(r.Rcpt, ",")) + "\x00"))
		h.Write(r.Raw)
		r.contentHash = h.Sum(nil)
	}
}

// authenticate evaluates a stored mail's sender. Off, it says nothing.
func (pr *Processor) authenticate(ctx context.Context, raw []byte, via string, sess postgres.InboundSession,
	envelopeFrom string, p *mail.Parsed) mail.AuthVerdict {
	t := pr.Trust
	from := strings.ToLower(p.From.Email)
	dom := from[strings.LastIndexByte(from, '@')+1:]
	if t == nil || !t.On {
		return mail.AuthVerdict{Result: mail.AuthNone, FromDomain: dom, Source: "off", Reasons: []string{"sender authentication is off"}}
	}
	pol := t.policy(ctx)
	in := mail.AuthInput{Raw: raw, FromDomain: dom, ClientIP: net.ParseIP(sess.ClientIP), HELO: sess.HELO,
		MailFrom: envelopeFrom, AuthServIDs: pol.authServIDs, TrustResults: via == "imap" || pol.fromRelay(sess.ClientIP)}
	if in.TrustResults {
		in.ClientIP = nil // the relay's address says nothing about the sender
	}
	return mail.Authenticate(ctx, t.Resolver, in)
}

// verified reports whether a verdict lets a sender act as who they claim;
// with authentication off, everyone is.
func (pr *Processor) verified(v mail.AuthVerdict) bool {
	return pr.Trust == nil || !pr.Trust.On || v.Verified()
}

// claimsOurs reports whether a sender claims to be one of us: a staff
// account, or an address of the organisation's own domains.
func (pr *Processor) claimsOurs(ctx context.Context, email string, known *helpdesk.User) bool {
	if known != nil && known.IsStaff() {
		return true
	}
	dom := strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
	if strings.EqualFold(dom, pr.Domain) {
		return true
	}
	if pr.Trust != nil {
		for _, d := range pr.Trust.policy(ctx).orgDomains {
			d = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "@")
			if d != "" && (dom == d || strings.HasSuffix(dom, "."+d)) {
				return true
			}
		}
	}
	return false
}

// onOwnReplyAddress reports whether a mail came to the reply address made
// for sender (per recipient, see mail.RecipientReplyAddress).
func (pr *Processor) onOwnReplyAddress(rcpt []string, p *mail.Parsed, sender *helpdesk.User) bool {
	for _, a := range recipients(rcpt, p) {
		if mail.IsRecipientReplyAddress(pr.Secret, a, pr.Domain, sender.Email) {
			return true
		}
	}
	return false
}

// isOn reports whether sender authentication is on.
func (t *Trust) isOn() bool { return t != nil && t.On }
