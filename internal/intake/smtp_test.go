package intake_test

import (
	"context"
	"io"
	"log/slog"
	"net/smtp"
	"strings"
	"testing"

	"switchboard/internal/intake"
	"switchboard/internal/mail"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

func TestSMTPAcceptsOnlyOurAddresses(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.mustSend("alice@example.com", []string{"it@" + domain},
		msg("Alice <alice@example.com>", "it@"+domain, "Printer on 3rd floor jams", "p1@example.com", "It jams on every page."))
	if n := e.count(`SELECT count(*) FROM inbound_mail WHERE message_id = 'p1@example.com' AND via = 'smtp'`); n != 1 {
		t.Fatalf("inbound rows = %d, want 1 committed before 250", n)
	}
	refused := []string{
		"someone@example.org",            // open relay attempt
		"nobody@" + domain,               // not an intake address
		"it+1000.aaaaaaaaaa@" + domain,   // forged reply address
		"it@" + domain + ".evil.example", // lookalike domain
		mail.ReplyAddress([]byte("other-secret-0123456789abcdef0123"), "it", 1000, domain), // signed by someone else
	}
	for _, rcpt := range refused {
		err := e.send("x@example.com", []string{rcpt}, msg("x@example.com", rcpt, "hi", "", "hi"))
		if code := smtpCode(err); code != 550 {
			t.Errorf("RCPT %s: got %v (code %d), want 550", rcpt, err, code)
		}
	}
	// A valid reply address is accepted even without an intake address row.
	ok := mail.ReplyAddress([]byte(secret), "help", 999999, domain)
	if err := e.send("x@example.com", []string{ok}, msg("x@example.com", ok, "hi", "", "hi")); err != nil {
		t.Errorf("signed reply address refused: %v", err)
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets WHERE source = 'email'`); n != 2 {
		t.Errorf("tickets = %d, want 2 (printer + the reply to a ticket that does not exist)", n)
	}
}

func TestSMTPSizeLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, map[string]string{"SWITCHBOARD_MAX_MESSAGE_MB": "1"})
	big := msg("a@example.com", "it@"+domain, "big", "big@example.com", strings.Repeat("0123456789abcdef\n", 70_000))
	err := e.send("a@example.com", []string{"it@" + domain}, big)
	if code := smtpCode(err); code != 552 {
		t.Fatalf("over-size mail: got %v, want 552", err)
	}
	if n := e.count(`SELECT count(*) FROM inbound_mail`); n != 0 {
		t.Fatalf("an over-size mail was stored")
	}
}

// TestSMTP451WhenDatabaseDown: with the database unreachable the listener
// answers 451, at RCPT (the intake-address lookup) or at DATA, never 250.
func TestSMTP451WhenDatabaseDown(t *testing.T) {
	t.Parallel()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	db.Close() // every query now fails, as with the server gone
	srv := &intake.SMTPServer{Addr: "127.0.0.1:0", Domain: domain, Secret: []byte(secret), MaxBytes: 1 << 20,
		Store: &intake.Store{DB: db}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) }) // it reports no error
	err = smtp.SendMail(srv.ListenAddr(), nil, "a@example.com", []string{"it@" + domain}, []byte("Subject: x\r\n\r\nx\r\n"))
	if code := smtpCode(err); code != 451 {
		t.Errorf("RCPT with database down: got %v, want 451", err)
	}
	// A reply address needs no lookup, so the refusal comes at DATA.
	rcpt := mail.ReplyAddress([]byte(secret), "it", 1042, domain)
	err = smtp.SendMail(srv.ListenAddr(), nil, "a@example.com", []string{rcpt}, []byte("Subject: x\r\n\r\nx\r\n"))
	if code := smtpCode(err); code != 451 {
		t.Errorf("DATA with database down: got %v, want 451", err)
	}
}

func TestDuplicateMessageIDStoredOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	raw := msg("Bob <bob@example.com>", "it@"+domain, "VPN broken", "dup-1@example.com", "The VPN is broken.")
	e.mustSend("bob@example.com", []string{"it@" + domain}, raw)
	e.mustSend("bob@example.com", []string{"it@" + domain}, raw) // a resend
	// The same mail fetched by IMAP later.
	if _, dup, err := e.app.Mail.Store.Accept(context.Background(), intake.Received{Raw: []byte(raw), Via: "imap"}); err != nil || !dup {
		t.Fatalf("imap copy: dup=%v err=%v, want a duplicate", dup, err)
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM inbound_mail WHERE message_id = 'dup-1@example.com'`); n != 1 {
		t.Errorf("inbound rows = %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Errorf("tickets = %d, want 1", n)
	}
}
