package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// TestEveryRouteByRole drives each endpoint with each role's token and with
// another requester's, checking status codes and that nothing leaks.
func TestEveryRouteByRole(t *testing.T) {
	t.Parallel()
	b := setup(t)

	// A requester files a ticket; it is theirs and filed through the API.
	r := b.req.must(http.StatusCreated, "POST", "/api/v1/tickets", map[string]any{"subject": "VPN  drops",
		"description": "Every **few** minutes.", "category": "vpn", "urgency": "high", "impact": "department"})
	var tk ticketBody
	r.decode(t, &tk)
	if loc := r.header.Get("Location"); loc != fmt.Sprintf("/api/v1/tickets/%d", tk.Number) {
		t.Errorf("Location = %q", loc)
	}
	if tk.Subject != "VPN drops" || tk.Requester != b.req.user.Email || tk.Category == nil || *tk.Category != "VPN" ||
		tk.Team == nil || *tk.Team != "desk" || tk.Priority != "P2" {
		t.Errorf("created ticket = %+v", tk)
	}
	path := fmt.Sprintf("/api/v1/tickets/%d", tk.Number)

	// Staff add an internal note with a file, and a public reply.
	note := b.agent.upload(path+"/attachments", map[string]string{"body": "root cause: expired cert", "internal": "true"},
		map[string][]byte{"secret.txt": []byte("internal only")})
	if note.status != http.StatusCreated {
		t.Fatalf("note upload: %d %s", note.status, note.body)
	}
	var noteMsg messageBody
	note.decode(t, &noteMsg)
	if !noteMsg.Internal || len(noteMsg.Attachments) != 1 {
		t.Fatalf("note = %+v", noteMsg)
	}
	b.agent.must(http.StatusCreated, "POST", path+"/messages", map[string]any{"body": "We are on it."})

	// Requesters may not post notes; the answer does not admit notes exist.
	b.req.must(http.StatusNotFound, "POST", path+"/messages", map[string]any{"body": "x", "internal": true})

	// The requester's conversation has the reply but never the note or its file.
	var conv struct{ Messages []messageBody }
	b.req.must(http.StatusOK, "GET", path+"/messages", nil).decode(t, &conv)
	if len(conv.Messages) != 2 {
		t.Fatalf("requester sees %d messages, want 2 (description, reply)", len(conv.Messages))
	}
	for _, m := range conv.Messages {
		if m.Internal || strings.Contains(m.Body, "root cause") {
			t.Errorf("requester sees a note: %+v", m)
		}
	}
	b.req.must(http.StatusNotFound, "GET", noteMsg.Attachments[0].URL, nil)
	if got := b.agent.must(http.StatusOK, "GET", noteMsg.Attachments[0].URL, nil); string(got.body) != "internal only" ||
		!strings.HasPrefix(got.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("agent download: %q %v", got.body, got.header)
	}
	b.agent.must(http.StatusOK, "GET", path+"/messages", nil).decode(t, &conv)
	if len(conv.Messages) != 3 {
		t.Errorf("agent sees %d messages, want 3", len(conv.Messages))
	}

	// Events are staff only: the requester gets 404, staff the trail.
	b.req.must(http.StatusNotFound, "GET", path+"/events", nil)
	var evs struct{ Events []eventBody }
	b.agent.must(http.StatusOK, "GET", path+"/events", nil).decode(t, &evs)
	if kinds := eventKinds(evs.Events); !strings.Contains(kinds, "created") || !strings.Contains(kinds, "noted") {
		t.Errorf("events = %s", kinds)
	}

	// The requester uploads a public file, which both can download.
	up := b.req.upload(path+"/attachments", nil, map[string][]byte{"screenshot.png": []byte("\x89PNG\r\n\x1a\n....")})
	if up.status != http.StatusCreated {
		t.Fatalf("requester upload: %d %s", up.status, up.body)
	}
	var pub messageBody
	up.decode(t, &pub)
	b.req.must(http.StatusOK, "GET", pub.Attachments[0].URL, nil)
	b.agent.must(http.StatusOK, "GET", pub.Attachments[0].URL, nil)

	// Another requester reaches nothing of it, with the same 404 as a missing ticket.
	missing := b.other.must(http.StatusNotFound, "GET", "/api/v1/tickets/999999", nil)
	for _, c := range []struct{ method, path string }{
		{"GET", path}, {"PATCH", path}, {"GET", path + "/messages"}, {"POST", path + "/messages"},
		{"GET", path + "/events"}, {"GET", pub.Attachments[0].URL},
	} {
		var body any
		if c.method != "GET" {
			body = map[string]any{"status": "resolved"}
			if strings.HasSuffix(c.path, "/messages") {
				body = map[string]any{"body": "hi"}
			}
		}
		got := b.other.do(c.method, c.path, body)
		if got.status != http.StatusNotFound || string(got.body) != string(missing.body) {
			t.Errorf("other requester %s %s: %d %s", c.method, c.path, got.status, got.body)
		}
	}
	if got := b.other.upload(path+"/attachments", nil, map[string][]byte{"a.txt": []byte("a")}); got.status != http.StatusNotFound {
		t.Errorf("other requester upload: %d", got.status)
	}
	var list struct{ Tickets []ticketBody }
	b.other.must(http.StatusOK, "GET", "/api/v1/tickets", nil).decode(t, &list)
	if len(list.Tickets) != 0 {
		t.Errorf("other requester lists %d tickets", len(list.Tickets))
	}

	// Requesters may resolve their own ticket, not reprioritise it.
	b.req.must(http.StatusForbidden, "PATCH", path, map[string]any{"priority": "P1"})
	var res ticketBody
	b.req.must(http.StatusOK, "PATCH", path, map[string]any{"status": "resolved"}).decode(t, &res)
	if res.Status != "resolved" {
		t.Errorf("status after resolve = %s", res.Status)
	}
	b.req.must(http.StatusForbidden, "PATCH", path, map[string]any{"status": "closed"})

	p := b.agent.must(http.StatusUnprocessableEntity, "PATCH", path, map[string]any{"team": "nope", "priority": "P9",
		"assignee_email": b.req.user.Email}).problem(t)
	if f := fieldNames(p); f != "priority" {
		t.Errorf("PATCH field errors = %s", f)
	}
	p = b.agent.must(http.StatusUnprocessableEntity, "PATCH", path, map[string]any{"team": "nope",
		"assignee_email": b.req.user.Email}).problem(t)
	if f := fieldNames(p); f != "assignee_email,team" {
		t.Errorf("PATCH field errors = %s", f)
	}
	// Staff change several fields at once: one event per change.
	var upd ticketBody
	b.agent.must(http.StatusOK, "PATCH", path, map[string]any{"status": "open", "priority": "P1",
		"team": "security", "assignee_email": b.lead.user.Email}).decode(t, &upd)
	if upd.Status != "open" || upd.Priority != "P1" || *upd.Team != "security" || *upd.Assignee != b.lead.user.Email {
		t.Errorf("after PATCH: %+v", upd)
	}
	b.admin.must(http.StatusOK, "GET", path+"/events", nil).decode(t, &evs)
	kinds := eventKinds(evs.Events)
	for _, want := range []string{"fields_changed:priority", "fields_changed:team", "assigned:assignee", "status_changed:status"} {
		if !strings.Contains(kinds, want) {
			t.Errorf("events %s lack %s", kinds, want)
		}
	}
	var cleared ticketBody
	b.admin.must(http.StatusOK, "PATCH", path, map[string]any{"assignee_email": nil, "category": nil}).decode(t, &cleared)
	if cleared.Assignee != nil || cleared.Category != nil {
		t.Errorf("null did not clear: %+v", cleared)
	}

	// Now in the restricted team: the agent (not a member) loses it, the
	// lead (member) and admin keep it, the requester still has it.
	b.agent.must(http.StatusNotFound, "GET", path, nil)
	b.lead.must(http.StatusOK, "GET", path, nil)
	b.admin.must(http.StatusOK, "GET", path, nil)
	b.req.must(http.StatusOK, "GET", path, nil)
	for _, c := range []struct {
		who  *client
		want bool
	}{{b.agent, false}, {b.lead, true}, {b.admin, true}, {b.req, true}, {b.other, false}} {
		c.who.must(http.StatusOK, "GET", "/api/v1/tickets?limit=100", nil).decode(t, &list)
		if got := hasTicket(list.Tickets, tk.Number); got != c.want {
			t.Errorf("%s lists the restricted ticket: %v, want %v", c.who.user.Role, got, c.want)
		}
	}
}

// TestCreatedIsTheStored: the answer to POST /tickets (built from the write
// itself, not read back) is byte for byte what GET /tickets/{number} shows
// right after, whoever files it, for whom, with or without a category (and
// so a team), and when replayed for an Idempotency-Key.
func TestCreatedIsTheStored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		name    string
		c       *client
		body    map[string]any
		headers []string
	}{
		{"requester, defaults", b.req, map[string]any{"subject": "Printer  jams", "description": "On floor 2."}, nil},
		{"category names a team", b.req, map[string]any{"subject": "VPN drops", "description": "Every few minutes.",
			"category": "vpn", "urgency": "critical", "impact": "organisation"}, nil},
		{"staff for a requester", b.agent, map[string]any{"subject": "Laptop for new hire", "description": "Starts Monday.",
			"requester_email": b.other.user.Email, "category": "VPN", "urgency": "low"}, nil},
		{"idempotency key", b.lead, map[string]any{"subject": "Badge reader", "description": "Door 3."},
			[]string{"Idempotency-Key: created-is-stored"}},
	} {
		// (No subtests: the clients fail the parent test.)
		posted := tc.c.must(http.StatusCreated, "POST", "/api/v1/tickets", tc.body, tc.headers...)
		var tk ticketBody
		posted.decode(t, &tk)
		got := tc.c.must(http.StatusOK, "GET", tk.path(), nil)
		if string(posted.body) != string(got.body) {
			t.Errorf("%s: POST answered\n%s\nGET shows\n%s", tc.name, posted.body, got.body)
		}
		if tc.headers != nil {
			replayed := tc.c.must(http.StatusCreated, "POST", "/api/v1/tickets", tc.body, tc.headers...)
			if replayed.header.Get("Idempotent-Replayed") != "true" || string(replayed.body) != string(got.body) {
				t.Errorf("%s: replay answered\n%s\nGET shows\n%s", tc.name, replayed.body, got.body)
			}
		}
	}
}

// TestCreateForOthers checks requester_email: staff may, requesters may not,
// and an invalid create writes nothing.
func TestCreateForOthers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var tk ticketBody
	b.agent.must(http.StatusCreated, "POST", "/api/v1/tickets", map[string]any{"subject": "Laptop for new hire",
		"description": "Starts Monday.", "requester_email": b.req.user.Email}).decode(t, &tk)
	if tk.Requester != b.req.user.Email {
		t.Errorf("requester = %s", tk.Requester)
	}
	b.req.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/tickets/%d", tk.Number), nil)
	b.req.must(http.StatusForbidden, "POST", "/api/v1/tickets", map[string]any{"subject": "x", "description": "y",
		"requester_email": b.other.user.Email})
	before := b.count(t, "SELECT count(*) FROM tickets")
	p := b.agent.must(http.StatusUnprocessableEntity, "POST", "/api/v1/tickets", map[string]any{"subject": "",
		"description": "y", "category": "Nope", "urgency": "whenever"}).problem(t)
	if fields := fieldNames(p); fields != "category,subject,urgency" {
		t.Errorf("field errors = %s (%+v)", fields, p)
	}
	if after := b.count(t, "SELECT count(*) FROM tickets"); after != before {
		t.Errorf("invalid create wrote %d tickets", after-before)
	}
}

// TestListPagination walks pages with the cursor and filters.
func TestListPagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var want []int64
	for i := range 7 {
		want = append(want, b.req.create(fmt.Sprintf("Printer %d jammed", i)).Number)
	}
	// Another requester's ticket must never show up.
	b.other.create("Printer of someone else")
	var got []int64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		var page struct {
			Tickets    []ticketBody
			NextCursor *string `json:"next_cursor"`
		}
		b.req.must(http.StatusOK, "GET", "/api/v1/tickets?limit=3&cursor="+cursor, nil).decode(t, &page)
		for _, tk := range page.Tickets {
			got = append(got, tk.Number)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	// Newest first, each exactly once.
	if fmt.Sprint(got) != fmt.Sprint(reverse(want)) {
		t.Errorf("pages = %v, want %v", got, reverse(want))
	}
	var list struct{ Tickets []ticketBody }
	b.agent.must(http.StatusOK, "GET", "/api/v1/tickets?q=printer&status=new,open&sort=created&limit=100", nil).decode(t, &list)
	if len(list.Tickets) != 8 {
		t.Errorf("agent search found %d, want 8", len(list.Tickets))
	}
	b.agent.must(http.StatusOK, "GET", "/api/v1/tickets?requester="+b.other.user.Email, nil).decode(t, &list)
	if len(list.Tickets) != 1 {
		t.Errorf("requester filter found %d, want 1", len(list.Tickets))
	}
	p := b.req.must(http.StatusUnprocessableEntity, "GET", "/api/v1/tickets?limit=0&status=lost&colour=red&cursor=zzz", nil).problem(t)
	if f := fieldNames(p); f != "colour,limit,status" {
		t.Errorf("field errors = %s", f)
	}
	p = b.req.must(http.StatusUnprocessableEntity, "GET", "/api/v1/tickets?cursor=zzz", nil).problem(t)
	if f := fieldNames(p); f != "cursor" {
		t.Errorf("bad cursor: %s", f)
	}
}

// TestStatusFromService checks that a ticket made through the service (as
// the web UI does) reads the same through the API.
func TestStatusFromService(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tk, err := b.e.App.Tickets.Create(context.Background(), b.req.user, ticket.CreateInput{Subject: "Mouse", Description: "Broken",
		TeamID: &b.secTeamID})
	if err != nil {
		t.Fatal(err)
	}
	var got ticketBody
	b.lead.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/tickets/%d", tk.Number), nil).decode(t, &got)
	if got.Status != string(helpdesk.StatusNew) || got.Team == nil || *got.Team != "security" {
		t.Errorf("got %+v", got)
	}
	b.agent.must(http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/tickets/%d", tk.Number), nil)
}

func eventKinds(evs []eventBody) string {
	var out []string
	for _, e := range evs {
		k := e.Kind
		if e.Kind != "created" {
			for _, f := range []string{"priority", "team", "assignee", "status", "category"} {
				if strings.Contains(string(e.After), `"`+f+`"`) {
					k += ":" + f
				}
			}
		}
		out = append(out, k)
	}
	return strings.Join(out, " ")
}

func hasTicket(ts []ticketBody, n int64) bool {
	for _, t := range ts {
		if t.Number == n {
			return true
		}
	}
	return false
}

func fieldNames(p problemBody) string {
	var names []string
	for _, f := range p.Errors {
		names = append(names, f.Field)
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

func reverse(s []int64) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}
