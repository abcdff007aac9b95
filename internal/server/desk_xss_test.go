package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestDeskRowsXSS: the queue's rows are written without templ (see
// web/desk_rows.go), so every XSS vector goes through them as a subject,
// a requester's and an assignee's name, a team name, and (with a search)
// as the highlighted subject and the snippet; no page of the list may hold
// executable markup, and each vector must come back as text.
func TestDeskRowsXSS(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	vectors := xssVectors(t)
	// One requester, assignee and team per vector would be slow; a few
	// carry the nastiest names instead, and the subjects carry them all.
	d.exec(`UPDATE users SET name = $1 WHERE id = $2`, `"><img src=x onerror=alert(1)>`, d.requester.ID)
	d.exec(`UPDATE users SET name = $1 WHERE id = $2`, `<script>alert(2)</script>`, d.agent.ID)
	d.exec(`UPDATE teams SET name = $1 WHERE id = $2`, `<svg onload=alert(3)>`, d.deskTeam)
	d.exec(`INSERT INTO tickets (subject, status, priority, requester_id, team_id, assignee_id, due_at, search)
		SELECT left(v, 200), 'open', 'P2', $2, $3, CASE WHEN i % 2 = 0 THEN $4::bigint END, now() + i * interval '1 minute',
		       to_tsvector('english', 'zebrafish ' || left(v, 200))
		FROM unnest($1::text[]) WITH ORDINALITY AS x(v, i)`, vectors, d.requester.ID, d.deskTeam, d.agent.ID)
	d.exec(`INSERT INTO messages (ticket_id, body_text, body_html)
		SELECT id, 'zebrafish ' || subject, '' FROM tickets WHERE requester_id = $1`, d.requester.ID)
	c := d.e.SignIn(d.agent)
	var rows, pages int
	for _, start := range []string{"/desk/list?view=open", "/desk/list?view=open&q=zebrafish"} {
		next := start
		for next != "" {
			r := c.Get(next)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", next, r.StatusCode)
			}
			if bad := executableMarkup(r.Body); len(bad) > 0 {
				t.Fatalf("GET %s: executable markup: %s", next, strings.Join(bad, "; "))
			}
			rows += r.Doc.Find("tr[data-number]").Length()
			pages++
			next = r.Doc.Find(`a[rel="next"]`).AttrOr("href", "")
			next = strings.Replace(next, "/desk?", "/desk/list?", 1)
		}
	}
	if rows != 2*len(vectors) {
		t.Errorf("%d rows over %d pages, want every vector twice (%d)", rows, pages, 2*len(vectors))
	}
	// The text survives as text: the list shows a script tag as characters.
	r := c.Get("/desk/list?view=open")
	if !strings.Contains(r.Doc.Find("tbody").Text(), "<script>alert(2)</script>") {
		t.Error("the assignee's name is not shown as text")
	}
}
