package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/apptest"
)

const badPartMessage = "One of the files could not be read (its name may contain unusual characters). Rename it and attach it again."

// rawPart is one part of a hand-built multipart body.
type rawPart struct {
	name, filename, value string
	file                  bool
}

// rawMultipart builds a multipart/form-data body by hand, so a part can
// carry what mime/multipart's writer would refuse to produce (here a file
// name with a control character, which some clients do send).
func rawMultipart(parts ...rawPart) (body []byte, contentType string) {
	const boundary = "sb-test-boundary-7MA4YWxkTrZu0gW"
	var b bytes.Buffer
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		if p.file {
			fmt.Fprintf(&b, "Content-Disposition: form-data; name=%q; filename=\"%s\"\r\nContent-Type: text/plain\r\n\r\n", p.name, p.filename)
		} else {
			fmt.Fprintf(&b, "Content-Disposition: form-data; name=%q\r\n\r\n", p.name)
		}
		b.WriteString(p.value + "\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}

// postRaw posts a hand-built multipart body; htmx marks it as htmx sends it.
func postRaw(c *apptest.Client, url string, htmx bool, parts ...rawPart) *apptest.Response {
	body, ct := rawMultipart(parts...)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return c.Do(req)
}

// A file part the server cannot parse must not cost the user what they
// typed before it: the form comes back with the text and a message by the
// attachments input, and nothing is stored.
func TestPortalNewTicketBadFilePartKeepsText(t *testing.T) {
	t.Parallel()
	p := setup(t)
	r := postRaw(p.client, p.e.URL+"/tickets/new", false,
		rawPart{name: "subject", value: "VPN drops hourly"},
		rawPart{name: "description", value: "Since Monday the *VPN* drops\r\nevery hour."},
		rawPart{name: "urgency", value: "high"},
		rawPart{name: "attachments", file: true, filename: "ok.txt", value: "fine"},
		rawPart{name: "attachments", file: true, filename: "vpn\x01log.txt", value: "log"},
		rawPart{name: "impact", value: "team"})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.Doc.Find("#subject").AttrOr("value", ""); got != "VPN drops hourly" {
		t.Errorf("subject not kept: %q", got)
	}
	if got := r.Text("#description"); got != "Since Monday the *VPN* drops\nevery hour." {
		t.Errorf("description not kept: %q", got)
	}
	if _, ok := r.Doc.Find(`#urgency option[value="high"]`).Attr("selected"); !ok {
		t.Error("urgency not kept")
	}
	if got := r.Text("#attachments-error"); got != badPartMessage {
		t.Errorf("attachments error = %q, want %q", got, badPartMessage)
	}
	if r.Doc.Find("#attachments").AttrOr("aria-invalid", "") != "true" {
		t.Error("attachments not marked aria-invalid")
	}
	if !r.Has("#attachments-again") {
		t.Error("no note that the files must be chosen again")
	}
	if !r.Has("#form-errors") {
		t.Error("no error summary")
	}
	var n int
	_ = p.e.App.DB.RawPool().QueryRow(p.ctx, "SELECT count(*) FROM tickets").Scan(&n)
	if n != 1 {
		t.Errorf("%d tickets after a refused form, want 1 (nothing half-written)", n)
	}
}

func TestPortalReplyBadFilePartKeepsText(t *testing.T) {
	t.Parallel()
	p := setup(t)
	const body = "Tried the **other** tray, same jam."
	parts := []rawPart{{name: "body", value: body},
		{name: "attachments", file: true, filename: "tray\x01.txt", value: "tray 2"}}
	for _, tc := range []struct {
		name   string
		htmx   bool
		status int
	}{
		{"plain", false, http.StatusUnprocessableEntity},
		// htmx swaps only 2xx answers: the form comes back with 200 in
		// place of the reply box.
		{"htmx", true, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postRaw(p.client, p.e.URL+p.tpath+"/reply", tc.htmx, parts...)
			wantStatus(t, r, tc.status)
			if tc.htmx {
				if r.Header.Get("HX-Retarget") != "#reply-form" || strings.Contains(r.Body, "<html") {
					t.Errorf("not the reply form in place: %v\n%s", r.Header, r.Body)
				}
			}
			if got := r.Text("form#reply-form #body"); got != body {
				t.Errorf("reply text not kept: %q", got)
			}
			if got := r.Text("form#reply-form #attachments-error"); got != badPartMessage {
				t.Errorf("attachments error = %q, want %q", got, badPartMessage)
			}
			if r.Doc.Find("#reply-attachments").AttrOr("aria-invalid", "") != "true" {
				t.Error("attachments not marked aria-invalid")
			}
			if !strings.Contains(r.Text("#reply-attachments-hint"), "Please choose your files again.") {
				t.Error("no note that the files must be chosen again")
			}
			if r.Text("#body-error") != "" {
				t.Errorf("body has an error it should not: %q", r.Text("#body-error"))
			}
		})
	}
	var n int
	_ = p.e.App.DB.RawPool().QueryRow(p.ctx, "SELECT count(*) FROM messages WHERE ticket_id = $1", p.t.ID).Scan(&n)
	if n != 1 {
		t.Errorf("%d messages after refused replies, want 1", n)
	}
}

// The parts are read by hand now: a well-formed multipart reply with an
// empty file input, as a browser sends it without files, is a plain reply.
func TestPortalReplyEmptyFileInput(t *testing.T) {
	t.Parallel()
	p := setup(t)
	r := postRaw(p.client, p.e.URL+p.tpath+"/reply", false,
		rawPart{name: "body", value: "No file this time"},
		rawPart{name: "attachments", file: true, filename: "", value: ""})
	wantStatus(t, r, http.StatusSeeOther)
	page := p.client.Get(p.tpath)
	last := page.Doc.Find("#conversation > li").Last()
	if !strings.Contains(last.Find(".body").Text(), "No file this time") {
		t.Errorf("reply not shown: %q", last.Text())
	}
	if last.Find(".filename").Length() != 0 {
		t.Errorf("empty file input stored as a file: %q", last.Find(".filename").Text())
	}
}

// A body past the cap (ten files' worth) is refused with the size message,
// and the text sent before the files is kept.
func TestPortalNewTicketBodyCapKeepsText(t *testing.T) {
	t.Parallel()
	p := setup(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_MAX_ATTACHMENT_MB": "1"}})
	big := strings.Repeat("a", 1<<20-100) // under the per-file limit each
	parts := []rawPart{{name: "subject", value: "Share is full"}, {name: "description", value: "Cannot save anything."}}
	for i := range 13 {
		parts = append(parts, rawPart{name: "attachments", file: true, filename: fmt.Sprintf("part%d.txt", i), value: big})
	}
	r := postRaw(p.client, p.e.URL+"/tickets/new", false, parts...)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.Doc.Find("#subject").AttrOr("value", ""); got != "Share is full" {
		t.Errorf("subject not kept: %q", got)
	}
	if got := r.Text("#description"); got != "Cannot save anything." {
		t.Errorf("description not kept: %q", got)
	}
	if got := r.Text("#attachments-error"); got != "The files are too large together: send at most 10 MB at once." {
		t.Errorf("attachments error %q", got)
	}
}
