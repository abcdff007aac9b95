// Package ticket is the ticket lifecycle: create, reply, note, status
// changes. Every change writes a ticket event and enqueues its follow-up River
// job in the same transaction, so a crash can lose neither.
package ticket

import (
	"context"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Service runs ticket changes.
type Service struct {
	DB            *postgres.DB
	Jobs          *postgres.JobClient
	MaxAttachment int64 // bytes per file
	// Triage, when set, takes a new ticket for triage on this node once
	// Create has committed it, instead of a River job in the creating
	// transaction (triage.Dispatcher: it hands to River what it cannot
	// finish, and the untriaged sweep covers a node killed in between).
	Triage func(ctx context.Context, ticketID int64)
	// File, when set, writes a new ticket already triaged
	// (triage.Runner.File, batched per node), with after in the same
	// transaction; triaged false means it was written as filed and is to be
	// handed to Triage. alone asks for a transaction of its own (large
	// attachments: their slow write would delay the batch's other requests).
	File func(ctx context.Context, n postgres.NewTicket, alone bool,
		after func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket, messageID int64) error) (t *helpdesk.Ticket, triaged bool, err error)
}

// NotifyChannel is the LISTEN/NOTIFY channel that carries ticket numbers of
// changed tickets to every app node's live-update hub.
const NotifyChannel = postgres.TicketChannel

// record writes an event, enqueues the follow-up job and tells listeners, all
// inside tx.
func (s *Service) record(ctx context.Context, tx *postgres.Tx, ticketID, number int64, actor *helpdesk.User,
	kind string, before, after any, reason string, job river.JobArgs) error {
	if via := Via(ctx); via != "" {
		if reason == "" {
			reason = via
		} else {
			reason += " (" + via + ")"
		}
	}
	var actorID *int64
	if actor != nil && actor.ID != 0 {
		actorID = &actor.ID
	}
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: ticketID, Number: number, ActorID: actorID, Kind: kind,
		Before: before, After: after, Reason: reason}); err != nil {
		return err
	}
	if job != nil && s.Jobs != nil {
		if _, err := s.Jobs.InsertTx(ctx, tx, job, nil); err != nil {
			return err
		}
	}
	return nil
}

func actorID(u *helpdesk.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

type viaKey struct{}

// WithVia marks every change made with ctx as coming through a channel other
// than the web UI ("via Slack by @ana"): the events' reason says so.
func WithVia(ctx context.Context, via string) context.Context {
	return context.WithValue(ctx, viaKey{}, via)
}

// Via returns what WithVia set, or "".
func Via(ctx context.Context) string {
	v, _ := ctx.Value(viaKey{}).(string)
	return v
}
