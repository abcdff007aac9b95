package intake

import (
	"context"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Received is one raw mail as a listener or poller got it.
type Received struct {
	Raw          []byte
	Via          string // "smtp" or "imap"
	MailboxID    *int64
	EnvelopeFrom string
	Rcpt         []string
	ClientIP     string // SMTP only: the client's address, for SPF
	HELO         string // SMTP only: the name the client gave

	contentHash []byte // set by Trust.prepare for mail without Message-ID
}

// Store commits received mail. It is the single door into the database for
// both SMTP and IMAP, so the duplicate rule holds across them.
type Store struct {
	DB      *postgres.DB
	Jobs    *postgres.JobClient
	Tickets *ticket.Service // access rules for raw-mail downloads
	Trust   *Trust          // strips forged Authentication-Results; may be nil
	// Dispatch, when set, processes accepted mail on this node (see
	// Dispatcher); without it each mail gets a River job in the accepting
	// transaction.
	Dispatch *Dispatcher

	dir directory
}

// Accept stores the raw mail (and, without a Dispatcher, its processing
// job) in one transaction and, once committed, hands it to processing. dup
// reports a Message-ID seen before: nothing new was stored, which is still
// a success for the sender.
func (s *Store) Accept(ctx context.Context, r Received) (id int64, dup bool, err error) {
	if s.Dispatch != nil {
		// Nothing else to write with it: one statement, its own transaction.
		var stored Received
		id, dup, stored, err = s.insert(ctx, r, s.DB.InsertInbound)
		if err == nil && !dup {
			// The worker gets the row as written, so it need not read it back.
			s.Dispatch.submitStored(ctx, &postgres.InboundMail{ID: id, Raw: stored.Raw, Via: stored.Via,
				EnvelopeFrom: stored.EnvelopeFrom, Rcpt: stored.Rcpt, Status: StatusQueued,
				InboundSession: postgres.InboundSession{ClientIP: stored.ClientIP, HELO: stored.HELO, ReceivedAt: time.Now()}})
		}
		return id, dup, err
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		id, dup, err = s.AcceptTx(ctx, tx, r)
		return err
	})
	if err == nil && !dup {
		s.Committed(ctx, id)
	}
	return id, dup, err
}

// Committed hands a mail stored by AcceptTx to this node's processing once
// its transaction has committed; without a Dispatcher its job already ran
// in that transaction and there is nothing to do.
func (s *Store) Committed(ctx context.Context, id int64) {
	if s.Dispatch != nil {
		s.Dispatch.Submit(ctx, id)
	}
}

// AcceptTx is Accept inside the caller's transaction (the IMAP poller moves
// its UID watermark in the same one); the caller calls Committed after the
// commit.
func (s *Store) AcceptTx(ctx context.Context, tx *postgres.Tx, r Received) (int64, bool, error) {
	rowID, dup, _, err := s.insert(ctx, r, tx.InsertInbound)
	if err != nil || dup {
		return 0, dup, err
	}
	if s.Dispatch == nil {
		if _, err := s.Jobs.InsertTx(ctx, tx, jobs.ProcessArgs{InboundID: rowID}, nil); err != nil {
			return 0, false, err
		}
	}
	return rowID, false, nil
}

// insert stores r with ins (in a transaction or on its own) and returns
// it as stored (forged Authentication-Results stripped).
func (s *Store) insert(ctx context.Context, r Received,
	ins func(context.Context, postgres.InboundInsert) (int64, bool, error)) (int64, bool, Received, error) {
	var mid *string
	id := mail.RawMessageID(r.Raw)
	if id != "" {
		mid = &id
	}
	s.Trust.prepare(ctx, &r, id)
	rowID, dup, err := ins(ctx, postgres.InboundInsert{Raw: r.Raw, Via: r.Via, MailboxID: r.MailboxID,
		EnvelopeFrom: r.EnvelopeFrom, Rcpt: r.Rcpt, MessageID: mid, ContentHash: r.contentHash, ClientIP: r.ClientIP, HELO: r.HELO})
	return rowID, dup, r, err
}

// RawMail is a stored mail as received, for download by staff.
type RawMail struct {
	ID  int64
	Raw []byte
}

// Raw returns stored mail to staff. Mail that reached a ticket follows that
// ticket's access rule (restricted teams); anyone else gets ENOTFOUND.
func (s *Store) Raw(ctx context.Context, viewer *helpdesk.User, id int64) (*RawMail, error) {
	notFound := helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found.")
	if !viewer.IsStaff() || !viewer.Active {
		return nil, notFound
	}
	row, err := s.DB.InboundMail(ctx, id)
	if err != nil {
		return nil, notFound
	}
	if row.TicketID != nil && s.Tickets != nil {
		ref, err := s.DB.MailTicketRef(ctx, *row.TicketID)
		if err != nil {
			return nil, notFound
		}
		if _, err := s.Tickets.Get(ctx, viewer, ref.Number); err != nil {
			return nil, notFound
		}
	}
	return &RawMail{ID: row.ID, Raw: row.Raw}, nil
}

// RawForMessage returns the mail a ticket message came from.
func (s *Store) RawForMessage(ctx context.Context, viewer *helpdesk.User, number, messageID int64) (*RawMail, error) {
	id, err := s.DB.InboundForMessage(ctx, number, messageID)
	if err != nil {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found.")
	}
	return s.Raw(ctx, viewer, id)
}

// InboundSummary is one row of the admins' mail lists.
type InboundSummary = postgres.InboundSummary

// ListInbound lists stored mail with a status, newest first, for admins.
func (s *Store) ListInbound(ctx context.Context, viewer *helpdesk.User, status string, limit int) ([]InboundSummary, error) {
	if viewer == nil || viewer.Role != helpdesk.RoleAdmin || !viewer.Active {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.DB.ListInbound(ctx, status, limit)
}
