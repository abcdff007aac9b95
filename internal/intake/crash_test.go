package intake_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/pgtest"
	"switchboard/internal/testwait"
)

// TestCrashDuringBurst runs `switchboard serve` as a separate process, sends
// 1,000 mails from 8 concurrent senders, SIGKILLs it mid-burst, restarts it
// and lets the queue drain: every mail that got a 250 exists exactly once,
// stored and turned into a ticket.
func TestCrashDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	conn := pgtest.NewDatabase(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "switchboard")
	build := exec.Command("go", "build", "-o", bin, "switchboard/cmd/switchboard")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	env := append(os.Environ(), "DATABASE_URL="+conn, "SWITCHBOARD_DATA_DIR="+dir, "SWITCHBOARD_SMTP_ADDR="+addr,
		"SWITCHBOARD_HTTP_ADDR=127.0.0.1:0", "SWITCHBOARD_SECRET_KEY="+secret, "SWITCHBOARD_MAIL_DOMAIN="+domain,
		"SWITCHBOARD_SMTP_RELAY=", "SWITCHBOARD_LOG_LEVEL=warn")
	var logs bytes.Buffer
	var logMu sync.Mutex
	start := func() (*exec.Cmd, error) {
		cmd := exec.Command(bin, "serve")
		cmd.Env = env
		w := lockedWriter{&logs, &logMu}
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		// Polled by hand, not with testwait: the burst goroutine restarts
		// serve through start, and testwait fails a test with t.Fatalf, which
		// only the test's own goroutine may call. Same generous deadline.
		deadline := time.Now().Add(testwait.Long)
		for time.Now().Before(deadline) {
			if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
				_ = c.Close() // only probing that it listens
				return cmd, nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logMu.Lock()
		defer logMu.Unlock()
		return nil, fmt.Errorf("serve did not listen on %s:\n%s", addr, logs.String())
	}
	ctx := context.Background()
	db, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	cmd, err := start()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO intake_addresses (local_part) VALUES ('it') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}

	const total, senders, killAt = 1000, 8, 350
	var accepted sync.Map // Message-ID -> true, only after a 250
	var nAccepted atomic.Int64
	var killed atomic.Bool
	var restarted = make(chan struct{})
	var wg sync.WaitGroup
	for w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total; i += senders {
				id := fmt.Sprintf("crash-%04d@example.com", i)
				raw := msg(fmt.Sprintf("user%d@example.com", i%50), "it@"+domain, fmt.Sprintf("Crash test %d", i), id, "burst body")
				for attempt := 0; ; attempt++ {
					if err := sendOnce(addr, raw); err == nil {
						accepted.Store(id, true)
						if nAccepted.Add(1) == killAt && killed.CompareAndSwap(false, true) {
							_ = cmd.Process.Signal(syscall.SIGKILL)
							_ = cmd.Wait()
							var err error
							if cmd, err = start(); err != nil {
								t.Error(err)
							}
							close(restarted)
						}
						break
					}
					if attempt > 400 {
						t.Errorf("%s: gave up", id)
						return
					}
					time.Sleep(25 * time.Millisecond) // a real MTA retries too
				}
			}
		}()
	}
	wg.Wait()
	if !killed.Load() {
		t.Fatal("never killed")
	}
	<-restarted
	if cmd == nil {
		t.FailNow()
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	// Drain: every stored mail processed.
	drained := false
	defer func() {
		if !drained { // testwait failed the test: show what the server said
			logMu.Lock()
			t.Logf("server output:\n%s", logs.String())
			logMu.Unlock()
		}
	}()
	testwait.UntilNil(t, testwait.Long, "every stored mail processed after the restart", func() error {
		var queued int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM inbound_mail WHERE status = 'queued'`).Scan(&queued); err != nil {
			t.Fatal(err)
		}
		if queued > 0 {
			return fmt.Errorf("%d mails still queued", queued)
		}
		return nil
	})
	drained = true
	rows, err := db.Query(ctx, `SELECT i.message_id, count(DISTINCT i.id), count(DISTINCT m.id), count(DISTINCT t.id)
		FROM inbound_mail i LEFT JOIN messages m ON m.email_message_id = i.message_id
		LEFT JOIN tickets t ON t.id = m.ticket_id GROUP BY i.message_id`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string][3]int{}
	for rows.Next() {
		var id string
		var in, msgs, tickets int
		if err := rows.Scan(&id, &in, &msgs, &tickets); err != nil {
			t.Fatal(err)
		}
		stored[id] = [3]int{in, msgs, tickets}
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	n := 0
	accepted.Range(func(k, _ any) bool {
		n++
		if got := stored[k.(string)]; got != [3]int{1, 1, 1} {
			t.Errorf("%s: inbound=%d messages=%d tickets=%d, want exactly one each", k, got[0], got[1], got[2])
		}
		return true
	})
	var tickets int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM tickets`).Scan(&tickets)
	t.Logf("%d mails answered 250 (killed after %d), %d stored, %d tickets", n, killAt, len(stored), tickets)
	if n != total {
		t.Errorf("accepted %d of %d", n, total)
	}
	if tickets != len(stored) {
		t.Errorf("tickets %d != stored mails %d", tickets, len(stored))
	}
}

// sendOnce is one SMTP transaction with timeouts; any error means "not
// accepted" and the caller retries, like a sending MTA.
func sendOnce(addr, raw string) error {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	host, _, _ := net.SplitHostPort(addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		_ = conn.Close() // the NewClient error is the one to report
		return err
	}
	defer c.Close() //nolint:errcheck // after Quit below, or after an error that is the one to report
	if err := c.Mail("sender@example.com"); err != nil {
		return err
	}
	if err := c.Rcpt("it@" + domain); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(raw, "\n", "\r\n"))); err != nil {
		return err
	}
	if err := w.Close(); err != nil { // the 250 (or not) arrives here
		return err
	}
	_ = c.Quit()
	return nil
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
