package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// TestPortalOtherRequesterGets404 tries every portal URL of Alice's ticket
// as Bob: each one must be the very page a missing ticket gets, and must
// change nothing.
func TestPortalOtherRequesterGets404(t *testing.T) {
	t.Parallel()
	p := setup(t)
	bob := p.e.SignIn(p.bob)
	att := p.attachmentIDs(p.t)[0]
	missing := bob.Get("/tickets/99999999")
	wantStatus(t, missing, http.StatusNotFound)
	hx := func(path string, form url.Values) *apptest.Response {
		req, _ := http.NewRequest(http.MethodPost, p.e.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		return bob.Do(req)
	}
	cases := []struct {
		name string
		do   func() *apptest.Response
	}{
		{"page", func() *apptest.Response { return bob.Get(p.tpath) }},
		{"attachment", func() *apptest.Response { return bob.Get(fmt.Sprintf("%s/attachments/%d", p.tpath, att)) }},
		{"reply", func() *apptest.Response { return bob.PostForm(p.tpath+"/reply", url.Values{"body": {"me too"}}) }},
		{"reply fragment", func() *apptest.Response { return hx(p.tpath+"/reply", url.Values{"body": {"me too"}}) }},
		{"empty reply fragment", func() *apptest.Response { return hx(p.tpath+"/reply", url.Values{"body": {""}}) }},
		{"resolve", func() *apptest.Response { return bob.PostForm(p.tpath+"/resolve", nil) }},
		{"reopen", func() *apptest.Response { return bob.PostForm(p.tpath+"/reopen", nil) }},
		{"rating", func() *apptest.Response { return bob.PostForm(p.tpath+"/rating", url.Values{"rating": {"1"}}) }},
		{"bad rating", func() *apptest.Response { return bob.PostForm(p.tpath+"/rating", url.Values{"rating": {"9"}}) }},
		{"non-numeric", func() *apptest.Response { return bob.Get("/tickets/abc") }},
		{"attachment of missing ticket", func() *apptest.Response { return bob.Get(fmt.Sprintf("/tickets/99999999/attachments/%d", att)) }},
	}
	for _, c := range cases {
		r := c.do()
		wantNotFound(t, r, missing)
		if strings.Contains(r.Body, "Printer on floor 3") || strings.Contains(r.Body, "paper jam") {
			t.Errorf("%s: 404 leaks the ticket", c.name)
		}
	}
	var msgs int
	var status string
	_ = p.e.App.DB.RawPool().QueryRow(p.ctx, "SELECT count(*), min(t.status) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.id = $1", p.t.ID).Scan(&msgs, &status)
	if msgs != 1 || status != "new" {
		t.Errorf("Bob changed Alice's ticket: %d messages, status %s", msgs, status)
	}
	// Bob's own list does not show it, even when he searches for it.
	if r := bob.Get("/tickets?q=printer"); r.Has("#my-tickets") {
		t.Error("Bob finds Alice's ticket in his list")
	}
	// An attachment id of Alice's ticket under Bob's own ticket is no way in.
	own := p.file(p.bob, "Mine", "mine")
	wantNotFound(t, bob.Get(fmt.Sprintf("/tickets/%d/attachments/%d", own.Number, att)), missing)
}

// TestPortalInternalNotesStayHidden: a note and its attachment never reach
// the requester, in the page, a fragment or the attachment URL; staff see them.
func TestPortalInternalNotesStayHidden(t *testing.T) {
	t.Parallel()
	p := setup(t)
	_, err := p.e.App.Tickets.AddMessage(p.ctx, p.agent, p.t.Number, ticket.MessageInput{Body: "SECRET-NOTE vendor ticket 42", Internal: true,
		Attachments: []helpdesk.Upload{{Filename: "internal.txt", Data: []byte("SECRET-FILE")}}})
	if err != nil {
		t.Fatal(err)
	}
	ids := p.attachmentIDs(p.t)
	note := ids[len(ids)-1]
	missing := p.client.Get("/tickets/99999999")
	page := p.client.Get(p.tpath)
	wantStatus(t, page, http.StatusOK)
	for _, s := range []string{"SECRET-NOTE", "internal.txt", fmt.Sprintf("/attachments/%d", note), "Internal note"} {
		if strings.Contains(page.Body, s) {
			t.Errorf("requester page shows %q", s)
		}
	}
	wantNotFound(t, p.client.Get(fmt.Sprintf("%s/attachments/%d", p.tpath, note)), missing)
	// The htmx fragment after a reply holds only the new message.
	req, _ := http.NewRequest(http.MethodPost, p.e.URL+p.tpath+"/reply", strings.NewReader("body=thanks"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	frag := p.client.Do(req)
	wantStatus(t, frag, http.StatusOK)
	if strings.Contains(frag.Body, "SECRET") || strings.Contains(frag.Body, "internal.txt") {
		t.Error("reply fragment leaks the note")
	}
	// Searching My tickets for a word only in the note finds nothing.
	if r := p.client.Get("/tickets?q=vendor"); r.Has("#my-tickets") {
		t.Error("requester search matches internal notes")
	}
	// Staff see the note in the portal view and may fetch its file.
	staff := p.e.SignIn(p.agent)
	sp := staff.Get(p.tpath)
	wantStatus(t, sp, http.StatusOK)
	if !strings.Contains(sp.Body, "SECRET-NOTE") {
		t.Error("staff do not see the note")
	}
	if r := staff.Get(fmt.Sprintf("%s/attachments/%d", p.tpath, note)); r.StatusCode != http.StatusOK || r.Body != "SECRET-FILE" {
		t.Errorf("staff note attachment: %d %q", r.StatusCode, r.Body)
	}
	// Staff's own My tickets lists only what they requested, and even for
	// staff the portal search ignores notes.
	if r := staff.Get("/tickets"); r.Has("#my-tickets") {
		t.Error("staff My tickets lists someone else's ticket")
	}
	mine := p.file(p.agent, "Agent's own monitor flickers", "flicker")
	if _, err := p.e.App.Tickets.AddMessage(p.ctx, p.agent, mine.Number, ticket.MessageInput{Body: "zebrafish", Internal: true}); err != nil {
		t.Fatal(err)
	}
	if r := staff.Get("/tickets"); !strings.Contains(r.Text("#my-tickets"), "monitor flickers") {
		t.Error("staff My tickets misses their own ticket")
	}
	if r := staff.Get("/tickets?q=zebrafish"); r.Has("#my-tickets") {
		t.Error("portal search matched an internal note")
	}
}

// TestPortalParticipantSees: someone added to a ticket may follow and answer it.
func TestPortalParticipantSees(t *testing.T) {
	t.Parallel()
	p := setup(t)
	if err := p.e.App.DB.InTx(p.ctx, func(tx *postgres.Tx) error {
		_, err := tx.AddParticipant(p.ctx, p.t.ID, p.bob.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	bob := p.e.SignIn(p.bob)
	wantStatus(t, bob.Get(p.tpath), http.StatusOK)
	if r := bob.Get("/tickets"); !strings.Contains(r.Text("#my-tickets"), "Printer on floor 3") {
		t.Error("participant does not see the ticket in My tickets")
	}
	wantStatus(t, bob.PostForm(p.tpath+"/reply", url.Values{"body": {"Same here"}}), http.StatusSeeOther)
}

// TestPortalListOwnAndParticipating: My tickets lists the requester's own
// tickets and those they take part in, each once (also when they take part
// in their own), newest activity first, and never someone else's.
func TestPortalListOwnAndParticipating(t *testing.T) {
	t.Parallel()
	p := setup(t)
	bobs := p.file(p.bob, "VPN drops every hour", "Since Monday.")
	for _, u := range []int64{p.alice.ID, p.bob.ID} { // alice in her own ticket, bob in alice's
		if err := p.e.App.DB.InTx(p.ctx, func(tx *postgres.Tx) error {
			_, err := tx.AddParticipant(p.ctx, p.t.ID, u)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Triage touches both tickets in the background; once it is done, fix
	// their order (newest change first): bob's, then alice's.
	p.e.Settle()
	if _, err := p.e.App.DB.RawPool().Exec(p.ctx, `UPDATE tickets SET updated_at = now() - CASE WHEN id = $1 THEN interval '1 hour' ELSE interval '0' END
		WHERE id IN ($1, $2)`, p.t.ID, bobs.ID); err != nil {
		t.Fatal(err)
	}
	numbers := func(r *apptest.Response) []string {
		var out []string
		r.Doc.Find("#my-tickets tbody tr").Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("data-number", "")) })
		return out
	}
	mine, theirs := fmt.Sprint(p.t.Number), fmt.Sprint(bobs.Number)
	if got := numbers(p.client.Get("/tickets")); !slices.Equal(got, []string{mine}) {
		t.Errorf("alice's My tickets lists %v, want [%s]", got, mine)
	}
	if got := numbers(p.e.SignIn(p.bob).Get("/tickets")); !slices.Equal(got, []string{theirs, mine}) {
		t.Errorf("bob's My tickets lists %v, want [%s %s]", got, theirs, mine)
	}
}

func TestPortalSignedOutGoesToLogin(t *testing.T) {
	t.Parallel()
	p := setup(t)
	anon := p.e.Anonymous()
	for _, path := range []string{"/tickets", "/tickets/new", p.tpath, p.tpath + "/attachments/1"} {
		r := anon.Get(path)
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("%s: redirect to %q", path, loc)
		}
	}
	r := anon.PostForm(p.tpath+"/reply", url.Values{"body": {"x"}})
	wantStatus(t, r, http.StatusSeeOther)
}

func TestPortalCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	p := setup(t)
	for _, path := range []string{"/tickets/new", p.tpath + "/reply", p.tpath + "/resolve", "/logout-all"} {
		req, _ := http.NewRequest(http.MethodPost, p.e.URL+path, strings.NewReader("subject=x&description=y&body=z"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		r := p.client.Do(req)
		wantStatus(t, r, http.StatusForbidden)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("%s: 403 is %s, want a plain page", path, ct)
		}
	}
	var tickets, msgs int
	_ = p.e.App.DB.RawPool().QueryRow(p.ctx, "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages)").Scan(&tickets, &msgs)
	if tickets != 1 || msgs != 1 {
		t.Errorf("cross-origin posts changed data: %d tickets, %d messages", tickets, msgs)
	}
	// Still signed in: the cross-origin sign-out-everywhere did nothing.
	wantStatus(t, p.client.Get("/tickets"), http.StatusOK)
}

func TestPortalSecurityHeaders(t *testing.T) {
	t.Parallel()
	p := setup(t)
	for _, path := range []string{"/tickets", "/tickets/new", p.tpath, "/tickets/99999999", "/login"} {
		r := p.client.Get(path)
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		script := ""
		for _, d := range strings.Split(csp, ";") {
			if d = strings.TrimSpace(d); strings.HasPrefix(d, "script-src") {
				script = d
			}
		}
		if script == "" || strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") {
			t.Errorf("%s: script-src %q", path, script)
		}
		if !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q lacks frame-ancestors 'none'", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		switch h.Get("Referrer-Policy") {
		case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
		default:
			t.Errorf("%s: Referrer-Policy %q", path, h.Get("Referrer-Policy"))
		}
		// No inline script without the nonce.
		r.Doc.Find("script").Each(func(_ int, s *goquerySel) {
			if _, src := s.Attr("src"); !src {
				t.Errorf("%s: inline script without src", path)
			}
		})
	}
}
