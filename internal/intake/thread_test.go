package intake_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/corpora"
	"switchboard/internal/helpdesk"
	"switchboard/internal/intake"
	"switchboard/internal/mail"
)

// TestThreading walks the threading rules with mail from the
// requester, a colleague and a stranger.
func TestThreading(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	e.mustSend("rita@example.com", []string{"it@" + domain},
		msg("Rita <rita@example.com>", "it@"+domain, "Outlook crashes", "root@example.com", "Outlook crashes on start.",
			"Cc: Paul <paul@example.com>"))
	e.idle()
	number := int64(e.count(`SELECT number FROM tickets`))
	ticketID := e.count(`SELECT id FROM tickets`)
	tag := "[#" + strconv.FormatInt(number, 10) + "]"
	replyAddr := mail.ReplyAddress([]byte(secret), "it", number, domain)
	if n := e.count(`SELECT count(*) FROM ticket_participants p JOIN users u ON u.id = p.user_id WHERE u.email = 'paul@example.com'`); n != 1 {
		t.Errorf("CC'd Paul is not a participant")
	}

	cases := []struct {
		name    string
		from    string
		rcpt    string
		subject string
		headers []string
		sameTkt bool
	}{
		{"reply address only", "rita@example.com", replyAddr, "something else entirely", nil, true},
		{"references only", "rita@example.com", "it@" + domain, "no tag here", []string{"References: <x@y> <root@example.com>"}, true},
		{"in-reply-to from a stranger (proof of having the mail)", "vendor@partner.example", "it@" + domain, "fwd", []string{"In-Reply-To: <root@example.com>"}, true},
		{"subject tag from requester", "rita@example.com", "it@" + domain, "Re: " + tag + " Outlook crashes", nil, true},
		{"subject tag from participant", "paul@example.com", "it@" + domain, "Re: " + tag, nil, true},
		{"subject tag from stranger makes a new ticket", "mallory@evil.example", "it@" + domain, "Re: " + tag + " Outlook crashes", nil, false},
		{"subject tag with forged reply address", "mallory@evil.example", "it@" + domain, tag, []string{"Cc: it+" + strconv.FormatInt(number, 10) + ".aaaaaaaaaa@" + domain}, false},
	}
	for i, c := range cases {
		id := "t" + strconv.Itoa(i) + "@example.com"
		e.mustSend(c.from, []string{c.rcpt}, msg(c.from, c.rcpt, c.subject, id, "message "+strconv.Itoa(i), c.headers...))
		e.idle()
		got := e.count(`SELECT ticket_id FROM messages WHERE email_message_id = $1`, id)
		if (got == ticketID) != c.sameTkt {
			t.Errorf("%s: landed on ticket %d (original %d), want same=%v", c.name, got, ticketID, c.sameTkt)
		}
	}
	// The stranger's mails became their own tickets, not visible to Rita.
	if n := e.count(`SELECT count(*) FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = 'mallory@evil.example'`); n != 2 {
		t.Errorf("stranger tickets = %d, want 2", n)
	}

	// A reply to a closed ticket opens a linked follow-up.
	admin, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: "admin@example.com", Name: "Admin", Role: helpdesk.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Tickets.SetStatus(ctx, admin, number, helpdesk.StatusClosed, "done"); err != nil {
		t.Fatal(err)
	}
	e.mustSend("rita@example.com", []string{replyAddr}, msg("rita@example.com", replyAddr, "Re: "+tag+" Outlook crashes",
		"after-close@example.com", "It crashes again."))
	e.idle()
	var followup, of int
	if err := e.db.RawPool().QueryRow(ctx, `SELECT t.id, coalesce(t.followup_of_id, 0) FROM messages m JOIN tickets t ON t.id = m.ticket_id
		WHERE m.email_message_id = 'after-close@example.com'`).Scan(&followup, &of); err != nil {
		t.Fatal(err)
	}
	if followup == ticketID || of != ticketID {
		t.Errorf("reply to closed ticket: ticket %d followup_of %d, want a new ticket linked to %d", followup, of, ticketID)
	}
	if st := e.str(`SELECT status FROM tickets WHERE id = $1`, ticketID); st != "closed" {
		t.Errorf("closed ticket changed to %s", st)
	}
}

// TestUnknownSenderPolicy: limited to domains, others get a refusal bounce
// and no ticket.
func TestUnknownSenderPolicy(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	if _, err := e.db.RawPool().Exec(context.Background(), `UPDATE settings SET value = '{"mode":"domains","domains":["example.com"]}'
		WHERE key = 'unknown_sender_policy'`); err != nil {
		t.Fatal(err)
	}
	e.mustSend("ok@sub.example.com", []string{"it@" + domain}, msg("ok@sub.example.com", "it@"+domain, "Ok", "u1@x", "hi"))
	e.mustSend("spam@other.example", []string{"it@" + domain}, msg("spam@other.example", "it@"+domain, "Buy now", "u2@x", "hi"))
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Errorf("tickets = %d, want 1", n)
	}
	if st := e.str(`SELECT status FROM inbound_mail WHERE message_id = 'u2@x'`); st != "refused" {
		t.Errorf("outside sender status %q, want refused", st)
	}
	if n := len(e.sink.to("spam@other.example")); n != 1 {
		t.Fatalf("refusals = %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM users WHERE email = 'spam@other.example'`); n != 0 {
		t.Errorf("an account was created for a refused sender")
	}
}

func corpusFiles(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpora.Path(t, ""), pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files for %s", pattern)
	}
	return files
}

// TestSisimaiBouncesCreateNoTicket runs every sisimai bounce (LF, CRLF and
// CR-only copies) through the whole pipeline: stored, processed, no ticket,
// no mail back.
func TestSisimaiBouncesCreateNoTicket(t *testing.T) {
	t.Parallel()
	// One database per copy: the LF, CRLF and CR-only copies share their
	// Message-IDs, and would otherwise be stored once.
	for _, variant := range []string{"bsd", "dos", "mac"} {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			testBounces(t, corpusFiles(t, "sisimai-set-of-emails/maildir/"+variant+"/*.eml"))
		})
	}
}

func testBounces(t *testing.T, files []string) {
	e := setup(t, map[string]string{"SWITCHBOARD_SMTP_ADDR": "off"})
	ctx := context.Background()
	// Some bounces report mail from known people: they must get marked, not ticketed.
	for _, f := range files {
		if filepath.Base(f) == "lhost-sendmail-14.eml" {
			continue // "Fwd: Returned mail" forwarded by a person: a ticket (issue 13)
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.app.Mail.Store.Accept(ctx, intake.Received{Raw: raw, Via: "smtp", Rcpt: []string{"it@" + domain}}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets`); n != 0 {
		rows, _ := e.db.RawPool().Query(ctx, `SELECT i.id, i.kind, i.reason, i.subject FROM inbound_mail i WHERE status IN ('ticket','message') LIMIT 20`)
		for rows.Next() {
			var id int64
			var kind, reason, subject string
			_ = rows.Scan(&id, &kind, &reason, &subject)
			t.Logf("inbound %d kind=%s reason=%s subject=%q", id, kind, reason, subject)
		}
		rows.Close()
		t.Fatalf("sisimai bounces created %d tickets", n)
	}
	if n := e.count(`SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("bounces triggered %d mails", n)
	}
	if n := e.count(`SELECT count(*) FROM inbound_mail WHERE status NOT IN ('bounce', 'ignored', 'loop')`); n != 0 {
		t.Errorf("%d bounces ended in another status", n)
	}
	t.Logf("%d files, %d stored (Message-ID repeats stored once), %d bounce, %d ignored (auto-replies)", len(files),
		e.count(`SELECT count(*) FROM inbound_mail`), e.count(`SELECT count(*) FROM inbound_mail WHERE status = 'bounce'`),
		e.count(`SELECT count(*) FROM inbound_mail WHERE status = 'ignored'`))
}

// TestAutoRepliesNeverActOnTickets: the rfc3834 auto-replies, threaded onto a
// pending ticket by In-Reply-To or not threaded at all, create no ticket,
// send no mail and change no status; threaded ones leave an auto_reply event.
func TestAutoRepliesNeverActOnTickets(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	agent, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: "agent@example.com", Name: "Agent", Role: helpdesk.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	e.mustSend("vic@example.com", []string{"it@" + domain}, msg("vic@example.com", "it@"+domain, "Disk full", "vic-1@example.com", "C: is full"))
	e.idle()
	number := int64(e.count(`SELECT number FROM tickets`))
	if _, err := e.app.Tickets.SetStatus(ctx, agent, number, helpdesk.StatusPending, "waiting"); err != nil {
		t.Fatal(err)
	}
	e.idle()
	outBefore := e.count(`SELECT count(*) FROM outbox`)
	files := corpusFiles(t, "sisimai-set-of-emails/maildir/bsd/rfc3834-*.eml")
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(raw)
		// Give each copy its own Message-ID, and thread every other one.
		s = "Message-ID: <ar-" + strconv.Itoa(i) + "@example.com>\n" + dropHeader(s, "Message-Id")
		if i%2 == 0 {
			s = "In-Reply-To: <vic-1@example.com>\n" + dropHeader(s, "In-Reply-To")
		}
		if _, _, err := e.app.Mail.Store.Accept(ctx, intake.Received{Raw: []byte(s), Via: "smtp", Rcpt: []string{"it@" + domain}}); err != nil {
			t.Fatal(err)
		}
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Errorf("auto-replies created tickets: %d", n-1)
	}
	if st := e.str(`SELECT status FROM tickets`); st != "pending" {
		t.Errorf("status changed to %s", st)
	}
	if n := e.count(`SELECT count(*) FROM outbox`); n != outBefore {
		t.Errorf("auto-replies triggered %d mails", n-outBefore)
	}
	if n := e.count(`SELECT count(*) FROM messages`); n != 1 {
		t.Errorf("auto-replies became %d messages", n-1)
	}
	threaded := (len(files) + 1) / 2
	if n := e.count(`SELECT count(*) FROM ticket_events WHERE kind = 'auto_reply'`); n != threaded {
		t.Errorf("auto_reply events = %d, want %d", n, threaded)
	}
	admin, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: "root@example.com", Name: "Root", Role: helpdesk.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	ignored, err := e.app.Mail.Store.ListInbound(ctx, admin, "ignored", 100)
	if err != nil {
		t.Fatal(err)
	}
	unthreaded := 0
	for _, m := range ignored {
		if m.TicketID == nil {
			unthreaded++
		}
	}
	if unthreaded != len(files)-threaded {
		t.Errorf("unthreaded auto-replies in the ignored list = %d, want %d", unthreaded, len(files)-threaded)
	}
	if _, err := e.app.Mail.Store.ListInbound(ctx, agent, "ignored", 100); err == nil {
		t.Error("an agent read the admins' ignored-mail list")
	}
}

func dropHeader(raw, name string) string {
	var out []string
	lines := strings.Split(raw, "\n")
	skip := false
	for i, l := range lines {
		if l == "" || l == "\r" {
			out = append(out, lines[i:]...)
			break
		}
		if (l[0] == ' ' || l[0] == '\t') && skip {
			continue
		}
		skip = strings.HasPrefix(strings.ToLower(l), strings.ToLower(name)+":")
		if !skip {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
