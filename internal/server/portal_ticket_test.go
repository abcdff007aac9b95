package server_test

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

func TestPortalReplyPlainAndHTMX(t *testing.T) {
	t.Parallel()
	p := setup(t)
	// Plain form: 303 back to the ticket, the reply is there with its file.
	r := p.client.PostMultipart(p.tpath+"/reply", url.Values{"body": {"Tried **another** tray"}},
		apptest.File{Field: "attachments", Name: "tray.txt", Data: []byte("tray 2")})
	wantStatus(t, r, http.StatusSeeOther)
	page := p.client.Get(p.tpath)
	last := page.Doc.Find("#conversation > li").Last()
	if !strings.Contains(last.Find(".body").Text(), "another") || last.Find(".filename").Text() != "tray.txt" {
		t.Errorf("reply not shown: %q", last.Text())
	}
	if got := last.Find(".author").Text(); got != p.alice.Name {
		t.Errorf("author %q", got)
	}
	// Empty reply: 422, message by the field.
	r = p.client.PostForm(p.tpath+"/reply", url.Values{"body": {"  "}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.Text("#body-error") != "Write a message." || r.Doc.Find("#body").AttrOr("aria-invalid", "") != "true" {
		t.Errorf("empty reply error: %q", r.Text("#body-error"))
	}
	// htmx: the new message alone plus a fresh reply box out of band.
	req, _ := http.NewRequest(http.MethodPost, p.e.URL+p.tpath+"/reply", strings.NewReader("body=From+htmx"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	frag := p.client.Do(req)
	wantStatus(t, frag, http.StatusOK)
	if frag.Has("html") && strings.Contains(frag.Body, "<html") {
		t.Error("fragment is a whole page")
	}
	if !strings.Contains(frag.Text("li.message .body"), "From htmx") {
		t.Errorf("fragment: %s", frag.Body)
	}
	if frag.Doc.Find("form#reply-form").AttrOr("hx-swap-oob", "") != "true" || frag.Text("#body") != "" {
		t.Error("fragment lacks an empty out-of-band reply box")
	}
	// htmx with an error: the form comes back in place of the box.
	req, _ = http.NewRequest(http.MethodPost, p.e.URL+p.tpath+"/reply", strings.NewReader("body="))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	frag = p.client.Do(req)
	if frag.Header.Get("HX-Retarget") != "#reply-form" || frag.Text("#body-error") != "Write a message." {
		t.Errorf("htmx error answer: %d %v %s", frag.StatusCode, frag.Header, frag.Body)
	}
}

func TestPortalResolveRateReopen(t *testing.T) {
	t.Parallel()
	p := setup(t)
	if p.client.Get(p.tpath).Has("#rating-form") {
		t.Fatal("rating offered before resolution")
	}
	wantStatus(t, p.client.PostForm(p.tpath+"/resolve", nil), http.StatusSeeOther)
	page := p.client.Get(p.tpath)
	if got := page.Text("#ticket-status"); got != "Resolved" {
		t.Fatalf("status %q after This is solved", got)
	}
	if !page.Has("#reopen-form") || !page.Has("#rating-form") || page.Has("#resolve-form") {
		t.Fatal("resolved page lacks Reopen or the rating form")
	}
	if n := page.Doc.Find(`#rating-form input[type=radio][name=rating]`).Length(); n != 5 {
		t.Errorf("%d rating choices, want 5", n)
	}
	// Out of range: 422 with the comment kept.
	r := p.client.PostForm(p.tpath+"/rating", url.Values{"rating": {"6"}, "comment": {"quick"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.Text("#rating-error") == "" || r.Text("#comment") != "quick" {
		t.Errorf("bad rating: error %q comment %q", r.Text("#rating-error"), r.Text("#comment"))
	}
	wantStatus(t, p.client.PostForm(p.tpath+"/rating", url.Values{"rating": {"4"}, "comment": {"Quick fix"}}), http.StatusSeeOther)
	page = p.client.Get(p.tpath)
	if !strings.Contains(page.Text("#your-rating"), "4 out of 5") || page.Has("#rating-form") {
		t.Errorf("after rating: %q", page.Text("#your-rating"))
	}
	// Once per resolution.
	r = p.client.PostForm(p.tpath+"/rating", url.Values{"rating": {"1"}})
	wantStatus(t, r, http.StatusSeeOther)
	if got := p.client.Get(p.tpath).Text(".flash"); !strings.Contains(got, "already rated") {
		t.Errorf("second rating flash %q", got)
	}
	var n, score, resNo int
	_ = p.e.App.DB.RawPool().QueryRow(p.ctx, "SELECT count(*), max(rating), max(resolution_no) FROM satisfaction_ratings WHERE ticket_id = $1", p.t.ID).Scan(&n, &score, &resNo)
	if n != 1 || score != 4 || resNo != 1 {
		t.Errorf("ratings: %d rows, score %d, resolution %d", n, score, resNo)
	}
	var events int
	_ = p.e.App.DB.RawPool().QueryRow(p.ctx, "SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = 'rated'", p.t.ID).Scan(&events)
	if events != 1 {
		t.Errorf("%d rated events, want 1", events)
	}
	// Reopen, solve again: a new resolution may be rated again.
	wantStatus(t, p.client.PostForm(p.tpath+"/reopen", nil), http.StatusSeeOther)
	page = p.client.Get(p.tpath)
	if page.Text("#ticket-status") != "Open" || page.Has("#rating-form") || page.Has("#your-rating") {
		t.Errorf("after reopen: status %q", page.Text("#ticket-status"))
	}
	wantStatus(t, p.client.PostForm(p.tpath+"/resolve", nil), http.StatusSeeOther)
	if !p.client.Get(p.tpath).Has("#rating-form") {
		t.Error("second resolution cannot be rated")
	}
	wantStatus(t, p.client.PostForm(p.tpath+"/rating", url.Values{"rating": {"5"}}), http.StatusSeeOther)
	_ = p.e.App.DB.RawPool().QueryRow(p.ctx, "SELECT count(*), max(resolution_no) FROM satisfaction_ratings WHERE ticket_id = $1", p.t.ID).Scan(&n, &resNo)
	if n != 2 || resNo != 2 {
		t.Errorf("after second resolution: %d ratings, last resolution %d", n, resNo)
	}
	// Staff looking at someone's ticket in the portal get no requester buttons,
	// and cannot rate it.
	staff := p.e.SignIn(p.agent)
	sp := staff.Get(p.tpath)
	if sp.Has("#reopen-form") || sp.Has("#rating-form") {
		t.Error("staff get the requester's buttons")
	}
}

func TestPortalRateRules(t *testing.T) {
	t.Parallel()
	p := setup(t)
	err := p.e.App.Tickets.Rate(p.ctx, p.alice, p.t.Number, 5, "")
	if helpdesk.ErrorCode(err) != helpdesk.ECONFLICT {
		t.Errorf("rating an open ticket: %v", err)
	}
	if _, err := p.e.App.Tickets.SetStatus(p.ctx, p.alice, p.t.Number, helpdesk.StatusResolved, ""); err != nil {
		t.Fatal(err)
	}
	if err := p.e.App.Tickets.Rate(p.ctx, p.agent, p.t.Number, 5, ""); helpdesk.ErrorCode(err) != helpdesk.EFORBIDDEN {
		t.Errorf("staff rating someone's ticket: %v", err)
	}
	if err := p.e.App.Tickets.Rate(p.ctx, p.bob, p.t.Number, 5, ""); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("stranger rating: %v", err)
	}
	long := strings.Repeat("x", ticket.MaxRatingComment+1)
	if err := p.e.App.Tickets.Rate(p.ctx, p.alice, p.t.Number, 3, long); helpdesk.ErrorCode(err) != helpdesk.EINVALID {
		t.Errorf("long comment: %v", err)
	}
	if err := p.e.App.Tickets.Rate(p.ctx, p.alice, p.t.Number, 3, "ok"); err != nil {
		t.Fatal(err)
	}
}

func TestPortalAttachmentHeaders(t *testing.T) {
	t.Parallel()
	p := setup(t)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 32)...)
	html := []byte("<html><script>alert(1)</script></html>")
	tk := p.file(p.alice, "files", "files",
		helpdesk.Upload{Filename: "shot.png", ContentType: "text/html", Data: png},
		helpdesk.Upload{Filename: `evil"; filename=x.exe`, ContentType: "image/png", Data: html},
		helpdesk.Upload{Filename: "Grüße.txt", Data: []byte("hallo")})
	ids := p.attachmentIDs(tk)
	get := func(id int64) *apptest.Response {
		r := p.client.Get(fmt.Sprintf("/tickets/%d/attachments/%d", tk.Number, id))
		wantStatus(t, r, http.StatusOK)
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("attachment %d: no nosniff", id)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("attachment %d: CSP %q without sandbox", id, csp)
		}
		return r
	}
	r := get(ids[0])
	if r.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("image: %s, %s", r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
	}
	r = get(ids[1])
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("html: %s, %s (the client's type must not be trusted)", r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
	}
	if d, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err != nil || d != "attachment" ||
		len(params) != 1 || params["filename"] != "evil__ filename=x.exe" {
		t.Errorf("unsafe disposition %q: %v %v", r.Header.Get("Content-Disposition"), params, err)
	}
	r = get(ids[2])
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=utf-8''Gr%C3%BC%C3%9Fe.txt") {
		t.Errorf("non-ASCII name: %q", cd)
	}
}

func TestPortalTimesInViewersZone(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	u := e.User(helpdesk.RoleRequester, func(n *auth.NewUser) { n.TimeZone = "Asia/Tokyo" })
	tk, err := e.App.Tickets.Create(t.Context(), u, ticket.CreateInput{Subject: "Clock", Description: "zone"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.SignIn(u)
	page := c.Get(fmt.Sprintf("/tickets/%d", tk.Number))
	if got := page.Text("#conversation time"); !strings.HasSuffix(got, "JST") {
		t.Errorf("message time %q not in the viewer's zone", got)
	}
	if got := c.Get("/tickets").Text("#my-tickets time"); !strings.HasSuffix(got, "JST") {
		t.Errorf("list time %q not in the viewer's zone", got)
	}
}
