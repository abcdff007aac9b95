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
	u, err := tx.User(ctx, agentID)
	if err != nil {
		return err
	}
	// A ticket can be paged again after a later re-triage, so the time
	// keeps the second page from being taken for a retry of the first.
	return r.Alert.Send(ctx, tx, sla.Alert{TicketID: ticketID, Number: number, Kind: EventNotified, To: []string{u.Email},
		Reason: "a ticket nobody on shift can take in time; you are on call",
		Key:    fmt.Sprintf("%d/%d", agentID, r.now().UnixNano())})
}

// alarmLead tells the team's leads that a ticket waits with nobody able to
// take it before its deadline (the ladder's last rung), once per ticket:
// the key makes a later re-triage's alarm a duplicate the outbox refuses.
func (r *Runner) alarmLead(ctx context.Context, tx *postgres.Tx, ticketID, number, teamID int64, d Decision) error {
	done, leads, err := tx.LeadAlarm(ctx, ticketID, teamID)
	if err != nil || done {
		return err
	}
	reason := "waiting with nobody to take it in time: " + d.Wait.Text()
	after := map[string]any{"channel": "alarm", "notify": leads, "wait": d.Wait}
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: ticketID, Kind: EventNotified, After: after, Reason: reason}); err != nil {
		return err
	}
	return r.Alert.Send(ctx, tx, sla.Alert{TicketID: ticketID, Number: number, Kind: EventNotified, To: leads,
		Reason: reason, Key: fmt.Sprintf("waiting/%d", ticketID)})
}
