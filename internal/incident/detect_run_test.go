package incident_test

import (
	"context"
	"fmt"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// TestDetectConfirmDismissAffected drives the detector in the server: a
// burst of VPN tickets becomes one suspected incident, confirming makes
// them children with one update each, a later VPN ticket is proposed as a
// child, a dismissed burst is not proposed again, and a published
// incident takes "I'm affected too" once per person.
func TestDetectConfirmDismissAffected(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	agent := e.User(helpdesk.RoleAgent)
	file := func(subject, body string) *helpdesk.Ticket {
		u := e.User(helpdesk.RoleRequester)
		tk, err := e.App.Tickets.Create(ctx, u, ticket.CreateInput{Subject: subject, Description: body})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	for i, s := range []string{"new monitor for my desk", "access to confluence space", "leaver form for john",
		"purchase order for headset", "keyboard keys sticky", "outlook signature question"} {
		file(s, fmt.Sprintf("details %d", i))
	}
	for i := range 5 {
		file("VPN not connecting", fmt.Sprintf("cannot connect to vpn gateway vpn-gw-01.corp.example.com since 9:00 (%d)", i))
	}
	if _, err := e.App.Incidents.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	sus, err := e.App.Incidents.Suspects(ctx, agent)
	if err != nil {
		t.Fatal(err)
	}
	if len(sus) != 1 || len(sus[0].Tickets) != 5 {
		t.Fatalf("want one proposal of the 5 VPN tickets, got %+v", sus)
	}
	num, err := e.App.Incidents.Confirm(ctx, agent, sus[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	inc, err := e.App.Tickets.Get(ctx, agent, num)
	if err != nil {
		t.Fatal(err)
	}
	kids, err := e.App.Tickets.Children(ctx, agent, inc)
	if err != nil || len(kids) != 5 {
		t.Fatalf("incident #%d children %v (%v), want 5", num, kids, err)
	}
	child, _ := e.App.Tickets.Get(ctx, agent, kids[0].Number)
	msgs, _ := e.App.Tickets.Conversation(ctx, agent, child)
	if n := len(msgs); n != 2 {
		t.Errorf("child #%d has %d messages, want its own and one update", child.Number, n)
	}

	// A later VPN ticket is proposed as a child of the open incident.
	late := file("vpn down for me too", "vpn gateway vpn-gw-01.corp.example.com refuses me")
	if _, err := e.App.Incidents.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	sus, _ = e.App.Incidents.Suspects(ctx, agent)
	if len(sus) != 1 || sus[0].Target == nil || sus[0].Target.Number != num || len(sus[0].Tickets) != 1 || sus[0].Tickets[0].Number != late.Number {
		t.Fatalf("want the late ticket proposed as a child of #%d, got %+v", num, sus)
	}
	if _, err := e.App.Incidents.Confirm(ctx, agent, sus[0].ID); err != nil {
		t.Fatal(err)
	}

	// A dismissed burst is not proposed again.
	var printers []*helpdesk.Ticket
	for i := range 4 {
		printers = append(printers, file("printer jammed on floor 2", fmt.Sprintf("the floor 2 printer jams on every page %d", i)))
	}
	if _, err := e.App.Incidents.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	sus, _ = e.App.Incidents.Suspects(ctx, agent)
	if len(sus) != 1 || len(sus[0].Tickets) != 4 {
		t.Fatalf("want the printer burst proposed, got %+v", sus)
	}
	if err := e.App.Incidents.Dismiss(ctx, agent, sus[0].ID); err != nil {
		t.Fatal(err)
	}
	file("printer jammed floor 2", "floor 2 printer jams again")
	if _, err := e.App.Incidents.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	sus, _ = e.App.Incidents.Suspects(ctx, agent)
	for _, s := range sus {
		for _, tk := range s.Tickets {
			for _, p := range printers {
				if tk.ID == p.ID {
					t.Fatalf("dismissed ticket #%d proposed again in %+v", p.Number, s)
				}
			}
		}
	}

	// Published: employees join it instead of filing a ticket.
	if err := e.App.Incidents.Publish(ctx, agent, num, true, "VPN outage", "We are on it."); err != nil {
		t.Fatal(err)
	}
	known, err := e.App.Incidents.KnownIssues(ctx)
	if err != nil || len(known) != 1 || known[0].Title != "VPN outage" {
		t.Fatalf("known issues %+v (%v)", known, err)
	}
	emp := e.User(helpdesk.RoleRequester)
	for range 2 {
		if err := e.App.Incidents.AffectedToo(ctx, emp, num); err != nil {
			t.Fatal(err)
		}
	}
	known, _ = e.App.Incidents.KnownIssues(ctx)
	if known[0].Affected != 1 {
		t.Errorf("affected count %d after one person clicked twice, want 1", known[0].Affected)
	}
	// Counted as a deflection, once, where the deflection report reads.
	var deflected int
	if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM kb_deflections WHERE user_id = $1`, emp.ID).Scan(&deflected); err != nil || deflected != 1 {
		t.Errorf("deflections recorded for 'I'm affected too': %d (%v), want 1", deflected, err)
	}
}
