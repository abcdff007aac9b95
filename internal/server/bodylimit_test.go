package server_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"switchboard/internal/apptest"
)

// countingBody is an endless multipart file part that counts what the
// server has read of it.
type countingBody struct {
	head  io.Reader
	read  atomic.Int64
	limit int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	if n, err := b.head.Read(p); n > 0 || err != io.EOF {
		b.read.Add(int64(n))
		return n, err
	}
	if b.read.Load() >= b.limit {
		return 0, io.EOF
	}
	for i := range p {
		p[i] = 'x'
	}
	b.read.Add(int64(len(p)))
	return len(p), nil
}

// A form without files (here the sign-in form) reads at most the default
// cap of a page's body: a 64 MB multipart post is not read, let alone
// spooled to disk, and nobody is signed in.
func TestPageBodyIsCapped(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	const total = 64 << 20
	head := "--b\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nx@example.com\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n"
	body := &countingBody{head: strings.NewReader(head), limit: total}
	req, err := http.NewRequest(http.MethodPost, e.URL+"/login", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusSeeOther {
			t.Errorf("a 64 MB sign-in post was answered with a redirect")
		}
	}
	// The client may still have a few MB in socket buffers when the server
	// answers and closes; without the cap the server reads all 64 MB.
	if got := body.read.Load(); got > 32<<20 {
		t.Errorf("server read %d MB of a 64 MB sign-in post", got>>20)
	}
}

// Upload routes raise the cap: six files of almost 1 MB each (6 MB
// together, past the default cap of a page) file one ticket.
func TestPortalNewTicketUploadsPastPageCap(t *testing.T) {
	t.Parallel()
	p := setup(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_MAX_ATTACHMENT_MB": "1"}})
	big := strings.Repeat("a", 1<<20-100)
	parts := []rawPart{{name: "subject", value: "Scanner output attached"}, {name: "description", value: "Six scans."}}
	for i := range 6 {
		parts = append(parts, rawPart{name: "attachments", file: true, filename: fmt.Sprintf("scan%d.txt", i), value: big})
	}
	r := postRaw(p.client, p.e.URL+"/tickets/new", false, parts...)
	wantStatus(t, r, http.StatusSeeOther)
	var n int
	if err := p.e.App.DB.RawPool().QueryRow(p.ctx, `SELECT count(*) FROM attachments a JOIN tickets t ON t.id = a.ticket_id
		WHERE t.subject = 'Scanner output attached'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("%d attachments stored, want 6", n)
	}
}
