package intake

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Inbound statuses.
const (
	StatusQueued  = "queued"
	StatusTicket  = "ticket"
	StatusMessage = "message"
	StatusIgnored = "ignored"
	StatusBounce  = "bounce"
	StatusLoop    = "loop"
	StatusRefused = "refused"
	StatusFailed  = "failed"
	// StatusHeld is mail quarantined for review: it claims to be one of us
	// (staff, our domains) without proof. Admins and leads release or
	// reject it.
	StatusHeld = "held"
	// StatusRejected is held mail an admin or lead rejected.
	StatusRejected = "rejected"
)

// Processor turns stored mail into tickets, messages and events.
type Processor struct {
	DB      *postgres.DB
	Jobs    *postgres.JobClient
	Tickets *ticket.Service
	Domain  string
	Secret  []byte
	Log     *slog.Logger
	Trust   *Trust // sender authentication; nil or off: senders are taken at their word
	// Approvals decides approvals replied to by mail (approval.go); nil: none.
	Approvals ApprovalDecider
	// Ack, when set, queues the acknowledgement of a new ticket in the
	// ticket's own transaction (notify.Notifier.AckTx); without it the
	// acknowledgement is a River job.
	Ack func(ctx context.Context, tx *postgres.Tx, ticketID int64, to string) error

	dir directory
}

// ProcessWorker is the River worker for ProcessArgs.
type ProcessWorker struct {
	river.WorkerDefaults[jobs.ProcessArgs]
	P *Processor
}

// Work processes one mail; an error makes River retry it.
func (w *ProcessWorker) Work(ctx context.Context, job *river.Job[jobs.ProcessArgs]) error {
	err := w.P.Process(ctx, job.Args.InboundID)
	if errors.Is(err, errWaitParent) {
		return river.JobSnooze(parentDelay(err))
	}
	if err != nil && job.Attempt >= job.MaxAttempts {
		// Out of retries: say so on the row (admins see failed mail and can
		// download it) instead of leaving it queued for the sweeper forever.
		w.P.Log.Error("mail processing failed for good", "inbound_id", job.Args.InboundID, "err", err)
		return w.P.finish(context.WithoutCancel(ctx), job.Args.InboundID,
			&outcome{status: StatusFailed, reason: "processing failed: " + err.Error()})
	}
	return err
}

// outcome is what gets written back to the inbound_mail row.
type outcome struct {
	status, kind, reason string
	sender, subject      string
	ticketID, msgID      *int64
	emailID              string // the mail's Message-ID on its message, when msgID is not known yet
	teamID               *int64 // held mail: the team whose leads review it
	warnings             []string
	jobs                 []river.JobArgs
	ack                  *jobs.AckArgs     // the acknowledgement of a new ticket, written last
	auth                 *mail.AuthVerdict // sender authentication, stored on the mail and its message
	flagged              bool              // unverified mail: its message is flagged, its sender no participant
	marked               bool              // its message was stored with the verdict and the flag
	mayAnswer            bool              // acknowledgements and refusals may be sent
	event                *mailEvent        // written with the outcome
	done                 bool              // already written, with the ticket it made
	standalone           bool              // an admin made it a ticket: it claims no conversation
}

// Process handles one stored mail. It is idempotent: a mail already handled is
// skipped, and a retry after a crash finds the ticket or message it created by
// the mail's Message-ID (unique in messages) instead of creating another.
func (pr *Processor) Process(ctx context.Context, id int64) error { return pr.process(ctx, id, nil) }

// process is Process with the row when the caller has it as just stored
// (nil: read it). A held row may have been finished meanwhile (by a run
// from River or the sweeper): the outcome's write then finds it no longer
// queued and keeps the first outcome, and a ticket or message it made is
// found by the mail's Message-ID, as for any second run.
func (pr *Processor) process(ctx context.Context, id int64, row *postgres.InboundMail) error {
	if row == nil {
		var err error
		if row, err = pr.DB.InboundMail(ctx, id); err != nil {
			if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
				return nil
			}
			return err
		}
	}
	if row.Status != StatusQueued {
		return nil
	}
	out, err := pr.handle(ctx, row)
	for range 3 {
		if !errors.Is(err, errRethread) {
			break
		}
		// Its conversation got a ticket while this mail made one: again,
		// now threading to it.
		out, err = pr.handle(ctx, row)
	}
	if err != nil || out.done {
		return err
	}
	return pr.finish(ctx, id, out)
}

func (pr *Processor) handle(ctx context.Context, row *postgres.InboundMail) (*outcome, error) {
	p, err := mail.Parse(row.Raw)
	if err != nil {
		return &outcome{status: StatusFailed, reason: err.Error()}, nil
	}
	sess := row.InboundSession
	c := mail.Classify(p, pr.Domain)
	if sess.Override != "" {
		// An admin or lead decided: whatever it looked like, it is mail from a person.
		c = mail.Classification{Kind: mail.KindNormal, Reason: "made a ticket by an admin"}
		if sess.Override == "release" {
			c.Reason = "released from review"
		}
	}
	out := &outcome{kind: c.Kind.String(), reason: c.Reason, sender: strings.ToLower(p.From.Email),
		subject: mail.Truncate(p.Subject, 300), warnings: p.Warnings}
	switch c.Kind {
	case mail.KindLoop:
		pr.Log.Info("mail loop dropped", "inbound_id", row.ID, "from", p.From.Email, "reason", c.Reason)
		out.status = StatusLoop
		return out, nil
	case mail.KindBounce:
		return out, pr.bounce(ctx, row.ID, row.Rcpt, p, c, out)
	}
	if sess.Override == "" && slices.ContainsFunc(row.Rcpt, func(r string) bool { return mail.IsBounceAddress(r, pr.Domain) }) {
		// Mail to a return path is a machine answering mail we sent (an
		// auto-responder writing to the envelope sender), never a person.
		out.status, out.reason = StatusIgnored, "sent to the return path of our mail but not a delivery report"
		return out, nil
	}
	if p.From.Email == "" {
		out.status, out.reason = StatusFailed, "no sender address"
		return out, nil
	}
	if ours, err := pr.isOurAddress(ctx, p.From.Email); (err != nil || ours) && sess.Override == "" {
		// Mail "from" our own intake or reply address: a misconfigured
		// forward or a spoof; answering it could only start a loop.
		pr.Log.Info("mail from our own address dropped", "inbound_id", row.ID, "from", p.From.Email)
		out.status, out.reason = StatusLoop, "sender is one of our own addresses"
		return out, err
	}
	v := pr.authenticate(ctx, row.Raw, row.Via, sess, row.EnvelopeFrom, p)
	out.auth = &v
	verified := pr.verified(v)
	known, bouncing, err := pr.senderByEmail(ctx, p.From.Email)
	if err != nil {
		return nil, err
	}
	if sess.Override == "" {
		if done, err := pr.approvalReply(ctx, row.Rcpt, p, known, verified && c.Kind != mail.KindAutoReply, v, out); done || err != nil {
			return out, err
		}
	}
	hit, err := pr.thread(ctx, p, row.Rcpt, known)
	if err != nil {
		return nil, err
	}
	if sess.Override == DecideTicket {
		// "Make it a ticket" is a ticket of its own: a dropped or discarded
		// mail never lands in (or speaks on) the ticket it named. Releasing
		// held mail is the way into that ticket.
		hit, out.standalone = nil, true
	}
	if hit == nil && sess.Override == "" {
		if wait, err := pr.parentPending(ctx, row, p); err != nil {
			return nil, err
		} else if wait > 0 {
			return nil, waitParent{after: wait}
		}
	}
	if c.Kind == mail.KindAutoReply {
		return out, pr.autoReply(ctx, row.ID, p, c, hit, known, out)
	}
	if sess.Override == "" {
		// A release or "make it a ticket" is a lead's or admin's word: not held again.
		if reason := pr.holdReason(ctx, v, verified, known, hit, row.Rcpt, p); reason != "" {
			pr.Log.Info("mail held for review", "inbound_id", row.ID, "from", p.From.Email, "reason", reason)
			out.status, out.reason = StatusHeld, reason
			out.teamID, err = pr.reviewTeam(ctx, hit, row.Rcpt, p)
			return out, err
		}
	}
	// Only people we know, or whose domain vouches for them, are ever
	// answered: anything else may be a forged sender (backscatter).
	out.mayAnswer = known != nil || v.Verified() || v.SPF == "pass" || !pr.Trust.isOn()
	sender := known
	if sender == nil {
		allowed, err := pr.mayCreate(ctx, p.From.Email, hit != nil)
		if err != nil {
			return nil, err
		}
		if !allowed {
			out.status, out.reason = StatusRefused, "sender domain not allowed by the unknown-sender policy"
			if !c.SuppressReplies && out.mayAnswer {
				out.jobs = append(out.jobs, jobs.RefusalArgs{InboundID: row.ID, To: p.From.Email, Subject: p.Subject,
					InReplyTo: p.MessageID, Reason: out.reason})
			}
			return out, nil
		}
		if sender, err = pr.ensureUser(ctx, p.From); err != nil {
			return nil, err
		}
	}
	if !sender.Active {
		out.status, out.reason = StatusRefused, "sender account is deactivated"
		return out, nil
	}
	if bouncing && verified {
		// They write to us again, so their address works again.
		if err := pr.DB.ClearBouncing(ctx, sender.ID); err != nil {
			return nil, err
		}
	}
	emailID := p.MessageID
	if emailID == "" || len(emailID) > mail.MaxIDLen {
		// Without a usable Message-ID the stored mail gets one of ours:
		// keyed by its row, so a retried job still finds what it made, and
		// unguessable, so nobody can reply "to" it.
		emailID = mail.AssignedMessageID(pr.Secret, row.ID)
	}
	out.flagged = !verified && !sender.IsStaff()
	if hit != nil {
		handled, err := pr.addToTicket(ctx, row, p, c, *hit, sender, emailID, out)
		if err != nil || handled {
			return out, err
		}
	}
	return out, pr.newTicket(ctx, row, p, c, sender, emailID, hit, out)
}

// holdReason decides whether a mail is quarantined: one that claims to be
// one of us without proof, and a staff member's emailed reply that did not
// come back on their own signed reply address or is not authenticated.
// Held mail never acts as staff and is never mailed onward.
func (pr *Processor) holdReason(ctx context.Context, v mail.AuthVerdict, verified bool, known *helpdesk.User, hit *threadHit,
	rcpt []string, p *mail.Parsed) string {
	if !verified && pr.claimsOurs(ctx, p.From.Email, known) {
		return "claims to be " + p.From.Email + " (staff or our own domain) but is not verified: " + v.Summary()
	}
	if known != nil && known.IsStaff() && hit != nil && pr.Trust.isOn() {
		if !pr.onOwnReplyAddress(rcpt, p, known) {
			return "staff reply not sent to the sender's own signed reply address"
		}
		if !v.Verified() {
			return "staff reply from an unauthenticated sender: " + v.Summary()
		}
	}
	return ""
}

// reviewTeam is the team whose leads review a held mail: the team of the
// ticket it named, else of the intake address it was sent to; nil (admins
// only) when neither has one.
func (pr *Processor) reviewTeam(ctx context.Context, hit *threadHit, rcpt []string, p *mail.Parsed) (*int64, error) {
	if hit != nil {
		t, err := pr.DB.MailTicketRef(ctx, hit.ticketID)
		if err != nil {
			return nil, err
		}
		if t.TeamID != nil {
			return t.TeamID, nil
		}
	}
	addr, err := pr.intakeAddress(ctx, rcpt, p)
	if err != nil || addr == nil {
		return nil, err
	}
	return addr.TeamID, nil
}

// errFinished ends a transaction that would write the outcome of a mail some
// other run has already finished.
var errFinished = postgres.ErrInboundFinished

// finish writes the outcome and enqueues follow-up jobs in one transaction;
// a concurrent or earlier run that already finished wins.
func (pr *Processor) finish(ctx context.Context, id int64, out *outcome) error {
	err := pr.DB.InTx(ctx, func(tx *postgres.Tx) error {
		return pr.finishTx(ctx, tx, id, out)
	})
	if errors.Is(err, errFinished) {
		return nil
	}
	return err
}

// finishTx is finish inside the caller's transaction (the one creating the
// ticket); it returns errFinished, so the caller rolls back, when the mail
// is no longer queued.
func (pr *Processor) finishTx(ctx context.Context, tx *postgres.Tx, id int64, out *outcome) error {
	fin := postgres.InboundOutcome{Status: out.status, Kind: out.kind, Reason: mail.Truncate(out.reason, 500),
		Sender: out.sender, Subject: out.subject, TicketID: out.ticketID, MsgID: out.msgID, Warnings: out.warnings,
		Flagged: out.flagged, EmailID: out.emailID, TeamID: out.teamID}
	if out.auth != nil {
		fin.Auth, fin.SenderCheck, fin.MarkMessage = out.auth, out.auth.Summary(), !out.marked
	}
	msgID, err := tx.FinishInbound(ctx, id, fin)
	if err != nil {
		return err
	}
	out.msgID = msgID
	if e := out.event; e != nil {
		if err := insertEvent(ctx, tx, e.ticketID, 0, e.actor, e.kind, e.after, e.reason); err != nil {
			return err
		}
	}
	for _, j := range out.jobs {
		if _, err := pr.Jobs.InsertTx(ctx, tx, j, nil); err != nil {
			return err
		}
	}
	if a := out.ack; a != nil {
		// Last: it takes the sender's answer budget under a lock held
		// until the commit.
		if pr.Ack != nil {
			return pr.Ack(ctx, tx, a.TicketID, a.To)
		}
		if _, err := pr.Jobs.InsertTx(ctx, tx, *a, nil); err != nil {
			return err
		}
	}
	return nil
}

// senderCheck is the verdict's line shown on the mail's message.
func (out *outcome) senderCheck() string {
	if out.auth == nil {
		return ""
	}
	return out.auth.Summary()
}

// autoReply records an out-of-office on the ticket it answers, or keeps it in
// the ignored list; it never creates, changes status or answers.
func (pr *Processor) autoReply(ctx context.Context, inboundID int64, p *mail.Parsed, c mail.Classification, hit *threadHit,
	sender *helpdesk.User, out *outcome) error {
	out.status = StatusIgnored
	if hit == nil {
		return nil
	}
	out.ticketID = &hit.ticketID
	var actor *int64
	if sender != nil {
		actor = &sender.ID
	}
	out.event = &mailEvent{ticketID: hit.ticketID, actor: actor, kind: helpdesk.EventAutoReply,
		after: map[string]any{"from": p.From.Email, "subject": p.Subject, "inbound_id": inboundID}, reason: c.Reason}
	return nil
}

// mailEvent is a ticket event a mail causes without changing the ticket
// (an out-of-office, a bounce of our mail); finishTx writes it with the
// mail's outcome.
type mailEvent struct {
	ticketID int64
	actor    *int64
	kind     string
	after    any
	reason   string
}

// insertEvent writes one ticket event outside the ticket service (for things
// that are not changes to the ticket itself) and tells live views the
// ticket's number after commit (looked up when the caller does not know it).
func insertEvent(ctx context.Context, tx *postgres.Tx, ticketID, number int64, actor *int64, kind string, after any, reason string) error {
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: ticketID, Number: number, ActorID: actor, Kind: kind,
		After: after, Reason: mail.Truncate(reason, 500)}); err != nil || number != 0 {
		return err
	}
	return tx.NotifyTicketID(ctx, ticketID)
}

// isOurAddress reports whether addr is an intake address or a signed reply
// address of ours.
func (pr *Processor) isOurAddress(ctx context.Context, addr string) (bool, error) {
	return pr.dir.ours(ctx, pr.DB, pr.Secret, pr.Domain, addr)
}
