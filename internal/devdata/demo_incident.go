package devdata

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/incident"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// demoIncident shows the AIOps features: a monitoring alert for the VPN
// gateway opens an incident that is published as a known issue, and a
// handful of employees file VPN tickets, which the detector (its periodic
// scan) proposes as a suspected incident related to the alert.
func demoIncident(ctx context.Context, db *postgres.DB, tickets *ticket.Service, users map[string]*helpdesk.User) error {
	svc := &incident.Service{DB: db, Tickets: tickets, Log: slog.New(slog.DiscardHandler)}
	admin := users[demoAdmin]
	start := time.Now().Add(-20 * time.Minute).UTC()
	out, err := svc.Ingest(ctx, admin, incident.AlertBatch{GroupKey: `{}:{alertname="VPNGatewayDown"}`, Receiver: "switchboard",
		Status: "firing", Labels: map[string]string{"alertname": "VPNGatewayDown", "severity": "critical"},
		Annotations: map[string]string{"summary": "VPN gateway vpn-gw-01.corp.example.com is not answering"},
		Alerts: []helpdesk.Alert{{Fingerprint: "demo-vpn-gw-01", Status: "firing", StartsAt: &start,
			Labels: map[string]string{"alertname": "VPNGatewayDown", "instance": "vpn-gw-01.corp.example.com", "severity": "critical"}}}})
	if err != nil {
		return fmt.Errorf("demo alert: %w", err)
	}
	if err := svc.Publish(ctx, admin, out.Number, true, "VPN outage",
		"The VPN gateway is down; we are on it. No need to file a ticket: click \"I'm affected too\"."); err != nil {
		return err
	}
	i := 0
	for _, r := range demoRequesters {
		if i == 5 {
			break
		}
		u := users[r.email]
		if _, err := tickets.Create(ctx, u, ticket.CreateInput{Subject: "VPN not connecting",
			Description: fmt.Sprintf("Since this morning the VPN (vpn-gw-01.corp.example.com) refuses to connect from home. (%s)", r.name)}); err != nil {
			return fmt.Errorf("demo vpn ticket: %w", err)
		}
		i++
	}
	return nil
}
