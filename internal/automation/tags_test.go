package automation_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// add_tag and add_participant: bad values are refused by field; a dry-run
// lists exactly what the run then does; the run tags the ticket and makes
// the lead follow it (with timeline events), a second rule sees the tag in
// its condition; undoing the run removes both and undoing that adds them
// back.
func TestTagAndParticipantActions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	bad := automation.RuleInput{Name: "bad", Trigger: helpdesk.TriggerSchedule, Every: "1h",
		Actions: []helpdesk.RuleAction{{Type: "add_tag", Tag: "Not a tag"}, {Type: "add_participant", Email: "nobody@example.com"}}}
	_, err := b.auto.Create(ctx, b.admin, bad)
	var fields []string
	for _, f := range helpdesk.FieldErrors(err) {
		fields = append(fields, f.Field)
	}
	if !slices.Equal(fields, []string{"actions[0].tag", "actions[1].email"}) {
		t.Fatalf("bad actions: %v (%v)", fields, err)
	}

	tk := b.ticket(t, "waiting for the vendor")
	b.set(t, tk.Number, ticket.Changes{Status: status(helpdesk.StatusPending)})
	b.ticket(t, "not pending")
	rule, err := b.auto.Create(ctx, b.admin, automation.RuleInput{Name: "Tag waiting", Trigger: helpdesk.TriggerSchedule,
		Every: "1h", Condition: `ticket.status == "pending" && !("waiting" in ticket.tags)`,
		Actions: []helpdesk.RuleAction{{Type: "add_tag", Tag: " Waiting "}, {Type: "add_participant", Email: "LEAD@example.com"},
			{Type: "add_tag", Tag: "waiting"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rule.Actions[0].Tag != "waiting" || rule.Actions[1].Email != "lead@example.com" {
		t.Errorf("actions not stored in their canonical spelling: %+v", rule.Actions)
	}
	dr, err := b.auto.DryRun(ctx, b.admin, rule.ID, 30)
	if err != nil || dr.Matched != 1 {
		t.Fatalf("dry-run: %+v, %v", dr, err)
	}
	var want, got []string
	for _, c := range dr.Tickets[0].Changes {
		want = append(want, changeKey(c))
	}
	run, err := b.auto.RunNow(ctx, b.admin, rule.ID, 30)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range run.Changes {
		got = append(got, changeKey(c))
	}
	if len(want) != 2 || !slices.Equal(want, got) {
		t.Errorf("dry-run said\n%s\nthe run did\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	tags := func() int {
		return b.count(t, `SELECT count(*) FROM ticket_tags WHERE ticket_id = $1 AND tag = 'waiting'`, tk.ID)
	}
	follows := func() int {
		return b.count(t, `SELECT count(*) FROM ticket_participants WHERE ticket_id = $1 AND user_id = $2`, tk.ID, b.lead.ID)
	}
	if tags() != 1 || follows() != 1 {
		t.Fatalf("after the run: tag %d, participant %d", tags(), follows())
	}
	if n := b.count(t, `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind IN ('tagged', 'participant_added')
		AND reason LIKE 'rule ''Tag waiting'' run #%'`, tk.ID); n != 2 {
		t.Errorf("timeline events naming the run: %d", n)
	}
	// The condition sees the tag now: a second run matches nothing.
	if again, err := b.auto.DryRun(ctx, b.admin, rule.ID, 30); err != nil || again.Matched != 0 {
		t.Errorf("the tag is not seen by the condition: %+v, %v", again, err)
	}
	rb, err := b.auto.RollbackRun(ctx, b.admin, run.ID)
	if err != nil || len(rb.Reverted) != 2 || len(rb.Conflicts) != 0 {
		t.Fatalf("rollback: %+v, %v", rb, err)
	}
	if tags() != 0 || follows() != 0 {
		t.Fatalf("after the rollback: tag %d, participant %d", tags(), follows())
	}
	if _, err := b.auto.RollbackRun(ctx, b.admin, rb.RunID); err != nil {
		t.Fatal(err)
	}
	if tags() != 1 || follows() != 1 {
		t.Errorf("after undoing the rollback: tag %d, participant %d", tags(), follows())
	}
}
