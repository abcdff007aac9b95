package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// A workspace that went stale (a colleague assigned the ticket after the
// page was loaded) must not undo that assignment when the agent saves an
// unrelated field: only fields changed on the form are written.
func TestDeskFieldsStalePageKeepsNewerChanges(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	tk := d.file("Monitor flickers", "since Monday", d.deskTeam)
	agent := d.e.SignIn(d.agent)
	path := fmt.Sprintf("/desk/tickets/%d", tk.Number)
	page := agent.Get(path)
	form := url.Values{}
	for _, f := range []string{"status", "priority", "category", "team", "assignee"} {
		was, _ := page.Doc.Find(`#fields-form input[name="was_` + f + `"]`).Attr("value")
		form.Set("was_"+f, was)
		form.Set(f, was)
	}
	if form.Get("was_assignee") != "" {
		t.Fatalf("ticket already assigned: %q", form.Get("was_assignee"))
	}
	// Meanwhile the lead assigns it to Ana.
	d.exec(`UPDATE tickets SET assignee_id = $2 WHERE id = $1`, tk.ID, d.agent.ID)
	// The stale page saves a new priority with assignee still "Nobody".
	form.Set("priority", "P2")
	if res := agent.PostForm(path+"/fields", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	var assignee *int64
	var prio string
	if err := d.e.App.DB.RawPool().QueryRow(d.ctx, `SELECT assignee_id, priority FROM tickets WHERE id = $1`, tk.ID).Scan(&assignee, &prio); err != nil {
		t.Fatal(err)
	}
	if assignee == nil || *assignee != d.agent.ID {
		t.Errorf("stale form cleared the assignee: %v", assignee)
	}
	if prio != "P2" {
		t.Errorf("priority = %s, want P2", prio)
	}
}
