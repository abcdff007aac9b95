package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/intake"
	"switchboard/internal/testwait"
	"switchboard/internal/ticket"
)

// deliver hands raw mail to intake as the SMTP listener would and waits
// until it has been processed; it returns the stored mail's id.
func deliver(t *testing.T, e *apptest.Env, rcpt, raw string) int64 {
	t.Helper()
	ctx := context.Background()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	id, dup, err := e.App.Mail.Store.Accept(ctx, intake.Received{Raw: []byte(raw), Via: "smtp", Rcpt: []string{rcpt}})
	if err != nil || dup {
		t.Fatalf("accept: %v (dup %v)", err, dup)
	}
	testwait.Until(t, testwait.Long, "mail processed", func() bool {
		var status string
		if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT status FROM inbound_mail WHERE id = $1`, id).Scan(&status); err != nil {
			t.Fatal(err)
		}
		return status != "queued"
	})
	return id
}

// TestIgnoredMailListedForAdmins: an out-of-office that threads to nothing
// is ignored by intake, and admins find it on the Mail page with sender,
// subject, reason and the raw download; agents and leads get 404 there.
func TestIgnoredMailListedForAdmins(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	raw := "From: Olga Away <olga@example.org>\nTo: it@helpdesk.localhost\nSubject: Out of office: back Monday\n" +
		"Message-ID: <ooo-1@example.org>\nAuto-Submitted: auto-replied\nDate: Mon, 2 Jun 2025 10:00:00 +0000\n" +
		"Content-Type: text/plain; charset=utf-8\n\nI am away until Monday.\n"
	id := deliver(t, e, "it@helpdesk.localhost", raw)
	for _, role := range []helpdesk.Role{helpdesk.RoleAgent, helpdesk.RoleLead} {
		if r := e.SignIn(e.User(role)).Get("/admin/mail"); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: /admin/mail status %d, want 404", role, r.StatusCode)
		}
	}
	admin := e.SignIn(e.User(helpdesk.RoleAdmin))
	page := admin.Get("/admin/mail")
	wantStatus(t, page, http.StatusOK)
	row := page.Doc.Find(fmt.Sprintf(`#mail-ignored tr[data-inbound="%d"]`, id))
	if row.Length() != 1 {
		t.Fatalf("ignored auto-reply not listed:\n%s", page.Doc.Find("#mail-ignored").Text())
	}
	if from := row.Find(`[data-label="From"]`).Text(); !strings.Contains(from, "olga@example.org") {
		t.Errorf("sender %q", from)
	}
	if subj := row.Find(`[data-label="Subject"]`).Text(); subj != "Out of office: back Monday" {
		t.Errorf("subject %q", subj)
	}
	if reason := row.Find(`[data-label="Reason"]`).Text(); !strings.Contains(strings.ToLower(reason), "auto") {
		t.Errorf("reason %q does not say why it was ignored", reason)
	}
	if row.Find(`time[datetime]`).Length() != 1 {
		t.Error("no received time")
	}
	href, _ := row.Find("a[download]").Attr("href")
	if href != fmt.Sprintf("/admin/mail/%d/raw", id) {
		t.Fatalf("raw link %q", href)
	}
	if r := admin.Get(href); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "I am away until Monday.") {
		t.Errorf("raw download: status %d", r.StatusCode)
	}
	if page.Doc.Find(`#mail-refused, #mail-failed, #mail-bounce`).Length() != 3 {
		t.Error("refused, failed and bounce lists missing")
	}
}

// TestMailQuotesFolded: a reply by mail shows its new text, with the quoted
// history behind "Show quoted text", on the portal and in the workspace;
// staff also get the raw mail, requesters never see internal notes.
func TestMailQuotesFolded(t *testing.T) {
	t.Parallel()
	p := setup(t)
	raw := fmt.Sprintf("From: %s <%s>\nTo: it@helpdesk.localhost\nSubject: Re: [#%d] Printer on floor 3 jams\n"+
		"Message-ID: <fold-1@example.com>\nDate: Mon, 2 Jun 2025 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n"+
		"Still jamming after the new toner.\n\nOn Mon, 2 Jun 2025, IT Helpdesk wrote:\n> Please try a new toner cartridge.\n> Thanks\n",
		p.alice.Name, p.alice.Email, p.t.Number)
	deliver(t, p.e, "it@helpdesk.localhost", raw)
	if _, err := p.e.App.Tickets.AddMessage(p.ctx, p.agent, p.t.Number, ticket.MessageInput{Body: "secret-note-7", Internal: true}); err != nil {
		t.Fatal(err)
	}
	var msgID int64
	if err := p.e.App.DB.RawPool().QueryRow(p.ctx, `SELECT id FROM messages WHERE email_message_id = 'fold-1@example.com'`).Scan(&msgID); err != nil {
		t.Fatalf("the mail did not reach the ticket: %v", err)
	}
	check := func(who string, r *apptest.Response, sel string) {
		t.Helper()
		wantStatus(t, r, http.StatusOK)
		m := r.Doc.Find(sel)
		if m.Length() != 1 {
			t.Fatalf("%s: message %s not shown", who, sel)
		}
		visible := m.Find(".body > .plain").Text()
		if !strings.Contains(visible, "Still jamming") || strings.Contains(visible, "new toner cartridge") {
			t.Errorf("%s: visible text %q", who, visible)
		}
		d := m.Find(".body details")
		if d.Find("summary").Text() != "Show quoted text" || !strings.Contains(d.Text(), "> Please try a new toner cartridge.") {
			t.Errorf("%s: quoted text not folded behind a disclosure: %q", who, d.Text())
		}
		if d.AttrOr("open", "no") != "no" {
			t.Errorf("%s: quote shown unfolded", who)
		}
	}
	portal := p.client.Get(p.tpath)
	check("requester", portal, fmt.Sprintf("#message-%d", msgID))
	if portal.Has("a.raw-mail") {
		t.Error("requester offered the raw mail")
	}
	if strings.Contains(portal.Body, "secret-note-7") {
		t.Error("internal note shown to the requester")
	}
	desk := p.e.SignIn(p.agent).Get(fmt.Sprintf("/desk/tickets/%d", p.t.Number))
	sel := fmt.Sprintf("#m-%d", msgID)
	check("agent", desk, sel)
	href := desk.Doc.Find(sel+" a.raw-mail").AttrOr("href", "")
	if want := fmt.Sprintf("/tickets/%d/messages/%d/raw", p.t.Number, msgID); href != want {
		t.Fatalf("raw link %q, want %q", href, want)
	}
	if r := p.e.SignIn(p.agent).Get(href); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Still jamming") {
		t.Errorf("raw mail download: status %d", r.StatusCode)
	}
	// A message written on the web keeps its rendered HTML, nothing folded.
	if first := desk.Doc.Find("li.message").First(); first.Find("details").Length() != 0 || !strings.Contains(first.Find(".body strong").Text(), "second") {
		t.Errorf("web message changed: %s", first.Text())
	}
}

// TestSatisfactionAnchor: resolution mail links to #satisfaction; the
// rating form is that anchor.
func TestSatisfactionAnchor(t *testing.T) {
	t.Parallel()
	p := setup(t)
	wantStatus(t, p.client.PostForm(p.tpath+"/resolve", nil), http.StatusSeeOther)
	page := p.client.Get(p.tpath)
	if !page.Has("#satisfaction #rating-form") {
		t.Fatalf("no element with id=satisfaction around the rating form")
	}
	r := p.client.PostForm(p.tpath+"/rating", map[string][]string{"rating": {"5"}})
	wantStatus(t, r, http.StatusSeeOther)
	if !p.client.Get(p.tpath).Has("#satisfaction #your-rating") {
		t.Error("after rating, #satisfaction does not lead to the rating given")
	}
}
