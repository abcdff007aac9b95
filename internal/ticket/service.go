// Package ticket is the ticket lifecycle: create, reply, note, status
// changes. Every change writes a ticket event and enqueues its follow-up River
// job in the same transaction, so a crash can lose neither.
package ticket

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/postgres/dbsqlc"
)

// Service runs ticket changes.
type Service struct {
	DB            *postgres.DB
	Jobs          *river.Client[pgx.Tx]
	MaxAttachment int64 // bytes per file
}

// NotifyChannel is the LISTEN/NOTIFY channel that carries ticket numbers of
// changed tickets to every app node's live-update hub.
const NotifyChannel = "ticket_changed"

// record writes an event, enqueues the follow-up job and tells listeners, all
// inside tx.
func (s *Service) record(ctx context.Context, tx *postgres.Tx, ticketID, number int64, actor *helpdesk.User,
	kind string, before, after any, reason string, job river.JobArgs) error {
	var actorID *int64
	if actor != nil && actor.ID != 0 {
		actorID = &actor.ID
	}
	if err := tx.Q.RecordEvent(ctx, dbsqlc.RecordEventParams{
		TicketID: ticketID, ActorID: actorID, Kind: kind,
		Before: mustJSON(before), After: mustJSON(after), Reason: reason,
		Channel: NotifyChannel, Number: itoa(number),
	}); err != nil {
		return err
	}
	if job != nil && s.Jobs != nil {
		if _, err := s.Jobs.InsertTx(ctx, tx, job, nil); err != nil {
			return err
		}
	}
	return nil
}

func mustJSON(v any) []byte {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own maps and structs are passed
	}
	return b
}

func actorID(u *helpdesk.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}
