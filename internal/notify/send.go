package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
)

// Sender delivers one raw message; the relay in production, a sink in tests.
type Sender interface {
	Send(ctx context.Context, from string, to []string, raw []byte) error
}

// Relay sends through SWITCHBOARD_SMTP_RELAY (smtp://user:pass@host:port,
// STARTTLS when offered; smtps:// for implicit TLS).
type Relay struct {
	URL *url.URL
}

// NewRelay parses the relay URL; "" gives nil (no relay: mail waits).
func NewRelay(raw string) (*Relay, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
		return nil, errors.New("SWITCHBOARD_SMTP_RELAY: want smtp://user:pass@host:port")
	}
	return &Relay{URL: u}, nil
}

// Send delivers raw to the relay.
func (r *Relay) Send(ctx context.Context, from string, to []string, raw []byte) error {
	host := r.URL.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		if r.URL.Scheme == "smtps" {
			host += ":465"
		} else {
			host += ":25"
		}
	}
	d := net.Dialer{Timeout: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	name, _, _ := net.SplitHostPort(host)
	var c *smtp.Client
	if r.URL.Scheme == "smtps" {
		c = smtp.NewClient(tls.Client(conn, &tls.Config{ServerName: name}))
	} else {
		c = smtp.NewClient(conn)
		if ok, _ := c.Extension("STARTTLS"); ok {
			// go-smtp only upgrades on a fresh connection.
			_ = c.Close()
			if conn, err = d.DialContext(ctx, "tcp", host); err != nil {
				return err
			}
			_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
			if c, err = smtp.NewClientStartTLS(conn, &tls.Config{ServerName: name}); err != nil {
				return err
			}
		}
	}
	// Quit below is the checked goodbye; this Close only drops the connection
	// after an earlier failure, whose error is the one worth returning.
	defer c.Close() //nolint:errcheck // see above
	if u := r.URL.User; u != nil {
		pass, _ := u.Password()
		if err := c.Auth(sasl.NewPlainClient("", u.Username(), pass)); err != nil {
			return err
		}
	}
	if err := c.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		return err
	}
	return c.Quit()
}

// permanent reports an SMTP 5xx answer: retrying will not help.
func permanent(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500
}

// SendWorker delivers outbox rows. Without a relay the row stays queued with
// a note for admins; a relay configured later picks it up at start.
type SendWorker struct {
	river.WorkerDefaults[jobs.SendArgs]
	N *Notifier
}

// Work sends one row; a temporary failure returns an error so River retries
// with backoff, a permanent one (or the last attempt) marks it failed on
// its ticket. The row stays locked while it is handed to the relay, so two
// jobs for one row (see Start) never send it twice.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[jobs.SendArgs]) error {
	n := w.N
	var sendErr error
	err := n.DB.InTx(ctx, func(tx *postgres.Tx) error {
		row, err := tx.LockOutbox(ctx, job.Args.OutboxID)
		if err != nil || row.Status != "queued" {
			return ignoreNotFound(err) // gone, done, or being sent by another job
		}
		if n.Sender == nil {
			return tx.OutboxWaiting(ctx, job.Args.OutboxID, noRelay)
		}
		sendErr = n.Sender.Send(ctx, n.returnPath(job.Args.OutboxID, row.Raw), []string{row.To}, row.Raw)
		if sendErr == nil {
			return tx.OutboxSent(ctx, job.Args.OutboxID)
		}
		if permanent(sendErr) || job.Attempt >= job.MaxAttempts {
			return n.failedTx(ctx, tx, job.Args.OutboxID, sendErr)
		}
		next := time.Now().Add(time.Duration(job.Attempt*job.Attempt) * time.Second)
		return tx.OutboxAttempt(ctx, job.Args.OutboxID, truncate(sendErr.Error(), 500), next)
	})
	if err != nil {
		return err
	}
	if sendErr != nil && !permanent(sendErr) && job.Attempt < job.MaxAttempts {
		return sendErr // River retries with backoff
	}
	return nil
}

// failedTx marks the row failed and, for mail about a ticket, shows the
// failure on the ticket: an event announced to live views like any other
// ticket change, so an open ticket page learns of it without a reload.
func (n *Notifier) failedTx(ctx context.Context, tx *postgres.Tx, id int64, cause error) error {
	r, err := tx.OutboxFailed(ctx, id, truncate(cause.Error(), 500))
	if err != nil {
		return ignoreNotFound(err)
	}
	if r.TicketID == nil {
		return nil
	}
	return tx.RecordEvent(ctx, postgres.NewEvent{TicketID: *r.TicketID, Number: r.TicketNumber, Kind: helpdesk.EventMailFailed,
		After:  map[string]any{"to": r.To, "kind": r.Kind, "outbox_id": id},
		Reason: "delivery failed: " + truncate(cause.Error(), 300)})
}

// returnPath is the envelope sender of one outbox mail: its signed VERP
// address, so a delivery report names the very mail it is about even when it
// quotes nothing of it; without a secret, the From address.
func (n *Notifier) returnPath(outboxID int64, raw []byte) string {
	if len(n.Secret) == 0 {
		return fromAddress(raw, n.Domain)
	}
	return mail.BounceAddress(n.Secret, outboxID, n.Domain)
}

// fromAddress takes the envelope sender from the From header (our intake
// address), so bounces come back to an address we accept and are recorded.
func fromAddress(raw []byte, domain string) string {
	const key = "\r\nFrom: "
	if i := bytes.Index(raw, []byte(key)); i >= 0 {
		line := raw[i+len(key):]
		if j := bytes.Index(line, []byte("\r\n")); j >= 0 {
			line = line[:j]
		}
		if a, err := parseAddr(string(line)); err == nil {
			return a
		}
	}
	return "helpdesk@" + domain
}

// Start re-enqueues mail left queued (sent without a relay, or by a node that
// died) once a relay is configured.
func (n *Notifier) Start(ctx context.Context) error {
	if n.Sender == nil {
		return nil
	}
	ids, err := n.DB.OutboxOrphans(ctx)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: jobs.SendArgs{OutboxID: id}}
	}
	_, err = n.Jobs.InsertMany(ctx, params)
	return err
}

// Stop has nothing to release; sending happens in River jobs.
func (n *Notifier) Stop(context.Context) error { return nil }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
