package ticket

import (
	"context"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// PresenceChannel carries ticket numbers whose viewers changed.
const PresenceChannel = postgres.PresenceChannel

// Presence is one colleague on a ticket right now.
type Presence = helpdesk.Presence

// SetPresence records that viewer is viewing (or replying to) a ticket for
// the next 45 seconds, or leaves it when activity is "". Every node hears
// about it through PresenceChannel.
func (s *Service) SetPresence(ctx context.Context, viewer *helpdesk.User, number int64, activity string) (err error) {
	defer helpdesk.WrapOp(&err, "set presence on ticket %d", number)
	if !viewer.IsStaff() {
		return notFound()
	}
	t, err := s.Get(ctx, viewer, number)
	if err != nil {
		return err
	}
	switch activity {
	case "viewing", "replying", "":
		return s.DB.SetPresence(ctx, t.ID, t.Number, viewer.ID, activity)
	}
	return invalidField("activity", "Activity is viewing or replying.")
}

// Others returns who else is on ticket t now.
func (s *Service) Others(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) ([]Presence, error) {
	all, err := s.DB.Presence(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	var out []Presence
	for _, p := range all {
		if p.UserID != viewer.ID {
			out = append(out, p)
		}
	}
	return out, nil
}

// SetAvailability stores a staff member's own Available / Away / Offline
// switch, writes it to the audit log and, in the same transaction, enqueues
// rebalance (the triage job that moves an absent agent's tickets), so
// nothing waits on an agent who just went offline.
func (s *Service) SetAvailability(ctx context.Context, actor *helpdesk.User, a helpdesk.Availability, rebalance river.JobArgs) (err error) {
	defer helpdesk.WrapOp(&err, "set availability of user %d", actor.ID)
	if !actor.IsStaff() {
		return notFound()
	}
	if !a.Valid() {
		return invalidField("availability", "Choose Available, Away or Offline.")
	}
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		before, err := tx.SetAvailability(ctx, actor.ID, a)
		if err != nil {
			return err
		}
		if err := tx.Audit(ctx, &actor.ID, "agent_profile", itoa(actor.ID), "availability",
			map[string]any{"availability": string(before)}, map[string]any{"availability": a}); err != nil {
			return err
		}
		if rebalance != nil && s.Jobs != nil && before != a {
			if _, err := s.Jobs.InsertTx(ctx, tx, rebalance, nil); err != nil {
				return err
			}
		}
		return nil
	})
}
