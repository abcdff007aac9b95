package intake_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"switchboard/internal/intake"
	"switchboard/internal/testwait"
)

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return int64(l.Len()) }

// imapServer is go-imap's in-memory server on loopback with one account.
func imapServer(t *testing.T, idle bool) (string, *imapmemserver.User) {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("desk", "s3cret-pass")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	caps := imap.CapSet{imap.CapIMAP4rev1: {}}
	if idle {
		caps[imap.CapIdle] = struct{}{}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: caps, InsecureAuth: true, Logger: discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), u
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

func appendMail(t *testing.T, u *imapmemserver.User, i int) {
	t.Helper()
	raw := msg("user"+strconv.Itoa(i)+"@example.com", "it@"+domain, "IMAP ticket "+strconv.Itoa(i),
		"imap-"+strconv.Itoa(i)+"@example.com", "body "+strconv.Itoa(i))
	if _, err := u.Append("INBOX", literal{bytes.NewReader([]byte(raw))}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// seen lists the UIDs flagged \Seen.
func seen(t *testing.T, addr string) int {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() //nolint:errcheck // the test's own client; the poller's side is under test
	if err := c.Login("desk", "s3cret-pass").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	d, err := c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return len(d.AllUIDs())
}

// TestIMAPPoller: the watermark fetches each message once and flags it after
// commit; a restart (even one that lost the watermark) stores nothing twice;
// a changed UIDVALIDITY refetches the folder without duplicates.
func TestIMAPPoller(t *testing.T) {
	for _, idle := range []bool{true, false} {
		t.Run("idle="+strconv.FormatBool(idle), func(t *testing.T) {
			t.Parallel()
			testIMAP(t, idle)
		})
	}
}

func testIMAP(t *testing.T, idle bool) {
	e := setup(t, map[string]string{"SWITCHBOARD_SMTP_ADDR": "off"})
	addr, u := imapServer(t, idle)
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	ctx := context.Background()
	id, err := e.app.Mail.Store.AddMailbox(ctx, []byte(secret), intake.MailboxInput{Name: "desk", Host: host, Port: p,
		Username: "desk", Password: "s3cret-pass", AllowPrivate: true}) // the test server is on loopback
	if err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM mailboxes WHERE position('s3cret-pass'::bytea in password_enc) > 0`); n != 0 {
		t.Fatal("mailbox password stored in clear")
	}
	for i := 1; i <= 3; i++ {
		appendMail(t, u, i)
	}
	start := func() *intake.Poller {
		pl := &intake.Poller{Store: e.app.Mail.Store, Secret: []byte(secret), PollEvery: 100 * time.Millisecond,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if err := pl.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return pl
	}
	// fetchRounds waits until the poller has completed n more fetch rounds
	// (last_fetch_at moves after each). The round that ends after the
	// second move started after the first, so after fetchRounds(2) one whole
	// round ran from start to end since the call.
	fetchRounds := func(n int) {
		t.Helper()
		var at time.Time
		if err := e.db.RawPool().QueryRow(ctx, `SELECT now()`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		for range n {
			testwait.Until(t, testwait.Long, "another IMAP fetch round", func() bool {
				var last *time.Time
				if err := e.db.RawPool().QueryRow(ctx, `SELECT last_fetch_at FROM mailboxes WHERE id = $1`, id).Scan(&last); err != nil {
					t.Fatal(err)
				}
				if last != nil && last.After(at) {
					at = *last
					return true
				}
				return false
			})
		}
	}
	waitRows := func(want int) {
		t.Helper()
		testwait.Until(t, testwait.Long, fmt.Sprintf("%d inbound IMAP rows", want), func() bool {
			return e.count(`SELECT count(*) FROM inbound_mail WHERE via = 'imap'`) >= want
		})
		// A wrong extra fetch (the same mail stored twice) would show in a
		// later round: wait for a whole round rather than for some time.
		fetchRounds(2)
		if n := e.count(`SELECT count(*) FROM inbound_mail WHERE via = 'imap'`); n != want {
			t.Fatalf("inbound imap rows = %d, want %d", n, want)
		}
	}
	pl := start()
	waitRows(3)
	if n := e.count(`SELECT last_uid FROM mailboxes WHERE id = $1`, id); n != 3 {
		t.Errorf("watermark = %d, want 3", n)
	}
	appendMail(t, u, 4) // arrives while connected (IDLE wakes, or the next poll)
	waitRows(4)
	if n := seen(t, addr); n != 4 {
		t.Errorf("\\Seen flags = %d, want 4", n)
	}
	if err := pl.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if e.str(`SELECT coalesce(last_fetch_at::text, '') FROM mailboxes WHERE id = $1`, id) == "" {
		t.Error("last fetch time not recorded")
	}

	// A restart that lost its watermark (crash between commit and flag, or a
	// restored backup) refetches everything and stores nothing twice.
	if _, err := e.db.RawPool().Exec(ctx, `UPDATE mailboxes SET last_uid = 0 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	appendMail(t, u, 5)
	pl = start()
	waitRows(5)
	_ = pl.Stop(ctx) // returns once its sessions have ended; it reports no error

	// UIDVALIDITY changes: the folder was recreated with the same mail plus one.
	oldValidity := e.count(`SELECT uidvalidity FROM mailboxes WHERE id = $1`, id)
	if err := u.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 6; i++ {
		appendMail(t, u, i)
	}
	pl = start()
	waitRows(6)
	_ = pl.Stop(ctx) // returns once its sessions have ended; it reports no error
	if v := e.count(`SELECT uidvalidity FROM mailboxes WHERE id = $1`, id); v == oldValidity {
		t.Errorf("uidvalidity not updated (%d)", v)
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets`); n != 6 {
		t.Errorf("tickets = %d, want 6", n)
	}

	// A wrong password shows on the mailbox for admins.
	if _, err := e.db.RawPool().Exec(ctx, `UPDATE mailboxes SET password_enc = $2 WHERE id = $1`, id,
		mustSeal(t, "wrong")); err != nil {
		t.Fatal(err)
	}
	pl = start()
	testwait.Until(t, testwait.Long, "the login failure recorded on the mailbox", func() bool {
		return e.str(`SELECT last_error FROM mailboxes WHERE id = $1`, id) != ""
	})
	_ = pl.Stop(ctx) // returns once its sessions have ended; it reports no error
}

func mustSeal(t *testing.T, pass string) []byte {
	b, err := intake.SealSecret([]byte(secret), pass)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
