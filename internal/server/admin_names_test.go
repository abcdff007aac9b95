package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"
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
	// The edit form as the page fills it, with a new name.
	page := c.Get("/admin/teams/" + admID(a.alpha))
	admStatus(t, page, http.StatusOK)
	form := url.Values{}
	page.Doc.Find(`form[action="/admin/teams/` + admID(a.alpha) + `"]`).Find("input[name], select[name], textarea[name]").
		Each(func(_ int, s *goquery.Selection) {
			name, _ := s.Attr("name")
			switch {
			case s.Is("select"):
				s.Find("option[selected]").Each(func(_ int, o *goquery.Selection) { form.Add(name, o.AttrOr("value", o.Text())) })
			case s.Is("textarea"):
				form.Add(name, s.Text())
			case s.AttrOr("type", "") == "checkbox":
				if _, on := s.Attr("checked"); on {
					form.Add(name, s.AttrOr("value", "on"))
				}
			default:
				form.Add(name, s.AttrOr("value", ""))
			}
		})
	if form.Get("name") != "Alpha" {
		t.Fatalf("team form %v: no name field holding Alpha", form)
	}
	form.Set("name", "Alpha Desk")
	admStatus(t, c.PostForm("/admin/teams/"+admID(a.alpha), form), http.StatusSeeOther)
	if got := teamCell(); got != "Alpha Desk" {
		t.Errorf("queue row's team right after the rename %q, want Alpha Desk", got)
	}
}
