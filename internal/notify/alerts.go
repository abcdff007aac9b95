package notify

import (
	"context"
	"fmt"
	"html"
	"net/mail"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
)

// alertWords are the subject prefix and first sentence of each alert.
var alertWords = map[string][2]string{
	helpdesk.EventSLAWarning:  {"SLA warning", "is close to missing its service-level target"},
	helpdesk.EventSLABreached: {"SLA breached", "has missed its service-level target"},
	"notified":                {"P1 paged to you", "is a P1 and was assigned to you as on-call"},
	"flagged":                 {"Needs a look", "stays with an absent agent and was flagged for you"},
}

// AlertTx mails an alert from triage or the SLA clock (sla.Alert) to the
// staff it names, in tx: the mail commits with the event that records it.
// It is wired as sla.Service.Alert and triage.Runner.Alert. The mail is
// Auto-Submitted and deliberately not threaded into the ticket (no reply
// address, no [#N] tag): a lead answering "on it" must not become a public
// reply to the requester.
func (n *Notifier) AlertTx(ctx context.Context, tx *postgres.Tx, a sla.Alert) error {
	words, ok := alertWords[a.Kind]
	if !ok {
		words = [2]string{"Ticket alert", "needs attention"}
	}
	tm, err := n.ticketMail(ctx, tx, a.TicketID)
	if err != nil {
		return ignoreNotFound(err)
	}
	link := n.DeskURL(tm.ref.Number)
	subject := fmt.Sprintf("%s: #%d %s", words[0], tm.ref.Number, tm.ref.Subject)
	seen := map[string]bool{}
	for _, addr := range a.To {
		addr = strings.ToLower(strings.TrimSpace(addr))
		if addr == "" || seen[addr] {
			continue
		}
		seen[addr] = true
		u, err := tx.UserByEmail(ctx, addr)
		if err != nil {
			if err := ignoreNotFound(err); err != nil {
				return err
			}
			continue // the address left since the event was written
		}
		if !u.Active || u.BouncingAt != nil || !u.IsStaff() {
			continue
		}
		text := fmt.Sprintf("Hello %s,\n\nticket #%d \"%s\" %s.\n\nWhy: %s\n\nOpen it: %s\n",
			u.Name, tm.ref.Number, tm.ref.Subject, words[1], a.Reason, link)
		body := fmt.Sprintf("<p>Hello %s,</p><p>ticket <b>#%d</b> “%s” %s.</p><p>Why: %s</p>"+
			`<p><a href="%s">Open the ticket</a></p>`,
			html.EscapeString(u.Name), tm.ref.Number, html.EscapeString(tm.ref.Subject), words[1],
			html.EscapeString(a.Reason), html.EscapeString(link))
		m := Mail{From: tm.from, To: mail.Address{Name: u.Name, Address: u.Email}, Subject: subject,
			Text: text, HTML: body, Auto: true}
		key := "alert/" + a.Kind + "/" + strconv.FormatInt(a.TicketID, 10) + "/" + a.Key + "/" + strconv.FormatInt(u.ID, 10)
		if err := n.queue(ctx, tx, outgoing{kind: a.Kind, key: key, mail: m}); err != nil {
			return err
		}
	}
	return nil
}

// DeskURL is the staff workspace page of a ticket.
func (n *Notifier) DeskURL(number int64) string {
	return fmt.Sprintf("%s/desk/tickets/%d", n.BaseURL, number)
}
