package intake_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/mail"
	"switchboard/internal/ticket"
)

// parsed is a captured outgoing mail, read back the way a mail client would.
type parsed struct {
	h     netmail.Header
	text  string
	html  string
	raw   []byte
	msgID string
}

func readMail(t *testing.T, raw []byte) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("outgoing mail does not parse: %v\n%s", err, raw)
	}
	p := parsed{h: m.Header, raw: raw, msgID: strings.Trim(m.Header.Get("Message-Id"), "<>")}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q, want multipart/alternative", m.Header.Get("Content-Type"))
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part)
		switch ct := part.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			p.text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			p.html = string(b)
		}
	}
	if p.text == "" || p.html == "" {
		t.Fatalf("want a text and an HTML part:\n%s", raw)
	}
	return p
}

func (p parsed) subject() string {
	s, _ := new(mime.WordDecoder).DecodeHeader(p.h.Get("Subject"))
	return s
}

// checkOwnMail asserts what every mail we send must carry.
func checkOwnMail(t *testing.T, p parsed, auto bool) {
	t.Helper()
	if !strings.HasSuffix(p.msgID, "@"+domain) {
		t.Errorf("Message-ID %q not in our domain", p.msgID)
	}
	if p.h.Get(mail.LoopHeader) == "" {
		t.Errorf("no %s header", mail.LoopHeader)
	}
	if got := p.h.Get("Auto-Submitted"); auto && got != "auto-generated" || !auto && got != "" {
		t.Errorf("Auto-Submitted = %q (automatic mail: %v)", got, auto)
	}
}

// checkOurHeaders asserts what mail to a ticket's requester and participants
// must carry besides: what threads an answer into ticket number.
func checkOurHeaders(t *testing.T, p parsed, number int64, auto bool) {
	t.Helper()
	checkOwnMail(t, p, auto)
	if !strings.Contains(p.subject(), "[#"+strconv.FormatInt(number, 10)+"]") {
		t.Errorf("subject %q lacks [#%d]", p.subject(), number)
	}
	rt, err := netmail.ParseAddress(p.h.Get("Reply-To"))
	if err != nil {
		t.Fatalf("Reply-To %q: %v", p.h.Get("Reply-To"), err)
	}
	if _, n, ok := mail.ParseReplyAddress([]byte(secret), rt.Address, domain); !ok || n != number {
		t.Errorf("Reply-To %q is not a signed address for #%d", rt.Address, number)
	}
	if p.h.Get("In-Reply-To") == "" || p.h.Get("References") == "" {
		t.Errorf("missing In-Reply-To/References: %q / %q", p.h.Get("In-Reply-To"), p.h.Get("References"))
	}
}

// TestOutboundRoundTrip: a new ticket by mail gets an acknowledgement that
// threads in mail clients; answering it the way a client does lands on the
// same ticket; an agent's reply, by web or by mail, reaches the requester;
// resolving sends the satisfaction link. Notes send nothing.
func TestOutboundRoundTrip(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	agent, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: "agent@example.com", Name: "Ana Agent", Role: helpdesk.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	e.mustSend("carol@example.com", []string{"it@" + domain},
		msg("Carol <carol@example.com>", "it@"+domain, "Laptop will not boot", "orig-1@mail.example.com", "Black screen since the update."))
	e.idle()
	number := int64(e.count(`SELECT number FROM tickets`))
	acks := e.sink.to("carol@example.com")
	if len(acks) != 1 {
		t.Fatalf("acknowledgements = %d, want 1", len(acks))
	}
	ack := readMail(t, acks[0].Raw)
	checkOurHeaders(t, ack, number, true)
	if got := ack.h.Get("In-Reply-To"); got != "<orig-1@mail.example.com>" {
		t.Errorf("ack In-Reply-To = %q, want the requester's Message-ID", got)
	}
	if _, ok := mail.ParseBounceAddress([]byte(secret), acks[0].From, domain); !ok {
		t.Errorf("envelope sender %q, want our signed return path (so bounces come back, naming this mail)", acks[0].From)
	}

	// Carol answers as a mail client would: to the Reply-To, with
	// In-Reply-To/References, "Re:" subject and the quote below.
	rt, _ := netmail.ParseAddress(ack.h.Get("Reply-To"))
	reply := msg("Carol <carol@example.com>", rt.Address, "Re: "+ack.subject(), "orig-2@mail.example.com",
		"It shows a blinking cursor now.\n\nOn Mon, IT Helpdesk wrote:\n> we received your request",
		"In-Reply-To: <"+ack.msgID+">", "References: <orig-1@mail.example.com> <"+ack.msgID+">")
	e.mustSend("carol@example.com", []string{rt.Address}, reply)
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Fatalf("tickets = %d after the reply, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM messages WHERE email_message_id = 'orig-2@mail.example.com'`); n != 1 {
		t.Fatalf("reply not stored on the ticket")
	}
	if n := len(e.sink.to("carol@example.com")); n != 1 {
		t.Errorf("a requester's follow-up triggered mail back (%d mails)", n)
	}

	// An internal note sends nothing; a public web reply does.
	if _, err := e.app.Tickets.AddMessage(ctx, agent, number, ticket.MessageInput{Body: "checked BIOS", Internal: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Tickets.AddMessage(ctx, agent, number, ticket.MessageInput{Body: "Please hold **F8** while booting."}); err != nil {
		t.Fatal(err)
	}
	e.idle()
	got := e.sink.to("carol@example.com")
	if len(got) != 2 {
		t.Fatalf("mails to requester = %d, want 2 (ack + agent reply; the note sends nothing)", len(got))
	}
	rep := readMail(t, got[1].Raw)
	checkOurHeaders(t, rep, number, false)
	if !strings.Contains(rep.text, "F8") || strings.Contains(rep.text, "checked BIOS") {
		t.Errorf("reply text: %q", rep.text)
	}
	if !strings.Contains(rep.h.Get("References"), "orig-1@mail.example.com") {
		t.Errorf("References %q lack the thread root", rep.h.Get("References"))
	}

	// The agent answers by mail to that notification's Reply-To, which was
	// made for the requester: held for review, posted nowhere (issue 13).
	art, _ := netmail.ParseAddress(rep.h.Get("Reply-To"))
	e.mustSend("agent@example.com", []string{art.Address}, msg("Ana Agent <agent@example.com>", art.Address,
		"Re: "+rep.subject(), "agent-0@example.com", "Also try safe mode.", "In-Reply-To: <"+rep.msgID+">"))
	e.idle()
	if n := e.count(`SELECT count(*) FROM inbound_mail WHERE message_id = 'agent-0@example.com' AND status = 'held'`); n != 1 {
		t.Errorf("agent reply on the requester's reply address not held")
	}
	// On the reply address made for the agent (as their own notifications
	// carry), from a domain whose SPF passes: a public reply as the agent.
	own := mail.RecipientReplyAddress([]byte(secret), "it", number, "agent@example.com", domain)
	e.mustSend("agent@example.com", []string{own}, msg("Ana Agent <agent@example.com>", own,
		"Re: "+rep.subject(), "agent-1@example.com", "Also try safe mode.", "In-Reply-To: <"+rep.msgID+">"))
	e.idle()
	if who := e.str(`SELECT u.email FROM messages m JOIN users u ON u.id = m.author_id WHERE m.email_message_id = 'agent-1@example.com' AND NOT m.internal`); who != "agent@example.com" {
		t.Errorf("agent mail posted by %q", who)
	}
	if n := len(e.sink.to("carol@example.com")); n != 3 {
		t.Errorf("requester mails = %d, want 3 (the agent's mail reply forwarded)", n)
	}

	// Resolve: the requester gets the satisfaction link.
	if _, err := e.app.Tickets.SetStatus(ctx, agent, number, helpdesk.StatusResolved, "fixed"); err != nil {
		t.Fatal(err)
	}
	e.idle()
	got = e.sink.to("carol@example.com")
	if len(got) != 4 {
		t.Fatalf("requester mails = %d, want 4", len(got))
	}
	res := readMail(t, got[3].Raw)
	checkOurHeaders(t, res, number, true)
	if want := "https://help.example.com/tickets/" + strconv.FormatInt(number, 10); !strings.Contains(res.text, want) ||
		!strings.Contains(res.html, want) {
		t.Errorf("resolution mail lacks the satisfaction link %s:\n%s", want, res.text)
	}
}

// TestOutboxWithoutRelay: with no relay, mail waits in the outbox with a
// note, nothing dropped.
func TestOutboxWithoutRelay(t *testing.T) {
	t.Parallel()
	e := setup(t, map[string]string{"SWITCHBOARD_SMTP_RELAY": ""})
	e.mustSend("dan@example.com", []string{"it@" + domain}, msg("dan@example.com", "it@"+domain, "Mouse", "m1@example.com", "broken"))
	e.idle()
	if n := e.count(`SELECT count(*) FROM outbox WHERE status = 'queued' AND kind = 'ack' AND last_error LIKE 'no relay%'`); n != 1 {
		t.Fatalf("queued acks waiting = %d, want 1", n)
	}
}

// TestPermanentFailureShowsOnTicket: a relay that refuses the recipient
// (550) fails the mail at once and records it on the ticket.
func TestPermanentFailureShowsOnTicket(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.sink.fail = func(rcpt string) error {
		if strings.HasPrefix(rcpt, "gone@") {
			return &smtpErr550
		}
		return nil
	}
	e.mustSend("gone@example.com", []string{"it@" + domain}, msg("gone@example.com", "it@"+domain, "Help", "g1@example.com", "help"))
	e.idle()
	if n := e.count(`SELECT count(*) FROM outbox WHERE status = 'failed' AND to_addr = 'gone@example.com'`); n != 1 {
		t.Fatalf("failed outbox rows = %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM ticket_events ev JOIN outbox o ON o.ticket_id = ev.ticket_id
		WHERE ev.kind = 'mail_failed' AND ev.after->>'to' = 'gone@example.com' AND o.to_addr = 'gone@example.com'
		  AND (ev.after->>'outbox_id')::bigint = o.id`); n != 1 {
		t.Fatalf("mail_failed events naming the failed recipient and outbox row = %d, want 1", n)
	}
}

// TestMailFailureUpdatesLiveViews: a failed mail is announced on the
// live-update channel like every other ticket event, so an open ticket page
// or queue shows the failure without a reload.
func TestMailFailureUpdatesLiveViews(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.sink.fail = func(rcpt string) error {
		if strings.HasPrefix(rcpt, "gone@") {
			return &smtpErr550
		}
		return nil
	}
	ctx := context.Background()
	// Written directly, resolved and without due times: nothing else
	// announces this ticket while the test listens.
	var id, number int64
	if err := e.db.RawPool().QueryRow(ctx, `WITH u AS (
			INSERT INTO users (email, name, role) VALUES ('gone@example.com', 'Gone', 'requester') RETURNING id)
		INSERT INTO tickets (subject, status, requester_id) SELECT 'Old laptop', 'resolved', id FROM u
		RETURNING id, number`).Scan(&id, &number); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, e.db.RawPool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "LISTEN "+ticket.NotifyChannel); err != nil {
		t.Fatal(err)
	}
	var outbox int64
	if err := e.db.RawPool().QueryRow(ctx, `INSERT INTO outbox (ticket_id, kind, to_addr, subject, raw, message_id)
		VALUES ($1, 'resolved', 'gone@example.com', 'Resolved: Old laptop', $2, 'live-1@`+domain+`') RETURNING id`,
		id, []byte("From: it@"+domain+"\r\nTo: gone@example.com\r\nSubject: Resolved\r\n\r\nDone.\r\n")).Scan(&outbox); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Jobs.Insert(ctx, jobs.SendArgs{OutboxID: outbox}, nil); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	n, err := conn.WaitForNotification(wait)
	if err != nil {
		t.Fatalf("no live update after the mail failed: %v", err)
	}
	if n.Payload != strconv.FormatInt(number, 10) {
		t.Errorf("live update for %q, want ticket %d", n.Payload, number)
	}
	if c := e.count(`SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = 'mail_failed'`, id); c != 1 {
		t.Errorf("mail_failed events = %d, want 1", c)
	}
}

// TestAckLimit: at most 5 acknowledgements per sender per hour.
func TestAckLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	for i := range 7 {
		e.mustSend("eve@example.com", []string{"it@" + domain}, msg("eve@example.com", "it@"+domain,
			"Problem "+strconv.Itoa(i), "lim-"+strconv.Itoa(i)+"@example.com", "text"))
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets`); n != 7 {
		t.Errorf("tickets = %d, want 7", n)
	}
	if n := len(e.sink.to("eve@example.com")); n != 5 {
		t.Errorf("acknowledgements = %d, want 5", n)
	}
}
