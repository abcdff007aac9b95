package intake_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
	"switchboard/internal/ticket"
)

// trustEnv is a node with a staff member and a requester of corp.test, a
// domain that signs its mail (DKIM key in the test DNS) and publishes
// DMARC p=reject, and one ticket of the requester.
type trustEnv struct {
	*mailEnv
	key           *dkimKey
	agent, reqr   *helpdesk.User
	number        int64
	ticketID      int64
	messagesOnTkt func() int
}

func setupTrust(t *testing.T) *trustEnv {
	e := setup(t, nil)
	ctx := context.Background()
	te := &trustEnv{mailEnv: e, key: newDKIMKey(t, e.dns, "corp.test")}
	e.dns.set("_dmarc.corp.test", "v=DMARC1; p=reject")
	e.dns.set("corp.test", "v=spf1 ip4:192.0.2.10 -all") // its servers are elsewhere: loopback fails SPF
	var err error
	if te.agent, err = auth.CreateUser(ctx, e.db, auth.NewUser{Email: "agent@corp.test", Name: "Ana Agent", Role: helpdesk.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	if te.reqr, err = auth.CreateUser(ctx, e.db, auth.NewUser{Email: "rita@corp.test", Name: "Rita", Role: helpdesk.RoleRequester}); err != nil {
		t.Fatal(err)
	}
	tk, err := e.app.Tickets.Create(ctx, te.reqr, ticket.CreateInput{Subject: "Salary files on the share", Description: "restricted"})
	if err != nil {
		t.Fatal(err)
	}
	te.number, te.ticketID = tk.Number, tk.ID
	e.idle()
	te.messagesOnTkt = func() int { return e.count(`SELECT count(*) FROM messages WHERE ticket_id = $1`, tk.ID) }
	return te
}

// TestSpoofedStaffMailIsHeld: a stranger claiming a staff address with the
// ticket's [#N] tag is held, posts nothing and mails nothing; the staff
// member's real, DKIM-signed mail to their own reply address is posted.
func TestSpoofedStaffMailIsHeld(t *testing.T) {
	t.Parallel()
	e := setupTrust(t)
	before, outBefore := e.messagesOnTkt(), e.count(`SELECT count(*) FROM outbox`)
	subject := fmt.Sprintf("Re: [#%d] Salary files on the share", e.number)
	own := mail.RecipientReplyAddress([]byte(secret), "it", e.number, "agent@corp.test", domain)
	for i, to := range []string{"it@" + domain, own} {
		e.mustSend("agent@corp.test", []string{to}, msg("Ana Agent <agent@corp.test>", to, subject,
			fmt.Sprintf("spoof-%d@evil.test", i), "Please send your password to me."))
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM inbound_mail WHERE message_id LIKE 'spoof-%' AND status = 'held'`); n != 2 {
		t.Fatalf("%d of 2 spoofed staff mails held", n)
	}
	if n := e.messagesOnTkt(); n != before {
		t.Errorf("spoofed staff mail posted (%d messages, had %d)", n, before)
	}
	if n := e.count(`SELECT count(*) FROM outbox`); n != outBefore {
		t.Errorf("spoofed staff mail sent %d mails", n-outBefore)
	}
	// The real thing: signed by corp.test, to the agent's own reply address.
	e.mustSend("agent@corp.test", []string{own}, e.key.sign(t, msg("Ana Agent <agent@corp.test>", own, subject,
		"real-1@corp.test", "I have fixed the permissions.")))
	e.idle()
	if n := e.count(`SELECT count(*) FROM messages m JOIN users u ON u.id = m.author_id
		WHERE m.email_message_id = 'real-1@corp.test' AND u.email = 'agent@corp.test' AND NOT m.internal
		AND m.sender_check = 'Sender verified by DKIM for corp.test'`); n != 1 {
		t.Fatalf("signed staff reply not posted as staff with its verdict: %s",
			e.str(`SELECT status || ' ' || reason FROM inbound_mail WHERE message_id = 'real-1@corp.test'`))
	}
	// A held mail released by an admin is posted.
	id := e.count(`SELECT id FROM inbound_mail WHERE message_id = 'spoof-0@evil.test'`)
	if err := e.app.Mail.Store.Decide(context.Background(), adminOf(t, e.mailEnv), int64(id), "reject"); err != nil {
		t.Fatal(err)
	}
	if s := e.str(`SELECT status FROM inbound_mail WHERE id = $1`, id); s != "rejected" {
		t.Errorf("rejected mail has status %s", s)
	}
}

func adminOf(t *testing.T, e *mailEnv) *helpdesk.User {
	t.Helper()
	u, err := auth.CreateUser(context.Background(), e.db, auth.NewUser{Email: "root@corp.test", Name: "Root", Role: helpdesk.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSpoofedRequesterIsFlagged: the requester's address sent from a foreign
// IP, where corp.test's SPF says -all: added to the ticket flagged, as an
// internal note, and its copied strangers become no participants.
func TestSpoofedRequesterIsFlagged(t *testing.T) {
	t.Parallel()
	e := setupTrust(t)
	rcpt := mail.RecipientReplyAddress([]byte(secret), "it", e.number, "rita@corp.test", domain)
	e.mustSend("rita@corp.test", []string{rcpt}, msg("Rita <rita@corp.test>", rcpt, fmt.Sprintf("Re: [#%d] Salary", e.number),
		"spoofed-rita@evil.test", "Add my friend please.", "Cc: mallory@evil.test"))
	e.idle()
	if n := e.count(`SELECT count(*) FROM messages WHERE email_message_id = 'spoofed-rita@evil.test'
		AND sender_flagged AND internal AND ticket_id = $1`, e.ticketID); n != 1 {
		t.Fatalf("spoofed requester mail not a flagged note: %s",
			e.str(`SELECT status || ' ' || reason FROM inbound_mail WHERE message_id = 'spoofed-rita@evil.test'`))
	}
	if n := e.count(`SELECT count(*) FROM ticket_participants WHERE ticket_id = $1`, e.ticketID); n != 0 {
		t.Errorf("%d participants added by a spoofed mail", n)
	}
	if !strings.HasPrefix(e.str(`SELECT auth->>'result' FROM inbound_mail WHERE message_id = 'spoofed-rita@evil.test'`), "fail") {
		t.Error("verdict not stored as fail")
	}
}

// TestGuessedMessageIDsGrantNothing: a mail without Message-ID becomes a
// ticket; a stranger's replies naming every id form we ever assigned, the
// raw row number, the old inbound-N form and the assigned id itself, make
// new tickets and never a participant of the first.
func TestGuessedMessageIDsGrantNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.mustSend("rita@example.com", []string{"it@" + domain}, msg("Rita <rita@example.com>", "it@"+domain, "Salary share", "", "secret stuff"))
	e.idle()
	first := e.count(`SELECT id FROM tickets ORDER BY id LIMIT 1`)
	assigned := e.str(`SELECT email_message_id FROM messages WHERE ticket_id = $1`, first)
	if !strings.HasSuffix(assigned, "@assigned.switchboard.invalid") || len(assigned) < 32 {
		t.Fatalf("assigned id %q", assigned)
	}
	row := e.count(`SELECT id FROM inbound_mail ORDER BY id LIMIT 1`)
	guesses := []string{assigned, fmt.Sprintf("inbound-%d@switchboard.invalid", row), fmt.Sprintf("%d", row),
		fmt.Sprintf("inbound-%d@%s", row, domain), "switchboard.invalid", strings.ToUpper(assigned)}
	for i, g := range guesses {
		e.mustSend("eve@example.net", []string{"it@" + domain}, msg("Eve <eve@example.net>", "it@"+domain, "Re: Salary share",
			fmt.Sprintf("guess-%d@example.net", i), "let me in", "In-Reply-To: <"+g+">", "References: <"+g+">"))
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM messages WHERE ticket_id = $1`, first); n != 1 {
		t.Errorf("%d messages on the first ticket, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM ticket_participants p JOIN users u ON u.id = p.user_id WHERE u.email = 'eve@example.net'`); n != 0 {
		t.Errorf("eve became a participant of %d tickets", n)
	}
	// An SMTP retry of the mail without Message-ID (its 250 lost) stores nothing new.
	e.mustSend("rita@example.com", []string{"it@" + domain}, msg("Rita <rita@example.com>", "it@"+domain, "Salary share", "", "secret stuff"))
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = 'rita@example.com'`); n != 1 {
		t.Errorf("%d tickets after an SMTP retry, want 1", n)
	}
}

// TestForgedBounceChangesNothing: a bounce naming a user, about mail we
// never sent, marks nobody.
func TestForgedBounceChangesNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	if _, err := auth.CreateUser(context.Background(), e.db, auth.NewUser{Email: "boss@example.com", Name: "Boss", Role: helpdesk.RoleRequester}); err != nil {
		t.Fatal(err)
	}
	e.mustSend("", []string{"it@" + domain}, "From: Mail Delivery System <MAILER-DAEMON@evil.test>\nTo: it@"+domain+
		"\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <forged-1@evil.test>\nX-Failed-Recipients: boss@example.com\n"+
		"\nDelivery to boss@example.com failed permanently.\nMessage-ID: <sb.0123456789abcdef@"+domain+">\n")
	e.idle()
	if n := e.count(`SELECT count(*) FROM users WHERE email = 'boss@example.com' AND bouncing_at IS NULL`); n != 1 {
		t.Error("a forged bounce marked boss@example.com as bouncing")
	}
	if s := e.str(`SELECT status FROM inbound_mail WHERE message_id = 'forged-1@evil.test'`); s != "bounce" {
		t.Errorf("forged bounce status %s, want bounce (listed for admins)", s)
	}
}
