package ticket

import (
	"context"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/postgres/dbsqlc"
)

// PresenceChannel carries ticket numbers whose viewers changed.
const PresenceChannel = "ticket_presence"

// Presence is one colleague on a ticket right now.
type Presence struct {
	UserID   int64
	Name     string
	Replying bool
}

// SetPresence records that viewer is viewing (or replying to) a ticket for
// the next 45 seconds, or leaves it when activity is "". Every node hears
// about it through PresenceChannel.
func (s *Service) SetPresence(ctx context.Context, viewer *helpdesk.User, number int64, activity string) error {
	if !viewer.IsStaff() {
		return notFound()
	}
	t, err := s.Get(ctx, viewer, number)
	if err != nil {
		return err
	}
	switch activity {
	case "viewing", "replying":
		err = s.DB.Q().UpsertPresence(ctx, dbsqlc.UpsertPresenceParams{TicketID: t.ID, UserID: viewer.ID, Activity: activity})
	case "":
		err = s.DB.Q().DeletePresence(ctx, dbsqlc.DeletePresenceParams{TicketID: t.ID, UserID: viewer.ID})
	default:
		return invalidField("activity", "Activity is viewing or replying.")
	}
	if err != nil {
		return postgres.MapError(err)
	}
	_, err = s.DB.Pool.Exec(ctx, "SELECT pg_notify($1, $2)", PresenceChannel, itoa(t.Number))
	return postgres.MapError(err)
}

// Others returns who else is on ticket t now.
func (s *Service) Others(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) ([]Presence, error) {
	rows, err := s.DB.Q().ListPresence(ctx, t.ID)
	if err != nil {
		return nil, postgres.MapError(err)
	}
	var out []Presence
	for _, r := range rows {
		if r.UserID != viewer.ID {
			out = append(out, Presence{UserID: r.UserID, Name: r.Name, Replying: r.Activity == "replying"})
		}
	}
	return out, nil
}

// SetAvailability stores a staff member's own Available / Away / Offline
// switch, writes it to the audit log and, in the same transaction, enqueues
// rebalance (the triage job that moves an absent agent's tickets), so
// nothing waits on an agent who just went offline.
func (s *Service) SetAvailability(ctx context.Context, actor *helpdesk.User, a helpdesk.Availability, rebalance river.JobArgs) error {
	if !actor.IsStaff() {
		return notFound()
	}
	if !a.Valid() {
		return invalidField("availability", "Choose Available, Away or Offline.")
	}
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		before, err := tx.Q.SetAvailability(ctx, dbsqlc.SetAvailabilityParams{UserID: actor.ID, Availability: string(a)})
		if err != nil {
			return err
		}
		if err := tx.Q.AdminInsertAudit(ctx, dbsqlc.AdminInsertAuditParams{ActorID: &actor.ID, ObjectType: "agent_profile",
			ObjectID: itoa(actor.ID), Action: "availability", Before: mustJSON(map[string]any{"availability": before}),
			After: mustJSON(map[string]any{"availability": a})}); err != nil {
			return err
		}
		if rebalance != nil && s.Jobs != nil && before != string(a) {
			if _, err := s.Jobs.InsertTx(ctx, tx, rebalance, nil); err != nil {
				return err
			}
		}
		return nil
	})
}
