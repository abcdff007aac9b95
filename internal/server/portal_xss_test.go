package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/corpora"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
	"switchboard/internal/ticket"
)

// xssVectors loads every payload of the shared XSS corpora: DOMPurify's
// sanitiser fixtures and the HTML5 Security Cheatsheet. Missing corpora
// skip the test, or fail it when CI=true.
func xssVectors(t *testing.T) []string {
	t.Helper()
	dir := corpora.Path(t, "xss-vectors")
	var out []string
	b, err := os.ReadFile(filepath.Join(dir, "dompurify", "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fixtures []struct{ Payload string }
	if err := json.Unmarshal(b, &fixtures); err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		out = append(out, f.Payload)
	}
	b, err = os.ReadFile(filepath.Join(dir, "h5sc", "vectors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// One vector per <div id="N">…</div>; a vector may hold </div> itself,
	// so split at the opening markers and drop only the last closing tag.
	text := string(b)
	marks := regexp.MustCompile(`<div id="\d+">`).FindAllStringIndex(text, -1)
	for i, m := range marks {
		end := len(text)
		if i+1 < len(marks) {
			end = marks[i+1][0]
		}
		v := strings.TrimRight(text[m[1]:end], "\r\n")
		out = append(out, strings.TrimSuffix(v, "</div>"))
	}
	if len(fixtures) < 200 || len(marks) < 130 {
		t.Fatalf("corpus too small: %d + %d vectors", len(fixtures), len(marks))
	}
	return out
}

// subjectOf fits a vector into a subject (at most 200 characters, which
// the service enforces) without losing its start, where the markup is.
func subjectOf(v string) string {
	for utf8.RuneCountInString(v) > ticket.MaxSubject {
		_, size := utf8.DecodeLastRuneInString(v)
		v = v[:len(v)-size]
	}
	return v
}

// TestE2EPortalXSS renders every corpus vector as a subject, a description,
// a reply and an attachment name, and loads every page that shows them in
// Chromium with a trap armed before any page script: alert and friends,
// dialogs and CSP-blocked inline script must never be seen.
func TestE2EPortalXSS(t *testing.T) {
	t.Parallel()
	vectors := xssVectors(t)
	e := apptest.New(t)
	u := e.User(helpdesk.RoleRequester)
	agent := e.User(helpdesk.RoleAgent)
	ctx := apptest.Browser(t, apptest.BrowserOptions{Timeout: 10 * time.Minute})
	trap, err := apptest.InstallScriptTrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Positive control: the trap does catch a script that runs.
	if err := chromedp.Do(ctx, chromedp.Navigate(`data:text/html,<script>alert("control")</script>`)); err != nil {
		t.Fatal(err)
	}
	if fired := trap.Fired(ctx); len(fired) == 0 {
		t.Fatal("the trap did not catch a deliberate alert(); the test could not fail")
	}
	trap.Reset()

	// One ticket per vector, filed through the service in one go: the vector
	// is the subject, the description, the attachment's name and, from
	// staff, a reply (so both author styles render it).
	start := time.Now()
	numbers := make([]int64, len(vectors))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	jobs := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range jobs {
				v := vectors[i]
				if strings.TrimSpace(v) == "" {
					v = fmt.Sprintf("blank vector %d: %q", i, v) // the service refuses blank text
				}
				tk, err := e.App.Tickets.Create(t.Context(), u, ticket.CreateInput{Subject: subjectOf(v), Description: v,
					Attachments: []helpdesk.Upload{{Filename: v, Data: []byte("x")}}})
				if err == nil {
					numbers[i] = tk.Number
					_, err = e.App.Tickets.AddMessage(t.Context(), agent, tk.Number, ticket.MessageInput{Body: v})
				}
				if err == nil {
					_, err = e.App.Tickets.AddMessage(t.Context(), u, tk.Number, ticket.MessageInput{Body: v})
				}
				if err != nil {
					mu.Lock()
					firstErr = fmt.Errorf("vector %d: %w", i, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range vectors {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	t.Logf("filed %d tickets with %d vectors in %v", len(vectors), len(vectors), time.Since(start).Round(time.Millisecond))

	// Let triage and the other follow-up jobs finish first: they touch
	// updated_at, and a ticket moving while the list is paged through could
	// slip between two pages.
	testwait.UntilNil(t, testwait.Long, "every job to finish", func() error {
		var busy int
		if err := e.App.DB.RawPool().QueryRow(t.Context(), `SELECT count(*) FROM river_job
			WHERE state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if busy > 0 {
			return fmt.Errorf("%d jobs still pending", busy)
		}
		return nil
	})
	apptest.BrowserSignIn(ctx, e, u)
	start = time.Now()
	check := func(what string) {
		t.Helper()
		if fired := trap.Fired(ctx); len(fired) > 0 {
			t.Fatalf("%s: script ran: %q", what, fired)
		}
	}
	// Subjects in My tickets, 25 a page.
	pages, listed := 0, 0
	for next := "/tickets"; next != ""; pages++ {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+next), chromedp.WaitReady(chromedp.CSS("#my-tickets"))); err != nil {
			t.Fatalf("list %s: %v", next, err)
		}
		check("My tickets " + next)
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#my-tickets tbody tr").length`))
		if err != nil {
			t.Fatal(err)
		}
		listed += n
		next, err = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(".pager a[rel=next]") || {getAttribute: () => ""}).getAttribute("href") || ""`))
		if err != nil {
			t.Fatal(err)
		}
	}
	if listed != len(vectors) {
		t.Fatalf("My tickets listed %d tickets over %d pages, want %d", listed, pages, len(vectors))
	}
	// Every ticket page: subject (title and heading), description, replies
	// and attachment name, plus the attachment link and thumbnail.
	for i, n := range numbers {
		path := fmt.Sprintf("/tickets/%d", n)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+path), chromedp.WaitReady(chromedp.CSS("#conversation"))); err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		count, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#conversation > li").length`))
		if err != nil || count != 3 {
			t.Fatalf("vector %d: %d messages on %s (%v)", i, count, path, err)
		}
		check(fmt.Sprintf("vector %d on %s", i, path))
	}
	t.Logf("loaded %d list pages and %d ticket pages in %v with no script run", pages, len(numbers), time.Since(start).Round(time.Millisecond))
}
