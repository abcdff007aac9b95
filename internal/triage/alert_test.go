package triage_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
	"switchboard/internal/triage"
)

// alerts captures what the runner asks to be mailed.
type alerts struct {
	mu  sync.Mutex
	got []sla.Alert
}

func (a *alerts) hook(_ context.Context, _ *postgres.Tx, al sla.Alert) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, al)
	return nil
}

func (a *alerts) of(kind string) []sla.Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []sla.Alert
	for _, x := range a.got {
		if x.Kind == kind {
			out = append(out, x)
		}
	}
	return out
}

// A batch's lead alarms and on-call pages are sent by a job that runs after
// the batch commits (the batch holds its agents' profile locks until then),
// and a run repeated after a crash sends nothing twice.
func TestAlertsSentByJobOnce(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Hardware", s.team, "hardware", nil, 0.5)
	s.category("Network", s.team, "network", nil, 0.5)
	lead := s.agent(s.team, agentSpec{name: "lea", lead: true, hours: offShiftHours(t, "UTC")})
	s.agent(s.team, agentSpec{name: "ava", skills: map[string]int{"hardware": 3}, hours: offShiftHours(t, "UTC")})
	frank := s.agent(s.team, agentSpec{name: "frank", skills: map[string]int{"network": 2}, hours: offShiftHours(t, "UTC")})
	client, err := s.db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s.runner.Jobs = client
	var sent alerts
	s.runner.Alert = sent.hook

	waits := s.file("Laptop will not boot", "Black screen.", "Hardware", helpdesk.ImpactTeam, helpdesk.UrgencyCritical)
	s.triage(waits.ID)
	// Someone on call from now: the next P1 is theirs, and they are paged.
	s.exec(`INSERT INTO oncall_shifts (team_id, user_id, starts_at, ends_at) VALUES ($1, $2, now() - interval '1 hour', now() + interval '1 hour')`,
		s.team, frank.ID)
	p1 := s.file("Outage: the whole office network is down", "Nothing works.", "Network", helpdesk.ImpactOrganisation, helpdesk.UrgencyCritical)
	s.triage(p1.ID)
	if a := s.assignee(p1.ID); a == nil || *a != frank.ID {
		t.Fatalf("P1 assignee = %v, want on-call frank", a)
	}
	for _, id := range []int64{waits.ID, p1.ID} {
		if n := len(s.events(id, triage.EventNotified)); n != 0 {
			t.Errorf("ticket %d: %d notified events before the alert job ran", id, n)
		}
	}
	if n := len(sent.of(triage.EventNotified)); n != 0 {
		t.Fatalf("%d alerts mailed before the alert job ran", n)
	}

	var batches []json.RawMessage
	rows, err := s.db.RawPool().Query(s.ctx, `SELECT args->'alerts' FROM river_job WHERE kind = 'triage_alert' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if batches, err = pgx.CollectRows(rows, pgx.RowTo[json.RawMessage]); err != nil {
		t.Fatal(err)
	}
	if len(batches) != 2 {
		t.Fatalf("%d alert jobs, want one per triage batch (2)", len(batches))
	}
	for range 2 { // the second time is a run repeated after a crash
		for _, b := range batches {
			if err := s.runner.SendAlerts(s.ctx, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, id := range []int64{waits.ID, p1.ID} {
		if n := len(s.events(id, triage.EventNotified)); n != 1 {
			t.Errorf("ticket %d: %d notified events, want 1", id, n)
		}
	}
	var alarm struct {
		Channel string      `json:"channel"`
		Notify  []string    `json:"notify"`
		Wait    triage.Wait `json:"wait"`
	}
	ev := s.events(waits.ID, triage.EventNotified)
	if err := json.Unmarshal(ev[0].After, &alarm); err != nil || alarm.Channel != "alarm" ||
		len(alarm.Notify) != 1 || alarm.Notify[0] != lead.Email || alarm.Wait.Cause == "" ||
		!strings.Contains(ev[0].Reason, "waiting with nobody to take it in time: no one with Hardware on shift") {
		t.Errorf("alarm event %s (%q): %+v, %v", ev[0].After, ev[0].Reason, alarm, err)
	}
	got := sent.of(triage.EventNotified)
	if len(got) != 2 {
		t.Fatalf("alerts mailed = %+v, want the lead's alarm and frank's page once each", got)
	}
	to := map[int64]string{}
	for _, a := range got {
		to[a.TicketID] = strings.Join(a.To, ",")
	}
	if to[waits.ID] != lead.Email || to[p1.ID] != frank.Email {
		t.Errorf("alerts went to %v, want the lead for #%d and frank for #%d", to, waits.Number, p1.Number)
	}
}

// A new ticket whose lead alarm has nobody to mail (its team has no active
// lead) carries the alarm event from birth, written with the ticket, and
// needs no alert job; once the team has a lead, a new ticket's alarm waits
// for the job, which mails the lead.
func TestBornAlarmWithoutLeadIsWrittenWithTheTicket(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Hardware", s.team, "hardware", nil, 0.5)
	s.agent(s.team, agentSpec{name: "ava", skills: map[string]int{"hardware": 3}, hours: offShiftHours(t, "UTC")})
	client, err := s.db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s.runner.Jobs = client
	s.tickets = bornService(s, s.runner, func(id int64) { t.Errorf("ticket %d handed to the dispatcher untriaged", id) })
	jobs := func() (n int) {
		s.scalar(&n, `SELECT count(*) FROM river_job WHERE kind = 'triage_alert'`)
		return n
	}

	tk := s.file("Laptop will not boot", "Black screen.", "Hardware", helpdesk.ImpactTeam, helpdesk.UrgencyCritical)
	ev := s.events(tk.ID, triage.EventNotified)
	if len(ev) != 1 {
		t.Fatalf("%d notified events on the new ticket, want its alarm", len(ev))
	}
	var alarm struct {
		Channel string      `json:"channel"`
		Notify  []string    `json:"notify"`
		Wait    triage.Wait `json:"wait"`
	}
	if err := json.Unmarshal(ev[0].After, &alarm); err != nil || alarm.Channel != "alarm" || alarm.Notify == nil ||
		len(alarm.Notify) != 0 || alarm.Wait.Cause == "" ||
		!strings.Contains(ev[0].Reason, "waiting with nobody to take it in time: no one with Hardware on shift") {
		t.Errorf("alarm event %s (%q): %+v, %v", ev[0].After, ev[0].Reason, alarm, err)
	}
	var together bool
	s.scalar(&together, `SELECT e.xmin = t.xmin FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
		WHERE e.ticket_id = $1 AND e.kind = 'notified'`, tk.ID)
	if !together {
		t.Error("the alarm was not written in the ticket's transaction")
	}
	if n := jobs(); n != 0 {
		t.Errorf("%d alert jobs for an alarm with nobody to mail", n)
	}

	s.agent(s.team, agentSpec{name: "lea", lead: true, hours: offShiftHours(t, "UTC")})
	led := s.file("Laptop will not boot either", "Black screen.", "Hardware", helpdesk.ImpactTeam, helpdesk.UrgencyCritical)
	if n := len(s.events(led.ID, triage.EventNotified)); n != 0 {
		t.Errorf("%d notified events before the alert job ran, with a lead to mail", n)
	}
	if n := jobs(); n != 1 {
		t.Errorf("%d alert jobs, want the one that mails the lead", n)
	}
}
