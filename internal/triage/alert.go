package triage

import (
	"context"
	"fmt"

	"switchboard/internal/postgres"
	"switchboard/internal/sla"
)

// page mails the on-call agent a P1 was just given to, inside the triage
// transaction: the "notified" event and its mail commit together.
func (r *Runner) page(ctx context.Context, tx *postgres.Tx, ticketID, number, agentID int64) error {
	if r.Alert == nil {
		return nil
	}
	u, err := tx.Q.GetUser(ctx, agentID)
	if err != nil {
		return err
	}
	// A ticket can be paged again after a later re-triage, so the time
	// keeps the second page from being taken for a retry of the first.
	return r.Alert.Send(ctx, tx, sla.Alert{TicketID: ticketID, Number: number, Kind: EventNotified, To: []string{u.Email},
		Reason: "P1 with nobody on shift who can take it; you are on call",
		Key:    fmt.Sprintf("%d/%d", agentID, r.now().UnixNano())})
}
