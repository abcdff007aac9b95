package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// Scripted sign-ins at 03:00 in the person's own zone (Berlin) from an
// address and browser they never used open ONE ticket for the Security
// team with the evidence, however many attempts; ordinary sign-ins raise
// nothing.
func TestDetectNightSignInFromNewAddress(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	ctx := context.Background()
	if _, err := e.App.DB.RawPool().Exec(ctx, `INSERT INTO teams (slug, name, restricted) VALUES ('security', 'Security', true)`); err != nil {
		t.Fatal(err)
	}
	e.User(helpdesk.RoleAdmin)
	victim := e.User(helpdesk.RoleAgent) // Europe/Berlin
	berlin, _ := time.LoadLocation("Europe/Berlin")
	clock := time.Date(2026, 3, 10, 14, 5, 0, 0, berlin)
	e.App.Security.Now = func() time.Time { return clock }
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := e.App.DB.RawPool().QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	laptop := e.Anonymous()
	for range 2 {
		wantStatus(t, signInFrom(laptop, e, "198.51.100.7", victim.Email, apptest.Password), http.StatusSeeOther)
	}
	if n := count(`SELECT count(*) FROM security_events`); n != 0 {
		t.Fatalf("ordinary sign-ins raised %d events", n)
	}

	clock = time.Date(2026, 3, 11, 3, 0, 0, 0, berlin)
	for range 3 {
		wantStatus(t, signInFrom(e.Anonymous(), e, "203.0.113.50", victim.Email, apptest.Password), http.StatusSeeOther)
	}
	if n := count(`SELECT count(*) FROM security_events WHERE user_id = $1 AND risk = 'high'
		AND kind LIKE '%new_device%' AND kind LIKE '%odd_hours%' AND evidence->>'address' = '203.0.113.50'`, victim.ID); n != 3 {
		t.Errorf("%d high-risk events with evidence, want one per attempt (3)", n)
	}
	if n := count(`SELECT count(*) FROM security_events WHERE kind LIKE '%new_address%'`); n < 1 {
		t.Error("the new address was not flagged")
	}
	subject := "Suspicious sign-in to " + victim.Email
	if n := count(`SELECT count(*) FROM tickets WHERE subject = $1`, subject); n != 1 {
		t.Fatalf("%d Security tickets, want exactly 1", n)
	}
	var desc, team string
	var tid int64
	if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT t.id, m.body_text, coalesce(tm.slug, '') FROM tickets t
		JOIN messages m ON m.ticket_id = t.id LEFT JOIN teams tm ON tm.id = t.team_id
		WHERE t.subject = $1 ORDER BY m.id LIMIT 1`, subject).Scan(&tid, &desc, &team); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"203.0.113.50", "03:00", "Europe/Berlin", "new_address", "odd_hours"} {
		if !strings.Contains(desc, want) {
			t.Errorf("ticket evidence lacks %q:\n%s", want, desc)
		}
	}
	if team != "security" {
		t.Errorf("ticket in team %q, want security", team)
	}
	if n := count(`SELECT count(DISTINCT ticket_id) FROM security_events WHERE ticket_id IS NOT NULL`); n != 1 {
		t.Errorf("events point at %d tickets", n)
	}
	if n := count(`SELECT count(*) FROM messages WHERE ticket_id = $1 AND internal`, tid); n != 2 {
		t.Errorf("%d follow-up notes on the ticket, want 2 (one per later attempt)", n)
	}
}

// Failures across many accounts from one source open one spraying ticket.
func TestDetectSpraying(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	e.User(helpdesk.RoleAdmin)
	bot := e.Anonymous()
	for i := range 14 {
		signInFrom(bot, e, "203.0.113.77", fmt.Sprintf("staff%d@example.com", i), "Spring2026!")
	}
	var n int
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT count(*) FROM tickets WHERE subject = 'Password spraying from 203.0.113.77'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d spraying tickets, want 1", n)
	}
}
