package automation_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

var closeStale = automation.RuleInput{Name: "Close stale pending", Trigger: helpdesk.TriggerSchedule, Every: "1h",
	Condition: `ticket.status == "pending" && ticket.idle_hours > 72`,
	Actions:   []helpdesk.RuleAction{{Type: "set", Field: "status", Value: "closed"}}}

// A typo or a type error in a condition is refused on save with a message
// on the field; nothing is stored.
func TestBadConditionsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for _, cond := range []string{`ticket.priorty == "P1"`, `ticket.subject contains 1`, `ticket.status ==`, `ticket.age_hours`} {
		in := closeStale
		in.Condition = cond
		_, err := b.auto.Create(ctx, b.admin, in)
		fields := helpdesk.FieldErrors(err)
		if helpdesk.ErrorCode(err) != helpdesk.EINVALID || len(fields) != 1 || fields[0].Field != "condition" || fields[0].Message == "" {
			t.Errorf("%q: err = %v, fields %+v", cond, err, fields)
		}
	}
	in := closeStale
	in.Actions = []helpdesk.RuleAction{{Type: "set", Field: "colour", Value: "red"}, {Type: "set", Field: "team", Value: "nope"}}
	_, err := b.auto.Create(ctx, b.admin, in)
	var got []string
	for _, f := range helpdesk.FieldErrors(err) {
		got = append(got, f.Field)
	}
	if !slices.Equal(got, []string{"actions[0].field", "actions[1].value"}) {
		t.Errorf("bad actions: fields %v (%v)", got, err)
	}
	if n := b.count(t, `SELECT count(*) FROM automation_rules`); n != 0 {
		t.Errorf("%d rules stored after refusals", n)
	}
	if _, err := b.auto.Create(ctx, b.admin, closeStale); err != nil {
		t.Fatalf("good rule refused: %v", err)
	}
}

// Only admins and leads manage rules; a lead only for a team they lead,
// and sees no other team's rules.
func TestRuleRights(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if _, err := b.auto.Create(ctx, b.agent, closeStale); helpdesk.ErrorCode(err) != helpdesk.EFORBIDDEN {
		t.Errorf("agent: %v", err)
	}
	in := closeStale
	if _, err := b.auto.Create(ctx, b.lead, in); !hasField(err, "team") {
		t.Errorf("lead without team: %v", err)
	}
	in.Team = "net"
	if _, err := b.auto.Create(ctx, b.lead, in); !hasField(err, "team") {
		t.Errorf("lead, team not led: %v", err)
	}
	global, err := b.auto.Create(ctx, b.admin, closeStale)
	if err != nil {
		t.Fatal(err)
	}
	in.Team = "desk"
	mine, err := b.auto.Create(ctx, b.lead, in)
	if err != nil {
		t.Fatal(err)
	}
	list, err := b.auto.List(ctx, b.lead)
	if err != nil || len(list) != 1 || list[0].ID != mine.ID {
		t.Errorf("lead's list = %+v, %v", list, err)
	}
	if _, _, err := b.auto.Get(ctx, b.lead, global.ID); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("lead reading the global rule: %v", err)
	}
}

func hasField(err error, field string) bool {
	for _, f := range helpdesk.FieldErrors(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}

// The dry-run lists exactly the changes a real run then makes on the same
// tickets, and writes nothing itself.
func TestDryRunEqualsRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var pending []int64
	for i := range 5 {
		tk := b.ticket(t, "stale "+string(rune('a'+i)))
		b.set(t, tk.Number, ticket.Changes{Status: status(helpdesk.StatusPending)})
		pending = append(pending, tk.Number)
	}
	b.ticket(t, "open one")
	in := closeStale
	in.Actions = append(in.Actions, helpdesk.RuleAction{Type: "set", Field: "priority", Value: "P2"})
	rule, err := b.auto.Create(ctx, b.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	events := b.count(t, `SELECT count(*) FROM ticket_events`)
	dr, err := b.auto.DryRun(ctx, b.admin, rule.ID, 30)
	if err != nil {
		t.Fatal(err)
	}
	if dr.Matched != 5 || len(dr.Tickets) != 5 {
		t.Fatalf("dry-run matched %d (%d listed), want 5", dr.Matched, len(dr.Tickets))
	}
	if n := b.count(t, `SELECT count(*) FROM ticket_events`); n != events {
		t.Errorf("dry-run wrote %d events", n-events)
	}
	if b.get(t, pending[0]).Status != helpdesk.StatusPending {
		t.Error("dry-run changed a ticket")
	}
	var want []string
	for _, p := range dr.Tickets {
		for _, c := range p.Changes {
			want = append(want, changeKey(c))
		}
	}
	run, err := b.auto.RunNow(ctx, b.admin, rule.ID, 30)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range run.Changes {
		got = append(got, changeKey(c))
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) != 10 || !slices.Equal(want, got) {
		t.Errorf("dry-run said\n%s\nthe run did\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	for _, n := range pending {
		if tk := b.get(t, n); tk.Status != helpdesk.StatusClosed || tk.Priority != helpdesk.P2 {
			t.Errorf("#%d after the run: %s %s", n, tk.Status, tk.Priority)
		}
	}
}

func changeKey(c helpdesk.RunChange) string {
	return strings.Join([]string{json.Number(itoa(c.Ticket)).String(), c.Field, string(c.Before), string(c.After)}, " ")
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
