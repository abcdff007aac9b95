package postgres_test

import (
	"context"
	"strings"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

// seeded is a database with staff, a restricted team and tickets whose
// text, due times and priorities the tests control.
type seeded struct {
	db       *postgres.DB
	ctx      context.Context
	admin    *helpdesk.User
	agent    *helpdesk.User
	teamID   int64
	secretID int64
}

func seed(t *testing.T) *seeded {
	t.Helper()
	s := &seeded{db: pgtest.New(t), ctx: context.Background()}
	mustExec := func(sql string, args ...any) {
		t.Helper()
		if _, err := s.db.RawPool().Exec(s.ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	user := func(email string, role helpdesk.Role) *helpdesk.User {
		u := &helpdesk.User{Email: email, Name: email, Role: role, Active: true}
		if err := s.db.RawPool().QueryRow(s.ctx, `INSERT INTO users (email, name, role) VALUES ($1, $1, $2) RETURNING id`, email, role).Scan(&u.ID); err != nil {
			t.Fatal(err)
		}
		return u
	}
	s.admin = user("admin@example.com", helpdesk.RoleAdmin)
	s.agent = user("agent@example.com", helpdesk.RoleAgent)
	req := user("req@example.com", helpdesk.RoleRequester)
	if err := s.db.RawPool().QueryRow(s.ctx, `INSERT INTO teams (slug, name) VALUES ('desk', 'Desk') RETURNING id`).Scan(&s.teamID); err != nil {
		t.Fatal(err)
	}
	if err := s.db.RawPool().QueryRow(s.ctx, `INSERT INTO teams (slug, name, restricted) VALUES ('sec', 'Sec', true) RETURNING id`).Scan(&s.secretID); err != nil {
		t.Fatal(err)
	}
	mustExec(`INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, s.teamID, s.agent.ID)
	// 40 open tickets: due every 10 minutes, one without a due time, equal
	// due times in pairs to exercise the id tie-break, priorities cycling.
	mustExec(`INSERT INTO tickets (subject, status, priority, team_id, requester_id, due_at, updated_at, search)
SELECT 'Ticket ' || g, 'open', 'P' || (1 + g % 4), $1, $2,
       CASE WHEN g = 7 THEN NULL ELSE now() + make_interval(mins => (g / 2) * 10) END,
       now() - make_interval(mins => g % 5),
       to_tsvector('english', 'Ticket ' || g)
FROM generate_series(1, 40) g`, s.teamID, req.ID)
	add := func(subject, body, note string, team int64, status string) {
		var id int64
		if err := s.db.RawPool().QueryRow(s.ctx, `INSERT INTO tickets (subject, status, team_id, requester_id, due_at, search, note_search)
VALUES ($1, $5, $2, $3, now() + interval '1 day',
        setweight(to_tsvector('english', $1), 'A') || setweight(to_tsvector('english', $4), 'B'),
        to_tsvector('english', $6)) RETURNING id`, subject, team, req.ID, body, status, note).Scan(&id); err != nil {
			t.Fatal(err)
		}
		mustExec(`INSERT INTO messages (ticket_id, author_id, body_text) VALUES ($1, $2, $3)`, id, req.ID, body)
		if note != "" {
			mustExec(`INSERT INTO messages (ticket_id, author_id, internal, body_text) VALUES ($1, $2, true, $3)`, id, s.agent.ID, note)
		}
	}
	add("VPN keeps dropping", "The VPN client on host lt-berlin-042 disconnects every hour.", "", s.teamID, "open")
	add("Printer jam", "The printer in room 4 jams; not the VPN.", "vendor ticket zebra-77", s.teamID, "open")
	add("Secret VPN audit", "VPN logs for the audit", "", s.secretID, "open")
	add("Old VPN question", "solved long ago", "", s.teamID, "closed")
	return s
}

func numbers(p *postgres.QueuePage) []string {
	var out []string
	for _, r := range p.Rows {
		out = append(out, r.Subject)
	}
	return out
}

func TestQueueKeysetPagination(t *testing.T) {
	t.Parallel()
	s := seed(t)
	for _, sort := range []postgres.QueueSort{postgres.QueueByDue, postgres.QueueByPriority, postgres.QueueByUpdated} {
		q := postgres.QueueQuery{Viewer: s.admin, View: postgres.ViewOpen, Sort: sort, Limit: 200}
		all, err := s.db.Queue(s.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(all.Rows) != 43 || all.NextCursor != "" {
			t.Fatalf("%s: one big page has %d rows, cursor %q", sort, len(all.Rows), all.NextCursor)
		}
		var walked []string
		q.Limit = 7
		pages := 0
		for {
			p, err := s.db.Queue(s.ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			walked = append(walked, numbers(p)...)
			pages++
			if p.NextCursor == "" {
				break
			}
			q.Cursor = p.NextCursor
		}
		if strings.Join(walked, "|") != strings.Join(numbers(all), "|") || pages != 7 {
			t.Errorf("%s: paging differs from one page (%d pages):\n%v\n%v", sort, pages, walked, numbers(all))
		}
	}
	// Due order: earliest first, the ticket without a due time last.
	p, _ := s.db.Queue(s.ctx, postgres.QueueQuery{Viewer: s.admin, View: postgres.ViewOpen, Limit: 200})
	if p.Rows[0].Subject != "Ticket 1" || p.Rows[len(p.Rows)-1].Subject != "Ticket 7" {
		t.Errorf("due order: first %q, last %q", p.Rows[0].Subject, p.Rows[len(p.Rows)-1].Subject)
	}
	// Priority order: every P1 before any P2.
	p, _ = s.db.Queue(s.ctx, postgres.QueueQuery{Viewer: s.admin, View: postgres.ViewOpen, Sort: postgres.QueueByPriority, Limit: 200})
	for i := 1; i < len(p.Rows); i++ {
		if p.Rows[i].Priority < p.Rows[i-1].Priority {
			t.Fatalf("priority order broken at %d", i)
		}
	}
	// A cursor from another sort is refused, not misread.
	p, _ = s.db.Queue(s.ctx, postgres.QueueQuery{Viewer: s.admin, View: postgres.ViewOpen, Limit: 5})
	if _, err := s.db.Queue(s.ctx, postgres.QueueQuery{Viewer: s.admin, View: postgres.ViewOpen, Sort: postgres.QueueByUpdated, Cursor: p.NextCursor}); helpdesk.ErrorCode(err) != helpdesk.EINVALID {
		t.Errorf("foreign cursor: %v", err)
	}
}

func TestQueueSearch(t *testing.T) {
	t.Parallel()
	s := seed(t)
	search := func(v *helpdesk.User, q string, view postgres.QueueView) *postgres.QueuePage {
		t.Helper()
		p, err := s.db.Queue(s.ctx, postgres.QueueQuery{Viewer: v, View: view, Query: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		return p
	}
	cases := []struct {
		who  *helpdesk.User
		q    string
		view postgres.QueueView
		want []string
	}{
		// Ranked: the subject hit (weight A) before the body-only hit.
		{s.agent, "vpn", postgres.ViewOpen, []string{"VPN keeps dropping", "Printer jam"}},
		{s.admin, "vpn", postgres.ViewOpen, []string{"Secret VPN audit", "VPN keeps dropping", "Printer jam"}},
		{s.agent, "vpn", postgres.ViewResolved, nil},
		{s.agent, "lt-berlin-042", postgres.ViewOpen, []string{"VPN keeps dropping"}},
		{s.agent, "vpn -printer", postgres.ViewOpen, []string{"VPN keeps dropping"}},
		{s.agent, `"every hour"`, postgres.ViewOpen, []string{"VPN keeps dropping"}},
		{s.agent, "jam or disconnects", postgres.ViewOpen, []string{"Printer jam", "VPN keeps dropping"}},
		// Internal notes are searchable by staff.
		{s.agent, "zebra-77", postgres.ViewOpen, []string{"Printer jam"}},
		{s.agent, "nothingmatches", postgres.ViewOpen, nil},
	}
	for _, tc := range cases {
		got := numbers(search(tc.who, tc.q, tc.view))
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s searches %q in %s: got %v, want %v", tc.who.Email, tc.q, tc.view, got, tc.want)
		}
	}
	p := search(s.agent, "vpn", postgres.ViewOpen)
	if !strings.Contains(p.Rows[0].SubjectHit, postgres.HighlightStart+"VPN"+postgres.HighlightStop) {
		t.Errorf("subject not highlighted: %q", p.Rows[0].SubjectHit)
	}
	if !strings.Contains(p.Rows[1].Snippet, postgres.HighlightStart+"VPN"+postgres.HighlightStop) {
		t.Errorf("message snippet not highlighted: %q", p.Rows[1].Snippet)
	}
	// Relevance pages with a keyset too.
	q := postgres.QueueQuery{Viewer: s.admin, View: postgres.ViewOpen, Query: "vpn", Limit: 1}
	var walked []string
	for i := 0; i < 5; i++ {
		p, err := s.db.Queue(s.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, numbers(p)...)
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	if len(walked) != 3 {
		t.Errorf("relevance paging: %v", walked)
	}
	// Requesters cannot use the staff queue at all.
	if _, err := s.db.Queue(s.ctx, postgres.QueueQuery{Viewer: &helpdesk.User{ID: 99, Role: helpdesk.RoleRequester, Active: true}}); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("requester: %v", err)
	}
}

func TestQueueCountsAreCapped(t *testing.T) {
	t.Parallel()
	s := seed(t)
	if _, err := s.db.RawPool().Exec(s.ctx, `INSERT INTO tickets (subject, status, requester_id, due_at)
SELECT 'bulk ' || g, 'new', (SELECT id FROM users WHERE role = 'requester'), now() + interval '1 hour' FROM generate_series(1, 1000) g`); err != nil {
		t.Fatal(err)
	}
	c, err := s.db.QueueCounts(s.ctx, s.agent)
	if err != nil {
		t.Fatal(err)
	}
	if got := c[postgres.ViewOpen]; got.N != postgres.CountCap || !got.Capped {
		t.Errorf("open: %+v, want capped at %d", got, postgres.CountCap)
	}
	// 40 seeded + 2 visible added; the restricted one is not counted.
	if got := c[postgres.ViewTeams]; got.N != 42 || got.Capped {
		t.Errorf("my teams: %+v, want 42 exact", got)
	}
	if got := c[postgres.ViewAtRisk]; !got.Capped {
		t.Errorf("at risk: %+v, want capped", got)
	}
	if got := c[postgres.ViewPending]; got.N != 0 || got.Capped {
		t.Errorf("pending: %+v", got)
	}
}

// The Resolved count is built apart from the page (see QueueCounts); it
// must count the rows the view lists: resolved in the last week, not
// earlier, not reopened.
func TestQueueResolvedCountMatchesView(t *testing.T) {
	t.Parallel()
	s := seed(t)
	if _, err := s.db.RawPool().Exec(s.ctx, `INSERT INTO tickets (subject, status, requester_id, resolved_at, updated_at)
SELECT 'done ' || g, CASE WHEN g % 5 = 0 THEN 'open' WHEN g % 2 = 0 THEN 'closed' ELSE 'resolved' END,
       (SELECT id FROM users WHERE role = 'requester'),
       now() - g * interval '1 day', now() - g * interval '1 day'
FROM generate_series(1, 12) g`); err != nil {
		t.Fatal(err)
	}
	c, err := s.db.QueueCounts(s.ctx, s.agent)
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.db.Queue(s.ctx, postgres.QueueQuery{Viewer: s.agent, View: postgres.ViewResolved, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	// Days 1-6 resolved or closed (5 is open again): 5 of the 12.
	if got := c[postgres.ViewResolved]; got.N != len(page.Rows) || got.Capped || got.N < 5 {
		t.Errorf("resolved: count %+v, view lists %d", got, len(page.Rows))
	}
}

// Team and assignee names come from the node's cache (queue_names.go); they
// must be the ones a join gives, and a rename must show once the cache is
// dropped.
func TestQueueNamesMatchJoin(t *testing.T) {
	t.Parallel()
	s := seed(t)
	raw := s.db.RawPool()
	if _, err := raw.Exec(s.ctx, `UPDATE tickets SET assignee_id = CASE WHEN id % 3 = 0 THEN $1::bigint WHEN id % 3 = 1 THEN $2::bigint END,
    team_id = CASE WHEN id % 4 = 0 THEN NULL ELSE team_id END`, s.agent.ID, s.admin.ID); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		for _, view := range []postgres.QueueView{postgres.ViewOpen, postgres.ViewResolved} {
			for _, query := range []string{"", "vpn"} {
				p, err := s.db.Queue(s.ctx, postgres.QueueQuery{Viewer: s.admin, View: view, Query: query, Limit: 200})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range p.Rows {
					var team, assignee, requester string
					if err := raw.QueryRow(s.ctx, `SELECT coalesce(tm.name, ''), coalesce(a.name, ''), r.name FROM tickets t
JOIN users r ON r.id = t.requester_id LEFT JOIN teams tm ON tm.id = t.team_id LEFT JOIN users a ON a.id = t.assignee_id
WHERE t.id = $1`, r.ID).Scan(&team, &assignee, &requester); err != nil {
						t.Fatal(err)
					}
					if r.TeamName != team || r.AssigneeName != assignee || r.RequesterName != requester {
						t.Fatalf("%s, %s %q, ticket %d: names %q, %q, %q; joined %q, %q, %q", when, view, query, r.ID,
							r.TeamName, r.AssigneeName, r.RequesterName, team, assignee, requester)
					}
				}
				if view == postgres.ViewOpen && query == "" && len(p.Rows) != 43 {
					t.Fatalf("%s: %d open rows", when, len(p.Rows))
				}
			}
		}
	}
	check("first read")
	check("from the cache")
	if _, err := raw.Exec(s.ctx, `UPDATE teams SET name = 'Service desk' WHERE id = $1`, s.teamID); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(s.ctx, `UPDATE users SET name = 'Agent Smith' WHERE id = $1`, s.agent.ID); err != nil {
		t.Fatal(err)
	}
	s.db.ForgetNames()
	check("after a rename")
	p, err := s.db.Queue(s.ctx, postgres.QueueQuery{Viewer: s.admin, View: postgres.ViewOpen, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range p.Rows {
		seen[r.TeamName], seen[r.AssigneeName] = true, true
	}
	if !seen["Service desk"] || !seen["Agent Smith"] || !seen[""] {
		t.Fatalf("names after the rename: %v", seen)
	}
}
