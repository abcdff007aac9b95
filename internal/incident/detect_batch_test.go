package incident_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// A scan writes what it learns once per batch: every ticket's entities,
// and the tickets that join an open proposal (in the same scan as the
// proposal and in later ones).
func TestDetectBatchStoresEntitiesAndJoins(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	agent := e.User(helpdesk.RoleAgent)
	var vpn []*helpdesk.Ticket
	file := func(subject, body string) *helpdesk.Ticket {
		tk, err := e.App.Tickets.Create(ctx, e.User(helpdesk.RoleRequester), ticket.CreateInput{Subject: subject, Description: body})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	for i, s := range []string{"new monitor for my desk", "access to confluence space", "purchase order for headset"} {
		file(s, fmt.Sprintf("details %d", i))
	}
	// The fifth and sixth join the proposal the first four make, in the same scan.
	for i := range 6 {
		vpn = append(vpn, file("VPN not connecting", fmt.Sprintf("cannot connect to vpn gateway vpn-gw-01.corp.example.com since 9:00 (%d)", i)))
	}
	// (The node's own periodic scan may read some first: counts vary.)
	if _, err := e.App.Incidents.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	proposal := func() []int64 {
		t.Helper()
		sus, err := e.App.Incidents.Suspects(ctx, agent)
		if err != nil || len(sus) != 1 {
			t.Fatalf("suspects %+v (%v), want one proposal", sus, err)
		}
		var ids []int64
		for _, tk := range sus[0].Tickets {
			ids = append(ids, tk.ID)
		}
		slices.Sort(ids)
		return ids
	}
	var want []int64
	for _, tk := range vpn {
		want = append(want, tk.ID)
	}
	if got := proposal(); !slices.Equal(got, want) {
		t.Fatalf("proposal holds tickets %v, want the six VPN tickets %v", got, want)
	}
	// A later one joins the open proposal in a scan of its own.
	late := file("vpn down for me too", "vpn gateway vpn-gw-01.corp.example.com refuses me")
	if _, err := e.App.Incidents.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if got := proposal(); !slices.Contains(got, late.ID) || len(got) != 7 {
		t.Fatalf("proposal holds %v, want the late ticket %d too", got, late.ID)
	}
	ents, err := e.App.DB.TicketEntities(ctx, append(want, late.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range append(want, late.ID) {
		if !slices.Contains(ents[id], helpdesk.Entity{Kind: "host", Value: "vpn-gw-01.corp.example.com"}) ||
			!slices.Contains(ents[id], helpdesk.Entity{Kind: "service", Value: "vpn"}) {
			t.Errorf("ticket %d entities %v, want the gateway host and the vpn service", id, ents[id])
		}
	}
}
