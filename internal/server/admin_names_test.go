package server_test

import (
	"context"
	"net/http"
	"testing"
)

// The queue shows team names from a per-node cache: a team renamed on this
// node shows its new name on the very next queue page.
func TestTeamRenameShowsInQueueAtOnce(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	if _, err := a.e.App.DB.RawPool().Exec(context.Background(),
		`INSERT INTO tickets (subject, requester_id, team_id) VALUES ('Printer jams', $1, $2)`, a.reqr.ID, a.alpha); err != nil {
		t.Fatal(err)
	}
	teamCell := func() string {
		t.Helper()
		r := c.Get("/desk")
		admStatus(t, r, http.StatusOK)
		return r.Text(`tr:contains("Printer jams") [data-label="Team"]`)
	}
	if got := teamCell(); got != "Alpha" {
		t.Fatalf("queue row's team %q, want Alpha", got)
	}
	form := admVals("name", "Alpha Desk", "slug", "alpha", "timezone", "Europe/Berlin")
	admStatus(t, c.PostForm("/admin/teams/"+admID(a.alpha), form), http.StatusSeeOther)
	if got := teamCell(); got != "Alpha Desk" {
		t.Errorf("queue row's team right after the rename %q, want Alpha Desk", got)
	}
}
