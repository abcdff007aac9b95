package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/kb"
	"switchboard/internal/ticket"
)

// helpSetup is a node with an employee, an agent and three VPN articles:
// one for employees, one staff-only (with an image), one draft.
type helpBundle struct {
	e                      *apptest.Env
	employee, agent        *helpdesk.User
	pub, secret, draft     *helpdesk.Article
	emp, staff             *apptest.Client
	secretFile, publicFile int64
}

func helpSetup(t *testing.T) *helpBundle {
	t.Helper()
	e := apptest.New(t)
	b := &helpBundle{e: e, employee: e.User(helpdesk.RoleRequester), agent: e.User(helpdesk.RoleAgent)}
	ctx := context.Background()
	mk := func(title, body string, vis helpdesk.Visibility, pub bool) *helpdesk.Article {
		a, err := e.App.KB.Create(ctx, b.agent, kb.Input{Title: title, Body: body, Visibility: vis, Published: pub, Category: "Network"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	b.pub = mk("Set up the VPN on a new laptop", "Install the VPN client and sign in.", helpdesk.VisibleEmployees, true)
	b.secret = mk("VPN gateway failover runbook", "Promote the standby VPN gateway.", helpdesk.VisibleStaff, true)
	b.draft = mk("VPN client changes", "A new VPN client arrives next month.", helpdesk.VisibleEmployees, false)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	var err error
	if b.secretFile, err = e.App.KB.AddFile(ctx, b.agent, b.secret.ID, "topology.png", png); err != nil {
		t.Fatal(err)
	}
	if b.publicFile, err = e.App.KB.AddFile(ctx, b.agent, b.pub.ID, "client.png", png); err != nil {
		t.Fatal(err)
	}
	b.emp, b.staff = e.SignIn(b.employee), e.SignIn(b.agent)
	return b
}

// TestHelpVisibility: over every route, an employee never meets a
// staff-only article or a draft: not in search, not in suggestions, not in
// the help centre's lists, and by URL (page or file) it is the same 404 as
// a missing article. Staff see both.
func TestHelpVisibility(t *testing.T) {
	t.Parallel()
	b := helpSetup(t)
	missing := b.emp.Get("/help/articles/999999")
	wantStatus(t, missing, http.StatusNotFound)
	for _, path := range []string{"/help", "/help?q=vpn", "/help/suggest?subject=vpn+gateway", "/tickets/new"} {
		r := b.emp.Get(path)
		wantStatus(t, r, http.StatusOK)
		if has(r.Body, b.secret.Title) || has(r.Body, b.draft.Title) {
			t.Errorf("employee GET %s shows a staff-only article or a draft", path)
		}
		if path != "/tickets/new" && !has(r.Body, b.pub.Title) {
			t.Errorf("employee GET %s misses the public article", path)
		}
	}
	for _, a := range []*helpdesk.Article{b.secret, b.draft} {
		wantNotFound(t, b.emp.Get(fmt.Sprintf("/help/articles/%d", a.ID)), missing)
		wantStatus(t, b.staff.Get(fmt.Sprintf("/help/articles/%d", a.ID)), http.StatusOK)
	}
	wantNotFound(t, b.emp.Get(fmt.Sprintf("/help/articles/%d/files/%d", b.secret.ID, b.secretFile)), missing)
	// A file is reached only through its own article.
	wantNotFound(t, b.emp.Get(fmt.Sprintf("/help/articles/%d/files/%d", b.pub.ID, b.secretFile)), missing)
	if r := b.emp.Get(fmt.Sprintf("/help/articles/%d/files/%d", b.pub.ID, b.publicFile)); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		t.Errorf("public image: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	// Feedback and deflection on a hidden article are refused the same way.
	wantStatus(t, b.emp.PostForm(fmt.Sprintf("/help/articles/%d/feedback", b.secret.ID), url.Values{"helpful": {"yes"}}), http.StatusNotFound)
	wantStatus(t, b.emp.PostForm("/help/deflect", url.Values{"article": {fmt.Sprint(b.secret.ID)}, "subject": {"vpn"}}), http.StatusNotFound)
	// Staff see the staff-only article in search and suggestions; editing
	// pages are staff-only.
	if r := b.staff.Get("/help?q=vpn"); !has(r.Body, b.secret.Title) {
		t.Error("staff search misses the staff-only article")
	}
	if r := b.staff.Get("/help/suggest?subject=vpn+gateway"); !has(r.Body, b.secret.Title) {
		t.Error("staff suggestions miss the staff-only article")
	}
	for _, p := range []string{"/kb", "/kb/new", fmt.Sprintf("/kb/%d/edit", b.pub.ID), fmt.Sprintf("/kb/%d/versions", b.pub.ID)} {
		wantStatus(t, b.emp.Get(p), http.StatusNotFound)
		wantStatus(t, b.staff.Get(p), http.StatusOK)
	}
}

// TestDeflection: the new-ticket form offers the article for the subject
// (in the fragment htmx loads, and in the form itself when it comes back),
// keeps a plain "Search help" link, and "This solved it" records a
// deflection and files no ticket.
func TestDeflection(t *testing.T) {
	t.Parallel()
	b := helpSetup(t)
	form := b.emp.Get("/tickets/new")
	if form.Doc.Find(`a#search-help[href="/help"]`).Length() != 1 || form.Doc.Find(`#subject[hx-get="/help/suggest"]`).Length() != 1 {
		t.Fatal("the form has no Search help link or no suggestion trigger")
	}
	frag := b.emp.Get("/help/suggest?subject=" + url.QueryEscape("cannot connect vpn on my new lapt"))
	wantStatus(t, frag, http.StatusOK)
	if n := frag.Doc.Find("li.suggestion").Length(); n != 1 || !has(frag.Text("li.suggestion a"), b.pub.Title) {
		t.Fatalf("suggestions: %d\n%s", n, frag.Body)
	}
	// Without JavaScript: submitting with an empty description brings the
	// form back with the suggestions in it.
	back := b.emp.PostMultipart("/tickets/new", url.Values{"subject": {"vpn on laptop"}, "description": {""}})
	wantStatus(t, back, http.StatusUnprocessableEntity)
	btn := back.Doc.Find(`#new-ticket button[formaction="/help/deflect"]`)
	if v, _ := btn.Attr("value"); v != fmt.Sprint(b.pub.ID) {
		t.Fatalf("the returned form offers no 'This solved it' for the article:\n%s", back.Body)
	}
	var before int
	if err := b.e.App.DB.RawPool().QueryRow(context.Background(), `SELECT count(*) FROM tickets`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	r := b.emp.PostMultipart("/help/deflect", url.Values{"subject": {"vpn on laptop"}, "description": {"it fails"},
		"article": {fmt.Sprint(b.pub.ID)}})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/help/articles/%d", b.pub.ID) {
		t.Errorf("deflect goes to %q", loc)
	}
	var n, after int
	var subject string
	if err := b.e.App.DB.RawPool().QueryRow(context.Background(), `SELECT count(*), max(subject), (SELECT count(*) FROM tickets)
FROM kb_deflections WHERE article_id = $1 AND user_id = $2`, b.pub.ID, b.employee.ID).Scan(&n, &subject, &after); err != nil {
		t.Fatal(err)
	}
	if n != 1 || subject != "vpn on laptop" || after != before {
		t.Errorf("deflections = %d (subject %q), tickets %d -> %d", n, subject, before, after)
	}
}

// TestArticleFeedback: "Did this help?" counts on the article and the
// comment reaches staff.
func TestArticleFeedback(t *testing.T) {
	t.Parallel()
	b := helpSetup(t)
	path := fmt.Sprintf("/help/articles/%d", b.pub.ID)
	wantStatus(t, b.emp.PostForm(path+"/feedback", url.Values{"helpful": {"no"}, "comment": {"Step 2 is missing the portal address"}}), http.StatusSeeOther)
	wantStatus(t, b.emp.PostForm(path+"/feedback", url.Values{"helpful": {"yes"}}), http.StatusSeeOther)
	wantStatus(t, b.emp.PostForm(path+"/feedback", url.Values{"helpful": {"yes"}, "comment": {strings.Repeat("x", 2001)}}), http.StatusUnprocessableEntity)
	a, err := b.e.App.KB.Article(context.Background(), b.agent, b.pub.ID)
	if err != nil || a.HelpfulYes != 1 || a.HelpfulNo != 1 {
		t.Fatalf("counts %+v %v", a, err)
	}
	if r := b.staff.Get(path); !has(r.Text("ul.feedback"), "Step 2 is missing the portal address") {
		t.Errorf("staff do not see the comment")
	}
	if r := b.emp.Get(path); r.Has("ul.feedback") {
		t.Errorf("an employee sees others' feedback")
	}
}

// TestArticleEditing: staff write through the forms, each save is a
// version, the versions page shows the diff, and an article can start from
// a ticket, pre-filled with its problem and solution.
func TestArticleEditing(t *testing.T) {
	t.Parallel()
	b := helpSetup(t)
	ctx := context.Background()
	r := b.staff.PostForm("/kb/new", url.Values{"title": {""}, "body": {"text"}, "visibility": {"employees"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.Text("#title-error") == "" || r.Doc.Find("#body").Text() != "text" {
		t.Error("the form did not come back with the error and the text")
	}
	r = b.staff.PostForm("/kb/new", url.Values{"title": {"Unlock your account"}, "body": {"Wait 15 minutes."},
		"visibility": {"employees"}, "published": {"true"}, "category": {"Accounts"}, "review_on": {"2020-01-01"}})
	wantStatus(t, r, http.StatusSeeOther)
	var id int64
	if _, err := fmt.Sscanf(r.Header.Get("Location"), "/help/articles/%d", &id); err != nil {
		t.Fatal(r.Header.Get("Location"))
	}
	wantStatus(t, b.staff.PostForm(fmt.Sprintf("/kb/%d/edit", id), url.Values{"title": {"Unlock your account"},
		"body": {"Wait 15 minutes, or reset your password."}, "visibility": {"employees"}, "published": {"true"},
		"base_version": {"1"}, "review_on": {"2020-01-01"}}), http.StatusSeeOther)
	// A second save from the same old version is a conflict, not an overwrite.
	wantStatus(t, b.staff.PostForm(fmt.Sprintf("/kb/%d/edit", id), url.Values{"title": {"Unlock"}, "body": {"stale"},
		"visibility": {"employees"}, "base_version": {"1"}}), http.StatusConflict)
	v := b.staff.Get(fmt.Sprintf("/kb/%d/versions", id))
	if v.Doc.Find("#versions tbody tr").Length() != 2 || !has(v.Text("#diff ins"), "or reset your password") || !has(v.Text("#diff del"), "Wait 15 minutes.") {
		t.Errorf("versions page:\n%s", v.Text("main"))
	}
	// A screenshot through the editor's upload form, then linked as an image.
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	up := b.staff.PostMultipart(fmt.Sprintf("/kb/%d/files", id), url.Values{}, apptest.File{Field: "attachments", Name: "unlock.png", Data: png})
	wantStatus(t, up, http.StatusSeeOther)
	ed := b.staff.Get(fmt.Sprintf("/kb/%d/edit", id))
	addr := ed.Text("#kb-files code")
	if !strings.HasPrefix(addr, fmt.Sprintf("/help/articles/%d/files/", id)) {
		t.Fatalf("uploaded file not listed: %q", ed.Text("#kb-files"))
	}
	if img := b.emp.Get(addr); img.StatusCode != http.StatusOK || img.Header.Get("Content-Type") != "image/png" {
		t.Errorf("employee fetches the image: %d %s", img.StatusCode, img.Header.Get("Content-Type"))
	}
	wantStatus(t, b.staff.PostMultipart(fmt.Sprintf("/kb/%d/files", id), url.Values{}), http.StatusUnprocessableEntity)
	// Owned and past its review date: listed for its owner.
	if l := b.staff.Get("/kb"); !has(l.Text("#due"), "Unlock your account") {
		t.Errorf("due for review: %q", l.Text("#due-title + *"))
	}
	// From a ticket.
	tk, err := b.e.App.Tickets.Create(ctx, b.employee, ticket.CreateInput{Subject: "Outlook will not open", Description: "It crashes at start."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.e.App.Tickets.Write(ctx, b.agent, tk.Number, "Start it once with outlook.exe /safe, then normally.", false); err != nil {
		t.Fatal(err)
	}
	f := b.staff.Get(fmt.Sprintf("/kb/new?ticket=%d", tk.Number))
	wantStatus(t, f, http.StatusOK)
	body := f.Doc.Find("#body").Text()
	if got, _ := f.Doc.Find("#title").Attr("value"); got != "Outlook will not open" || !has(body, "It crashes at start.") || !has(body, "outlook.exe /safe") {
		t.Errorf("draft from ticket: title %q body %q", got, body)
	}
}

// TestWorkspaceArticles: the ticket workspace suggests articles for the
// subject, "Insert link" puts the public article's link into the reply
// (without JavaScript: ?insert=ID), a staff-only one offers no link, and
// "Create article from this ticket" is there.
func TestWorkspaceArticles(t *testing.T) {
	t.Parallel()
	b := helpSetup(t)
	tk, err := b.e.App.Tickets.Create(context.Background(), b.employee, ticket.CreateInput{Subject: "VPN gateway down on my laptop", Description: "No VPN."})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/desk/tickets/%d", tk.Number)
	r := b.staff.Get(path)
	wantStatus(t, r, http.StatusOK)
	box := r.Doc.Find("#kb-suggest")
	if !has(box.Text(), b.pub.Title) || !has(box.Text(), b.secret.Title) || has(box.Text(), b.draft.Title) {
		t.Fatalf("suggested: %q", box.Text())
	}
	if n := box.Find("a.insert-link").Length(); n != 1 {
		t.Errorf("%d insert links, want 1 (the staff-only article gets none)", n)
	}
	if href, _ := box.Find("#kb-from-ticket").Attr("href"); href != fmt.Sprintf("/kb/new?ticket=%d", tk.Number) {
		t.Errorf("create-article link %q", href)
	}
	r = b.staff.Get(fmt.Sprintf("%s?insert=%d", path, b.pub.ID))
	want := fmt.Sprintf("[%s](%s/help/articles/%d)", b.pub.Title, b.e.URL, b.pub.ID)
	if got := r.Doc.Find("#reply-body").Text(); !has(got, want) {
		t.Errorf("reply box %q, want the link %q", got, want)
	}
}
