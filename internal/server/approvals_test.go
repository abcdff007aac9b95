package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// approvalEnv is an app with River stopped (tests run the approval scan
// themselves), a team with a category, a requester and their would-be
// manager (a requester-role person), all made through the admin console.
type approvalEnv struct {
	e                *apptest.Env
	admin, req, boss *helpdesk.User
	adminC           *apptest.Client
	catID            int64
	catPath, reqPath string
}

func newApprovalEnv(t *testing.T) *approvalEnv {
	t.Helper()
	e := apptest.New(t)
	ctx := context.Background()
	e.StopWorkers()
	v := &approvalEnv{e: e, admin: e.User(helpdesk.RoleAdmin), req: e.User(helpdesk.RoleRequester),
		boss: e.User(helpdesk.RoleRequester, func(u *auth.NewUser) { u.Name = "Bea Boss" })}
	v.adminC = e.SignIn(v.admin)
	if err := e.App.DB.RawPool().QueryRow(ctx, `WITH t AS (INSERT INTO teams (slug, name) VALUES ('desk', 'Desk') RETURNING id)
		INSERT INTO categories (name, team_id) SELECT 'Software request', id FROM t RETURNING id`).Scan(&v.catID); err != nil {
		t.Fatal(err)
	}
	v.catPath = "/admin/categories/" + strconv.FormatInt(v.catID, 10)
	v.reqPath = "/admin/people/" + strconv.FormatInt(v.req.ID, 10)
	return v
}

// file makes a ticket in the approval category and runs the scan.
func (v *approvalEnv) file(t *testing.T, subject string) (number, approvalID int64) {
	t.Helper()
	ctx := context.Background()
	tk, err := v.e.App.Tickets.Create(ctx, v.req, ticket.CreateInput{Subject: subject, Description: "Please, for the contracts.",
		CategoryID: &v.catID})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.e.App.Approvals.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := v.e.App.DB.RawPool().QueryRow(ctx, `SELECT id FROM approvals WHERE ticket_id = $1`, tk.ID).Scan(&approvalID); err != nil {
		t.Fatalf("no approval asked for #%d: %v", tk.Number, err)
	}
	return tk.Number, approvalID
}

func (v *approvalEnv) status(t *testing.T, number int64) string {
	t.Helper()
	var s string
	if err := v.e.App.DB.RawPool().QueryRow(context.Background(), `SELECT status FROM tickets WHERE number = $1`, number).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// setUp configures the category and the manager through the console.
func (v *approvalEnv) setUp(t *testing.T) {
	t.Helper()
	cat := url.Values{"name": {"Software request"}, "team": {""}, "default_impact": {"person"}, "default_urgency": {"medium"},
		"confidence_threshold": {"0.5"}, "approval": {"manager"}, "approval_remind_hours": {"24"}, "approval_expire_hours": {"72"}}
	var teamID int64
	if err := v.e.App.DB.RawPool().QueryRow(context.Background(), `SELECT id FROM teams WHERE slug = 'desk'`).Scan(&teamID); err != nil {
		t.Fatal(err)
	}
	cat.Set("team", strconv.FormatInt(teamID, 10))
	// A group without approvers is refused at the field, nothing saved.
	bad := url.Values{}
	for k, vs := range cat {
		bad[k] = vs
	}
	bad.Set("approval", "group")
	bad.Set("approvers", "nobody@example.com")
	r := v.adminC.PostForm(v.catPath, bad)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Text("#approvers-error"), "nobody@example.com") {
		t.Fatalf("approvers error = %q", r.Text("#approvers-error"))
	}
	wantStatus(t, v.adminC.PostForm(v.catPath, cat), http.StatusSeeOther)
	if got := v.adminC.Get(v.catPath); !got.Has(`#approval option[value="manager"][selected]`) {
		t.Fatal("the category page does not show the saved approval setting")
	}
	person := url.Values{"name": {v.req.Name}, "role": {"requester"}, "manager": {"nobody@example.com"}}
	r = v.adminC.PostForm(v.reqPath, person)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.Text("#manager-error") == "" {
		t.Fatal("an unknown manager is not refused at the field")
	}
	person.Set("manager", v.boss.Email)
	wantStatus(t, v.adminC.PostForm(v.reqPath, person), http.StatusSeeOther)
	if got := v.adminC.Get(v.reqPath); got.Doc.Find("#manager").AttrOr("value", "") != v.boss.Email {
		t.Fatal("the person page does not show the manager")
	}
}

// TestApprovalPages: an admin sets up a category needing the manager's
// approval and the requester's manager in the console; the manager sees
// the request on /approvals, a decline without a reason is refused with
// the comment kept, others get 404, and approving opens the ticket with
// the decision on its timeline.
func TestApprovalPages(t *testing.T) {
	t.Parallel()
	v := newApprovalEnv(t)
	v.setUp(t)
	number, id := v.file(t, "Acrobat Pro licence")
	if s := v.status(t, number); s != "on_hold" {
		t.Fatalf("ticket waiting for approval is %s; want on_hold", s)
	}
	page := "/approvals/" + strconv.FormatInt(id, 10)
	// The requester may not approve their own request (nor see the page);
	// staff see it read-only and cannot decide.
	wantStatus(t, v.e.SignIn(v.req).Get(page), http.StatusNotFound)
	wantStatus(t, v.e.SignIn(v.req).PostForm(page, url.Values{"decision": {"approve"}}), http.StatusNotFound)
	agent := v.e.SignIn(v.e.User(helpdesk.RoleAgent))
	if r := agent.Get(page); r.Has(`#approval button[value=approve]`) {
		t.Fatal("an agent who is no approver is offered the decision")
	}
	wantStatus(t, agent.PostForm(page, url.Values{"decision": {"approve"}}), http.StatusNotFound)
	boss := v.e.SignIn(v.boss)
	list := boss.Get("/approvals")
	wantStatus(t, list, http.StatusOK)
	if !strings.Contains(list.Text(`#approvals tr[data-approval="`+strconv.FormatInt(id, 10)+`"]`), "Acrobat Pro licence") {
		t.Fatal("the manager's approvals page does not list the request")
	}
	r := boss.PostForm(page, url.Values{"decision": {"decline"}, "comment": {"  "}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.Text("#comment-error") == "" || v.status(t, number) != "on_hold" {
		t.Fatal("a decline without a reason was not refused at the field")
	}
	wantStatus(t, boss.PostForm(page, url.Values{"decision": {"approve"}, "comment": {"Budget is there"}}), http.StatusSeeOther)
	if s := v.status(t, number); s != "open" {
		t.Fatalf("approved ticket is %s; want open", s)
	}
	tl := v.e.SignIn(v.admin).Get("/desk/tickets/" + strconv.FormatInt(number, 10))
	if !strings.Contains(tl.Doc.Text(), "approval approved") || !strings.Contains(tl.Doc.Text(), "Budget is there") {
		t.Fatal("the decision is not on the ticket's timeline")
	}
	again := boss.PostForm(page, url.Values{"decision": {"decline"}, "comment": {"no"}})
	wantStatus(t, again, http.StatusConflict)
}

// TestE2EApproveInBrowser: the manager approves in Chromium from the
// approvals page.
func TestE2EApproveInBrowser(t *testing.T) {
	t.Parallel()
	v := newApprovalEnv(t)
	ctx := context.Background()
	if _, err := v.e.App.DB.RawPool().Exec(ctx, `UPDATE categories SET approval = 'manager' WHERE id = $1`, v.catID); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.App.DB.RawPool().Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, v.boss.ID, v.req.ID); err != nil {
		t.Fatal(err)
	}
	number, id := v.file(t, "Visio licence")
	bctx := apptest.Browser(t)
	apptest.BrowserSignIn(bctx, v.e, v.boss)
	do(t, bctx, "open the approvals page", chromedp.Navigate(v.e.URL+"/approvals"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-approval="`+strconv.FormatInt(id, 10)+`"] a`)),
		chromedp.Click(chromedp.CSS(`tr[data-approval="`+strconv.FormatInt(id, 10)+`"] a`)))
	waitJS(t, bctx, "the approval page", `document.querySelector("#approval button[value=approve]")`)
	do(t, bctx, "approve", chromedp.SetValue(chromedp.CSS("#comment"), "Go ahead"),
		chromedp.Click(chromedp.CSS(`#approval button[value=approve]`)))
	waitJS(t, bctx, "back on the list with the flash", `location.pathname === "/approvals" && document.querySelector(".flash") &&
		document.querySelector(".flash").innerText.includes("approved")`)
	if s := v.status(t, number); s != "open" {
		t.Fatalf("approved in the browser, the ticket is %s; want open", s)
	}
	var st, via string
	if err := v.e.App.DB.RawPool().QueryRow(ctx, `SELECT status, via FROM approvals WHERE id = $1`, id).Scan(&st, &via); err != nil ||
		st != helpdesk.ApprovalApproved || via != "web" {
		t.Fatalf("approval is %s via %s (%v); want approved via web", st, via, err)
	}
}
