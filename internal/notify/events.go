package notify

import (
	"context"
	"fmt"
	"html"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
)

// OnChanged is the jobs.ChangedWorker handler: public staff replies go to the
// requester and participants, a resolution to the requester with the
// satisfaction link. Notes and other changes send nothing.
func (n *Notifier) OnChanged(ctx context.Context, a jobs.ChangedArgs) error {
	switch a.Event {
	case helpdesk.EventReplied:
		return n.replied(ctx, a)
	case helpdesk.EventStatusChanged:
		return n.resolved(ctx, a)
	}
	return nil
}

func (n *Notifier) replied(ctx context.Context, a jobs.ChangedArgs) error {
	m, err := n.DB.MailMessage(ctx, a.MessageID)
	if err != nil {
		return ignoreNotFound(err)
	}
	if m.Internal || !m.AuthorRole.IsStaff() {
		return nil
	}
	followers, err := n.DB.Followers(ctx, m.TicketID)
	if err != nil {
		return err
	}
	return n.DB.InTx(ctx, func(tx *postgres.Tx) error {
		tm, err := n.ticketMail(ctx, tx, m.TicketID)
		if err != nil {
			return err
		}
		tm.from.Name = m.AuthorName + " (IT Helpdesk)"
		visible, _ := mail.FoldQuoted(m.BodyText)
		link := n.TicketURL(tm.ref.Number)
		text := visible + "\n\n--\nReply to this mail or see the ticket: " + link + "\n"
		body := m.BodyHTML + footerHTML(link, "See the ticket")
		for _, f := range followers {
			if m.AuthorID != nil && f.ID == *m.AuthorID || !f.Active || f.BouncingAt != nil {
				continue
			}
			o := outgoing{ticketID: &m.TicketID, kind: "reply",
				key:  fmt.Sprintf("reply/%d/%d", m.ID, f.ID),
				mail: tm.mail(netmail.Address{Name: f.Name, Address: f.Email}, tm.subject("Re: "), text, body, false)}
			if err := n.queue(ctx, tx, o); err != nil {
				return err
			}
		}
		return nil
	})
}

func (n *Notifier) resolved(ctx context.Context, a jobs.ChangedArgs) error {
	return n.DB.InTx(ctx, func(tx *postgres.Tx) error {
		tm, err := n.ticketMail(ctx, tx, a.TicketID)
		if err != nil {
			return ignoreNotFound(err)
		}
		if tm.ref.Status != helpdesk.StatusResolved {
			return nil
		}
		u, err := tx.User(ctx, tm.ref.RequesterID)
		if err != nil || !u.Active || u.BouncingAt != nil {
			return ignoreNotFound(err)
		}
		count, err := tx.ResolutionCount(ctx, a.TicketID)
		if err != nil {
			return err
		}
		rate := n.SatisfactionURL(tm.ref.Number)
		text := fmt.Sprintf("Hello %s,\n\nyour ticket #%d \"%s\" has been resolved.\n\n"+
			"How did we do? Rate it here: %s\n\nIf the problem is not solved, just reply to this mail and the ticket opens again.\n",
			u.Name, tm.ref.Number, tm.ref.Subject, rate)
		body := fmt.Sprintf("<p>Hello %s,</p><p>your ticket #%d “%s” has been resolved.</p>"+
			`<p><a href="%s">How did we do? Rate the help you got.</a></p>`+
			"<p>If the problem is not solved, just reply to this mail and the ticket opens again.</p>",
			html.EscapeString(u.Name), tm.ref.Number, html.EscapeString(tm.ref.Subject), html.EscapeString(rate))
		return n.queue(ctx, tx, outgoing{ticketID: &a.TicketID, kind: "resolved",
			key:  fmt.Sprintf("resolved/%d/%d", a.TicketID, count),
			mail: tm.mail(netmail.Address{Name: u.Name, Address: u.Email}, tm.subject("Resolved: "), text, body, true)})
	})
}

// AckWorker acknowledges new tickets that came by mail, at most AckLimit per
// sender per hour, so a misbehaving robot cannot make us flood anyone.
// Intake now acknowledges in the ticket's own transaction (AckTx); the
// worker runs the jobs an earlier version enqueued.
type AckWorker struct {
	river.WorkerDefaults[jobs.AckArgs]
	N *Notifier
}

// Work queues the acknowledgement unless the sender's hourly budget is spent.
func (w *AckWorker) Work(ctx context.Context, job *river.Job[jobs.AckArgs]) error {
	return w.N.DB.InTx(ctx, func(tx *postgres.Tx) error {
		return w.N.AckTx(ctx, tx, job.Args.TicketID, job.Args.To)
	})
}

// AckTx queues, in tx, the acknowledgement of a new ticket that came by
// mail from to, unless to's hourly budget (AckLimit) is spent or the
// address bounces. Intake calls it last in the transaction that files the
// ticket: the ticket and its acknowledgement commit together, without a
// job, its fetch, its completion and a transaction of its own. The budget
// is checked without a lock first (a burst from one robot spends it
// quickly) and taken under the per-sender lock at the end, so the lock is
// held only until the commit that follows.
func (n *Notifier) AckTx(ctx context.Context, tx *postgres.Tx, ticketID int64, to string) error {
	sender := strings.ToLower(to)
	if spent, err := n.ackSpent(ctx, tx, sender, ticketID); err != nil || spent {
		return err
	}
	tm, err := n.ticketMail(ctx, tx, ticketID)
	if err != nil {
		return ignoreNotFound(err)
	}
	u, err := tx.UserByEmail(ctx, sender)
	if err != nil || u.BouncingAt != nil {
		return ignoreNotFound(err)
	}
	link := n.TicketURL(tm.ref.Number)
	text := fmt.Sprintf("Hello %s,\n\nwe received your request and opened ticket #%d: %s\n\n"+
		"You can follow it at %s, or reply to this mail to add information.\n\n-- \nIT Helpdesk\n",
		u.Name, tm.ref.Number, tm.ref.Subject, link)
	body := fmt.Sprintf("<p>Hello %s,</p><p>we received your request and opened ticket <b>#%d</b>: %s</p>"+
		"<p>Reply to this mail to add information.</p>",
		html.EscapeString(u.Name), tm.ref.Number, html.EscapeString(tm.ref.Subject)) + footerHTML(link, "Follow your ticket")
	if ok, err := n.takeAck(ctx, tx, sender, ticketID); err != nil || !ok {
		return err
	}
	return n.queue(ctx, tx, outgoing{ticketID: &ticketID, kind: "ack",
		key:  "ack/" + strconv.FormatInt(ticketID, 10),
		mail: tm.mail(netmail.Address{Name: u.Name, Address: u.Email}, tm.subject("Re: "), text, body, true)})
}

// ackSpent reports, without the per-sender lock, whether sender's hourly
// budget of automatic answers (AckLimit; acknowledgements and refusals share
// it) is spent: a burst from one robot learns it here, without lining up
// behind the lock.
func (n *Notifier) ackSpent(ctx context.Context, tx *postgres.Tx, sender string, ticketID int64) (bool, error) {
	if n.spent.spent(sender, time.Now()) {
		n.Log.Info("automatic answer skipped: hourly limit", "to", sender, "ticket_id", ticketID)
		return true, nil
	}
	sent, freeIn, err := tx.AcksSent(ctx, sender)
	if err != nil {
		return false, err
	}
	if sent >= n.ackLimit() {
		// Spent until the oldest answer leaves the hour at the earliest
		// (answers are only ever added): the rest of a burst from this
		// address learns it without a query.
		now := time.Now()
		n.spent.store(sender, now.Add(freeIn), now)
		n.Log.Info("automatic answer skipped: hourly limit", "to", sender, "ticket_id", ticketID)
		return true, nil
	}
	return false, nil
}

// takeAck takes one answer from sender's budget under the per-sender lock
// (held until tx ends) and reports whether one was left.
func (n *Notifier) takeAck(ctx context.Context, tx *postgres.Tx, sender string, ticketID int64) (bool, error) {
	ok, err := tx.TakeAck(ctx, sender, n.ackLimit())
	if err == nil && !ok {
		n.Log.Info("automatic answer skipped: hourly limit", "to", sender, "ticket_id", ticketID)
	}
	return ok, err
}

// RefusalWorker tells a sender outside the allowed domains that their mail
// was not accepted. It is sent once per inbound mail and only for mail from a
// person (intake never enqueues it for robots).
type RefusalWorker struct {
	river.WorkerDefaults[jobs.RefusalArgs]
	N *Notifier
}

// Work queues the refusal.
func (w *RefusalWorker) Work(ctx context.Context, job *river.Job[jobs.RefusalArgs]) error {
	n, a := w.N, job.Args
	sender := strings.ToLower(a.To)
	return n.DB.InTx(ctx, func(tx *postgres.Tx) error {
		// Refusals share the acknowledgement budget: both answer a stranger.
		if spent, err := n.ackSpent(ctx, tx, sender, 0); err != nil || spent {
			return err
		}
		if ok, err := n.takeAck(ctx, tx, sender, 0); err != nil || !ok {
			return err
		}
		text := "Hello,\n\nyour mail \"" + a.Subject + "\" was not accepted by the IT helpdesk: " +
			"only addresses of this organisation can open tickets by mail.\n\nPlease contact your IT department another way.\n"
		m := Mail{From: netmail.Address{Name: "IT Helpdesk", Address: "helpdesk@" + n.Domain},
			To: netmail.Address{Address: a.To}, Subject: "Not accepted: " + a.Subject, Text: text,
			HTML: textHTML(text), InReplyTo: a.InReplyTo, Auto: true}
		if a.InReplyTo != "" {
			m.References = []string{a.InReplyTo}
		}
		return n.queue(ctx, tx, outgoing{kind: "refusal", key: "refusal/" + strconv.FormatInt(a.InboundID, 10), mail: m})
	})
}

// MentionWorker mails agents mentioned in a message.
type MentionWorker struct {
	river.WorkerDefaults[jobs.MentionArgs]
	N *Notifier
}

// Work queues one mail per mentioned, active staff member.
func (w *MentionWorker) Work(ctx context.Context, job *river.Job[jobs.MentionArgs]) error {
	n, a := w.N, job.Args
	return n.DB.InTx(ctx, func(tx *postgres.Tx) error {
		tm, err := n.ticketMail(ctx, tx, a.TicketID)
		if err != nil {
			return ignoreNotFound(err)
		}
		var body string
		if a.MessageID != 0 {
			if m, err := tx.MailMessage(ctx, a.MessageID); err == nil {
				body = m.BodyText
			}
		}
		for _, id := range a.AgentIDs {
			u, err := tx.User(ctx, id)
			if err != nil || !u.Active || !u.IsStaff() || id == a.ActorID {
				continue
			}
			// Checked again when the mail goes: the ticket may have moved
			// into a restricted team since the mention.
			if ok, err := tx.StaffCanSeeTicket(ctx, id, a.TicketID); err != nil {
				return err
			} else if !ok {
				continue
			}
			// No ticketID: the mail's Message-ID must not become one of
			// the ticket's, or a reply quoting it would thread into it.
			if err := n.queue(ctx, tx, outgoing{kind: "mention",
				key:  fmt.Sprintf("mention/%d/%d/%d", a.TicketID, a.MessageID, id),
				mail: n.mentionMail(tm, netmail.Address{Name: u.Name, Address: u.Email}, body)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// mentionMail is the mail to one mentioned agent. Like the alerts it is not
// threaded into the ticket (no reply address, no [#N] tag, no References):
// answered by mail, the ticket's reply address would post the agent's words,
// often about an internal note, as a public reply to the requester. So it
// says to answer in the ticket, and links the staff workspace to do so.
func (n *Notifier) mentionMail(tm *ticketMail, to netmail.Address, note string) Mail {
	link := n.DeskURL(tm.ref.Number)
	text := fmt.Sprintf("You were mentioned on ticket #%d \"%s\":\n\n%s\n\n--\n"+
		"Replying to this mail does not answer the ticket. Open the ticket to answer: %s\n",
		tm.ref.Number, tm.ref.Subject, note, link)
	body := fmt.Sprintf("<p>You were mentioned on ticket <b>#%d</b> “%s”:</p>", tm.ref.Number, html.EscapeString(tm.ref.Subject)) +
		textHTML(note) +
		`<hr><p style="color:#666;font-size:90%">Replying to this mail does not answer the ticket. <a href="` +
		html.EscapeString(link) + `">Open the ticket to answer</a>.</p>`
	return Mail{From: tm.from, To: to, Subject: fmt.Sprintf("Mention: #%d %s", tm.ref.Number, tm.ref.Subject),
		Text: text, HTML: body, Auto: true}
}

func footerHTML(link, label string) string {
	return `<hr><p style="color:#666;font-size:90%">Reply to this mail, or <a href="` + html.EscapeString(link) + `">` +
		html.EscapeString(label) + `</a>.</p>`
}

func textHTML(s string) string {
	return "<p>" + strings.ReplaceAll(html.EscapeString(s), "\n", "<br>") + "</p>"
}

func ignoreNotFound(err error) error {
	if err == nil || helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
		return nil
	}
	return err
}
