package incident_test

import (
	"context"
	"fmt"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/incident"
	"switchboard/internal/ticket"
)

// TestRelatedAlertByTeam: a suspected incident names the open alert
// incident of its tickets' team as related even when they share no entity
// (the issue: "any open alert that shares an entity or team").
func TestRelatedAlertByTeam(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	agent := e.User(helpdesk.RoleAgent)
	var team int64
	if err := e.App.DB.RawPool().QueryRow(ctx, `INSERT INTO teams (slug, name) VALUES ('facilities', 'Facilities') RETURNING id`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	// An unrelated team's alert first, so "any open alert" would not pass.
	if _, err := e.App.DB.RawPool().Exec(ctx, `INSERT INTO teams (slug, name) VALUES ('storage', 'Storage')`); err != nil {
		t.Fatal(err)
	}
	fire := func(key, title, team string) int64 {
		out, err := e.App.Incidents.Ingest(ctx, agent, incident.AlertBatch{GroupKey: key, Status: "firing",
			Labels: map[string]string{"alertname": title, "team": team},
			Alerts: []helpdesk.Alert{{Fingerprint: key + "-1", Status: "firing", Labels: map[string]string{"alertname": title, "team": team}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Number
	}
	want := fire("g-wifi", "BadgeReadersDown", "facilities")
	other := fire("g-disk", "DiskFull", "storage")
	for i := range 5 {
		u := e.User(helpdesk.RoleRequester)
		tk, err := e.App.Tickets.Create(ctx, u, ticket.CreateInput{Subject: "badge reader rejects my card",
			Description: fmt.Sprintf("the badge reader at the main door rejects my card since this morning (%d)", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.DB.RawPool().Exec(ctx, `UPDATE tickets SET team_id = $1 WHERE id = $2`, team, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.App.Incidents.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	sus, err := e.App.Incidents.Suspects(ctx, agent)
	if err != nil {
		t.Fatal(err)
	}
	if len(sus) != 1 {
		t.Fatalf("want one proposal, got %+v", sus)
	}
	if sus[0].Alert == nil || sus[0].Alert.Number != want {
		t.Fatalf("related alert %+v, want the facilities team's #%d (not #%d)", sus[0].Alert, want, other)
	}
}
