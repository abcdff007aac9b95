package ticket_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	db        *postgres.DB
	svc       *ticket.Service
	requester *helpdesk.User
	other     *helpdesk.User
	agent     *helpdesk.User
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	client, err := db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role helpdesk.Role) *helpdesk.User {
		u, err := auth.CreateUser(ctx, db, auth.NewUser{Email: email, Name: email, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	return &bundle{db: db, svc: &ticket.Service{DB: db, Jobs: client, MaxAttachment: 1 << 20},
		requester: mk("req@example.com", helpdesk.RoleRequester), other: mk("other@example.com", helpdesk.RoleRequester),
		agent: mk("agent@example.com", helpdesk.RoleAgent)}
}

func count(t *testing.T, db *postgres.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.RawPool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateWritesTicketMessageEventAndJob(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tk, err := b.svc.Create(ctx, b.requester, ticket.CreateInput{Subject: "  Printer   jams ", Description: "It **jams** <script>alert(1)</script>",
		Impact: helpdesk.ImpactTeam, Urgency: helpdesk.UrgencyCritical,
		Attachments: []helpdesk.Upload{{Filename: "../../etc/passwd", Data: []byte("\x89PNG\r\n\x1a\nxxxx")}}})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Number < 1000 || tk.Subject != "Printer jams" || tk.Status != helpdesk.StatusNew {
		t.Errorf("ticket = %+v", tk)
	}
	// team x critical = P2 in the ITIL matrix seeded by the migration.
	if tk.Priority != helpdesk.P2 {
		t.Errorf("priority = %s, want P2", tk.Priority)
	}
	if n := count(t, b.db, "SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = 'created'", tk.ID); n != 1 {
		t.Errorf("created events = %d", n)
	}
	if n := count(t, b.db, "SELECT count(*) FROM river_job WHERE kind = 'triage' AND (args->>'ticket_id')::bigint = $1", tk.ID); n != 1 {
		t.Errorf("triage jobs = %d", n)
	}
	msgs, err := b.svc.Conversation(ctx, b.requester, tk)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages = %d, %v", len(msgs), err)
	}
	if got := msgs[0].BodyHTML; got == "" || contains(got, "<script") || !contains(got, "<strong>jams</strong>") {
		t.Errorf("body html not rendered and sanitised: %q", got)
	}
	if a := msgs[0].Attachments; len(a) != 1 || a[0].Filename != "passwd" || a[0].ContentType != "image/png" {
		t.Errorf("attachment = %+v", a)
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.svc.Create(context.Background(), b.requester, ticket.CreateInput{Subject: " ", Description: "", Urgency: "soon",
		Attachments: []helpdesk.Upload{{Filename: "big.bin", Data: make([]byte, 2<<20)}}})
	fields := map[string]bool{}
	for _, f := range helpdesk.FieldErrors(err) {
		fields[f.Field] = true
	}
	for _, want := range []string{"subject", "description", "urgency", "attachments"} {
		if !fields[want] {
			t.Errorf("no error for %s: %v", want, err)
		}
	}
	missing := int64(999999)
	_, err = b.svc.Create(context.Background(), b.requester, ticket.CreateInput{Subject: "s", Description: "d", CategoryID: &missing})
	if f := helpdesk.FieldErrors(err); len(f) != 1 || f[0].Field != "category" {
		t.Errorf("unknown category: %v", err)
	}
	if n := count(t, b.db, "SELECT count(*) FROM tickets"); n != 0 {
		t.Errorf("tickets written on invalid input: %d", n)
	}
}

// A failure after the ticket was written (AfterInsert fails once the ticket,
// its message, attachment, event, Message-ID and triage job are in the
// transaction) leaves nothing behind. A Message-ID already taken is a
// conflict and, likewise, writes nothing.
func TestCreateRollsBackOnError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	in := ticket.CreateInput{Subject: "Mail one", Description: "x", EmailMessageID: "dup@example.com", Source: helpdesk.SourceEmail}
	if _, err := b.svc.Create(ctx, b.requester, in); err != nil {
		t.Fatal(err)
	}
	totals := func() [5]int {
		return [5]int{count(t, b.db, "SELECT count(*) FROM tickets"), count(t, b.db, "SELECT count(*) FROM ticket_events"),
			count(t, b.db, "SELECT count(*) FROM messages"), count(t, b.db, "SELECT count(*) FROM attachments"),
			count(t, b.db, "SELECT count(*) FROM river_job")}
	}
	before := totals()

	boom := errors.New("after insert failed")
	var ticketID int64
	_, err := b.svc.Create(ctx, b.requester, ticket.CreateInput{Subject: "Mail two", Description: "y",
		EmailMessageID: "rollback@example.com", Source: helpdesk.SourceEmail,
		Attachments: []helpdesk.Upload{{Filename: "a.txt", Data: []byte("hello")}},
		AfterInsert: func(ctx context.Context, tx *postgres.Tx, tk *helpdesk.Ticket) error {
			ticketID = tk.ID
			// Everything is written by now, inside the transaction.
			var n [5]int
			if err := tx.RawTx().QueryRow(ctx, `SELECT
				(SELECT count(*) FROM tickets WHERE id = $1),
				(SELECT count(*) FROM ticket_events WHERE ticket_id = $1),
				(SELECT count(*) FROM messages WHERE ticket_id = $1),
				(SELECT count(*) FROM attachments WHERE ticket_id = $1),
				(SELECT count(*) FROM river_job WHERE kind = 'triage' AND (args->>'ticket_id')::bigint = $1)`,
				tk.ID).Scan(&n[0], &n[1], &n[2], &n[3], &n[4]); err != nil {
				return err
			}
			for i, v := range n {
				if v == 0 {
					t.Errorf("row %d not written before AfterInsert: %v", i, n)
				}
			}
			return boom
		}})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the AfterInsert error", err)
	}
	if ticketID == 0 {
		t.Fatal("AfterInsert did not run")
	}
	for what, sql := range map[string]string{
		"ticket":     "SELECT count(*) FROM tickets WHERE id = $1",
		"event":      "SELECT count(*) FROM ticket_events WHERE ticket_id = $1",
		"message":    "SELECT count(*) FROM messages WHERE ticket_id = $1",
		"attachment": "SELECT count(*) FROM attachments WHERE ticket_id = $1",
		"message id": "SELECT count(*) FROM ticket_message_ids WHERE ticket_id = $1",
		"triage job": "SELECT count(*) FROM river_job WHERE kind = 'triage' AND (args->>'ticket_id')::bigint = $1",
	} {
		if n := count(t, b.db, sql, ticketID); n != 0 {
			t.Errorf("%s left behind after a failed create: %d", what, n)
		}
	}
	if after := totals(); before != after {
		t.Errorf("half-written: before %v after %v", before, after)
	}

	// A second mail with the same Message-ID is a conflict.
	_, err = b.svc.Create(ctx, b.requester, in)
	if helpdesk.ErrorCode(err) != helpdesk.ECONFLICT {
		t.Fatalf("err = %v, want conflict", err)
	}
	if after := totals(); before != after {
		t.Errorf("half-written: before %v after %v", before, after)
	}
}

func TestRepliesNotesAndStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tk, err := b.svc.Create(ctx, b.requester, ticket.CreateInput{Subject: "VPN", Description: "drops"})
	if err != nil {
		t.Fatal(err)
	}
	// Another requester cannot see, reply to or change it: not found.
	if _, err := b.svc.Get(ctx, b.other, tk.Number); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("other requester Get: %v", err)
	}
	if _, err := b.svc.AddMessage(ctx, b.other, tk.Number, ticket.MessageInput{Body: "hi"}); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("other requester reply: %v", err)
	}
	// Requesters cannot write notes (and are not told notes exist).
	if _, err := b.svc.AddMessage(ctx, b.requester, tk.Number, ticket.MessageInput{Body: "x", Internal: true}); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("requester note: %v", err)
	}
	if _, err := b.svc.AddMessage(ctx, b.agent, tk.Number, ticket.MessageInput{Body: "secret note", Internal: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.AddMessage(ctx, b.agent, tk.Number, ticket.MessageInput{Body: "Please restart"}); err != nil {
		t.Fatal(err)
	}
	got, _ := b.svc.Get(ctx, b.agent, tk.Number)
	if got.Status != helpdesk.StatusOpen || got.FirstRespondedAt == nil {
		t.Errorf("after staff reply: status %s first response %v", got.Status, got.FirstRespondedAt)
	}
	reqMsgs, _ := b.svc.Conversation(ctx, b.requester, got)
	for _, m := range reqMsgs {
		if m.Internal || contains(m.BodyText, "secret note") {
			t.Error("requester sees an internal note")
		}
	}
	if len(reqMsgs) != 2 {
		t.Errorf("requester messages = %d, want 2", len(reqMsgs))
	}
	// Pending pauses the SLA clock; the requester's reply resumes it.
	if _, err := b.svc.SetStatus(ctx, b.agent, tk.Number, helpdesk.StatusPending, "asked for logs"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, b.db, "SELECT count(*) FROM sla_pauses WHERE ticket_id = $1 AND resumed_at IS NULL", tk.ID); n != 1 {
		t.Errorf("open pauses = %d", n)
	}
	if _, err := b.svc.AddMessage(ctx, b.requester, tk.Number, ticket.MessageInput{Body: "logs attached"}); err != nil {
		t.Fatal(err)
	}
	got, _ = b.svc.Get(ctx, b.agent, tk.Number)
	if got.Status != helpdesk.StatusOpen {
		t.Errorf("after requester reply status = %s", got.Status)
	}
	if n := count(t, b.db, "SELECT count(*) FROM sla_pauses WHERE ticket_id = $1 AND resumed_at IS NOT NULL", tk.ID); n != 1 {
		t.Errorf("closed pauses = %d", n)
	}
	// Requesters may resolve and reopen, not put on hold.
	if _, err := b.svc.SetStatus(ctx, b.requester, tk.Number, helpdesk.StatusOnHold, ""); helpdesk.ErrorCode(err) != helpdesk.EFORBIDDEN {
		t.Errorf("requester on_hold: %v", err)
	}
	if _, err := b.svc.SetStatus(ctx, b.requester, tk.Number, helpdesk.StatusResolved, "works now"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.SetStatus(ctx, b.requester, tk.Number, helpdesk.StatusOpen, "broke again"); err != nil {
		t.Fatal(err)
	}
	// Every change wrote an event with its before and after.
	evs, err := b.svc.Events(ctx, b.agent, got)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
		if e.Kind == helpdesk.EventStatusChanged {
			var before, after map[string]string
			_ = json.Unmarshal(e.Before, &before)
			_ = json.Unmarshal(e.After, &after)
			if before["status"] == "" || after["status"] == "" {
				t.Errorf("status event without before/after: %s %s", e.Before, e.After)
			}
		}
	}
	want := []string{"created", "noted", "replied", "status_changed", "status_changed", "replied", "status_changed", "status_changed", "status_changed"}
	if len(kinds) != len(want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("events %v, want %v", kinds, want)
		}
	}
	if _, err := b.svc.Events(ctx, b.requester, got); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("requester events: %v", err)
	}
	if n := count(t, b.db, "SELECT count(*) FROM river_job WHERE kind = 'ticket_changed'"); n < 7 {
		t.Errorf("ticket_changed jobs = %d", n)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
