package intake

import (
	"context"
	"slices"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
)

// threadHit is the ticket a mail belongs to and which rule found it.
type threadHit struct {
	ticketID int64
	via      string // "reply-address", "references", viaLateParent, "subject-tag"
}

// viaLateParent threads a mail that its replies, processed before it,
// referred to: it joins their ticket, and the ticket's timeline says so.
const viaLateParent = "late-parent"

// recipients lists every address a mail was delivered to, in the order
// callers search them: the envelope recipients first (SMTP), then the To and
// Cc headers, then the Delivered-To, X-Original-To and Envelope-To headers
// the delivering server adds (IMAP).
func recipients(rcpt []string, p *mail.Parsed) []string {
	addrs := append([]string(nil), rcpt...)
	for _, list := range [][]mail.Address{p.To, p.Cc} {
		for _, a := range list {
			addrs = append(addrs, a.Email)
		}
	}
	for _, h := range []string{"Delivered-To", "X-Original-To", "Envelope-To"} {
		addrs = append(addrs, p.Headers[h]...)
	}
	return addrs
}

// thread finds the ticket a mail answers, in the order: our signed
// reply address, then In-Reply-To/References, then a [#N] subject tag — the
// last only for people who may see that ticket, so a stranger quoting a
// number never writes into someone else's ticket.
func (pr *Processor) thread(ctx context.Context, p *mail.Parsed, rcpt []string, sender *helpdesk.User) (*threadHit, error) {
	for _, a := range recipients(rcpt, p) {
		if _, n, ok := mail.ParseReplyAddress(pr.Secret, a, pr.Domain); ok {
			id, err := pr.DB.TicketIDForNumber(ctx, n)
			if err != nil {
				return nil, err
			}
			if id != 0 {
				return pr.followMerge(ctx, threadHit{id, "reply-address"})
			}
		}
	}
	if ids := threadIDs(p); len(ids) > 0 {
		id, err := pr.DB.TicketForMessageIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			return pr.followMerge(ctx, threadHit{id, "references"})
		}
	}
	if own := p.MessageID; own != "" && len(own) <= mail.MaxIDLen && !mail.IsAssignedMessageID(own) {
		// Its own id: a reply that arrived first recorded it (see burst.go),
		// so this is a late parent of a conversation that has its ticket.
		id, err := pr.DB.TicketForMessageIDs(ctx, []string{own})
		if err != nil {
			return nil, err
		}
		if id != 0 {
			return pr.followMerge(ctx, threadHit{id, viaLateParent})
		}
	}
	if n, ok := mail.SubjectTicketNumber(p.Subject); ok && sender != nil {
		t, err := pr.Tickets.Get(ctx, sender, n) // requester, participant or staff allowed to see it
		if err == nil {
			return pr.followMerge(ctx, threadHit{t.ID, "subject-tag"})
		} else if helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
			return nil, err
		}
	}
	return nil, nil
}

// followMerge moves a hit on a merged ticket to the ticket it was merged into.
func (pr *Processor) followMerge(ctx context.Context, h threadHit) (*threadHit, error) {
	for range 5 {
		t, err := pr.DB.MailTicketRef(ctx, h.ticketID)
		if err != nil {
			return nil, err
		}
		if t.MergedIntoID == nil {
			break
		}
		h.ticketID = *t.MergedIntoID
	}
	return &h, nil
}

// senderByEmail is userByEmail that also reports a bouncing address.
func (pr *Processor) senderByEmail(ctx context.Context, email string) (*helpdesk.User, bool, error) {
	u, err := pr.DB.UserByEmail(ctx, email)
	if err != nil {
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			return nil, false, nil
		}
		return nil, false, err
	}
	return u, u.BouncingAt != nil, nil
}

// userByEmail returns the account of email, or nil when there is none.
func (pr *Processor) userByEmail(ctx context.Context, email string) (*helpdesk.User, error) {
	u, _, err := pr.senderByEmail(ctx, email)
	return u, err
}

// SenderPolicy is the admin's rule for mail from addresses without an
// account (settings key unknown_sender_policy).
type SenderPolicy struct {
	Mode    string   `json:"mode"` // "create" (default) or "domains"
	Domains []string `json:"domains"`
}

// Allows reports whether an account may be created for email.
func (sp SenderPolicy) Allows(email string) bool {
	if sp.Mode != "domains" {
		return true
	}
	dom := strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
	for _, d := range sp.Domains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if dom == d || strings.HasSuffix(dom, "."+d) {
			return true
		}
	}
	return false
}

// mayCreate applies the unknown-sender policy. Someone answering mail of an
// existing conversation (threaded by our reply address or references) is
// already part of it, so the domain list only limits new tickets.
func (pr *Processor) mayCreate(ctx context.Context, email string, threaded bool) (bool, error) {
	if !strings.Contains(email, "@") || strings.ContainsAny(email, " \t<>") {
		return false, nil
	}
	if threaded {
		return true, nil
	}
	sp, err := pr.dir.senderPolicy(ctx, pr.DB)
	return sp.Allows(email), err
}

// ensureUser creates a requester account for a sender (concurrent mails from
// the same new sender end up with one account).
func (pr *Processor) ensureUser(ctx context.Context, a mail.Address) (*helpdesk.User, error) {
	email, name := requesterName(a)
	if err := pr.DB.EnsureRequester(ctx, email, name); err != nil {
		return nil, err
	}
	u, err := pr.userByEmail(ctx, a.Email)
	if err == nil && u == nil {
		err = helpdesk.Errorf(helpdesk.EINTERNAL, "requester for %s vanished", a.Email)
	}
	return u, err
}

// requesterName is the address and name of a new requester account: named
// after its address when the mail gave no name.
func requesterName(a mail.Address) (email, name string) {
	name = strings.TrimSpace(a.Name)
	if name == "" {
		name = a.Email[:strings.LastIndexByte(a.Email, '@')]
	}
	return strings.ToLower(a.Email), mail.Truncate(name, 100)
}

// participantsTx makes the people CC'd (and other non-helpdesk To
// recipients) followers of the ticket in tx, creating accounts as the
// policy allows, with one event naming those newly added, in one statement
// (Tx.AddMailParticipants, which makes missing accounts in address order, so
// two mails copying the same new people in another order cannot deadlock).
// number is the ticket's, for the live update (0: looked up).
func (pr *Processor) participantsTx(ctx context.Context, tx *postgres.Tx, sp SenderPolicy, ticketID, number, requesterID int64,
	p *mail.Parsed, sender *helpdesk.User) error {
	copied := pr.copied(p, sender)
	if len(copied) == 0 {
		return nil
	}
	people := make([]postgres.MailPerson, len(copied))
	for i, a := range copied {
		email, name := requesterName(a)
		people[i] = postgres.MailPerson{Email: email, Name: name, Create: sp.Allows(email)}
	}
	added, err := tx.AddMailParticipants(ctx, ticketID, requesterID, people, postgres.MailParticipantsEvent{
		ActorID: &sender.ID, Kind: helpdesk.EventParticipantAdd, Reason: "copied on mail"})
	if err != nil || len(added) == 0 {
		return err
	}
	if number != 0 {
		return tx.NotifyTicket(ctx, number)
	}
	return tx.NotifyTicketID(ctx, ticketID)
}

// copied lists the addresses on a mail that may become followers: Cc then
// To, not the sender, not ours, each once, at most twenty.
func (pr *Processor) copied(p *mail.Parsed, sender *helpdesk.User) []mail.Address {
	var out []mail.Address
	seen := map[string]bool{strings.ToLower(sender.Email): true}
	for _, a := range slices.Concat(p.Cc, p.To) {
		email := strings.ToLower(a.Email)
		if seen[email] || len(seen) > 20 || !strings.Contains(email, "@") ||
			strings.HasSuffix(email, "@"+strings.ToLower(pr.Domain)) {
			continue
		}
		seen[email] = true
		out = append(out, a)
	}
	return out
}
