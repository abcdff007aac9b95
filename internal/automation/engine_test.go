package automation_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// A rule that closes stale pending tickets runs on its schedule over a
// seeded history; undoing the run restores every ticket except the two a
// person touched in between, which are listed as conflicts. The rollback is
// a run, and undoing it closes the restored tickets again.
func TestScheduleRunAndRollback(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var nums []int64
	for i := range 6 {
		tk := b.ticket(t, "waiting on user "+string(rune('a'+i)))
		b.set(t, tk.Number, ticket.Changes{Status: status(helpdesk.StatusPending)})
		nums = append(nums, tk.Number)
	}
	fresh := b.ticket(t, "still open")
	in := closeStale
	in.Enabled = true
	rule, err := b.auto.Create(ctx, b.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.auto.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	runs, err := b.auto.Runs(ctx, b.admin, rule.ID, 10)
	if err != nil || len(runs) != 1 || runs[0].Tickets != 6 {
		t.Fatalf("runs after the tick = %+v, %v", runs, err)
	}
	if err := b.auto.Tick(ctx); err != nil { // not due again for an hour
		t.Fatal(err)
	}
	if runs, _ := b.auto.Runs(ctx, b.admin, rule.ID, 10); len(runs) != 1 {
		t.Fatalf("the rule ran again before its hour: %d runs", len(runs))
	}
	for _, n := range nums {
		if tk := b.get(t, n); tk.Status != helpdesk.StatusClosed {
			t.Fatalf("#%d is %s after the run", n, tk.Status)
		}
	}
	if b.get(t, fresh.Number).Status != helpdesk.StatusNew {
		t.Error("the open ticket was touched")
	}
	// The timeline says which rule and run changed the ticket.
	if c := b.count(t, `SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
		WHERE t.number = $1 AND e.kind = 'status_changed' AND e.reason = $2`, nums[0],
		"rule 'Close stale pending' run #"+itoa(runs[0].ID)); c != 1 {
		t.Errorf("timeline events naming the run: %d", c)
	}
	// People touch two of them in between.
	b.set(t, nums[1], ticket.Changes{Status: status(helpdesk.StatusOpen)})
	b.set(t, nums[4], ticket.Changes{Status: status(helpdesk.StatusResolved)})

	rb, err := b.auto.RollbackRun(ctx, b.lead2admin(), runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var reverted, conflicts []int64
	for _, c := range rb.Reverted {
		reverted = append(reverted, c.Ticket)
	}
	for _, c := range rb.Conflicts {
		conflicts = append(conflicts, c.Ticket)
		if !strings.Contains(c.Why, "agent@example.com") {
			t.Errorf("conflict on #%d says %q, not who changed it", c.Ticket, c.Why)
		}
	}
	slices.Sort(reverted)
	slices.Sort(conflicts)
	if want := []int64{nums[0], nums[2], nums[3], nums[5]}; !slices.Equal(reverted, want) {
		t.Errorf("reverted %v, want %v", reverted, want)
	}
	if want := []int64{nums[1], nums[4]}; !slices.Equal(conflicts, want) {
		t.Errorf("conflicts %v, want %v", conflicts, want)
	}
	want := map[int64]helpdesk.Status{nums[0]: helpdesk.StatusPending, nums[1]: helpdesk.StatusOpen,
		nums[2]: helpdesk.StatusPending, nums[3]: helpdesk.StatusPending, nums[4]: helpdesk.StatusResolved, nums[5]: helpdesk.StatusPending}
	for n, st := range want {
		if got := b.get(t, n).Status; got != st {
			t.Errorf("#%d is %s after the rollback, want %s", n, got, st)
		}
	}
	// Undo the undo.
	rb2, err := b.auto.RollbackRun(ctx, b.admin, rb.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rb2.Reverted) != 4 || len(rb2.Conflicts) != 0 {
		t.Errorf("undoing the rollback: %d reverted, %d conflicts", len(rb2.Reverted), len(rb2.Conflicts))
	}
	if got := b.get(t, nums[0]).Status; got != helpdesk.StatusClosed {
		t.Errorf("#%d is %s after undoing the rollback", nums[0], got)
	}
}

func (b *bundle) lead2admin() *helpdesk.User { return b.admin }

// flipFlop enables two rules that flip a ticket's priority between P3 and
// P2 on every update: a loop only the loop limit stops.
func (b *bundle) flipFlop(t *testing.T) {
	t.Helper()
	for _, in := range []automation.RuleInput{
		{Name: "up", Trigger: helpdesk.TriggerUpdated, Condition: `ticket.priority == "P3"`, Enabled: true,
			Actions: []helpdesk.RuleAction{{Type: "set", Field: "priority", Value: "P2"}}},
		{Name: "down", Trigger: helpdesk.TriggerUpdated, Condition: `ticket.priority == "P2"`, Enabled: true,
			Actions: []helpdesk.RuleAction{{Type: "set", Field: "priority", Value: "P3"}}},
	} {
		if _, err := b.auto.Create(context.Background(), b.admin, in); err != nil {
			t.Fatal(err)
		}
	}
}

// Two rules that flip a field back and forth stop after the limit, with
// an event on the ticket and an entry in the admin audit log.
func TestLoopStops(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tk := b.ticket(t, "flip flop")
	b.flipFlop(t)
	b.set(t, tk.Number, ticket.Changes{Priority: priority(helpdesk.P3)})
	b.drainAll(t)
	changes := b.count(t, `SELECT count(*) FROM automation_changes WHERE ticket_id = $1`, tk.ID)
	if changes < automation.DefaultLoopLimit || changes > automation.DefaultLoopLimit+2 {
		t.Errorf("rules changed the ticket %d times; the limit is %d", changes, automation.DefaultLoopLimit)
	}
	if n := b.count(t, `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = 'automation_stopped'`, tk.ID); n != 1 {
		t.Errorf("%d automation_stopped events", n)
	}
	if n := b.count(t, `SELECT count(*) FROM audit_log WHERE action = 'automation_stopped' AND object_id = $1`, itoa(tk.Number)); n != 1 {
		t.Errorf("%d admin alerts", n)
	}
	// Stopped means stopped: a person's next change triggers nothing.
	b.set(t, tk.Number, ticket.Changes{Priority: priority(helpdesk.P3)})
	b.drainAll(t)
	if n := b.count(t, `SELECT count(*) FROM automation_changes WHERE ticket_id = $1`, tk.ID); n != changes {
		t.Errorf("rules went on after the stop: %d changes, was %d", n, changes)
	}
}

// The loop limit counts the changes a drain makes itself: a ticket with
// many events waiting, drained in one transaction, stops at the limit
// there and then, not one limit per event.
func TestLoopStopsWithinOneDrain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tk := b.ticket(t, "flip flop, queued")
	b.flipFlop(t)
	// Twelve changes by a person wait in the inbox; each would run both
	// rules (two changes) if the count did not include the drain's own.
	for i := range 12 {
		p := helpdesk.P4
		if i%2 == 1 {
			p = helpdesk.P3
		}
		b.set(t, tk.Number, ticket.Changes{Priority: priority(p)})
	}
	if err := b.auto.Drain(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	changes := b.count(t, `SELECT count(*) FROM automation_changes WHERE ticket_id = $1`, tk.ID)
	if changes < automation.DefaultLoopLimit || changes > automation.DefaultLoopLimit+1 {
		t.Errorf("one drain changed the ticket %d times; the limit is %d", changes, automation.DefaultLoopLimit)
	}
	if n := b.count(t, `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = 'automation_stopped'`, tk.ID); n != 1 {
		t.Errorf("%d automation_stopped events", n)
	}
}

// A rule's own change never triggers it again: a rule adding a note on
// every message adds one note, not one per note it wrote.
func TestOwnChangeDoesNotRetrigger(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tk := b.ticket(t, "echo")
	rule, err := b.auto.Create(ctx, b.admin, automation.RuleInput{Name: "echo", Trigger: helpdesk.TriggerMessage, Enabled: true,
		Condition: `message.from_requester || message.internal`,
		Actions:   []helpdesk.RuleAction{{Type: "note", Body: "Seen by automation."}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.tickets.AddMessage(ctx, b.requester, tk.Number, ticket.MessageInput{Body: "any news?"}); err != nil {
		t.Fatal(err)
	}
	b.drainAll(t)
	if n := b.count(t, `SELECT count(*) FROM messages WHERE ticket_id = $1 AND body_text = 'Seen by automation.'`, tk.ID); n != 1 {
		t.Errorf("%d notes, want 1", n)
	}
	if runs, _ := b.auto.Runs(ctx, b.admin, rule.ID, 10); len(runs) != 1 {
		t.Errorf("%d runs, want 1", len(runs))
	}
}

// Rules on ticket.created wait for triage and then win: their change comes
// after triage's in the timeline.
func TestCreatedRulesRunAfterTriage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.now = time.Now() // triage has just been asked, not given up on
	ctx := context.Background()
	if _, err := b.auto.Create(ctx, b.admin, automation.RuleInput{Name: "Printers to P2", Trigger: helpdesk.TriggerCreated,
		Enabled: true, Condition: `ticket.subject contains "printer" && ticket.priority != "P1"`,
		Actions: []helpdesk.RuleAction{{Type: "set", Field: "priority", Value: "P2"}, {Type: "set", Field: "team", Value: "net"}}}); err != nil {
		t.Fatal(err)
	}
	tk, err := b.tickets.Create(ctx, b.requester, ticket.CreateInput{Subject: "The printer is on fire", Description: "smoke",
		Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyLow})
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.tickets.Create(ctx, b.requester, ticket.CreateInput{Subject: "Mouse", Description: "broken",
		Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyLow})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.auto.Drain(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if b.get(t, tk.Number).Priority == helpdesk.P2 {
		t.Fatal("the rule ran before triage decided")
	}
	// Triage decides (as the triage runner would).
	if _, err := b.db.RawPool().Exec(ctx, `UPDATE tickets SET triaged_at = now(), priority = 'P4' WHERE id = ANY($1)`,
		[]int64{tk.ID, other.ID}); err != nil {
		t.Fatal(err)
	}
	b.drainAll(t)
	got := b.get(t, tk.Number)
	if got.Priority != helpdesk.P2 || got.TeamSlug != "net" {
		t.Errorf("after the rule: %s %s", got.Priority, got.TeamSlug)
	}
	if o := b.get(t, other.Number); o.Priority != helpdesk.P4 {
		t.Errorf("the rule touched a ticket its condition excludes: %s", o.Priority)
	}
}

// A triage batch's tickets are drained in one transaction: each ticket's
// rules run on its own events, as a drain of that ticket alone would, and
// every drained event leaves the inbox.
func TestDrainManyRunsEachTicketsRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if _, err := b.auto.Create(ctx, b.admin, automation.RuleInput{Name: "Printers to P2", Trigger: helpdesk.TriggerCreated,
		Enabled: true, Condition: `ticket.subject contains "printer" && ticket.priority != "P1"`,
		Actions: []helpdesk.RuleAction{{Type: "set", Field: "priority", Value: "P2"}}}); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	var nums []int64
	for _, subject := range []string{"The printer jams", "Mouse broken", "Second printer offline"} {
		tk := b.ticket(t, subject)
		ids, nums = append(ids, tk.ID), append(nums, tk.Number)
	}
	if err := b.auto.DrainMany(ctx, ids); err != nil {
		t.Fatal(err)
	}
	for i, want := range []helpdesk.Priority{helpdesk.P2, "", helpdesk.P2} {
		got := b.get(t, nums[i]).Priority
		if want != "" && got != want || want == "" && got == helpdesk.P2 {
			t.Errorf("#%d: priority %s after the batch's rules", nums[i], got)
		}
		runs := b.count(t, `SELECT count(DISTINCT run_id) FROM automation_changes WHERE ticket_id = $1`, ids[i])
		if wantRuns := map[bool]int{true: 1, false: 0}[want != ""]; runs != wantRuns {
			t.Errorf("#%d: %d runs changed it, want %d", nums[i], runs, wantRuns)
		}
	}
	if n := b.count(t, `SELECT count(*) FROM automation_inbox WHERE ticket_id = ANY($1) AND kind = 'created'`, ids); n != 0 {
		t.Errorf("%d created events left in the inbox", n)
	}
}
