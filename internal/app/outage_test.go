package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pglocal"
	"switchboard/internal/testwait"
)

// TestDatabaseOutage stops PostgreSQL under a steady load of API creates,
// checks that pages answer a 503 page, the API a problem+json 503 with
// Retry-After, SMTP 451 and /status "degraded" while it is down, starts it
// again and checks that the same process serves fully (API 201, SMTP 250,
// /status up, new tickets triaged by River) and that no ticket is
// half-written (each has its description and its created event; every 201
// is in the database).
func TestDatabaseOutage(t *testing.T) {
	if _, err := pglocal.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sbo") // short: the socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	pgOpts := pglocal.Options{Dir: filepath.Join(dir, "pg"), Ephemeral: true}
	pg, err := pglocal.Start(ctx, pgOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })

	vars := map[string]string{"DATABASE_URL": pg.ConnString(pglocal.Database), "SWITCHBOARD_DATA_DIR": filepath.Join(dir, "data"),
		"SWITCHBOARD_HTTP_ADDR": "127.0.0.1:0", "SWITCHBOARD_SMTP_ADDR": "127.0.0.1:0",
		"SWITCHBOARD_SECRET_KEY": strings.Repeat("k", 40), "SWITCHBOARD_LOG_LEVEL": "error"}
	var stderr bytes.Buffer
	a, err := Start(ctx, newTestEnv(t, vars, &lockedWriter{w: &stderr}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	base := "http://" + a.Addr
	u, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "agent@example.com", Name: "Agent", Role: helpdesk.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.Tokens.Create(ctx, u, auth.NewToken{Name: "load", Scope: auth.ScopeReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.RawPool().Exec(ctx, "INSERT INTO intake_addresses (local_part) VALUES ('it')"); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 60 * time.Second}
	type result struct {
		status     int
		retryAfter string
		ctype      string
		number     int64
		subject    string
	}
	post := func(subject string) result {
		body := fmt.Sprintf(`{"subject": %q, "description": "Created under load while the database may go away."}`, subject)
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/tickets", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return result{subject: subject}
		}
		defer res.Body.Close() //nolint:errcheck // read fully
		var out struct {
			Number int64 `json:"number"`
		}
		b, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(b, &out)
		return result{res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"), out.Number, subject}
	}
	send := func(subject string) error {
		msg := "From: Dana <dana@example.com>\r\nTo: it@helpdesk.localhost\r\nSubject: " + subject +
			"\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", "-") + "@example.com>\r\n\r\nMail body.\r\n"
		return smtp.SendMail(a.Mail.SMTP.ListenAddr(), nil, "dana@example.com", []string{"it@helpdesk.localhost"}, []byte(msg))
	}

	if err := send("mail before the outage"); err != nil {
		t.Fatalf("SMTP before the outage: %v", err)
	}

	// Load: four clients create tickets until told to stop.
	var (
		mu      sync.Mutex
		results []result
		seq     atomic.Int64
		ok      atomic.Int64
		refused atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := post(fmt.Sprintf("outage load %d", seq.Add(1)))
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
				switch r.status {
				case http.StatusCreated:
					ok.Add(1)
				case http.StatusServiceUnavailable:
					refused.Add(1)
				}
			}
		}()
	}
	testwait.Until(t, testwait.Long, "20 tickets created before the outage", func() bool { return ok.Load() >= 20 })
	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, testwait.Long, "API creates refused with 503", func() bool { return refused.Load() >= 5 })
	testwait.Until(t, testwait.Long, "the health watcher to see the outage", a.Health.Down)
	close(stop)
	wg.Wait()

	// While down: a page, the API, SMTP and /status.
	res, err := client.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(page), "cannot reach its database") || res.Header.Get("Retry-After") == "" {
		t.Errorf("page while down: %d, Retry-After %q, body %.300s", res.StatusCode, res.Header.Get("Retry-After"), page)
	}
	if r := post("while down"); r.status != http.StatusServiceUnavailable || r.retryAfter == "" || r.ctype != "application/problem+json" {
		t.Errorf("API while down: %+v", r)
	}
	var se *textproto.Error
	if err := send("mail while down"); !errors.As(err, &se) || se.Code != 451 {
		t.Errorf("SMTP while down: %v, want 451", err)
	}
	if code, body := get(t, client, base+"/status"); code != http.StatusServiceUnavailable || !strings.Contains(body, "Degraded") {
		t.Errorf("/status while down: %d %.300s", code, body)
	}
	if code, _ := get(t, client, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while down: %d (the process is alive; restarting it would not help)", code)
	}

	// Back up: the same process resumes.
	if pg, err = pglocal.Start(ctx, pgOpts); err != nil {
		t.Fatal(err)
	}
	var after result
	testwait.Until(t, testwait.Long, "API creates to succeed again", func() bool {
		after = post("after the outage")
		return after.status == http.StatusCreated
	})
	if err := send("mail after the outage"); err != nil {
		t.Errorf("SMTP after the outage: %v", err)
	}
	if code, body := get(t, client, base+"/status"); code != http.StatusOK || !strings.Contains(body, "Up:") {
		t.Errorf("/status after the outage: %d %.300s", code, body)
	}
	// River works again: the new ticket gets triaged (a priority event).
	testwait.Until(t, testwait.Long, "the ticket created after the outage to be triaged", func() bool {
		var n int
		err := a.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
			WHERE t.number = $1 AND e.kind <> 'created'`, after.number).Scan(&n)
		return err == nil && n > 0
	})

	// Nothing half-written; every 201 committed.
	var half int
	if err := a.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM tickets t
		WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id)
		   OR NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'created')`).Scan(&half); err != nil {
		t.Fatal(err)
	}
	if half != 0 {
		t.Errorf("%d tickets lack their description or created event", half)
	}
	for _, r := range results {
		if r.status != http.StatusCreated {
			continue
		}
		var subject string
		if err := a.DB.RawPool().QueryRow(ctx, "SELECT subject FROM tickets WHERE number = $1", r.number).Scan(&subject); err != nil || subject != r.subject {
			t.Errorf("answered 201 for %q as #%d, but the database has %q (%v)", r.subject, r.number, subject, err)
		}
	}
	t.Logf("%d creates answered 201, %d answered 503 during the outage", ok.Load(), refused.Load())
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close() //nolint:errcheck // read fully
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
