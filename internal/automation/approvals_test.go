package automation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// approvalBundle adds to setup a category "Software request" of team desk
// that needs the manager's approval, a manager (a requester-role person,
// as most managers are) for the requester, and an approvals service whose
// mails are captured.
type approvalBundle struct {
	*bundle
	ap      *automation.Approvals
	manager *helpdesk.User
	catID   int64
	mails   []helpdesk.ApprovalMail
}

func setupApprovals(t *testing.T) *approvalBundle {
	t.Helper()
	ctx := context.Background()
	b := &approvalBundle{bundle: setup(t)}
	m, err := auth.CreateUser(ctx, b.db, auth.NewUser{Email: "boss@example.com", Name: "Bea Boss", Role: helpdesk.RoleRequester})
	if err != nil {
		t.Fatal(err)
	}
	b.manager = m
	if _, err := b.db.RawPool().Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, m.ID, b.requester.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.db.RawPool().QueryRow(ctx, `INSERT INTO categories (name, team_id, approval, approval_remind_hours, approval_expire_hours)
		VALUES ('Software request', (SELECT id FROM teams WHERE slug = 'desk'), 'manager', 24, 72) RETURNING id`).Scan(&b.catID); err != nil {
		t.Fatal(err)
	}
	b.ap = &automation.Approvals{DB: b.db, Tickets: b.tickets, BaseURL: "http://help.test", Now: func() time.Time { return b.now },
		Mail: func(_ context.Context, _ *postgres.Tx, m helpdesk.ApprovalMail) error {
			b.mails = append(b.mails, m)
			return nil
		}}
	return b
}

// request files a ticket in the approval category and runs the scan.
func (b *approvalBundle) request(t *testing.T, subject string) (*helpdesk.Ticket, *helpdesk.Approval) {
	t.Helper()
	ctx := context.Background()
	tk, err := b.tickets.Create(ctx, b.requester, ticket.CreateInput{Subject: subject, Description: "Please install " + subject,
		CategoryID: &b.catID, Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyMedium})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.ap.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	apps, err := b.db.TicketApprovals(ctx, tk.ID)
	if err != nil || len(apps) != 1 {
		t.Fatalf("approvals of #%d = %v, %v; want one", tk.Number, apps, err)
	}
	return b.get(t, tk.Number), &apps[0]
}

func (b *approvalBundle) openPauses(t *testing.T, ticketID int64) int {
	return b.count(t, `SELECT count(*) FROM sla_pauses WHERE ticket_id = $1 AND resumed_at IS NULL`, ticketID)
}

func TestApprovalByManagerOnTheWeb(t *testing.T) {
	b := setupApprovals(t)
	ctx := context.Background()
	tk, a := b.request(t, "Photoshop")
	if tk.Status != helpdesk.StatusOnHold || a.Status != helpdesk.ApprovalPending || len(a.Approvers) != 1 || a.Approvers[0] != b.manager.ID {
		t.Fatalf("after the request: ticket %s, approval %s by %v; want on_hold, pending by the manager %d", tk.Status, a.Status, a.Approvers, b.manager.ID)
	}
	if b.openPauses(t, tk.ID) != 1 {
		t.Fatal("the SLA clock is not paused while the ticket waits for approval")
	}
	if n := b.count(t, `SELECT count(*) FROM messages WHERE ticket_id = $1 AND NOT internal AND body_text LIKE '%needs approval by Bea Boss%'`, tk.ID); n != 1 {
		t.Fatal("the requester's ticket does not say whose approval it waits for")
	}
	if len(b.mails) != 1 || b.mails[0].Kind != "request" || b.mails[0].To.ID != b.manager.ID || !strings.Contains(b.mails[0].URL, "/approvals/") {
		t.Fatalf("mails = %+v; want one request to the manager with the page link", b.mails)
	}
	// A second scan asks nothing again.
	if err := b.ap.Scan(ctx); err != nil || len(b.mails) != 1 {
		t.Fatalf("second scan: %v, %d mails", err, len(b.mails))
	}
	// Nobody but the approver decides; the requester least of all.
	for _, u := range []*helpdesk.User{b.agent, b.requester, b.lead} {
		if _, err := b.ap.Decide(ctx, u, a.ID, automation.Decision{Approve: true, Via: automation.ViaWeb}); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
			t.Fatalf("%s deciding: %v; want not found", u.Email, err)
		}
	}
	if got, err := b.ap.Decide(ctx, b.manager, a.ID, automation.Decision{Approve: true, Comment: "fine", Via: automation.ViaWeb}); err != nil ||
		got.Status != helpdesk.ApprovalApproved || got.DecidedName != "Bea Boss" {
		t.Fatalf("approve: %+v, %v", got, err)
	}
	if st := b.get(t, tk.Number).Status; st != helpdesk.StatusOpen {
		t.Fatalf("approved ticket is %s; want open", st)
	}
	if b.openPauses(t, tk.ID) != 0 {
		t.Fatal("the SLA clock is still paused after the approval")
	}
	if n := b.count(t, `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = 'approval_approved' AND actor_id = $2
		AND reason LIKE '%fine%'`, tk.ID, b.manager.ID); n != 1 {
		t.Fatal("no approval_approved event by the manager on the timeline")
	}
	if n := b.count(t, `SELECT count(*) FROM audit_log WHERE object_type = 'approval' AND action = 'approval.approved'
		AND actor_id = $1`, b.manager.ID); n != 1 {
		t.Fatal("the decision is not in the audit log")
	}
	if _, err := b.ap.Decide(ctx, b.manager, a.ID, automation.Decision{Approve: false, Comment: "changed my mind", Via: automation.ViaWeb}); helpdesk.ErrorCode(err) != helpdesk.ECONFLICT {
		t.Fatalf("second decision: %v; want conflict", err)
	}
	if last := b.mails[len(b.mails)-1]; last.Kind != "decision" || last.To.ID != b.requester.ID {
		t.Fatalf("last mail %+v; want the decision to the requester", last)
	}
}

func TestApprovalDeclinedTellsWhy(t *testing.T) {
	b := setupApprovals(t)
	ctx := context.Background()
	tk, a := b.request(t, "A second monitor")
	if _, err := b.ap.Decide(ctx, b.manager, a.ID, automation.Decision{Approve: false, Via: automation.ViaWeb}); helpdesk.ErrorCode(err) != helpdesk.EINVALID {
		t.Fatalf("decline without a reason: %v; want invalid", err)
	}
	if _, err := b.ap.Decide(ctx, b.manager, a.ID, automation.Decision{Approve: false, Comment: "No budget this quarter", Via: automation.ViaWeb}); err != nil {
		t.Fatal(err)
	}
	if st := b.get(t, tk.Number).Status; st != helpdesk.StatusClosed {
		t.Fatalf("declined ticket is %s; want closed", st)
	}
	if n := b.count(t, `SELECT count(*) FROM messages WHERE ticket_id = $1 AND NOT internal AND body_text LIKE '%declined by Bea Boss: No budget this quarter%'`, tk.ID); n != 1 {
		t.Fatal("the requester's ticket does not say why it was declined")
	}
	if last := b.mails[len(b.mails)-1]; last.Kind != "decision" || last.Approval.Comment != "No budget this quarter" {
		t.Fatalf("last mail %+v; want the decision with the reason", last)
	}
	if b.openPauses(t, tk.ID) != 0 {
		t.Fatal("SLA pause left open")
	}
}

func TestApprovalRemindsThenExpires(t *testing.T) {
	b := setupApprovals(t)
	ctx := context.Background()
	tk, a := b.request(t, "Visio")
	b.now = b.now.Add(25 * time.Hour)
	if err := b.ap.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if last := b.mails[len(b.mails)-1]; last.Kind != "reminder" || last.To.ID != b.manager.ID {
		t.Fatalf("after a day: last mail %+v; want a reminder to the manager", last)
	}
	if err := b.ap.Scan(ctx); err != nil || len(b.mails) != 2 {
		t.Fatalf("a second scan the same hour: %v, %d mails; want no second reminder", err, len(b.mails))
	}
	b.now = b.now.Add(48 * time.Hour)
	if err := b.ap.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := b.db.Approval(ctx, a.ID)
	if err != nil || got.Status != helpdesk.ApprovalExpired {
		t.Fatalf("after the expiry: %+v, %v", got, err)
	}
	if st := b.get(t, tk.Number).Status; st != helpdesk.StatusClosed {
		t.Fatalf("expired request is %s; want closed", st)
	}
	if n := b.count(t, `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind IN ('approval_reminded', 'approval_expired')`, tk.ID); n != 2 {
		t.Fatalf("%d reminder/expiry events; want 2", n)
	}
}

func TestApprovalWithoutManagerGoesToLeads(t *testing.T) {
	b := setupApprovals(t)
	ctx := context.Background()
	if _, err := b.db.RawPool().Exec(ctx, `UPDATE users SET manager_id = NULL WHERE id = $1`, b.requester.ID); err != nil {
		t.Fatal(err)
	}
	_, a := b.request(t, "Jira licence")
	if len(a.Approvers) != 1 || a.Approvers[0] != b.lead.ID || !strings.Contains(a.Why, "no active manager") {
		t.Fatalf("approvers %v (%s); want the desk lead %d", a.Approvers, a.Why, b.lead.ID)
	}
	// A manager chain may not loop.
	err := b.db.InTx(ctx, func(tx *postgres.Tx) error {
		if _, err := tx.SetManager(ctx, b.manager.ID, &b.requester.ID); err != nil {
			return err
		}
		_, err := tx.SetManager(ctx, b.requester.ID, &b.manager.ID)
		return err
	})
	if helpdesk.ErrorCode(err) != helpdesk.EINVALID {
		t.Fatalf("manager loop: %v; want invalid", err)
	}
}

// TestRulesFireOnApproved: a rule on ticket.updated with
// ticket.approval == "approved" acts once the manager approves, and not
// while the request waits.
func TestRulesFireOnApproved(t *testing.T) {
	b := setupApprovals(t)
	ctx := context.Background()
	if _, err := b.auto.Create(ctx, b.admin, automation.RuleInput{Name: "Approved software goes to the desk lead",
		Trigger: helpdesk.TriggerUpdated, Enabled: true,
		Condition: `ticket.approval == "approved" && change.status.to == "open"`,
		Actions: []helpdesk.RuleAction{{Type: helpdesk.ActionSet, Field: "assignee", Value: b.lead.Email},
			{Type: helpdesk.ActionNote, Body: "Approved: install it."}}}); err != nil {
		t.Fatal(err)
	}
	tk, a := b.request(t, "Sketch")
	b.drainAll(t)
	if got := b.get(t, tk.Number); got.AssigneeID != nil && *got.AssigneeID == b.lead.ID {
		t.Fatal("the rule fired before the approval")
	}
	if _, err := b.ap.Decide(ctx, b.manager, a.ID, automation.Decision{Approve: true, Via: automation.ViaWeb}); err != nil {
		t.Fatal(err)
	}
	b.drainAll(t)
	if got := b.get(t, tk.Number); got.AssigneeID == nil || *got.AssigneeID != b.lead.ID {
		t.Fatalf("after the approval the ticket is assigned to %v; want the lead %d", got.AssigneeID, b.lead.ID)
	}
	if n := b.count(t, `SELECT count(*) FROM messages WHERE ticket_id = $1 AND internal AND body_text = 'Approved: install it.'`, tk.ID); n != 1 {
		t.Fatal("the rule's note is missing")
	}
}
