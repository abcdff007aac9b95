package triage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
)

// alert is one thing a written decision must tell someone: the team's
// leads that the ticket waits with nobody to take it in time (TeamID and
// Wait set), or the on-call agent a P1 or P2 was given to (AgentID set).
type alert struct {
	TicketID  int64             `json:"ticket_id"`
	Number    int64             `json:"number"`
	TeamID    int64             `json:"team_id,omitempty"`
	Wait      *Wait             `json:"wait,omitempty"`
	AgentID   int64             `json:"agent_id,omitempty"`
	AgentName string            `json:"agent_name,omitempty"`
	Priority  helpdesk.Priority `json:"priority,omitempty"`
	// At is when triage decided: a ticket can be paged again after a
	// later re-triage, and At tells that page from a retry of this one.
	At time.Time `json:"at"`
}

// alerts are what o, once written, must tell people.
func (o decided) alerts(at time.Time) []alert {
	var as []alert
	if o.d.AlarmLead && !o.alarmed {
		as = append(as, alert{TicketID: o.t.ID, Number: o.t.Number, TeamID: o.teamID, Wait: o.d.Wait, At: at})
	}
	if o.assignee != nil && o.d.Notify {
		as = append(as, alert{TicketID: o.t.ID, Number: o.t.Number, AgentID: o.d.AgentID, AgentName: o.d.AgentName,
			Priority: o.prio.Priority, At: at})
	}
	return as
}

// SendAlerts is the work of the triage_alert job: a batch's alerts, in one
// transaction, after the batch committed (the batch holds its agents'
// profile locks until then, and every triage of the team waits on those;
// looking up leads and writing events and mails took round trips per
// ticket). A run repeated after a crash sends nothing twice: each alert
// checks for its event, and the outbox refuses a mail's second copy.
func (r *Runner) SendAlerts(ctx context.Context, raw json.RawMessage) error {
	var as []alert
	if err := json.Unmarshal(raw, &as); err != nil {
		return fmt.Errorf("decode triage alerts: %w", err)
	}
	return r.DB.InTx(ctx, func(tx *postgres.Tx) error { return r.sendAlerts(ctx, tx, as) })
}

func (r *Runner) sendAlerts(ctx context.Context, tx *postgres.Tx, as []alert) error {
	var waiting []alert
	for _, a := range as {
		if a.AgentID == 0 {
			waiting = append(waiting, a)
			continue
		}
		if err := r.page(ctx, tx, a); err != nil {
			return fmt.Errorf("page about ticket %d: %w", a.TicketID, err)
		}
	}
	return r.alarmLeads(ctx, tx, waiting)
}

// page tells the on-call agent a P1 or P2 was just given to them: the
// "notified" event and its mail commit together.
func (r *Runner) page(ctx context.Context, tx *postgres.Tx, a alert) error {
	key := fmt.Sprintf("%d/%d", a.AgentID, a.At.UnixNano())
	if sent, err := tx.PageSent(ctx, a.TicketID, key); err != nil || sent {
		return err
	}
	why := fmt.Sprintf("%s with nobody on shift who can take it in time", a.Priority)
	after := map[string]any{"agent_id": a.AgentID, "agent_name": a.AgentName, "channel": "page", "why": why, "key": key}
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: a.TicketID, Kind: EventNotified, After: after,
		Reason: "on-call paged for a " + string(a.Priority)}); err != nil {
		return err
	}
	if r.Alert == nil {
		return nil
	}
	u, err := tx.User(ctx, a.AgentID)
	if err != nil {
		return err
	}
	return r.Alert.Send(ctx, tx, sla.Alert{TicketID: a.TicketID, Number: a.Number, Kind: EventNotified, To: []string{u.Email},
		Reason: "a ticket nobody on shift can take in time; you are on call", Key: key})
}

// alarmLeads tells the teams' leads that tickets wait with nobody able to
// take them before their deadline (the ladder's last rung), once per
// ticket: the events are written in one statement, which skips a ticket
// alarmed before (a later re-triage, or this job run again after a crash).
func (r *Runner) alarmLeads(ctx context.Context, tx *postgres.Tx, as []alert) error {
	if len(as) == 0 {
		return nil
	}
	alarms := make([]postgres.LeadAlarm, len(as))
	for i, a := range as {
		alarms[i] = postgres.LeadAlarm{TicketID: a.TicketID, TeamID: a.TeamID, Wait: a.Wait, Reason: alarmReason(a.Wait)}
	}
	leads, err := tx.RecordLeadAlarms(ctx, alarms)
	if err != nil {
		return err
	}
	for i, a := range as {
		to, ok := leads[a.TicketID]
		if !ok {
			continue // alarmed before
		}
		if err := r.Alert.Send(ctx, tx, sla.Alert{TicketID: a.TicketID, Number: a.Number, Kind: EventNotified,
			To: to, Reason: alarms[i].Reason, Key: fmt.Sprintf("waiting/%d", a.TicketID)}); err != nil {
			return fmt.Errorf("alarm about ticket %d: %w", a.TicketID, err)
		}
	}
	return nil
}

func alarmReason(w *Wait) string { return "waiting with nobody to take it in time: " + w.Text() }

// alarmAtBirth makes o's lead alarm one of its events, written with the
// new ticket, when its team has no active lead to mail (leads): the alarm
// is then only that event, and the ticket needs no alert job for it. It
// is the event alarmLeads would write, with nobody to notify.
func (o *decided) alarmAtBirth(res *postgres.TriageResult, leads map[int64]bool) {
	if !o.d.AlarmLead || leads[o.teamID] {
		return
	}
	res.Events = append(res.Events, postgres.NewEvent{TicketID: o.t.ID, Kind: EventNotified,
		After: map[string]any{"channel": "alarm", "notify": []string{}, "wait": o.d.Wait}, Reason: alarmReason(o.d.Wait)})
	o.alarmed = true
}
