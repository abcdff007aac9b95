package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

// reportHistory seeds a small history whose figures are worked out by hand
// in TestReportFigures. The range is 1-10 March 2026 in Europe/Berlin
// (UTC+1), so 28 Feb 23:30 UTC is in it and 10 Mar 23:30 UTC is not.
func reportHistory(t *testing.T, e *apptest.Env) (lead *apptest.Client, agent *apptest.Client) {
	t.Helper()
	ctx := context.Background()
	req := e.User(helpdesk.RoleRequester)
	ag1 := e.User(helpdesk.RoleAgent, func(u *auth.NewUser) { u.Name = "Ann Agent" })
	ag2 := e.User(helpdesk.RoleAgent, func(u *auth.NewUser) { u.Name = "Ben Agent" })
	leadU := e.User(helpdesk.RoleLead)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := e.App.DB.RawPool().Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO teams (slug, name) VALUES ('alpha', 'Alpha'), ('beta', 'Beta');
INSERT INTO categories (name, team_id) SELECT 'Laptops', id FROM teams WHERE slug = 'alpha';
INSERT INTO categories (name, team_id) SELECT 'Access', id FROM teams WHERE slug = 'beta'`)
	// The lead leads both teams: a lead's reports cover the teams they lead.
	exec(`INSERT INTO team_members (team_id, user_id, is_lead) SELECT id, $1, true FROM teams`, leadU.ID)
	ts := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	type tk struct {
		n                               int64
		team, cat, prio, status, source string
		created, frDue, responded       string
		resDue, resolved                string
		rc                              int
		assignee                        *helpdesk.User
		staffMsgs                       int
	}
	opt := func(s string) any {
		if s == "" {
			return nil
		}
		return ts(s)
	}
	for _, x := range []tk{
		{1, "alpha", "Laptops", "P2", "closed", "portal", "2026-03-02 10:00", "2026-03-02 12:00", "2026-03-02 11:00", "2026-03-03 10:00", "2026-03-02 15:00", 1, ag1, 1},
		{2, "alpha", "Laptops", "P3", "resolved", "portal", "2026-03-03 10:00", "2026-03-03 14:00", "2026-03-03 16:00", "2026-03-05 10:00", "2026-03-06 10:00", 2, ag1, 2},
		{3, "beta", "Access", "P1", "open", "email", "2026-03-04 09:00", "2026-03-04 10:00", "2026-03-04 09:30", "2026-03-04 13:00", "", 0, ag2, 1},
		{4, "beta", "Access", "P4", "new", "email", "2026-03-09 23:30", "2026-03-10 10:00", "", "2026-03-12 10:00", "", 0, nil, 0},
		{5, "alpha", "Laptops", "P3", "closed", "email", "2026-02-28 23:30", "2026-03-01 03:30", "2026-03-01 01:00", "2026-03-03 00:00", "2026-03-01 02:00", 1, ag1, 2},
		{6, "alpha", "Laptops", "P3", "open", "portal", "2026-03-10 23:30", "2026-03-11 02:00", "", "2026-03-13 00:00", "", 0, ag1, 0},
		{7, "beta", "Access", "P3", "open", "email", "2026-02-15 10:00", "2026-02-15 14:00", "2026-02-15 11:00", "2026-02-17 10:00", "", 0, ag2, 1},
	} {
		var assignee any
		if x.assignee != nil {
			assignee = x.assignee.ID
		}
		var id int64
		if err := e.App.DB.RawPool().QueryRow(ctx, `INSERT INTO tickets (number, subject, status, priority, source, team_id, category_id,
    requester_id, assignee_id, created_at, updated_at, first_response_due, first_responded_at, resolution_due, resolved_at, resolution_count)
VALUES ($1, 'Ticket', $2, $3, $4, (SELECT id FROM teams WHERE slug = $5), (SELECT id FROM categories WHERE name = $6),
    $7, $8, $9, $9, $10, $11, $12, $13, $14) RETURNING id`,
			9000+x.n, x.status, x.prio, x.source, x.team, x.cat, req.ID, assignee, ts(x.created), ts(x.frDue), opt(x.responded),
			ts(x.resDue), opt(x.resolved), x.rc).Scan(&id); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO messages (ticket_id, author_id, body_text, created_at) VALUES ($1, $2, 'help', $3)`, id, req.ID, ts(x.created))
		// An internal note never counts as a reply.
		exec(`INSERT INTO messages (ticket_id, author_id, internal, body_text) VALUES ($1, $2, true, 'note')`, id, ag1.ID)
		for i := 0; i < x.staffMsgs; i++ {
			exec(`INSERT INTO messages (ticket_id, author_id, body_text) VALUES ($1, $2, 'reply')`, id, ag1.ID)
		}
	}
	exec(`INSERT INTO satisfaction_ratings (ticket_id, resolution_no, rating, comment, created_at)
SELECT id, 1, 5, 'Quick fix, thanks', '2026-03-02 16:00+00'::timestamptz FROM tickets WHERE number = 9001 UNION ALL
SELECT id, 1, 2, 'Took days', '2026-03-06 11:00+00' FROM tickets WHERE number = 9002 UNION ALL
SELECT id, 1, 4, 'Out of range', '2026-03-11 01:00+00' FROM tickets WHERE number = 9006`)
	exec(`INSERT INTO kb_deflections (subject, created_at) VALUES ('a', '2026-03-05 12:00+00'), ('b', '2026-03-05 13:00+00'),
    ('c', '2026-03-10 22:30+00'), ('late', '2026-03-10 23:30+00')`)
	exec(`INSERT INTO kb_searches (query, results, created_at) VALUES ('wifi printer', 0, '2026-03-02 10:00+00'),
    ('wifi printer', 0, '2026-03-03 10:00+00'), ('wifi printer', 0, '2026-03-04 10:00+00'), ('vpn', 2, '2026-03-04 10:00+00'),
    ('badge', 0, '2026-03-05 10:00+00'), ('old', 0, '2026-02-20 10:00+00')`)
	e.App.HTTP.Reports.Now = func() time.Time { return ts("2026-03-20 12:00") }
	return e.SignIn(leadU), e.SignIn(ag2)
}

const reportRange = "?from=2026-03-01&to=2026-03-10&tz=Europe/Berlin"

// fetchReport reads a report page and its CSV, checks that the CSV is the
// page's table and that every mark of the chart carries the CSV's value
// for its row and series, and returns the CSV rows by label.
func fetchReport(t *testing.T, c *apptest.Client, name, query string) map[string][]string {
	t.Helper()
	page := c.Get("/reports/" + name + query)
	wantStatus(t, page, http.StatusOK)
	href, _ := page.Doc.Find("a#csv").Attr("href")
	res := c.Get(href)
	wantStatus(t, res, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s CSV: %v\n%s", name, err, res.Body)
	}
	header := recs[0]
	var table [][]string
	page.Doc.Find("#report-table tr").Each(func(_ int, tr *goquery.Selection) {
		var cells []string
		tr.Find("th, td").Each(func(_ int, c *goquery.Selection) { cells = append(cells, strings.TrimSpace(c.Text())) })
		table = append(table, cells)
	})
	if len(table) != len(recs) {
		t.Fatalf("%s: table has %d lines, CSV %d", name, len(table), len(recs))
	}
	for i := range recs {
		if strings.Join(table[i], "|") != strings.Join(recs[i], "|") {
			t.Errorf("%s line %d: table %q, CSV %q", name, i, table[i], recs[i])
		}
	}
	rows := map[string][]string{}
	for _, r := range recs[1:] {
		rows[r[0]] = r
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	marks := page.Doc.Find("#report-chart [data-value]")
	if len(recs) > 1 && marks.Length() == 0 {
		t.Errorf("%s: the chart has no marks", name)
	}
	marks.Each(func(_ int, m *goquery.Selection) {
		row, _ := m.Attr("data-row")
		series, _ := m.Attr("data-series")
		val, _ := m.Attr("data-value")
		r, ok := rows[row]
		if !ok || col[series] == 0 || r[col[series]] != val {
			t.Errorf("%s chart mark %q/%q = %q, CSV has %v", name, row, series, val, r)
		}
	})
	return rows
}

func wantRow(t *testing.T, report string, rows map[string][]string, label string, want ...string) {
	t.Helper()
	got, ok := rows[label]
	if !ok {
		t.Errorf("%s: no row %q in %v", report, label, rows)
		return
	}
	if strings.Join(got[1:], "|") != strings.Join(want, "|") {
		t.Errorf("%s row %q = %q, want %q", report, label, got[1:], want)
	}
}

// TestReportFigures checks every report against figures worked out by
// hand from reportHistory, in the viewer's time zone, and that each CSV
// equals its page's table and chart.
func TestReportFigures(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	e.StopWorkers()
	lead, agent := reportHistory(t, e)

	// First computed live (no zone is rolled up yet), then from the daily
	// rollups: the same figures both ways.
	wantFigures(t, lead)
	st, err := e.App.Reports.Rollup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var zones, rows, marks int
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM report_zones WHERE ready_at IS NOT NULL),
    (SELECT count(*) FROM report_days WHERE zone = 'Europe/Berlin'), (SELECT count(*) FROM report_dirty)`).Scan(&zones, &rows, &marks); err != nil {
		t.Fatal(err)
	}
	if zones < 2 || rows == 0 || marks != 0 {
		t.Fatalf("after the rollup (%+v): %d zones ready, %d Berlin rows, %d marks left", st, zones, rows, marks)
	}
	wantFigures(t, lead)
	// A lead of Beta only sees Beta's figures and cannot choose Alpha; an
	// admin sees every team.
	betaLead := e.User(helpdesk.RoleLead)
	if _, err := e.App.DB.RawPool().Exec(context.Background(), `INSERT INTO team_members (team_id, user_id, is_lead)
SELECT id, $1, true FROM teams WHERE slug = 'beta'`, betaLead.ID); err != nil {
		t.Fatal(err)
	}
	bl := e.SignIn(betaLead)
	bsla := fetchReport(t, bl, "sla", reportRange)
	wantRow(t, "sla", bsla, "team: Beta", "1", "2", "50.0", "0", "2", "0.0")
	if _, ok := bsla["team: Alpha"]; ok || len(bsla) != 2 {
		t.Errorf("Beta's lead sees %v, want Beta and its category only", bsla)
	}
	if fcr := fetchReport(t, bl, "first-contact", reportRange); len(fcr) != 1 {
		t.Errorf("Beta's lead's first-contact rows %v, want only All teams (Beta resolved nothing)", fcr)
	}
	wantStatus(t, bl.Get("/reports/sla"+reportRange+"&team=alpha"), http.StatusUnprocessableEntity)
	if opts := bl.Get("/reports/sla").Doc.Find(`select[name="team"] option[value="alpha"]`).Length(); opts != 0 {
		t.Error("Beta's lead is offered Alpha in the team filter")
	}
	admin := e.SignIn(e.User(helpdesk.RoleAdmin))
	wantRow(t, "sla", fetchReport(t, admin, "sla", reportRange), "team: Alpha", "2", "3", "66.7", "2", "3", "66.7")

	// Leads and admins only.
	wantStatus(t, agent.Get("/reports/sla"), http.StatusNotFound)
	wantStatus(t, agent.Get("/reports/sla/export.csv"), http.StatusNotFound)
	// A bad filter comes back with the message at the field.
	bad := lead.Get("/reports/sla?from=yesterday&tz=Mars/Olympus")
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if bad.Text("#rf-from-error") == "" || bad.Text("#rf-tz-error") == "" {
		t.Error("no field errors on a bad filter")
	}

	// A change after the rollup shows at once (its day is read live), and
	// the same after the next rollup: ticket 3 resolved within its target.
	if _, err := e.App.DB.RawPool().Exec(context.Background(), `UPDATE tickets SET status = 'resolved', resolved_at = '2026-03-04 12:00+00',
    resolution_count = 1 WHERE number = 9003`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		sla := fetchReport(t, lead, "sla", reportRange)
		wantRow(t, "sla", sla, "team: Beta", "1", "2", "50.0", "1", "2", "50.0")
		wantRow(t, "first-contact", fetchReport(t, lead, "first-contact", reportRange), "Beta", "1", "1", "100.0")
		// Ticket 3 is now resolved the day it was filed: it never counts
		// in Ben's load. Ann and Ben tie at a peak of 1: by name.
		load := fetchReport(t, lead, "load", reportRange)
		wantColumns(t, lead, "load", "Day", "Ann Agent", "Ben Agent")
		wantRow(t, "load", load, "2026-03-01", "0", "1")
		wantRow(t, "load", load, "2026-03-05", "1", "1")
		if _, err := e.App.Reports.Rollup(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Agent load follows a change of assignee alone (ticket 2, open 3-5
	// March, goes from Ann to Ben), and a resolution after the range
	// (ticket 7, Ben's since February, resolved on 15 March) changes
	// nothing in it.
	for _, change := range []string{`UPDATE tickets SET assignee_id = $1 WHERE number = 9002`,
		`UPDATE tickets SET status = 'resolved', resolved_at = '2026-03-15 12:00+00', resolution_count = 1 WHERE number = 9007 AND $1 > 0`} {
		if _, err := e.App.DB.RawPool().Exec(context.Background(), change, agentUser(t, e, "Ben Agent")); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			load := fetchReport(t, lead, "load", reportRange)
			wantColumns(t, lead, "load", "Day", "Ben Agent")
			wantRow(t, "load", load, "2026-03-01", "1")
			wantRow(t, "load", load, "2026-03-03", "2")
			wantRow(t, "load", load, "2026-03-05", "2")
			wantRow(t, "load", load, "2026-03-06", "1")
			wantRow(t, "load", load, "2026-03-10", "1")
			if _, err := e.App.Reports.Rollup(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	var loadRows int
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT count(*) FROM report_load_days WHERE zone = 'Europe/Berlin'`).Scan(&loadRows); err != nil || loadRows == 0 {
		t.Errorf("agent load rollup rows for Berlin: %d (%v)", loadRows, err)
	}
}

// wantColumns checks the columns of a report's CSV over reportRange.
func wantColumns(t *testing.T, c *apptest.Client, name string, want ...string) {
	t.Helper()
	res := c.Get("/reports/" + name + "/export.csv" + reportRange)
	wantStatus(t, res, http.StatusOK)
	header, err := csv.NewReader(strings.NewReader(res.Body)).Read()
	if err != nil || strings.Join(header, "|") != strings.Join(want, "|") {
		t.Errorf("%s columns %q (%v), want %q", name, header, err, want)
	}
}

// agentUser is the id of the user named name.
func agentUser(t *testing.T, e *apptest.Env, name string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT id FROM users WHERE name = $1`, name).Scan(&id); err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return id
}

// wantFigures checks every report against the figures of reportHistory
// worked out by hand.
func wantFigures(t *testing.T, lead *apptest.Client) {
	t.Helper()
	sla := fetchReport(t, lead, "sla", reportRange)
	// Alpha: tickets 1, 2, 5 (5 is 1 Mar in Berlin); 2 missed both.
	wantRow(t, "sla", sla, "team: Alpha", "2", "3", "66.7", "2", "3", "66.7")
	// Beta: 3 answered in time, 4 never (past due); neither resolved, both past due.
	wantRow(t, "sla", sla, "team: Beta", "1", "2", "50.0", "0", "2", "0.0")
	wantRow(t, "sla", sla, "category: Laptops", "2", "3", "66.7", "2", "3", "66.7")
	if len(sla) != 4 {
		t.Errorf("sla rows: %v", sla)
	}
	// Filters: one team, one priority.
	wantRow(t, "sla", fetchReport(t, lead, "sla", reportRange+"&team=beta&priority=P1"), "team: Beta", "1", "1", "100.0", "0", "1", "0.0")
	// In UTC, ticket 5 (28 Feb) falls out and ticket 6 (10 Mar, unanswered
	// and past both targets) comes in.
	wantRow(t, "sla", fetchReport(t, lead, "sla", "?from=2026-03-01&to=2026-03-10&tz=UTC"), "team: Alpha", "1", "3", "33.3", "1", "3", "33.3")

	backlog := fetchReport(t, lead, "backlog", reportRange)
	wantRow(t, "backlog", backlog, "7-30 days", "1", "0", "0", "1", "2")
	wantRow(t, "backlog", backlog, "under 1 day", "0", "0", "0", "0", "0")

	fcr := fetchReport(t, lead, "first-contact", reportRange)
	wantRow(t, "first-contact", fcr, "All teams", "3", "1", "33.3")
	wantRow(t, "first-contact", fcr, "Alpha", "3", "1", "33.3")

	re := fetchReport(t, lead, "reopened", reportRange)
	wantRow(t, "reopened", re, "Alpha", "3", "1", "33.3")

	sat := fetchReport(t, lead, "satisfaction", reportRange)
	wantRow(t, "satisfaction", sat, "5 of 5", "1", "50.0")
	wantRow(t, "satisfaction", sat, "2 of 5", "1", "50.0")
	wantRow(t, "satisfaction", sat, "4 of 5", "0", "0.0")
	page := lead.Get("/reports/satisfaction" + reportRange)
	if c := page.Text("#comments"); !strings.Contains(c, "Took days") || strings.Contains(c, "Out of range") {
		t.Errorf("comments: %q", c)
	}
	if !strings.Contains(page.Text("main"), "Average 3.50 of 5 over 2 ratings") {
		t.Error("no average")
	}

	defl := fetchReport(t, lead, "deflection", reportRange)
	if len(defl) != 10 {
		t.Errorf("deflection has %d days, want 10", len(defl))
	}
	wantRow(t, "deflection", defl, "2026-03-02", "0", "1", "0.0")
	wantRow(t, "deflection", defl, "2026-03-05", "2", "0", "100.0")
	wantRow(t, "deflection", defl, "2026-03-10", "1", "0", "100.0")
	if !strings.Contains(lead.Get("/reports/deflection"+reportRange).Text("main"), "3 deflected, 2 filed in the portal, deflection rate 60.0%") {
		t.Error("no deflection total")
	}

	s := fetchReport(t, lead, "searches", reportRange)
	wantRow(t, "searches", s, "wifi printer", "3")
	wantRow(t, "searches", s, "badge", "1")
	if len(s) != 2 {
		t.Errorf("searches: %v", s)
	}

	load := fetchReport(t, lead, "load", reportRange)
	// Columns: Ben (peak 2: ticket 7 all along, 3 from 4 Mar), then Ann
	// (ticket 2, open from 3 Mar until resolved on 6 Mar).
	wantRow(t, "load", load, "2026-03-01", "1", "0")
	wantRow(t, "load", load, "2026-03-03", "1", "1")
	wantRow(t, "load", load, "2026-03-05", "2", "1")
	wantRow(t, "load", load, "2026-03-06", "2", "0")
	wantRow(t, "load", load, "2026-03-10", "2", "0")

}
