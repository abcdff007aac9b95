package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// Issue 14's leaks, each tried the way an attacker would.

// restricted is a node with a restricted team "sec" (member: insider), an
// outsider agent, an admin, and a ticket in that team.
type restricted struct {
	e                  *apptest.Env
	ctx                context.Context
	insider, outsider  *helpdesk.User
	admin, req         *helpdesk.User
	team               int64
	secret, open       *helpdesk.Ticket // in sec; in no team
	insiderC, outsideC *apptest.Client
}

func restrictedSetup(t *testing.T, opts ...apptest.Options) *restricted {
	t.Helper()
	e := apptest.New(t, opts...)
	x := &restricted{e: e, ctx: context.Background()}
	x.insider = e.User(helpdesk.RoleAgent)
	x.outsider = e.User(helpdesk.RoleAgent)
	x.admin = e.User(helpdesk.RoleAdmin)
	x.req = e.User(helpdesk.RoleRequester)
	x.exec(t, `INSERT INTO teams (slug, name, restricted) VALUES ('sec', 'Security', true)`)
	x.exec(t, `INSERT INTO team_members (team_id, user_id) SELECT id, $1 FROM teams WHERE slug = 'sec'`, x.insider.ID)
	_ = e.App.DB.RawPool().QueryRow(x.ctx, `SELECT id FROM teams WHERE slug = 'sec'`).Scan(&x.team)
	var err error
	if x.secret, err = e.App.Tickets.Create(x.ctx, x.req, ticketIn("Phishing on the CFO's mailbox")); err != nil {
		t.Fatal(err)
	}
	if x.open, err = e.App.Tickets.Create(x.ctx, x.req, ticketIn("Printer jams")); err != nil {
		t.Fatal(err)
	}
	e.Settle() // triage done before the test moves tickets by hand
	x.exec(t, `UPDATE tickets SET team_id = $1 WHERE id = $2`, x.team, x.secret.ID)
	x.exec(t, `UPDATE tickets SET team_id = NULL WHERE id = $1`, x.open.ID)
	x.insiderC, x.outsideC = e.SignIn(x.insider), e.SignIn(x.outsider)
	return x
}

func (x *restricted) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := x.e.App.DB.RawPool().Exec(x.ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (x *restricted) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := x.e.App.DB.RawPool().QueryRow(x.ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// The access log names the route, never the path: a one-time password link
// in the log would let anyone who reads logs take over the account.
func TestLeakResetTokenNotLogged(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_LOG_LEVEL": "info"}})
	adm := e.User(helpdesk.RoleAdmin)
	ben := e.User(helpdesk.RoleAgent)
	c := e.SignIn(adm)
	r := c.PostForm(fmt.Sprintf("/admin/people/%d/password-link", ben.ID), nil)
	wantStatus(t, r, http.StatusOK)
	link := r.Doc.Find("#onetime-link").AttrOr("value", "")
	i := strings.Index(link, "/reset/")
	if i < 0 {
		t.Fatalf("no link on the page: %q", link)
	}
	path := link[i:]
	token := strings.TrimPrefix(path, "/reset/")
	anon := e.Anonymous()
	wantStatus(t, anon.Get(path), http.StatusOK)
	anon.PostForm(path, url.Values{"password": {"short"}, "confirm": {"short"}})
	anon.Get("/reset/" + token + "x") // a guessed one, 404
	logs := e.Logs()
	if !strings.Contains(logs, "route=/reset/{token}") {
		t.Fatalf("the access log does not name the route:\n%s", logs)
	}
	if strings.Contains(logs, token) {
		t.Fatalf("the one-time token is in the log:\n%s", logs)
	}
}

// After sign-in only same-origin paths are followed, however the target
// is disguised.
func TestLeakOpenRedirect(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	u := e.User(helpdesk.RoleRequester)
	attacks := []string{
		"/\t/evil.example/", "/%09/evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example",
		"https://evil.example/", "/\n/evil.example", "/\r\n/evil.example", " //evil.example", "/%2F/evil.example",
		"http:/evil.example", "javascript:alert(1)", "/\x00/evil.example", "/ /evil.example", "/.//evil.example",
	}
	base, _ := url.Parse(e.URL)
	check := func(t *testing.T, next, loc string) {
		t.Helper()
		// What a browser would make of it: tabs and newlines dropped,
		// backslashes read as slashes.
		b := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(loc)
		to, err := base.Parse(b)
		if err != nil || to.Host != base.Host || strings.HasPrefix(b, "//") {
			t.Errorf("next=%q sends the browser to %q", next, loc)
		}
	}
	for _, next := range attacks {
		anon := e.Anonymous()
		r := anon.PostForm("/login", url.Values{"email": {u.Email}, "password": {apptest.Password}, "next": {next}})
		wantStatus(t, r, http.StatusSeeOther)
		check(t, next, r.Header.Get("Location"))
		// Signed in already: GET /login?next= redirects at once.
		r = anon.Get("/login?next=" + url.QueryEscape(next))
		check(t, next, r.Header.Get("Location"))
	}
	// A real local target survives.
	r := e.Anonymous().PostForm("/login", url.Values{"email": {u.Email}, "password": {apptest.Password}, "next": {"/tickets?status=open"}})
	if got := r.Header.Get("Location"); got != "/tickets?status=open" {
		t.Errorf("local next lost: %q", got)
	}
}

// An @mention of someone who cannot open the ticket records nothing and
// mails nothing: the mail would carry the note's text to them.
func TestLeakMentionRestricted(t *testing.T) {
	t.Parallel()
	x := restrictedSetup(t)
	colleague := x.e.User(helpdesk.RoleAgent)
	x.exec(t, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, x.team, colleague.ID)
	handle := func(u *helpdesk.User) string { return "@" + u.Email[:strings.IndexByte(u.Email, '@')] }
	body := "Board member's password leaked, see dump. " + handle(x.outsider) + " " + handle(colleague)
	r := x.insiderC.PostForm(fmt.Sprintf("/desk/tickets/%d/messages", x.secret.Number), url.Values{"body": {body}, "internal": {"1"}})
	wantStatus(t, r, http.StatusSeeOther)
	x.e.Settle()
	if n := x.count(t, `SELECT count(*) FROM mentions WHERE user_id = $1`, colleague.ID); n != 1 {
		t.Fatalf("a team member's mention was not recorded (%d)", n)
	}
	if n := x.count(t, `SELECT count(*) FROM outbox WHERE kind = 'mention' AND to_addr = $1`, colleague.Email); n != 1 {
		t.Fatalf("a team member was not mailed (%d)", n)
	}
	if n := x.count(t, `SELECT count(*) FROM mentions WHERE user_id = $1`, x.outsider.ID); n != 0 {
		t.Errorf("outsider got a mention of a restricted ticket")
	}
	if n := x.count(t, `SELECT count(*) FROM outbox WHERE to_addr = $1`, x.outsider.Email); n != 0 {
		t.Errorf("outsider was mailed the note (%d mails)", n)
	}
	// Their Mentions view stays empty too.
	if page := x.outsideC.Get("/desk?view=mentions"); strings.Contains(page.Body, x.secret.Subject) {
		t.Error("the restricted ticket shows in the outsider's Mentions view")
	}
}

// An incident's child list shows only children the viewer may open.
func TestLeakIncidentChildren(t *testing.T) {
	t.Parallel()
	x := restrictedSetup(t)
	x.exec(t, `UPDATE tickets SET parent_id = $1 WHERE id = $2`, x.open.ID, x.secret.ID)
	path := fmt.Sprintf("/desk/tickets/%d", x.open.Number)
	child := fmt.Sprintf("#%d", x.secret.Number)
	admin := x.e.SignIn(x.admin)
	if r := admin.Get(path); !strings.Contains(r.Text("#children"), child) {
		t.Fatalf("the admin does not see the child %s", child)
	}
	r := x.outsideC.Get(path)
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.Text("#children"), child) || strings.Contains(r.Text("main"), x.secret.Subject) {
		t.Errorf("an outsider sees the restricted child %s in the incident", child)
	}
}

// The overview's counts leave out tickets the viewer may not see: five P1
// tickets of the restricted team, open for three days, show in the admin's
// backlog and not in the outsider's.
func TestLeakOverviewCounts(t *testing.T) {
	t.Parallel()
	x := restrictedSetup(t)
	for i := range 5 {
		x.exec(t, `INSERT INTO tickets (subject, requester_id, team_id, assignee_id, status, priority, created_at)
			VALUES ($1, $2, $3, $4, 'open', 'P1', now() - interval '3 days')`, fmt.Sprintf("Secret %d", i), x.req.ID, x.team, x.insider.ID)
	}
	p1 := regexp.MustCompile(`[1-9][0-9]* P1 open`)
	if admin := x.e.SignIn(x.admin).Get("/desk/overview").Text("main"); !p1.MatchString(admin) {
		t.Fatalf("the admin's overview does not count the P1 tickets: the test proves nothing\n%s", admin)
	}
	if out := x.outsideC.Get("/desk/overview").Text("main"); p1.MatchString(out) {
		t.Errorf("the outsider's overview counts restricted tickets: %q", p1.FindString(out))
	}
}

func ticketIn(subject string) ticket.CreateInput {
	return ticket.CreateInput{Subject: subject, Description: "Details: " + subject}
}
