package intake_test

import (
	"context"
	netmail "net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
	"switchboard/internal/sla"
	"switchboard/internal/ticket"
)

// TestMentionMailsTheAgent: an internal note that @mentions a colleague
// mails that colleague (not the writer, not the requester), through the
// ticket service's OnMention hook in the note's own transaction.
func TestMentionMailsTheAgent(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	mk := func(email, name string, role helpdesk.Role) *helpdesk.User {
		if _, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: email, Name: name, Role: role}); err != nil {
			t.Fatal(err)
		}
		return e.user(email)
	}
	ana := mk("ana@example.com", "Ana Agent", helpdesk.RoleAgent)
	mk("bob.tech@example.com", "Bob Tech", helpdesk.RoleAgent)
	req := mk("rita@example.com", "Rita", helpdesk.RoleRequester)
	tk, err := e.app.Tickets.Create(ctx, req, ticket.CreateInput{Subject: "Printer jams", Description: "Every page."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Tickets.Write(ctx, ana, tk.Number, "@bob.tech can you check the fuser? @ana", true); err != nil {
		t.Fatal(err)
	}
	e.idle()
	got := e.sink.to("bob.tech@example.com")
	if len(got) != 1 {
		t.Fatalf("mails to the mentioned agent = %d, want 1", len(got))
	}
	m := readMail(t, got[0].Raw)
	if a := m.h.Get("Auto-Submitted"); a != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", a)
	}
	if !strings.HasPrefix(m.subject(), "Mention: #"+strconv.FormatInt(tk.Number, 10)+" ") || !strings.Contains(m.text, "check the fuser") {
		t.Errorf("mention mail: subject %q, text %q", m.subject(), m.text)
	}
	if n := len(e.sink.to("ana@example.com")); n != 0 {
		t.Errorf("the writer got %d mails about their own mention", n)
	}
	if n := len(e.sink.to("rita@example.com")); n != 0 {
		t.Errorf("the requester got %d mails after an internal note", n)
	}
}

// TestMentionMailCannotAnswerTheRequester: a mention mail carries no
// ticket reply address and nothing else that threads into the ticket, and
// says to answer in the ticket; an agent who answers it by mail anyway does
// not post a public reply to the requester.
func TestMentionMailCannotAnswerTheRequester(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	for _, u := range []auth.NewUser{{Email: "ana@example.com", Name: "Ana", Role: helpdesk.RoleAgent},
		{Email: "bob.tech@example.com", Name: "Bob", Role: helpdesk.RoleAgent},
		{Email: "rita@example.com", Name: "Rita", Role: helpdesk.RoleRequester}} {
		if _, err := auth.CreateUser(ctx, e.db, u); err != nil {
			t.Fatal(err)
		}
	}
	tk, err := e.app.Tickets.Create(ctx, e.user("rita@example.com"), ticket.CreateInput{Subject: "Printer jams", Description: "Every page."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Tickets.Write(ctx, e.user("ana@example.com"), tk.Number, "@bob.tech the fuser is gone, she broke it", true); err != nil {
		t.Fatal(err)
	}
	e.idle()
	got := e.sink.to("bob.tech@example.com")
	if len(got) != 1 {
		t.Fatalf("mails to the mentioned agent = %d, want 1", len(got))
	}
	m := readMail(t, got[0].Raw)
	if rt := m.h.Get("Reply-To"); rt != "" {
		t.Errorf("mention mail has Reply-To %q: a reply by mail would reach the requester", rt)
	}
	for _, a := range append(m.h["From"], m.h["To"]...) {
		if addr, err := netmail.ParseAddress(a); err == nil {
			if _, _, ok := mail.ParseReplyAddress([]byte(secret), addr.Address, domain); ok {
				t.Errorf("mention mail carries the ticket's reply address %q", addr.Address)
			}
		}
	}
	if strings.Contains(m.subject(), "[#") || m.h.Get("In-Reply-To") != "" || m.h.Get("References") != "" {
		t.Errorf("mention mail threads into the ticket: subject %q, In-Reply-To %q, References %q",
			m.subject(), m.h.Get("In-Reply-To"), m.h.Get("References"))
	}
	link := "https://help.example.com/desk/tickets/" + strconv.FormatInt(tk.Number, 10)
	if !strings.Contains(m.text, "does not answer the ticket") || !strings.Contains(m.text, link) || !strings.Contains(m.html, link) {
		t.Errorf("mention mail does not say to answer in the ticket at %s:\n%s", link, m.text)
	}

	// Bob answers anyway, as a mail client would.
	to := m.h.Get("Reply-To")
	if to == "" {
		to = m.h.Get("From")
	}
	addr, err := netmail.ParseAddress(to)
	if err != nil {
		t.Fatal(err)
	}
	e.mustSend("bob.tech@example.com", []string{addr.Address}, msg("Bob <bob.tech@example.com>", addr.Address,
		"Re: "+m.subject(), "bob-1@example.com", "Not my fault, she poured coffee in it.",
		"In-Reply-To: <"+m.msgID+">", "References: <"+m.msgID+">"))
	e.idle()
	if n := e.count(`SELECT count(*) FROM messages WHERE ticket_id = $1 AND email_message_id = 'bob-1@example.com'`, tk.ID); n != 0 {
		t.Errorf("the answer to the mention mail was posted on the ticket")
	}
	if n := len(e.sink.to("rita@example.com")); n != 0 {
		t.Errorf("the requester got %d mails after the agent answered a mention mail", n)
	}
}

// TestSLABreachMailsTheLead: a breached SLA mails the team's lead, in the
// scan's transaction, with Auto-Submitted, the ticket link and the reason;
// a second scan sends nothing more.
func TestSLABreachMailsTheLead(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	if _, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: "lena.lead@example.com", Name: "Lena Lead", Role: helpdesk.RoleLead}); err != nil {
		t.Fatal(err)
	}
	lead := e.user("lena.lead@example.com")
	var team, req, id, number int64
	row := func(dst *int64, sql string, args ...any) {
		t.Helper()
		if err := e.db.RawPool().QueryRow(ctx, sql, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	row(&team, `INSERT INTO teams (slug, name) VALUES ('desk', 'Desk') RETURNING id`)
	if _, err := e.db.RawPool().Exec(ctx, `INSERT INTO team_members (team_id, user_id, is_lead) VALUES ($1, $2, true)`, team, lead.ID); err != nil {
		t.Fatal(err)
	}
	row(&req, `INSERT INTO users (email, name, role) VALUES ('sam@example.com', 'Sam', 'requester') RETURNING id`)
	// A P1 (first response due in an hour on a 24x7 team) opened two hours ago.
	row(&id, `INSERT INTO tickets (subject, status, priority, team_id, requester_id, created_at)
		VALUES ('VPN down for everyone', 'open', 'P1', $1, $2, now() - interval '2 hours') RETURNING id`, team, req)
	row(&number, `SELECT number FROM tickets WHERE id = $1`, id)
	// The wired service's parts, with a clock of its own.
	svc := &sla.Service{DB: e.app.SLA.DB, Log: e.app.SLA.Log, Alert: e.app.SLA.Alert, Now: time.Now}
	if err := svc.Recompute(ctx, id); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := svc.Scan(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM outbox WHERE kind = 'sla_breached' AND to_addr = 'lena.lead@example.com'`); n != 1 {
		t.Fatalf("sla_breached outbox rows to the lead = %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE kind = 'sla_warning'`); n != 0 {
		t.Errorf("a warning was mailed after the breach (%d)", n)
	}
	got := e.sink.to("lena.lead@example.com")
	if len(got) != 1 {
		t.Fatalf("mails delivered to the lead = %d, want 1", len(got))
	}
	m := readMail(t, got[0].Raw)
	if a := m.h.Get("Auto-Submitted"); a != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", a)
	}
	link := "https://help.example.com/desk/tickets/" + strconv.FormatInt(number, 10)
	if !strings.HasPrefix(m.subject(), "SLA breached: ") || !strings.Contains(m.text, link) || !strings.Contains(m.html, link) {
		t.Errorf("breach mail: subject %q, text %q", m.subject(), m.text)
	}
	if !strings.Contains(m.text, "first_response at") {
		t.Errorf("breach mail lacks the reason: %q", m.text)
	}
	if m.h.Get("Reply-To") != "" || strings.Contains(m.subject(), "[#") {
		t.Errorf("alert threads into the ticket (Reply-To %q, subject %q): a reply would reach the requester",
			m.h.Get("Reply-To"), m.subject())
	}
}
