package intake_test

import (
	"context"
	"strings"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
)

// TestBounceLoopAndMachineMail: a DSN for our acknowledgement records a
// delivery failure on the ticket and marks the address bouncing; our own mail
// coming back is dropped; machine mail becomes a ticket without mail back.
func TestBounceLoopAndMachineMail(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.mustSend("bob@example.com", []string{"it@" + domain}, msg("Bob <bob@example.com>", "it@"+domain, "Keyboard", "kb-1@example.com", "keys stuck"))
	e.idle()
	acks := e.sink.to("bob@example.com")
	if len(acks) != 1 {
		t.Fatalf("acks = %d", len(acks))
	}
	ack := readMail(t, acks[0].Raw)
	tickets := e.count(`SELECT count(*) FROM tickets`)

	// Our own acknowledgement comes back (a forwarding loop).
	e.mustSend("bob@example.com", []string{"it@" + domain}, strings.ReplaceAll(string(acks[0].Raw), "\r\n", "\n"))
	// A DSN about it.
	dsn := "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\nTo: it@" + domain + "\nSubject: Undelivered Mail Returned to Sender\n" +
		"Message-ID: <dsn-1@mx.example.com>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n" +
		"--b\nContent-Type: text/plain\n\nYour message could not be delivered.\n" +
		"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.1.1\n" +
		"--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <" + ack.msgID + ">\nTo: bob@example.com\nSubject: x\n--b--\n"
	e.mustSend("", []string{"it@" + domain}, dsn)
	// Machine mail: a monitoring alert.
	e.mustSend("nagios@example.com", []string{"it@" + domain}, msg("nagios@example.com", "it@"+domain, "PROBLEM: disk /var 95%", "alert-1@example.com",
		"disk almost full", "Auto-Submitted: auto-generated"))
	e.idle()
	if st := e.str(`SELECT status FROM inbound_mail WHERE message_id = $1`, ack.msgID); st != "loop" {
		t.Errorf("our own mail back: status %q, want loop", st)
	}
	if st := e.str(`SELECT status FROM inbound_mail WHERE message_id = 'dsn-1@mx.example.com'`); st != "bounce" {
		t.Errorf("DSN: status %q, want bounce", st)
	}
	if n := e.count(`SELECT count(*) FROM ticket_events WHERE kind = 'mail_failed'`); n != 1 {
		t.Errorf("mail_failed events = %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM users WHERE email = 'bob@example.com' AND bouncing_at IS NOT NULL`); n != 1 {
		t.Errorf("bob not marked bouncing")
	}
	if st := e.str(`SELECT status FROM outbox WHERE message_id = $1`, ack.msgID); st != "failed" {
		t.Errorf("bounced outbox row status %q, want failed", st)
	}
	if n := e.count(`SELECT count(*) FROM tickets`); n != tickets+1 {
		t.Errorf("tickets = %d, want %d (only the alert)", n, tickets+1)
	}
	if n := len(e.sink.to("nagios@example.com")); n != 0 {
		t.Errorf("machine mail got %d mails back", n)
	}
	if n := len(e.sink.all()); n != 1 {
		t.Errorf("mails sent = %d, want only the first acknowledgement", n)
	}
	// Bob writes again: his address works again.
	e.mustSend("bob@example.com", []string{"it@" + domain}, msg("bob@example.com", "it@"+domain, "Mouse too", "kb-2@example.com", "and the mouse"))
	e.idle()
	if n := e.count(`SELECT count(*) FROM users WHERE email = 'bob@example.com' AND bouncing_at IS NULL`); n != 1 {
		t.Errorf("bouncing mark not cleared by new mail")
	}
}

// TestMentionsAndRawDownload: the mention hook mails the agent; raw mail is
// downloadable by staff only.
func TestMentionsAndRawDownload(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	agent, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: "ana@example.com", Name: "Ana", Role: helpdesk.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	e.mustSend("zoe@example.com", []string{"it@" + domain}, msg("zoe@example.com", "it@"+domain, "Monitor flickers", "zoe-1@example.com", "<script>x</script> flicker"))
	e.idle()
	var ticketID, msgID, inboundID, number int64
	if err := e.db.RawPool().QueryRow(ctx, `SELECT t.id, m.id, i.id, t.number FROM inbound_mail i JOIN messages m ON m.id = i.msg_id
		JOIN tickets t ON t.id = m.ticket_id`).Scan(&ticketID, &msgID, &inboundID, &number); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Jobs.Insert(ctx, jobs.MentionArgs{TicketID: ticketID, MessageID: msgID, AgentIDs: []int64{agent.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	e.idle()
	got := e.sink.to("ana@example.com")
	if len(got) != 1 {
		t.Fatalf("mention mails = %d, want 1", len(got))
	}
	m := readMail(t, got[0].Raw)
	// Not threaded into the ticket (TestMentionMailCannotAnswerTheRequester).
	checkOwnMail(t, m, true)
	if strings.Contains(m.html, "<script>") {
		t.Error("mention HTML carries the sender's markup unescaped")
	}

	store := e.app.Mail.Store
	raw, err := store.Raw(ctx, agent, inboundID)
	if err != nil || !strings.Contains(string(raw.Raw), "zoe-1@example.com") {
		t.Fatalf("staff download: %v", err)
	}
	if r, err := store.RawForMessage(ctx, agent, number, msgID); err != nil || r.ID != inboundID {
		t.Errorf("download by message: %v", err)
	}
	zoe := e.user("zoe@example.com")
	zoe.Role = helpdesk.RoleRequester
	if _, err := store.Raw(ctx, zoe, inboundID); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("requester download: %v, want not found", err)
	}
}
