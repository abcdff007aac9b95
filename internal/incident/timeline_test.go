package incident_test

import (
	"context"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/incident"
)

// TestTimelineShowsAutomationRuns: an automation rule that ran just before
// an incident is on its root-cause timeline with how many tickets it
// changed (issue #18: "recent changes recorded in Switchboard (automation
// runs, admin changes …)").
func TestTimelineShowsAutomationRuns(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	agent := e.User(helpdesk.RoleAgent)
	if _, err := e.App.DB.RawPool().Exec(ctx, `WITH tk AS (INSERT INTO tickets (number, subject, requester_id) VALUES (777, 'x', $1) RETURNING id),
rule AS (INSERT INTO automation_rules (name, trigger) VALUES ('Route VPN tickets to Network', 'ticket.created') RETURNING id),
run AS (INSERT INTO automation_runs (rule_id, rule_version, trigger) SELECT id, 1, 'ticket.created' FROM rule RETURNING id)
INSERT INTO automation_changes (run_id, ticket_id, field, before, after)
SELECT run.id, tk.id, 'team', '"a"', '"b"' FROM run, tk`, agent.ID); err != nil {
		t.Fatal(err)
	}
	out, err := e.App.Incidents.Ingest(ctx, agent, incident.AlertBatch{GroupKey: "g-vpn", Status: "firing",
		Labels: map[string]string{"alertname": "VPNGatewayDown"},
		Alerts: []helpdesk.Alert{{Fingerprint: "v1", Status: "firing", Labels: map[string]string{"alertname": "VPNGatewayDown"}}}})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := e.App.Incidents.Evidence(ctx, agent, out.Number)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range ev.Timeline {
		if strings.Contains(it.Title, `automation rule "Route VPN tickets to Network"`) && strings.Contains(it.Detail, "1 changes to 1 tickets") {
			return
		}
	}
	t.Fatalf("no automation run on the timeline: %+v", ev.Timeline)
}
