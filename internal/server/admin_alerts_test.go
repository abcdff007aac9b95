package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/incident"
)

// TestAdminAlertSettings: the alert settings page is for admins only; bad
// input comes back with messages at the fields, the input kept and nothing
// stored; good input changes how the next alert becomes an incident
// (severity to urgency, resolve or only mark).
func TestAdminAlertSettings(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	admin := e.SignIn(e.User(helpdesk.RoleAdmin))
	lead := e.SignIn(e.User(helpdesk.RoleLead))
	wantStatus(t, lead.Get("/admin/alerts"), http.StatusNotFound)
	wantStatus(t, lead.PostForm("/admin/alerts", url.Values{"flap_minutes": {"5"}}), http.StatusNotFound)

	page := admin.Get("/admin/alerts")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Doc.Find("#severity_urgency").Text(), "critical=critical") {
		t.Fatalf("the defaults are not shown: %q", page.Doc.Find("#severity_urgency").Text())
	}
	form := url.Values{}
	page.Doc.Find("#alert-settings input[name], #alert-settings textarea, #alert-settings select").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		switch {
		case goquery.NodeName(s) == "textarea":
			form.Set(name, s.Text())
		case goquery.NodeName(s) == "select":
			v, _ := s.Find("option[selected]").Attr("value")
			form.Set(name, v)
		case s.AttrOr("type", "") == "radio":
			if _, ok := s.Attr("checked"); ok {
				form.Set(name, s.AttrOr("value", ""))
			}
		default:
			form.Set(name, s.AttrOr("value", ""))
		}
	})

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("team_label", "team name")
	bad.Set("severity_urgency", "disaster=critical\nwarning=urgent")
	bad.Set("flap_minutes", "0")
	bad.Set("default_team", "no-such-team")
	bad.Del("resolve_mode")
	r := admin.PostForm("/admin/alerts", bad)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	for _, id := range []string{"team_label", "severity_urgency", "flap_minutes", "default_team", "resolve_mode"} {
		if r.Text("#"+id+"-error") == "" {
			t.Errorf("no message at %s", id)
		}
	}
	if got := r.Doc.Find("#severity_urgency").Text(); got != "disaster=critical\nwarning=urgent" {
		t.Errorf("input not kept: %q", got)
	}
	if v, _ := r.Doc.Find("#team_label").Attr("value"); v != "team name" {
		t.Errorf("team label not kept: %q", v)
	}
	if set, _ := e.App.Incidents.Settings(ctx); set.FlapMinutes != 60 || set.SeverityUrgency["disaster"] != "" {
		t.Fatalf("rejected settings were stored: %+v", set)
	}

	good := url.Values{}
	for k, v := range form {
		good[k] = v
	}
	good.Set("severity_urgency", "disaster=critical\nwarning=low")
	good.Set("resolve_mode", "mark")
	good.Set("flap_minutes", "5")
	good.Set("services", "payroll=adp,paylocity")
	wantStatus(t, admin.PostForm("/admin/alerts", good), http.StatusSeeOther)
	set, err := e.App.Incidents.Settings(ctx)
	if err != nil || set.FlapMinutes != 5 || set.ResolveMode != "mark" || set.SeverityUrgency["disaster"] != helpdesk.UrgencyCritical ||
		len(set.Services) != 1 {
		t.Fatalf("saved settings %+v (%v)", set, err)
	}
	if v := admin.Get("/admin/alerts").Doc.Find("#services").Text(); v != "payroll=adp,paylocity" {
		t.Errorf("saved services shown as %q", v)
	}

	// The next alert follows them: severity "disaster" is critical, and
	// resolving only marks the incident.
	agent := e.User(helpdesk.RoleAgent)
	batch := func(status string) incident.AlertBatch {
		return incident.AlertBatch{GroupKey: "g-payroll", Status: status, Labels: map[string]string{"alertname": "PayrollDown", "severity": "disaster"},
			Alerts: []helpdesk.Alert{{Fingerprint: "p1", Status: status, Labels: map[string]string{"alertname": "PayrollDown", "severity": "disaster"}}}}
	}
	out, err := e.App.Incidents.Ingest(ctx, agent, batch("firing"))
	if err != nil {
		t.Fatal(err)
	}
	tk, err := e.App.Tickets.Get(ctx, agent, out.Number)
	if err != nil || tk.Urgency != helpdesk.UrgencyCritical {
		t.Fatalf("incident #%d urgency %v (%v), want critical", out.Number, tk.Urgency, err)
	}
	if _, err := e.App.Incidents.Ingest(ctx, agent, batch("resolved")); err != nil {
		t.Fatal(err)
	}
	if tk, _ = e.App.Tickets.Get(ctx, agent, out.Number); tk.Status == helpdesk.StatusResolved {
		t.Error("resolve mode 'mark' resolved the incident")
	}
}
