package server_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
)

func TestPortalNewTicketForm(t *testing.T) {
	t.Parallel()
	p := setup(t)
	r := p.client.Get("/tickets/new")
	wantStatus(t, r, http.StatusOK)
	for id, label := range map[string]string{"subject": "Subject", "description": "Description", "category": "Category",
		"urgency": "Urgency", "impact": "Who is affected?", "attachments": "Attachments"} {
		if got := r.Text(`label[for="` + id + `"]`); got != label {
			t.Errorf("label for %s = %q, want %q", id, got, label)
		}
		// The error slot is always there, so an error cannot shift the layout.
		if !r.Has("#" + id + "-error") {
			t.Errorf("no error slot for %s", id)
		}
	}
	if r.Doc.Find(`#category option[value=""]`).Text() != "Not sure" {
		t.Error(`category has no "Not sure" choice`)
	}
	if _, ok := r.Doc.Find("#attachments").Attr("multiple"); !ok {
		t.Error("attachments input does not take several files")
	}
	if r.Doc.Find("form#new-ticket").AttrOr("enctype", "") != "multipart/form-data" {
		t.Error("new-ticket form is not multipart")
	}
}

func TestPortalNewTicket422KeepsInput(t *testing.T) {
	t.Parallel()
	p := setup(t)
	form := url.Values{"subject": {"  "}, "description": {"My *VPN* drops every hour"}, "urgency": {"high"}, "impact": {"team"}}
	r := p.client.PostMultipart("/tickets/new", form, apptest.File{Field: "attachments", Name: "log.txt", Data: []byte("x")})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.Text("#subject-error"); got != "Enter a subject." {
		t.Errorf("subject error = %q", got)
	}
	if r.Doc.Find("#subject").AttrOr("aria-invalid", "") != "true" {
		t.Error("subject not marked aria-invalid")
	}
	if !strings.Contains(r.Doc.Find("#subject").AttrOr("aria-describedby", ""), "subject-error") {
		t.Error("subject not described by its error")
	}
	if got := r.Text("#description"); got != "My *VPN* drops every hour" {
		t.Errorf("description not kept: %q", got)
	}
	if _, ok := r.Doc.Find(`#urgency option[value="high"]`).Attr("selected"); !ok {
		t.Error("urgency not kept")
	}
	if _, ok := r.Doc.Find(`#impact option[value="team"]`).Attr("selected"); !ok {
		t.Error("impact not kept")
	}
	if !r.Has("#attachments-again") {
		t.Error("no note that the files must be chosen again")
	}
	if r.Text("#description-error") != "" {
		t.Error("description has an error it should not")
	}
	var n int
	_ = p.e.App.DB.RawPool().QueryRow(p.ctx, "SELECT count(*) FROM tickets").Scan(&n)
	if n != 1 {
		t.Errorf("%d tickets after a refused form, want 1 (nothing half-written)", n)
	}
}

func TestPortalNewTicketCreates(t *testing.T) {
	t.Parallel()
	p := setup(t)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	form := url.Values{"subject": {"Laptop will not boot"}, "description": {"Black screen after the **update**."},
		"urgency": {"critical"}, "impact": {"person"}, "category": {""}}
	r := p.client.PostMultipart("/tickets/new", form,
		apptest.File{Field: "attachments", Name: "screen.png", Data: png},
		apptest.File{Field: "attachments", Name: "../../etc/passwd", Data: []byte("plain text")})
	wantStatus(t, r, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/tickets/") {
		t.Fatalf("redirect to %q", loc)
	}
	page := p.client.Get(loc)
	wantStatus(t, page, http.StatusOK)
	if got := page.Text("#ticket-number"); "/tickets/"+strings.TrimPrefix(got, "#") != loc {
		t.Errorf("ticket number %q for %s", got, loc)
	}
	if got := page.Text("#ticket-status"); got != "New" {
		t.Errorf("status %q", got)
	}
	if got := page.Text("#ticket-priority"); !strings.HasPrefix(got, "P") {
		t.Errorf("priority %q", got)
	}
	if got := page.Text("#ticket-assignee"); got != "Not yet assigned" {
		t.Errorf("assignee %q", got)
	}
	if !has(page.Body, "<strong>update</strong>") {
		t.Error("description Markdown not rendered")
	}
	names := page.Doc.Find(".attachments .filename").Map(func(_ int, s *goquerySel) string { return s.Text() })
	if len(names) != 2 || names[0] != "screen.png" || names[1] != "passwd" {
		t.Errorf("attachments %q, want screen.png and a safe passwd", names)
	}
	if !page.Has(".attachments img") {
		t.Error("image attachment not shown inline")
	}
	if got := page.Text(".flash"); !strings.Contains(got, "is with IT now") {
		t.Errorf("flash %q", got)
	}
	// It is in My tickets.
	list := p.client.Get("/tickets")
	if !strings.Contains(list.Text("#my-tickets"), "Laptop will not boot") {
		t.Error("new ticket not in My tickets")
	}
}

func TestPortalNewTicketBadCategoryAndTooLarge(t *testing.T) {
	t.Parallel()
	p := setup(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_MAX_ATTACHMENT_MB": "1"}})
	form := url.Values{"subject": {"x"}, "description": {"y"}, "category": {"99999"}}
	r := p.client.PostMultipart("/tickets/new", form,
		apptest.File{Field: "attachments", Name: "big.bin", Data: bytes.Repeat([]byte("a"), 1<<20+10)})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.Text("#attachments-error"); !strings.Contains(got, "larger than the limit of 1 MB") {
		t.Errorf("attachments error %q", got)
	}
	if got := r.Text(".field-error"); got != "" && r.Text("#subject-error") != "" {
		t.Errorf("unexpected subject error %q", got)
	}
	form.Set("category", "not-a-number")
	r = p.client.PostForm("/tickets/new", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.Text("#category-error"); got != "Choose a category from the list." {
		t.Errorf("category error %q", got)
	}
	form.Set("urgency", "whenever")
	form.Set("category", "")
	r = p.client.PostForm("/tickets/new", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.Text("#urgency-error"); got == "" {
		t.Error("no urgency error")
	}
}

func TestPortalPreview(t *testing.T) {
	t.Parallel()
	p := setup(t)
	src := "**bold** <script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))"
	r := p.client.PostForm("/preview", url.Values{"description": {src}})
	wantStatus(t, r, http.StatusOK)
	if !has(r.Body, "<strong>bold</strong>") {
		t.Errorf("preview not rendered: %s", r.Body)
	}
	for _, bad := range []string{"<script", "onerror", "javascript:"} {
		if has(strings.ToLower(r.Body), bad) {
			t.Errorf("preview keeps %q: %s", bad, r.Body)
		}
	}
	// Without JavaScript the Preview button posts the form itself.
	r = p.client.PostForm("/tickets/new", url.Values{"action": {"preview"}, "subject": {"S"}, "description": {"# Title"}})
	wantStatus(t, r, http.StatusOK)
	if r.Text("#description-preview h1") != "Title" || r.Doc.Find("#subject").AttrOr("value", "") != "S" {
		t.Errorf("no-JS preview: %q", r.Text("#description-preview"))
	}
	var n int
	_ = p.e.App.DB.RawPool().QueryRow(p.ctx, "SELECT count(*) FROM tickets").Scan(&n)
	if n != 1 {
		t.Error("preview filed a ticket")
	}
	// Signed out: sent to sign in, nothing rendered.
	r = p.e.Anonymous().PostForm("/preview", url.Values{"description": {"x"}})
	wantStatus(t, r, http.StatusSeeOther)
}
