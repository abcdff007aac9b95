package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strconv"

	"switchboard/internal/jobs"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
)

// Notifier renders notifications into the outbox and sends them.
type Notifier struct {
	DB       *postgres.DB
	Jobs     *postgres.JobClient
	Domain   string // our mail domain: From, Reply-To and Message-IDs
	Secret   []byte // signs reply addresses
	BaseURL  string // links to the portal
	Sender   Sender // nil: no relay, mail waits in the outbox
	AckLimit int    // acknowledgements per sender per hour; 0 means 5
	Log      *slog.Logger

	spent spentSenders // senders whose answer budget is spent
}

// outgoing is one notification to queue.
type outgoing struct {
	ticketID *int64
	kind     string
	key      string // what it announces; makes the Message-ID, so retries dedupe
	mail     Mail
}

// messageID derives our Message-ID from key under the secret: stable across
// retries (the outbox refuses a second copy), unguessable from outside.
func (n *Notifier) messageID(key string) string {
	m := hmac.New(sha256.New, n.Secret)
	m.Write([]byte("switchboard-msgid\x00" + key))
	return "sb." + hex.EncodeToString(m.Sum(nil))[:32] + "@" + n.Domain // 128 bits, keyed: not guessable
}

// queue stores the mail in the outbox, records its Message-ID for threading
// and enqueues its delivery, in tx. A repeat of the same key does nothing.
func (n *Notifier) queue(ctx context.Context, tx *postgres.Tx, o outgoing) error {
	o.mail.MessageID = n.messageID(o.key)
	raw := o.mail.Bytes()
	m := postgres.OutboxMail{TicketID: o.ticketID, Kind: o.kind, To: o.mail.To.Address, Subject: o.mail.Subject,
		MessageID: o.mail.MessageID, Raw: raw}
	if n.Sender == nil {
		// No relay: the mail waits in the outbox, visible to admins; Start
		// enqueues it once a relay is configured.
		m.Waiting = noRelay
	}
	id, inserted, err := tx.InsertOutbox(ctx, m)
	if err != nil || !inserted || n.Sender == nil {
		return err
	}
	if _, err := n.Jobs.InsertTx(ctx, tx, jobs.SendArgs{OutboxID: id}, nil); err != nil {
		return fmt.Errorf("enqueue sending of outbox mail %d: %w", id, err)
	}
	return nil
}

const noRelay = "no relay configured (SWITCHBOARD_SMTP_RELAY); waiting in the outbox"

// ticketMail is what every mail about a ticket shares.
type ticketMail struct {
	ref    *postgres.MailTicket
	from   netmail.Address
	reply  func(to string) string // the signed reply address made for one recipient
	inRepl string
	refs   []string
}

func (n *Notifier) ticketMail(ctx context.Context, tx *postgres.Tx, ticketID int64) (*ticketMail, error) {
	ref, err := tx.MailTicket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	local := ref.IntakeLocal
	tm := &ticketMail{ref: ref, from: netmail.Address{Name: "IT Helpdesk", Address: local + "@" + n.Domain},
		reply: func(to string) string { return mail.RecipientReplyAddress(n.Secret, local, ref.Number, to, n.Domain) }}
	tm.inRepl, tm.refs = threadRefs(ref.ThreadIDs)
	return tm, nil
}

// subject puts our [#N] tag in front of the ticket subject.
func (tm *ticketMail) subject(prefix string) string {
	return prefix + "[#" + strconv.FormatInt(tm.ref.Number, 10) + "] " + tm.ref.Subject
}

func (tm *ticketMail) mail(to netmail.Address, subject, text, html string, auto bool) Mail {
	return Mail{From: tm.from, To: to, ReplyTo: tm.reply(to.Address), Subject: subject, Text: text, HTML: html,
		InReplyTo: tm.inRepl, References: tm.refs, Auto: auto}
}

// TicketURL is the portal page of a ticket.
func (n *Notifier) TicketURL(number int64) string {
	return fmt.Sprintf("%s/tickets/%d", n.BaseURL, number)
}

// SatisfactionURL is where a requester rates a resolved ticket.
func (n *Notifier) SatisfactionURL(number int64) string {
	return n.TicketURL(number) + "#satisfaction"
}

func (n *Notifier) ackLimit() int64 {
	if n.AckLimit <= 0 {
		return 5
	}
	return int64(n.AckLimit)
}
