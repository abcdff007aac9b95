package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

func (d *deskEnv) count(sql string, args ...any) int {
	d.e.T.Helper()
	var n int
	if err := d.e.App.DB.RawPool().QueryRow(d.ctx, sql, args...).Scan(&n); err != nil {
		d.e.T.Fatal(err)
	}
	return n
}

func TestDeskWorkspaceActions(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	tk := d.file("Wi-Fi drops in room 4", "every ten minutes", d.deskTeam)
	path := fmt.Sprintf("/desk/tickets/%d", tk.Number)
	agent := d.e.SignIn(d.agent)
	post := func(sub string, form url.Values) *apptest.Response {
		t.Helper()
		return agent.PostForm(path+sub, form)
	}

	// Take it.
	if res := post("/take", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("take: %d", res.StatusCode)
	}
	page := agent.Get(path)
	if page.Doc.Find(`#assignee option[selected]`).AttrOr("value", "") != d.agent.Email {
		t.Error("assignee select does not show the taker")
	}
	if !page.Has(`#take-form button[disabled]`) {
		t.Error("Take it still offered to the assignee")
	}
	// Reply and note.
	post("/messages", url.Values{"body": {"Please restart the access point."}, "internal": {"0"}})
	post("/messages", url.Values{"body": {"Vendor case 7781, do not share."}, "internal": {"1"}})
	page = agent.Get(path)
	if !strings.Contains(page.Text(".timeline"), "Please restart") || !page.Has(".message.note") {
		t.Error("timeline lacks the reply or the note")
	}
	// Empty reply: 422 with the message next to the field.
	if res := agent.PostForm(path+"/messages", url.Values{"body": {"  "}, "internal": {"0"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		res.Text("#reply-body-error") == "" {
		t.Errorf("empty reply: %d %q", res.StatusCode, res.Text("#reply-body-error"))
	}
	// The requester sees the reply, never the note.
	req := d.e.SignIn(d.requester).Get(fmt.Sprintf("/tickets/%d", tk.Number))
	if !strings.Contains(req.Body, "Please restart") || strings.Contains(req.Body, "Vendor case 7781") {
		t.Error("requester view: reply missing or note leaked")
	}
	// Fields: priority and category in one save, one event each.
	const changes = `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND actor_id = $2 AND kind = 'fields_changed'`
	before := d.count(changes, tk.ID, d.agent.ID)
	if res := post("/fields", url.Values{"priority": {"P1"}, "category": {"Hardware"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("fields: %d", res.StatusCode)
	}
	if got := d.count(changes, tk.ID, d.agent.ID) - before; got != 2 {
		t.Errorf("fields save wrote %d events, want 2", got)
	}
	// Unknown assignee: 422, nothing written.
	if res := agent.PostForm(path+"/fields", url.Values{"assignee": {"nobody@nowhere.example"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown assignee: %d", res.StatusCode)
	}
	// Resolve through the fields form; the timeline says who did it.
	post("/fields", url.Values{"status": {"resolved"}})
	page = agent.Get(path)
	if !strings.Contains(page.Text(".timeline"), "Ana Agent") || !strings.Contains(page.Text(".timeline"), "resolved") {
		t.Errorf("timeline lacks the status change by Ana: %q", page.Text(".timeline"))
	}
}

func TestDeskMergeAndIncidents(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	dup := d.file("Outlook crashes", "on start", d.deskTeam)
	keep := d.file("Outlook crashes again", "since update", d.deskTeam)
	cc := d.e.User(helpdesk.RoleRequester)
	d.exec(`INSERT INTO ticket_participants (ticket_id, user_id) VALUES ($1, $2)`, dup.ID, cc.ID)
	agent := d.e.SignIn(d.agent)

	// Merge into itself: 422 next to the field.
	if res := agent.PostForm(fmt.Sprintf("/desk/tickets/%d/merge", dup.Number), url.Values{"into": {fmt.Sprint(dup.Number)}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("self merge: %d", res.StatusCode)
	}
	res := agent.PostForm(fmt.Sprintf("/desk/tickets/%d/merge", dup.Number), url.Values{"into": {fmt.Sprint(keep.Number)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/desk/tickets/%d", keep.Number) {
		t.Fatalf("merge: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if n := d.count(`SELECT count(*) FROM messages WHERE ticket_id = $1`, keep.ID); n != 2 {
		t.Errorf("surviving ticket has %d messages, want 2", n)
	}
	if n := d.count(`SELECT count(*) FROM ticket_participants WHERE ticket_id = $1`, keep.ID); n != 1 {
		t.Errorf("participants moved: %d, want 1 (the cc; the requester is the same person)", n)
	}
	merged, _ := d.e.App.Tickets.Get(d.ctx, d.agent, dup.Number)
	if merged.Status != helpdesk.StatusClosed || merged.MergedIntoID == nil || *merged.MergedIntoID != keep.ID {
		t.Errorf("merged ticket: status %s, pointer %v", merged.Status, merged.MergedIntoID)
	}
	if page := agent.Get(fmt.Sprintf("/desk/tickets/%d", dup.Number)); !page.Has("#merged-note") ||
		!strings.Contains(page.Text(".timeline"), fmt.Sprintf("#%d", keep.Number)) {
		t.Error("merged ticket shows no pointer")
	}

	// Incident: two children, resolve the parent, accept the offer.
	parent := d.file("Mail server down", "for everyone", d.deskTeam)
	c1 := d.file("No mail", "since 9", d.deskTeam)
	c2 := d.file("Cannot send", "bounce", d.deskTeam)
	for _, c := range []int64{c1.Number, c2.Number} {
		if res := agent.PostForm(fmt.Sprintf("/desk/tickets/%d/link", c), url.Values{"parent": {fmt.Sprint(parent.Number)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("link: %d", res.StatusCode)
		}
	}
	// A parent cannot become a child.
	if res := agent.PostForm(fmt.Sprintf("/desk/tickets/%d/link", parent.Number), url.Values{"parent": {fmt.Sprint(keep.Number)}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("linking an incident under another: %d", res.StatusCode)
	}
	page := agent.Get(fmt.Sprintf("/desk/tickets/%d", parent.Number))
	if page.Doc.Find("#children li").Length() != 2 {
		t.Errorf("parent lists %d children", page.Doc.Find("#children li").Length())
	}
	if child := agent.Get(fmt.Sprintf("/desk/tickets/%d", c1.Number)); !child.Has("#parent-link") {
		t.Error("child does not point to its incident")
	}
	agent.PostForm(fmt.Sprintf("/desk/tickets/%d/fields", parent.Number), url.Values{"status": {"resolved"}})
	page = agent.Get(fmt.Sprintf("/desk/tickets/%d", parent.Number))
	if !page.Has("#offer-children") {
		t.Fatal("resolving the incident did not offer to resolve the children")
	}
	agent.PostForm(fmt.Sprintf("/desk/tickets/%d/resolve-children", parent.Number), url.Values{"body": {"Fixed at the source."}})
	for _, c := range []*helpdesk.Ticket{c1, c2} {
		got, _ := d.e.App.Tickets.Get(d.ctx, d.agent, c.Number)
		if got.Status != helpdesk.StatusResolved {
			t.Errorf("child %d: %s", c.Number, got.Status)
		}
		if d.count(`SELECT count(*) FROM messages WHERE ticket_id = $1 AND body_text = 'Fixed at the source.' AND NOT internal`, c.ID) != 1 {
			t.Errorf("child %d: requester not told", c.Number)
		}
	}
	if agent.Get(fmt.Sprintf("/desk/tickets/%d", parent.Number)).Has("#offer-children") {
		t.Error("offer still shown after the children were resolved")
	}
}

func TestDeskBulk(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	a := d.file("Bulk one", "x", d.deskTeam)
	b := d.file("Bulk two", "x", d.deskTeam)
	untouched := d.file("Bulk three", "x", d.deskTeam)
	cl := d.e.SignIn(d.lead)
	res := cl.PostForm("/desk/bulk", url.Values{"n": {fmt.Sprint(a.Number), fmt.Sprint(b.Number)},
		"assignee": {d.agent.Email}, "priority": {"P2"}, "back": {"/desk?view=open"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/desk?view=open" {
		t.Fatalf("bulk: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	for _, tk := range []*helpdesk.Ticket{a, b} {
		got, _ := d.e.App.Tickets.Get(d.ctx, d.lead, tk.Number)
		if got.AssigneeID == nil || *got.AssigneeID != d.agent.ID || got.Priority != helpdesk.P2 {
			t.Errorf("ticket %d not changed: %+v", tk.Number, got)
		}
		if n := d.count(`SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind IN ('assigned', 'fields_changed')`, tk.ID); n != 2 {
			t.Errorf("ticket %d: %d events, want one per change (2)", tk.Number, n)
		}
	}
	if got, _ := d.e.App.Tickets.Get(d.ctx, d.lead, untouched.Number); got.AssigneeID != nil {
		t.Error("unselected ticket changed")
	}
	// Nothing selected: a message, no change.
	res = cl.PostForm("/desk/bulk", url.Values{"status": {"closed"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("empty bulk: %d", res.StatusCode)
	}
}

func TestDeskCannedReplies(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	tk := d.file("New starter laptop", "for Monday", d.deskTeam)
	body := "Hi {{requester_name}}, ticket {{ticket_number}} is with me. – {{agent_name}}"
	// Agents may not manage canned replies.
	if res := d.e.SignIn(d.agent).PostForm("/desk/canned", url.Values{"title": {"Hello"}, "body": {body}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("agent creates canned reply: %d", res.StatusCode)
	}
	lead := d.e.SignIn(d.lead)
	if res := lead.PostForm("/desk/canned", url.Values{"title": {""}, "body": {body}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("canned without title: %d", res.StatusCode)
	}
	if res := lead.PostForm("/desk/canned", url.Values{"title": {"Hello"}, "body": {body}, "team": {fmt.Sprint(d.deskTeam)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("lead creates canned reply: %d", res.StatusCode)
	}
	var id int64
	_ = d.e.App.DB.RawPool().QueryRow(d.ctx, `SELECT id FROM canned_replies`).Scan(&id)
	page := d.e.SignIn(d.agent).Get(fmt.Sprintf("/desk/tickets/%d?canned=%d", tk.Number, id))
	want := fmt.Sprintf("Hi %s, ticket #%d is with me. – %s", d.requester.Name, tk.Number, d.agent.Name)
	if got := page.Text("#reply-body"); got != want {
		t.Errorf("filled canned reply = %q, want %q", got, want)
	}
	lead.PostForm("/desk/canned", url.Values{"id": {fmt.Sprint(id)}, "title": {"Hello again"}, "body": {"Edited"}})
	if got := lead.Get("/desk/canned").Text("#canned-list tbody td"); got != "Hello again" {
		t.Errorf("after edit: %q", got)
	}
	lead.PostForm(fmt.Sprintf("/desk/canned/%d/delete", id), nil)
	if d.count(`SELECT count(*) FROM canned_replies`) != 0 {
		t.Error("canned reply not deleted")
	}
}

func TestDeskAvailabilityAndOverview(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	cl := d.e.SignIn(d.agent)
	wantStatus(t, cl.Get("/desk"), http.StatusOK) // the session is now cached on this node
	req, _ := http.NewRequest(http.MethodPost, d.e.URL+"/desk/availability", strings.NewReader("availability=away"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	res := cl.Do(req)
	if res.StatusCode != http.StatusOK || res.Doc.Find(`#availability option[selected]`).AttrOr("value", "") != "away" {
		t.Fatalf("availability: %d %s", res.StatusCode, res.Body)
	}
	// The next page's header shows the switch as set, not the cached session's.
	if sel := cl.Get("/desk").Doc.Find(`#availability option[selected]`).AttrOr("value", ""); sel != "away" {
		t.Errorf("header after the switch shows %q, want away", sel)
	}
	var got string
	_ = d.e.App.DB.RawPool().QueryRow(d.ctx, `SELECT availability FROM agent_profiles WHERE user_id = $1`, d.agent.ID).Scan(&got)
	if got != "away" || d.count(`SELECT count(*) FROM audit_log WHERE action = 'availability' AND actor_id = $1`, d.agent.ID) != 1 {
		t.Errorf("stored %q, audit rows wrong", got)
	}
	if d.count(`SELECT count(*) FROM river_job WHERE kind = 'rebalance' AND args->>'agent_id' = $1`, fmt.Sprint(d.agent.ID)) != 1 {
		t.Error("no rebalance job enqueued")
	}
	if res := cl.PostForm("/desk/availability", url.Values{"availability": {"asleep"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad availability: %d", res.StatusCode)
	}
	// Overview: three SVG charts, load shows the agent.
	d.file("Chart me", "x", d.deskTeam)
	ov := cl.Get("/desk/overview")
	for _, id := range []string{"#chart-backlog rect", "#chart-load rect"} {
		if !ov.Has(id) {
			t.Errorf("overview lacks %s", id)
		}
	}
	if !ov.Has("#chart-fr") || !strings.Contains(ov.Text("details table"), d.agent.Name) {
		t.Error("overview: first-response chart or load table missing")
	}
}
