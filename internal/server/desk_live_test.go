package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/pgtest"
	"switchboard/internal/testwait"
)

// events reads SSE events ("name data") from a stream until ctx ends.
func events(ctx context.Context, t *testing.T, c *apptest.Client, base string) <-chan string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/desk/stream", nil)
	res, err := c.HTTP.Do(req) //nolint:bodyclose // the reader goroutine below closes it
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		_ = res.Body.Close()
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan string, 100)
	go func() {
		defer res.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(res.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				out <- name + " " + strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

func waitEvent(t *testing.T, ch <-chan string, want string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case got, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before %q", want)
			}
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %q within %s", want, within)
		}
	}
}

// Two Switchboard nodes on one database: a ticket filed through node A
// reaches a dashboard stream on node B, and B's list shows it; a note and a
// presence change made on A reach B too. The waits are generous (a loaded
// machine stalls); the log says how long the first event took.
func TestDeskLiveAcrossNodes(t *testing.T) {
	t.Parallel()
	conn := pgtest.NewDatabase(t)
	a := deskSetup(t, apptest.Options{Conn: conn})
	b := apptest.New(t, apptest.Options{Conn: conn})
	agentB := b.SignIn(a.agent)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := events(ctx, t, agentB, b.URL)
	waitEvent(t, ch, "hello ok", testwait.Long)

	// Filed through node A's portal form.
	res := a.e.SignIn(a.requester).PostMultipart("/tickets/new", url.Values{"subject": {"Badge reader broken"},
		"description": {"door 2"}, "urgency": {"medium"}, "impact": {"person"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("portal create on A: %d %s", res.StatusCode, res.Text(".field-error"))
	}
	var number int64
	if err := a.e.App.DB.RawPool().QueryRow(a.ctx, `SELECT number FROM tickets WHERE subject = 'Badge reader broken'`).Scan(&number); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitEvent(t, ch, fmt.Sprintf("ticket %d", number), testwait.Long)
	t.Logf("event reached node B after %s", time.Since(start))
	if !agentB.Get("/desk/list?view=open").Has(row(number)) {
		t.Error("node B's list fragment lacks the new ticket")
	}
	// A change on A (a note) is an event on B too. Triage of the new ticket
	// announces it as well, so first let the jobs finish, then pass a
	// barrier: a presence event, sent after them. Notifications arrive in
	// commit order on B's one LISTEN connection, so after the barrier only
	// the note can announce the ticket again.
	a.e.Settle()
	if err := a.e.App.Tickets.SetPresence(a.ctx, a.lead, number, "viewing"); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ch, fmt.Sprintf("presence %d", number), testwait.Long)
	if _, err := a.e.App.Tickets.Write(a.ctx, a.lead, number, "looking", true); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ch, fmt.Sprintf("ticket %d", number), testwait.Long)
	if err := a.e.App.Tickets.SetPresence(a.ctx, a.lead, number, "replying"); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ch, fmt.Sprintf("presence %d", number), testwait.Long)
	pres := agentB.Get(fmt.Sprintf("/desk/tickets/%d/presence", number))
	if !strings.Contains(pres.Text("#presence"), a.lead.Name+" is replying") {
		t.Errorf("presence fragment on B: %q", pres.Text("#presence"))
	}
}

// The stream handler returns as soon as its request context ends, which is
// how server shutdown ends open streams.
func TestDeskStreamEndsWithContext(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	c := d.e.SignIn(d.agent)
	u, _ := url.Parse(d.e.URL)
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/desk/stream", nil)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	done := make(chan struct{})
	rec := &streamRecorder{ResponseRecorder: httptest.NewRecorder(), wrote: make(chan struct{})}
	go func() {
		d.e.App.HTTP.ServeHTTP(rec, req)
		close(done)
	}()
	// Cancel only once the stream runs (it has written its hello), so the
	// test sees the running handler end, not one that never started.
	select {
	case <-rec.wrote:
	case <-done:
		t.Fatalf("stream handler returned before its context ended: %q", rec.body())
	case <-time.After(testwait.Long):
		t.Fatal("stream wrote nothing")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(testwait.Long): // generous for a loaded machine; a handler ignoring its context never returns
		t.Fatal("stream handler still running after its context ended")
	}
	if !strings.Contains(rec.body(), "event: hello") {
		t.Errorf("stream wrote %q", rec.body())
	}
}

// streamRecorder is a ResponseRecorder that may be read while the handler
// writes, and says when the first bytes arrive.
type streamRecorder struct {
	*httptest.ResponseRecorder
	mu    sync.Mutex
	once  sync.Once
	wrote chan struct{}
}

func (r *streamRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	n, err := r.ResponseRecorder.Write(p)
	r.mu.Unlock()
	r.once.Do(func() { close(r.wrote) })
	return n, err
}

func (r *streamRecorder) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ResponseRecorder.Flush()
}

func (r *streamRecorder) body() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Body.String()
}
