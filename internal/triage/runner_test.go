package triage_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/triage"
)

// A ticket goes to the on-shift agent with the skill, and the stored
// explanation names why each other agent was passed over.
func TestTriageAssignsOnShiftSkilledAgent(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	alice := s.agent(s.team, agentSpec{name: "alice", skills: map[string]int{"network": 2}})
	bob := s.agent(s.team, agentSpec{name: "bob", tz: "Asia/Manila", skills: map[string]int{"network": 3},
		hours: offShiftHours(t, "Asia/Manila")})
	s.agent(s.team, agentSpec{name: "carol", skills: map[string]int{"printing": 3}})
	dave := s.agent(s.team, agentSpec{name: "dave", skills: map[string]int{"network": 3}, capacity: 2})
	s.agent(s.team, agentSpec{name: "erin", skills: map[string]int{"network": 3}, availability: "away"})
	for range 2 { // dave is full
		tk := s.file("old", "old", "Network", "", "")
		s.exec(`UPDATE tickets SET assignee_id = $2 WHERE id = $1`, tk.ID, dave.ID)
	}

	tk := s.file("VPN drops every ten minutes", "GlobalProtect disconnects.", "Network", helpdesk.ImpactPerson, helpdesk.UrgencyHigh)
	s.triage(tk.ID)

	if a := s.assignee(tk.ID); a == nil || *a != alice.ID {
		t.Fatalf("assignee = %v, want alice (%d)", a, alice.ID)
	}
	ev := s.events(tk.ID, helpdesk.EventTriaged)
	if len(ev) != 1 {
		t.Fatalf("%d triaged events, want 1", len(ev))
	}
	var d struct {
		Outcome  string             `json:"outcome"`
		AgentID  int64              `json:"agent_id"`
		Parts    map[string]float64 `json:"parts"`
		Rejected []triage.Rejection `json:"rejected"`
		SLA      struct {
			FirstResponse time.Time `json:"first_response_due"`
		} `json:"sla"`
	}
	if err := json.Unmarshal(ev[0].After, &d); err != nil {
		t.Fatal(err)
	}
	if d.Outcome != "assigned" || d.AgentID != alice.ID || d.Parts["total"] <= 0 {
		t.Errorf("decision = %+v", d)
	}
	want := map[string]string{
		"bob":   "off shift: ",
		"carol": "lacks skill: network",
		"dave":  "at capacity 2/2",
		"erin":  "away",
	}
	for name, reason := range want {
		found := false
		for _, r := range d.Rejected {
			found = found || (r.Name == name && strings.Contains(r.Reason, reason))
		}
		if !found {
			t.Errorf("no rejection of %s with %q in %+v", name, reason, d.Rejected)
		}
	}
	for _, r := range d.Rejected {
		if r.AgentID == bob.ID && !strings.Contains(r.Reason, "in Asia/Manila") {
			t.Errorf("bob's reason %q does not name his zone", r.Reason)
		}
	}
	if !strings.Contains(ev[0].Reason, "Assigned to alice") {
		t.Errorf("explanation = %q", ev[0].Reason)
	}
	if len(s.events(tk.ID, helpdesk.EventPrioritised)) != 1 {
		t.Error("no prioritised event")
	}
	// Team is 24x7 and the ticket P3 (person x high): the first response is
	// due eight hours after creation.
	var created, frDue time.Time
	var lastAssigned *time.Time
	s.scalar(&created, `SELECT created_at FROM tickets WHERE id = $1`, tk.ID)
	s.scalar(&frDue, `SELECT first_response_due FROM tickets WHERE id = $1`, tk.ID)
	s.scalar(&lastAssigned, `SELECT last_assigned_at FROM agent_profiles WHERE user_id = $1`, alice.ID)
	if got := frDue.Sub(created); got != 8*time.Hour {
		t.Errorf("first response due after %s, want 8h", got)
	}
	if lastAssigned == nil {
		t.Error("last_assigned_at not updated")
	}
	// A second run (River retry) changes nothing.
	s.triage(tk.ID)
	if n := len(s.events(tk.ID, helpdesk.EventTriaged)); n != 1 {
		t.Errorf("second run wrote another triaged event (%d)", n)
	}
}

// Admin keyword rules win over the model; the model's guess is used at or
// above the category's threshold; below it the ticket lands in Needs triage.
func TestTriageCategorises(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "", nil, 0.3)
	s.category("Hardware", s.team, "", []string{"toner"}, 0.999)
	s.agent(s.team, agentSpec{name: "alice"})
	for i := range 30 {
		s.exec(`INSERT INTO imported_tickets (text, category) VALUES ($1, 'Network'), ($2, 'Hardware')`,
			fmt.Sprintf("vpn tunnel disconnects wifi router network %d", i),
			fmt.Sprintf("laptop screen keyboard broken monitor %d", i))
	}
	if _, err := triage.Train(s.ctx, s.db, classifyFast()); err != nil {
		t.Fatal(err)
	}
	if err := s.runner.Classifier.Refresh(s.ctx); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		subject, wantCat, wantSource string
		needsTriage                  bool
	}{
		{"VPN tunnel keeps disconnecting from the router", "Network", "model", false},
		{"Printer needs new toner", "Hardware", "keyword", false},
		{"Keyboard and monitor broken", "", "none", true}, // Hardware by the model, but below 0.999
	}
	var needsTriage int64
	s.scalar(&needsTriage, `SELECT id FROM teams WHERE slug = 'needs-triage'`)
	for _, c := range cases {
		tk := s.file(c.subject, c.subject, "", "", "")
		s.triage(tk.ID)
		var cat *string
		var team int64
		s.scalar(&cat, `SELECT c.name FROM tickets t LEFT JOIN categories c ON c.id = t.category_id WHERE t.id = $1`, tk.ID)
		s.scalar(&team, `SELECT team_id FROM tickets WHERE id = $1`, tk.ID)
		got := ""
		if cat != nil {
			got = *cat
		}
		if got != c.wantCat {
			t.Errorf("%q: category %q, want %q", c.subject, got, c.wantCat)
		}
		if (team == needsTriage) != c.needsTriage {
			t.Errorf("%q: team %d, needs-triage is %d", c.subject, team, needsTriage)
		}
		ev := s.events(tk.ID, helpdesk.EventCategorised)
		if len(ev) != 1 {
			t.Errorf("%q: %d categorised events", c.subject, len(ev))
			continue
		}
		var cz triage.Categorisation
		_ = json.Unmarshal(ev[0].After, &cz)
		if cz.Source != c.wantSource {
			t.Errorf("%q: source %q, want %q (%s)", c.subject, cz.Source, c.wantSource, cz.Reason)
		}
		if c.wantSource == "model" && cz.Confidence < 0.3 {
			t.Errorf("%q: confidence %.2f recorded below the threshold it passed", c.subject, cz.Confidence)
		}
	}
}

// A P1 nobody on shift can take goes to the team's on-call person, who is
// paged; a P3 in the same situation waits for the next shift and is picked
// up again by the retry sweep.
func TestTriageOnCallAndQueue(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	frank := s.agent(s.team, agentSpec{name: "frank", skills: map[string]int{"network": 2}, hours: offShiftHours(t, "UTC")})
	s.exec(`INSERT INTO oncall_shifts (team_id, user_id, starts_at, ends_at) VALUES ($1, $2, now() - interval '1 hour', now() + interval '1 hour')`,
		s.team, frank.ID)

	var sent alerts
	s.runner.Alert = sent.hook
	p1 := s.file("Outage: the whole office network is down", "Nothing works.", "Network", helpdesk.ImpactOrganisation, helpdesk.UrgencyCritical)
	s.triage(p1.ID)
	if a := s.assignee(p1.ID); a == nil || *a != frank.ID {
		t.Fatalf("P1 assignee = %v, want on-call frank", a)
	}
	if len(s.events(p1.ID, triage.EventNotified)) != 1 {
		t.Error("on-call person not notified")
	}
	if pages := sent.of(triage.EventNotified); len(pages) != 1 || len(pages[0].To) != 1 || pages[0].To[0] != frank.Email ||
		pages[0].TicketID != p1.ID {
		t.Errorf("page mails = %+v, want one to %s", pages, frank.Email)
	}

	p3 := s.file("Slow wifi", "A bit slow.", "Network", helpdesk.ImpactPerson, helpdesk.UrgencyMedium)
	s.triage(p3.ID)
	if a := s.assignee(p3.ID); a != nil {
		t.Fatalf("P3 assigned to %d off shift", *a)
	}
	var retry time.Time
	s.scalar(&retry, `SELECT triage_retry_at FROM tickets WHERE id = $1`, p3.ID)
	if d := time.Until(retry); d < 10*time.Hour || d > 13*time.Hour {
		t.Errorf("retry in %s, want at frank's next shift (~12h)", d)
	}
	if n, err := s.runner.RetryQueued(s.ctx); err != nil || n != 0 {
		t.Fatalf("retry before the shift: %d, %v", n, err)
	}
	s.runner.Now = func() time.Time { return retry.Add(time.Minute) }
	if n, err := s.runner.RetryQueued(s.ctx); err != nil || n != 1 {
		t.Fatalf("retry at the shift: %d, %v", n, err)
	}
	if n, _ := s.runner.RetryQueued(s.ctx); n != 0 {
		t.Errorf("the same ticket was claimed twice")
	}
}

// Capacity holds: once every agent is full, tickets queue with the reason.
func TestTriageCapacity(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("General", s.team, "", nil, 0.5)
	a := s.agent(s.team, agentSpec{name: "alice", capacity: 3})
	var ids []int64
	for i := range 5 {
		tk := s.file(fmt.Sprintf("ticket %d", i), "text", "General", helpdesk.ImpactPerson, helpdesk.UrgencyLow)
		s.triage(tk.ID)
		ids = append(ids, tk.ID)
	}
	var held int
	s.scalar(&held, `SELECT count(*) FROM tickets WHERE assignee_id = $1`, a.ID)
	if held != 3 {
		t.Errorf("alice holds %d tickets, capacity 3", held)
	}
	ev := s.events(ids[4], helpdesk.EventTriaged)
	if len(ev) != 1 || !strings.Contains(ev[0].Reason, "at capacity 3/3") {
		t.Errorf("queued explanation = %v", ev)
	}
	// Resolving one frees a slot (the load counter follows the ticket), and
	// the retried ticket takes it.
	var load int
	s.scalar(&load, `SELECT open_load FROM agent_profiles WHERE user_id = $1`, a.ID)
	if load != 3 {
		t.Errorf("open_load = %d, want 3", load)
	}
	s.exec(`UPDATE tickets SET status = 'resolved' WHERE id = (SELECT min(id) FROM tickets WHERE assignee_id = $1)`, a.ID)
	s.scalar(&load, `SELECT open_load FROM agent_profiles WHERE user_id = $1`, a.ID)
	if load != 2 {
		t.Errorf("open_load after resolving = %d, want 2", load)
	}
	s.triage(ids[4])
	if got := s.assignee(ids[4]); got == nil || *got != a.ID {
		t.Errorf("freed slot not used: assignee %v", got)
	}
}
