package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// deskEnv is a node with two teams (one restricted), staff in them and a
// requester.
type deskEnv struct {
	e         *apptest.Env
	ctx       context.Context
	agent     *helpdesk.User // member of "desk"
	lead      *helpdesk.User // lead of "desk"
	outsider  *helpdesk.User // agent in no team
	secret    *helpdesk.User // member of restricted "secops"
	requester *helpdesk.User
	deskTeam  int64
	secTeam   int64
	category  int64
}

func deskSetup(t *testing.T, opts ...apptest.Options) *deskEnv {
	t.Helper()
	e := apptest.New(t, opts...)
	d := &deskEnv{e: e, ctx: context.Background()}
	if err := e.App.DB.InTx(d.ctx, func(tx *postgres.Tx) error {
		var err error
		if d.deskTeam, err = tx.InsertTeam(d.ctx, helpdesk.Team{Slug: "desk", Name: "Service desk", TimeZone: "UTC"}, nil); err != nil {
			return err
		}
		d.secTeam, err = tx.InsertTeam(d.ctx, helpdesk.Team{Slug: "secops", Name: "Security", TimeZone: "UTC", Restricted: true}, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.App.DB.RawPool().QueryRow(d.ctx, `INSERT INTO categories (name, team_id) VALUES ('Hardware', $1) RETURNING id`, d.deskTeam).Scan(&d.category); err != nil {
		t.Fatal(err)
	}
	team := func(slug string) func(*auth.NewUser) { return func(n *auth.NewUser) { n.TeamSlug = slug } }
	d.agent = e.User(helpdesk.RoleAgent, team("desk"), func(n *auth.NewUser) { n.Email, n.Name = "ana@example.com", "Ana Agent" })
	d.lead = e.User(helpdesk.RoleLead, team("desk"))
	if _, err := e.App.DB.RawPool().Exec(d.ctx, `UPDATE team_members SET is_lead = true WHERE user_id = $1`, d.lead.ID); err != nil {
		t.Fatal(err)
	}
	d.outsider = e.User(helpdesk.RoleAgent)
	d.secret = e.User(helpdesk.RoleAgent, team("secops"))
	d.requester = e.User(helpdesk.RoleRequester)
	return d
}

// file creates a ticket for the requester in team (0: none).
func (d *deskEnv) file(subject, body string, team int64) *helpdesk.Ticket {
	d.e.T.Helper()
	in := ticket.CreateInput{Subject: subject, Description: body}
	if team != 0 {
		in.TeamID = &team
	}
	t, err := d.e.App.Tickets.Create(d.ctx, d.requester, in)
	if err != nil {
		d.e.T.Fatalf("create: %v", err)
	}
	// Triage assigns and routes new tickets by itself; these tests set the
	// state they need once it is done.
	d.settle()
	d.exec(`UPDATE tickets SET assignee_id = NULL, team_id = $2, status = 'new', priority = 'P3',
		due_at = now() + interval '8 hours' WHERE id = $1`, t.ID, in.TeamID)
	return t
}

// settle waits until the node's background jobs (triage, SLA) are done.
func (d *deskEnv) settle() { d.e.Settle() }

func (d *deskEnv) exec(sql string, args ...any) {
	d.e.T.Helper()
	if _, err := d.e.App.DB.RawPool().Exec(d.ctx, sql, args...); err != nil {
		d.e.T.Fatal(err)
	}
}

func row(n int64) string { return fmt.Sprintf(`tr[data-number="%d"]`, n) }

func TestDeskRequesterGets404Everywhere(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	tk := d.file("VPN down", "cannot connect", d.deskTeam)
	c := d.e.SignIn(d.requester)
	n := fmt.Sprint(tk.Number)
	for _, p := range []string{"/desk", "/desk?view=mine", "/desk/list", "/desk/counts", "/desk/stream", "/desk/overview",
		"/desk/canned", "/desk/tickets/" + n, "/desk/tickets/" + n + "/timeline", "/desk/tickets/" + n + "/presence"} {
		if res := c.Get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s as requester: %d, want 404", p, res.StatusCode)
		}
	}
	for _, p := range []string{"/desk/bulk", "/desk/availability", "/desk/canned", "/desk/canned/1/delete",
		"/desk/tickets/" + n + "/messages", "/desk/tickets/" + n + "/fields", "/desk/tickets/" + n + "/take",
		"/desk/tickets/" + n + "/merge", "/desk/tickets/" + n + "/link", "/desk/tickets/" + n + "/resolve-children",
		"/desk/tickets/" + n + "/presence"} {
		res := c.PostForm(p, url.Values{"body": {"x"}, "internal": {"1"}, "n": {n}, "status": {"closed"}, "availability": {"away"}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s as requester: %d, want 404", p, res.StatusCode)
		}
	}
	// Nothing changed.
	got, err := d.e.App.Tickets.Get(d.ctx, d.agent, tk.Number)
	if err != nil || got.Status != helpdesk.StatusNew {
		t.Fatalf("ticket changed by requester posts: %v %v", got, err)
	}
	// Signed out: sent to sign in.
	if res := d.e.Anonymous().Get("/desk"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous /desk: %d", res.StatusCode)
	}
}

func TestDeskViews(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	unassigned := d.file("Laptop will not boot", "black screen", d.deskTeam)
	mine := d.file("Mailbox full", "quota", d.deskTeam)
	pending := d.file("Need a monitor", "second screen", d.deskTeam)
	risky := d.file("Payroll server down", "everyone blocked", 0)
	resolved := d.file("Password reset", "locked out", d.deskTeam)
	secret := d.file("Phishing mail", "suspicious link", d.secTeam)
	lead := d.e.SignIn(d.lead)
	ln := func(tk *helpdesk.Ticket, path string, form url.Values) {
		t.Helper()
		if res := lead.PostForm(fmt.Sprintf("/desk/tickets/%d/%s", tk.Number, path), form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", path, res.StatusCode, res.Text(".field-error"))
		}
	}
	ln(mine, "fields", url.Values{"assignee": {d.agent.Email}})
	ln(pending, "fields", url.Values{"status": {"pending"}})
	ln(resolved, "fields", url.Values{"status": {"resolved"}})
	ln(unassigned, "messages", url.Values{"body": {"@ana can you look at this?"}, "internal": {"1"}})
	d.settle()
	d.exec(`UPDATE tickets SET due_at = now() + interval '30 minutes' WHERE id = $1`, risky.ID)

	agent := d.e.SignIn(d.agent)
	cases := []struct {
		view     string
		want     []*helpdesk.Ticket
		wantNot  []*helpdesk.Ticket
		viewer   *apptest.Client
		viewerID string
	}{
		{"unassigned", []*helpdesk.Ticket{unassigned, pending}, []*helpdesk.Ticket{mine, risky, secret}, agent, "agent"},
		{"mine", []*helpdesk.Ticket{mine}, []*helpdesk.Ticket{unassigned, pending}, agent, "agent"},
		{"teams", []*helpdesk.Ticket{unassigned, mine, pending}, []*helpdesk.Ticket{risky, resolved, secret}, agent, "agent"},
		{"at_risk", []*helpdesk.Ticket{risky}, []*helpdesk.Ticket{pending, resolved}, agent, "agent"},
		{"open", []*helpdesk.Ticket{unassigned, mine, pending, risky}, []*helpdesk.Ticket{resolved, secret}, agent, "agent"},
		{"pending", []*helpdesk.Ticket{pending}, []*helpdesk.Ticket{unassigned, mine}, agent, "agent"},
		{"mentions", []*helpdesk.Ticket{unassigned}, []*helpdesk.Ticket{mine}, agent, "agent"},
		{"resolved", []*helpdesk.Ticket{resolved}, []*helpdesk.Ticket{unassigned}, agent, "agent"},
		{"open", []*helpdesk.Ticket{secret, unassigned}, nil, d.e.SignIn(d.secret), "secops member"},
		{"open", []*helpdesk.Ticket{unassigned}, []*helpdesk.Ticket{secret}, d.e.SignIn(d.outsider), "outsider"},
	}
	for _, tc := range cases {
		res := tc.viewer.Get("/desk?view=" + tc.view)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.view, res.StatusCode)
		}
		if !res.Has(fmt.Sprintf(`.tabs a[data-view=%q][aria-current="page"]`, tc.view)) {
			t.Errorf("%s: tab not marked current", tc.view)
		}
		for _, w := range tc.want {
			if !res.Has(row(w.Number)) {
				t.Errorf("view %s as %s: ticket %q missing", tc.view, tc.viewerID, w.Subject)
			}
		}
		for _, w := range tc.wantNot {
			if res.Has(row(w.Number)) {
				t.Errorf("view %s as %s: ticket %q should not be listed", tc.view, tc.viewerID, w.Subject)
			}
		}
	}
	// Counts: the fragment lists a count for every view.
	counts := agent.Get("/desk/counts?view=open")
	if got := counts.Text(`a[data-view="mine"] .count`); got != "1" {
		t.Errorf("Mine count = %q, want 1", got)
	}
	if got := counts.Text(`a[data-view="open"] .count`); got != "4" {
		t.Errorf("All open count = %q, want 4 (restricted ticket hidden)", got)
	}
	// Restricted ticket: 404 for the outsider's workspace, fine for members.
	if res := d.e.SignIn(d.outsider).Get(fmt.Sprintf("/desk/tickets/%d", secret.Number)); res.StatusCode != http.StatusNotFound {
		t.Errorf("outsider opens restricted ticket: %d", res.StatusCode)
	}
	// Opening the mentioned ticket clears it from Mentions.
	agent.Get(fmt.Sprintf("/desk/tickets/%d", unassigned.Number))
	if agent.Get("/desk?view=mentions").Has(row(unassigned.Number)) {
		t.Error("mention still listed after the ticket was opened")
	}
}

func TestDeskFiltersAndSort(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	a := d.file("Keyboard broken", "keys stick", d.deskTeam)
	b := d.file("Printer offline", "no paper", 0)
	other := d.e.User(helpdesk.RoleRequester)
	c, err := d.e.App.Tickets.Create(d.ctx, other, ticket.CreateInput{Subject: "Screen flickers", Description: "hz"})
	if err != nil {
		t.Fatal(err)
	}
	d.exec(`UPDATE tickets SET priority = 'P1', category_id = $2, assignee_id = $3, status = 'open' WHERE id = $1`, a.ID, d.category, d.agent.ID)
	d.settle()
	d.exec(`UPDATE tickets SET assignee_id = NULL, status = 'new', due_at = now() + interval '1 day', updated_at = now() - interval '2 hours' WHERE id = $1`, b.ID)
	d.exec(`UPDATE tickets SET assignee_id = NULL, status = 'new', team_id = NULL, due_at = now() + interval '2 days', updated_at = now() WHERE id = $1`, c.ID)
	d.exec(`UPDATE tickets SET due_at = now() + interval '3 days', updated_at = now() - interval '3 hours' WHERE id = $1`, a.ID)
	cl := d.e.SignIn(d.agent)
	cases := []struct {
		query string
		want  []*helpdesk.Ticket // in this order
	}{
		{"status=open", []*helpdesk.Ticket{a}},
		{"status=new", []*helpdesk.Ticket{b, c}},
		{"priority=P1", []*helpdesk.Ticket{a}},
		{"team=desk", []*helpdesk.Ticket{a}},
		{"category=Hardware", []*helpdesk.Ticket{a}},
		{"assignee=" + url.QueryEscape(d.agent.Email), []*helpdesk.Ticket{a}},
		{"assignee=none", []*helpdesk.Ticket{b, c}},
		{"requester=" + url.QueryEscape(other.Email), []*helpdesk.Ticket{c}},
		{"sort=due", []*helpdesk.Ticket{b, c, a}},
		{"sort=priority", []*helpdesk.Ticket{a, b, c}},
		{"sort=updated", []*helpdesk.Ticket{c, b, a}},
	}
	for _, tc := range cases {
		res := cl.Get("/desk?view=open&" + tc.query)
		var got []string
		res.Doc.Find("tr[data-number]").Each(func(_ int, s *goquery.Selection) {
			got = append(got, s.AttrOr("data-number", ""))
		})
		var want []string
		for _, w := range tc.want {
			want = append(want, fmt.Sprint(w.Number))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: got %v, want %v", tc.query, got, want)
		}
		// The filter form keeps the chosen values, so the URL round-trips.
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tc.query, res.StatusCode)
		}
	}
	if res := cl.Get("/desk?view=open&team=desk"); res.Doc.Find(`#f-team option[selected]`).AttrOr("value", "") != "desk" {
		t.Error("team filter not kept in the form")
	}
}

// TestDeskResolvedNextPage follows "Next" on a view whose default order is
// not by due time: the link must carry the order its cursor was made for,
// or the second page is refused as out of date.
func TestDeskResolvedNextPage(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	d.exec(`INSERT INTO tickets (subject, status, team_id, requester_id, resolved_at, resolution_count, updated_at)
		SELECT 'Resolved ' || g, 'resolved', $1, $2, now() - g * interval '1 minute', 1, now() - g * interval '1 minute'
		FROM generate_series(1, 55) g`, d.deskTeam, d.requester.ID)
	c := d.e.SignIn(d.agent)
	first := c.Get("/desk?view=resolved")
	if first.StatusCode != http.StatusOK {
		t.Fatalf("GET resolved view: %d", first.StatusCode)
	}
	if n := first.Doc.Find(`tr[data-number]`).Length(); n != 50 {
		t.Errorf("first page has %d rows, want 50", n)
	}
	if got := first.Doc.Find(`#f-sort option[selected]`).AttrOr("value", ""); got != "updated" {
		t.Errorf("resolved view shows sort %q, want updated", got)
	}
	next, ok := first.Doc.Find(`a[rel="next"]`).Attr("href")
	if !ok {
		t.Fatalf("no next link on a view of 55 tickets")
	}
	if !strings.Contains(next, "sort=updated") {
		t.Errorf("next link %q does not carry sort=updated", next)
	}
	res := c.Get(next)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, want 200", next, res.StatusCode)
	}
	if n := res.Doc.Find(`tr[data-number]`).Length(); n != 5 {
		t.Errorf("second page has %d rows, want 5", n)
	}
}
