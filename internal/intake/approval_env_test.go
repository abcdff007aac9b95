package intake_test

import (
	"context"
	"net/mail"
	"strings"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
	"switchboard/internal/ticket"
)

// TestApprovalByMailReply: the manager gets the approval request by mail
// with a Reply-To signed for them; a colleague replying "approve" to that
// address decides nothing, nor does an unauthenticated forgery of the
// manager; the manager's own reply "Decline: …" declines with that reason,
// closes the ticket and makes no ticket or message of the reply.
func TestApprovalByMailReply(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	req, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: "rita@example.com", Name: "Rita", Role: helpdesk.RoleRequester})
	if err != nil {
		t.Fatal(err)
	}
	boss, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: "boss@example.com", Name: "Bea Boss", Role: helpdesk.RoleRequester})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.CreateUser(ctx, e.db, auth.NewUser{Email: "eve@example.com", Name: "Eve", Role: helpdesk.RoleRequester}); err != nil {
		t.Fatal(err)
	}
	var catID int64
	if err := e.db.RawPool().QueryRow(ctx, `WITH t AS (INSERT INTO teams (slug, name) VALUES ('desk', 'Desk') RETURNING id)
		INSERT INTO categories (name, team_id, approval) SELECT 'Software request', id, 'manager' FROM t RETURNING id`).Scan(&catID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.RawPool().Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, boss.ID, req.ID); err != nil {
		t.Fatal(err)
	}
	tk, err := e.app.Tickets.Create(ctx, req, ticket.CreateInput{Subject: "Acrobat Pro", Description: "For contracts.", CategoryID: &catID})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.Approvals.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var replyTo string
	testwait.Until(t, testwait.Long, "the approval request mailed to the manager", func() bool {
		for _, m := range e.sink.to("boss@example.com") {
			pm, err := mail.ReadMessage(strings.NewReader(string(m.Raw)))
			if err == nil && strings.Contains(pm.Header.Get("Subject"), "Approval needed") {
				replyTo = pm.Header.Get("Reply-To")
				return true
			}
		}
		return false
	})
	rt, err := mail.ParseAddress(replyTo)
	if err != nil || !strings.HasPrefix(rt.Address, "approval+") {
		t.Fatalf("Reply-To %q is not an approval address (%v)", replyTo, err)
	}
	addr := rt.Address
	status := func() string {
		return e.str(`SELECT status FROM approvals WHERE ticket_id = $1`, tk.ID)
	}
	// A colleague who got the mail forwarded: the address is not theirs.
	e.mustSend("eve@example.com", []string{addr}, msg("Eve <eve@example.com>", addr, "Re: Approval needed", "eve-1@example.com", "Approve"))
	// A forgery of the manager from a host the domain does not allow.
	e.mustSend("boss@example.net", []string{addr}, msg("Bea Boss <boss@example.com>", addr, "Re: Approval needed", "forged-1@example.net",
		"Approve"))
	e.idle()
	if s := status(); s != helpdesk.ApprovalPending {
		t.Fatalf("after a colleague's and a forged reply the approval is %s; want pending", s)
	}
	e.mustSend("boss@example.com", []string{addr}, msg("Bea Boss <boss@example.com>", addr, "Re: Approval needed", "boss-1@example.com",
		"Decline: no budget this year.\n\nOn Mon, IT Helpdesk wrote:\n> Approve or decline here"))
	e.idle()
	testwait.Until(t, testwait.Long, "the mailed decline applied", func() bool { return status() == helpdesk.ApprovalDeclined })
	if c := e.str(`SELECT via || ': ' || comment FROM approvals WHERE ticket_id = $1`, tk.ID); c != "mail: no budget this year." {
		t.Fatalf("decision recorded as %q", c)
	}
	if s := e.str(`SELECT status FROM tickets WHERE id = $1`, tk.ID); s != "closed" {
		t.Fatalf("declined ticket is %s; want closed", s)
	}
	if n := e.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets; the replies must not make tickets", n)
	}
	if n := e.count(`SELECT count(*) FROM messages WHERE ticket_id = $1 AND email_message_id IS NOT NULL`, tk.ID); n != 0 {
		t.Fatal("an approval reply became a message on the ticket")
	}
	if n := e.count(`SELECT count(*) FROM inbound_mail WHERE message_id = 'boss-1@example.com' AND status = 'ignored' AND reason LIKE '%declined by mail%'`); n != 1 {
		t.Fatal("the reply's record does not say what it decided")
	}
}
