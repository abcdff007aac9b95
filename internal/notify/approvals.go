package notify

import (
	"context"
	"fmt"
	"html"
	netmail "net/mail"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
)

// ApprovalTx queues an approval mail in tx (wired as
// automation.Approvals.Mail): to an approver, the request or a reminder
// with a link to decide on the web and a Reply-To signed for that approver
// (answering "approve" or "decline, because …" decides); to the requester,
// the decision. It is not threaded into the ticket: an approver's reply
// must reach the approval, never the ticket's conversation.
func (n *Notifier) ApprovalTx(ctx context.Context, tx *postgres.Tx, m helpdesk.ApprovalMail) error {
	a := m.Approval
	to := netmail.Address{Name: m.To.Name, Address: m.To.Email}
	from := netmail.Address{Name: "IT Helpdesk approvals", Address: "helpdesk@" + n.Domain}
	var text, body strings.Builder
	out := Mail{From: from, To: to, Auto: true}
	key := fmt.Sprintf("approval/%d/%s/%d/%d", a.ID, m.Kind, a.Reminders, m.To.ID)
	switch m.Kind {
	case "request", "reminder":
		out.ReplyTo = mail.ApprovalAddress(n.Secret, a.ID, m.To.Email, n.Domain)
		out.Subject = fmt.Sprintf("Approval needed: #%d %s", a.Number, a.Subject)
		if m.Kind == "reminder" {
			out.Subject = "Reminder: " + out.Subject
		}
		until := a.ExpiresAt.In(m.To.Location()).Format("Mon 2 Jan 15:04 MST")
		fmt.Fprintf(&text, "Hello %s,\n\n%s (%s) asks for \"%s\" (category %s), ticket #%d.\nYou are asked as %s.\n\n",
			m.To.Name, a.Requester, a.RequesterEm, a.Subject, a.CategoryName, a.Number, a.Why)
		if a.Description != "" {
			fmt.Fprintf(&text, "%s\n\n", indent(a.Description))
		}
		fmt.Fprintf(&text, "Approve or decline here: %s\n\nOr reply to this mail with \"approve\" or \"decline\" as the first word,\n"+
			"followed by your reason (the requester is told why).\n\nWithout a decision by %s the request is closed.\n", m.URL, until)
		fmt.Fprintf(&body, "<p>Hello %s,</p><p><b>%s</b> (%s) asks for “%s” (category %s), ticket #%d.<br>You are asked as %s.</p>",
			esc(m.To.Name), esc(a.Requester), esc(a.RequesterEm), esc(a.Subject), esc(a.CategoryName), a.Number, esc(a.Why))
		if a.Description != "" {
			fmt.Fprintf(&body, "<blockquote>%s</blockquote>", strings.ReplaceAll(esc(a.Description), "\n", "<br>"))
		}
		fmt.Fprintf(&body, `<p><a href="%s">Approve or decline</a></p><p>Or reply to this mail with “approve” or “decline” as the first word, `+
			`followed by your reason (the requester is told why).</p><p>Without a decision by %s the request is closed.</p>`,
			esc(m.URL), esc(until))
	case "decision":
		out.Subject = fmt.Sprintf("Your request #%d was %s: %s", a.Number, a.Status, a.Subject)
		what := fmt.Sprintf("was %s by %s", a.Status, a.DecidedName)
		if a.Status == helpdesk.ApprovalExpired {
			what = "was closed: " + a.Comment
		}
		fmt.Fprintf(&text, "Hello %s,\n\nyour request \"%s\" (#%d) %s.\n", m.To.Name, a.Subject, a.Number, what)
		fmt.Fprintf(&body, "<p>Hello %s,</p><p>your request “%s” (#%d) %s.</p>", esc(m.To.Name), esc(a.Subject), a.Number, esc(what))
		if a.Comment != "" && a.Status != helpdesk.ApprovalExpired {
			fmt.Fprintf(&text, "\nWhy: %s\n", a.Comment)
			fmt.Fprintf(&body, "<p>Why: %s</p>", esc(a.Comment))
		}
		if a.Status == helpdesk.ApprovalApproved {
			text.WriteString("\nIT works on it now.\n")
			body.WriteString("<p>IT works on it now.</p>")
		}
		fmt.Fprintf(&text, "\nSee the ticket: %s\n", m.URL)
		fmt.Fprintf(&body, `<p><a href="%s">See the ticket</a></p>`, esc(m.URL))
	default:
		return fmt.Errorf("approval mail: unknown kind %q", m.Kind)
	}
	out.Text, out.HTML = text.String(), body.String()
	ticketID := a.TicketID
	return n.queue(ctx, tx, outgoing{ticketID: &ticketID, kind: "approval_" + m.Kind, key: key, mail: out})
}

func esc(s string) string { return html.EscapeString(s) }

// indent quotes a request's text in a plain-text mail, at most 40 lines.
func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], "… ("+strconv.Itoa(len(lines)-40)+" more lines on the page)")
	}
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}
