package app

import (
	"context"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/testwait"
	"switchboard/internal/ticket"
)

// On a running node, a created rule acts on the new tickets it matches
// (judged at birth on the ticket as written, as the drain judges it), and a
// ticket it does not match is written without anything for the drain.
func TestCreatedRuleOnBornTickets(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.NewDatabase(t)
	node := startWorkerNode(t, conn)
	user := func(email string, role helpdesk.Role) *helpdesk.User {
		t.Helper()
		u, err := auth.CreateUser(ctx, node.DB, auth.NewUser{Email: email, Name: email, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	admin, rita, vera := user("admin@example.com", helpdesk.RoleAdmin), user("rita@example.com", helpdesk.RoleRequester),
		user("vera@example.com", helpdesk.RoleRequester)
	if _, err := node.Automation.Create(ctx, admin, automation.RuleInput{Name: "Vera's laptops get a P2", Trigger: helpdesk.TriggerCreated,
		Enabled: true, Condition: `ticket.requester == "vera@example.com" && ticket.priority == "P4" && ticket.text contains "laptop"`,
		Actions: []helpdesk.RuleAction{{Type: helpdesk.ActionSet, Field: "priority", Value: "P2"}}}); err != nil {
		t.Fatal(err)
	}
	file := func(u *helpdesk.User, subject string) *helpdesk.Ticket {
		t.Helper()
		tk, err := node.Tickets.Create(ctx, u, ticket.CreateInput{Subject: subject, Description: "The laptop will not start.",
			Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyLow})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	count := func(sql string, args ...any) (n int) {
		t.Helper()
		if err := node.DB.RawPool().QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	plain := file(rita, "Broken laptop")
	if n := count(`SELECT count(*) FROM automation_inbox WHERE ticket_id = $1`, plain.ID) +
		count(`SELECT count(*) FROM river_job WHERE kind = 'automation' AND args->'ticket_ids' @> to_jsonb(ARRAY[$1::bigint])`, plain.ID); n != 0 {
		t.Errorf("a ticket the rule does not match left %d inbox events and rules jobs", n)
	}
	if plain.Priority != helpdesk.P4 {
		t.Fatalf("the ticket was born %s; the rule needs P4", plain.Priority)
	}
	veras := file(vera, "Broken laptop")
	testwait.Until(t, testwait.Long, "the rule to raise Vera's ticket to P2", func() bool {
		return count(`SELECT count(*) FROM tickets WHERE id = $1 AND priority = 'P2'`, veras.ID) == 1
	})
	if p := count(`SELECT count(*) FROM tickets WHERE id = $1 AND priority = 'P2'`, plain.ID); p != 0 {
		t.Error("the rule raised a ticket it does not match")
	}
}
