package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// TestStatusPage: /status answers without sign-in, says the helpdesk is up,
// shows the incidents IT published and nothing from tickets.
func TestStatusPage(t *testing.T) {
	t.Parallel()
	p := setup(t)
	anon := p.e.Anonymous()
	r := anon.Get("/status")
	wantStatus(t, r, http.StatusOK)
	if got := r.Text("#service-state"); !strings.HasPrefix(got, "Up:") {
		t.Errorf("state %q, want Up", got)
	}
	if !r.Has("#no-incidents") {
		t.Error("no 'no incidents' line without published incidents")
	}
	if strings.Contains(r.Body, p.t.Subject) {
		t.Error("the public status page shows a ticket subject")
	}
	p.e.App.HTTP.PublishedIncidents = func(context.Context) ([]helpdesk.PublicIncident, error) {
		return []helpdesk.PublicIncident{{Title: "VPN down in Europe", Status: "identified", Summary: "Reconnect after 14:00.",
			StartedAt: time.Now().Add(-time.Hour), UpdatedAt: time.Now()}}, nil
	}
	r = anon.Get("/status")
	if got := r.Text("#incidents h3"); got != "VPN down in Europe" {
		t.Errorf("published incident %q", got)
	}
}

// TestAdminBackupsPage: admins see the backup status (off here: the tests
// run on DATABASE_URL); agents and leads get 404.
func TestAdminBackupsPage(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	r := e.SignIn(e.User(helpdesk.RoleAdmin)).Get("/admin/backups")
	wantStatus(t, r, http.StatusOK)
	if got := r.Text("#backup-state"); !strings.Contains(got, "off") || !strings.Contains(got, "DATABASE_URL") {
		t.Errorf("backup state %q", got)
	}
	for _, role := range []helpdesk.Role{helpdesk.RoleAgent, helpdesk.RoleLead} {
		wantStatus(t, e.SignIn(e.User(role)).Get("/admin/backups"), http.StatusNotFound)
	}
}

// TestStatusShowsPublishedIncident: an incident IT publishes appears on
// /status under its public title; the ticket's own subject does not.
func TestStatusShowsPublishedIncident(t *testing.T) {
	t.Parallel()
	p := setup(t)
	lead := p.e.User(helpdesk.RoleAdmin)
	if err := p.e.App.Incidents.Publish(p.ctx, lead, p.t.Number, true, "Printing unavailable on floor 3", "We are on it."); err != nil {
		t.Fatal(err)
	}
	r := p.e.Anonymous().Get("/status")
	wantStatus(t, r, http.StatusOK)
	if got := r.Text("#incidents h3"); got != "Printing unavailable on floor 3" {
		t.Errorf("published incident %q", got)
	}
	if strings.Contains(r.Body, p.t.Subject) {
		t.Error("the public status page shows the ticket's subject")
	}
}
