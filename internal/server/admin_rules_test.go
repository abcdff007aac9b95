package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// TestAdminRulesPages drives the rules pages as a team lead over HTTP with
// a real session and the same-origin CSRF check: a bad condition comes back
// 422 with the message at the field, the input kept and nothing stored; a
// good rule is listed; its preview lists the lead's matching ticket only;
// "Run now" changes it, the run list shows before and after, and "Undo
// this run" puts it back.
func TestAdminRulesPages(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	// River stopped: triage would change the tickets under the assertions.
	e.StopWorkers()
	if _, err := e.App.DB.RawPool().Exec(ctx, `INSERT INTO teams (slug, name) VALUES ('ops', 'Operations'), ('other', 'Other')`); err != nil {
		t.Fatal(err)
	}
	leadUser := e.User(helpdesk.RoleLead, func(u *auth.NewUser) { u.TeamSlug = "ops" })
	lead := e.SignIn(leadUser)
	wantStatus(t, e.SignIn(e.User(helpdesk.RoleAgent)).Get("/admin/rules"), http.StatusNotFound)

	requester := e.User(helpdesk.RoleRequester)
	file := func(team string) int64 {
		var teamID int64
		if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT id FROM teams WHERE slug = $1`, team).Scan(&teamID); err != nil {
			t.Fatal(err)
		}
		tk, err := e.App.Tickets.Create(ctx, requester, ticket.CreateInput{Subject: "Waiting on " + team, Description: "x", TeamID: &teamID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.DB.RawPool().Exec(ctx, `UPDATE tickets SET status = 'pending' WHERE id = $1`, tk.ID); err != nil {
			t.Fatal(err)
		}
		return tk.Number
	}
	mine, theirs := file("ops"), file("other")
	status := func(number int64) string {
		var s string
		if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT status FROM tickets WHERE number = $1`, number).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	wantStatus(t, lead.Get("/admin/rules/new"), http.StatusOK)
	form := url.Values{"name": {"Close pending"}, "trigger": {"schedule"}, "every": {"1h"},
		"condition": {`ticket.stauts == "pending"`}, "actions": {`[{"type":"set","field":"status","value":"closed"}]`},
		"team": {"ops"}, "enabled": {"on"}}
	r := lead.PostForm("/admin/rules", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.Text("#condition-error") == "" {
		t.Errorf("no message at the condition: %s", r.Text(".alert"))
	}
	if got := r.Doc.Find("#condition").Text(); got != `ticket.stauts == "pending"` {
		t.Errorf("condition not kept: %q", got)
	}
	if v, _ := r.Doc.Find("#name").Attr("value"); v != "Close pending" {
		t.Errorf("name not kept: %q", v)
	}
	if rules, _ := e.App.Automation.List(ctx, leadUser); len(rules) != 0 {
		t.Fatalf("a rejected rule was stored: %+v", rules)
	}
	cross := url.Values{}
	for k, v := range form {
		cross[k] = v
	}
	cross.Set("condition", `ticket.status == "pending"`)
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/admin/rules", strings.NewReader(cross.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := lead.Do(req); res.StatusCode < 400 {
		t.Errorf("a cross-site post was accepted: %d", res.StatusCode)
	}
	if rules, _ := e.App.Automation.List(ctx, leadUser); len(rules) != 0 {
		t.Fatalf("a cross-site rule was stored: %+v", rules)
	}

	form.Set("condition", `ticket.status == "pending"`)
	wantStatus(t, lead.PostForm("/admin/rules", form), http.StatusSeeOther)
	rules, err := e.App.Automation.List(ctx, leadUser)
	if err != nil || len(rules) != 1 {
		t.Fatalf("rules = %+v, %v", rules, err)
	}
	base := "/admin/rules/" + strconv.FormatInt(rules[0].ID, 10)
	list := lead.Get("/admin/rules")
	if row := list.Text("#rules tbody tr"); !strings.Contains(row, "Close pending") || !strings.Contains(row, "schedule") || !strings.Contains(row, "ops") {
		t.Errorf("the rule is not listed: %q", row)
	}

	r = lead.PostForm(base+"/dry-run", nil)
	wantStatus(t, r, http.StatusOK)
	if got := r.Text("#preview-count"); !strings.Contains(got, "Would have matched 1 tickets") {
		t.Errorf("preview: %q", got)
	}
	if got := r.Text(".preview-ticket"); !strings.Contains(got, "#"+strconv.FormatInt(mine, 10)) || !strings.Contains(got, `"closed"`) || strings.Contains(r.Text("#preview"), "#"+strconv.FormatInt(theirs, 10)) {
		t.Errorf("preview tickets: %q", r.Text("#preview"))
	}
	if status(mine) != "pending" {
		t.Fatal("the preview changed the ticket")
	}

	wantStatus(t, lead.PostForm(base+"/run", nil), http.StatusSeeOther)
	r = lead.Get(base)
	wantStatus(t, r, http.StatusOK)
	if status(mine) != "closed" || status(theirs) != "pending" {
		t.Fatalf("after run: mine %s, theirs %s", status(mine), status(theirs))
	}
	run := r.Doc.Find("#runs .run").First()
	if got := run.Text(); !strings.Contains(got, `"pending"`) || !strings.Contains(got, `"closed"`) {
		t.Errorf("the run list does not show before and after: %q", got)
	}
	undo, ok := run.Find("form").Attr("action")
	if !ok {
		t.Fatal("no Undo this run button")
	}
	r = lead.PostForm(undo, nil)
	wantStatus(t, r, http.StatusOK)
	if got := r.Text("#reverted"); !strings.Contains(got, "status") || !strings.Contains(got, "#"+strconv.FormatInt(mine, 10)) {
		t.Errorf("reverted: %q", got)
	}
	if status(mine) != "pending" {
		t.Errorf("undo did not restore the ticket: %s", status(mine))
	}

	// Run it again, then undo every run of the version since yesterday in
	// one click: a bad time is refused at its field first.
	wantStatus(t, lead.PostForm(base+"/run", nil), http.StatusSeeOther)
	r = lead.Get(base)
	if got := r.Text("#runs"); !strings.Contains(got, "Undone by run #") {
		t.Errorf("the undone run is not marked: %q", got)
	}
	from, _ := r.Doc.Find("#undo_from").Attr("value")
	if from == "" {
		t.Fatal("the range undo form has no start")
	}
	r = lead.PostForm(base+"/undo", url.Values{"undo_version": {"1"}, "undo_from": {"yesterday"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.Text("#undo_from-error") == "" || status(mine) != "closed" {
		t.Errorf("bad start: message %q, ticket %s", r.Text("#undo_from-error"), status(mine))
	}
	r = lead.PostForm(base+"/undo", url.Values{"undo_version": {"1"}, "undo_from": {from}})
	wantStatus(t, r, http.StatusOK)
	if got := r.Text("#undo-summary"); !strings.Contains(got, "Undid 1 runs of version 1") {
		t.Errorf("range undo summary: %q", got)
	}
	if status(mine) != "pending" || status(theirs) != "pending" {
		t.Errorf("after the range undo: mine %s, theirs %s", status(mine), status(theirs))
	}
}
