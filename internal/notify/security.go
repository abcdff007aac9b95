package notify

import (
	"context"
	"fmt"
	"html"
	netmail "net/mail"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// WasThisYou is a "was this you?" mail after a high-risk detection on a
// person's account (issue 14): what happened, and a one-click link that
// locks the account if it was not them.
type WasThisYou struct {
	To      helpdesk.User
	Key     string   // dedupes the mail (the outbox refuses a second copy)
	What    []string // plain sentences: "A sign-in from 203.0.113.50 at 03:00 (Europe/Berlin)"
	LockURL string
	Expires time.Time
}

// WasThisYouTx queues the mail in tx, so it is sent only if the detection
// that asks for it commits. It is deliberately not threaded into any
// ticket and carries no reply address.
func (n *Notifier) WasThisYouTx(ctx context.Context, tx *postgres.Tx, m WasThisYou) error {
	loc := m.To.Location()
	until := m.Expires.In(loc).Format("Mon 2 Jan 15:04 MST")
	var text, body strings.Builder
	fmt.Fprintf(&text, "Hello %s,\n\nwe noticed unusual activity on your helpdesk account (%s):\n\n", m.To.Name, m.To.Email)
	fmt.Fprintf(&body, "<p>Hello %s,</p><p>we noticed unusual activity on your helpdesk account (%s):</p><ul>",
		html.EscapeString(m.To.Name), html.EscapeString(m.To.Email))
	for _, w := range m.What {
		fmt.Fprintf(&text, "- %s\n", w)
		fmt.Fprintf(&body, "<li>%s</li>", html.EscapeString(w))
	}
	fmt.Fprintf(&text, "\nIf this was you, there is nothing to do.\n\nIf it was NOT you, lock your account now (the link works once, until %s):\n%s\n\n"+
		"Then contact IT to get back in. Never share this link.\n", until, m.LockURL)
	fmt.Fprintf(&body, `</ul><p>If this was you, there is nothing to do.</p><p>If it was <b>not</b> you, lock your account now `+
		`(the link works once, until %s):</p><p><a href="%s">No, this was not me: lock my account</a></p>`+
		`<p>Then contact IT to get back in. Never share this link.</p>`, html.EscapeString(until), html.EscapeString(m.LockURL))
	mail := Mail{From: netmail.Address{Name: "IT Helpdesk security", Address: "helpdesk@" + n.Domain},
		To: netmail.Address{Name: m.To.Name, Address: m.To.Email}, Subject: "Was this you? Unusual activity on your helpdesk account",
		Text: text.String(), HTML: body.String(), Auto: true}
	return n.queue(ctx, tx, outgoing{kind: "security", key: "security/" + m.Key, mail: mail})
}
