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

// Undoing every run of a rule version in a time range: runs before the
// range and runs of the next version stay; a field a person changed since
// is a conflict naming them; the rest go back; a second click finds
// nothing left to undo; undoing the range rollback redoes it.
func TestRollbackRange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	rule, err := b.auto.Create(ctx, b.admin, automation.RuleInput{Name: "Pending is urgent", Trigger: helpdesk.TriggerUpdated,
		Condition: `change.status.to == "pending"`, Enabled: true,
		Actions: []helpdesk.RuleAction{{Type: "set", Field: "priority", Value: "P1"}}})
	if err != nil {
		t.Fatal(err)
	}
	var nums []int64
	for i := range 4 {
		tk := b.ticket(t, "range "+string(rune('a'+i)))
		if tk.Priority != helpdesk.P4 {
			t.Fatalf("a new ticket is %s; the test expects P4", tk.Priority)
		}
		b.set(t, tk.Number, ticket.Changes{Status: status(helpdesk.StatusPending)})
		b.drainAll(t)
		nums = append(nums, tk.Number)
	}
	runs, err := b.auto.Runs(ctx, b.admin, rule.ID, 10)
	if err != nil || len(runs) != 4 {
		t.Fatalf("runs = %d, %v", len(runs), err)
	}
	oldest := runs[3] // nums[0]'s run: before the range
	from := runs[2].CreatedAt
	if !from.After(oldest.CreatedAt) {
		t.Fatalf("runs share a timestamp: %v", from)
	}
	b.set(t, nums[2], ticket.Changes{Priority: priority(helpdesk.P2)}) // a person, in between
	// Version 2 of the rule fires on a fifth ticket; its run is not in version 1.
	in := automation.ToInput(rule)
	in.Name = "Pending is urgent (v2)"
	if _, err := b.auto.Update(ctx, b.admin, rule.ID, in); err != nil {
		t.Fatal(err)
	}
	v2 := b.ticket(t, "range v2")
	b.set(t, v2.Number, ticket.Changes{Status: status(helpdesk.StatusPending)})
	b.drainAll(t)

	_, err = b.auto.RollbackRange(ctx, b.lead, rule.ID, automation.UndoRange{Version: 1, From: from})
	if helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Fatalf("a lead undid an admin's team-less rule: %v", err)
	}
	rb, err := b.auto.RollbackRange(ctx, b.admin, rule.ID, automation.UndoRange{Version: 1, From: from, To: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rb.Runs) != 3 || slices.Contains(rb.Runs, oldest.ID) {
		t.Errorf("runs undone %v (oldest %d must stay)", rb.Runs, oldest.ID)
	}
	var reverted []int64
	for _, c := range rb.Reverted {
		reverted = append(reverted, c.Ticket)
	}
	slices.Sort(reverted)
	if want := []int64{nums[1], nums[3]}; !slices.Equal(reverted, want) {
		t.Errorf("reverted %v, want %v", reverted, want)
	}
	if len(rb.Conflicts) != 1 || rb.Conflicts[0].Ticket != nums[2] || !strings.Contains(rb.Conflicts[0].Why, "agent@example.com") {
		t.Errorf("conflicts = %+v", rb.Conflicts)
	}
	want := map[int64]helpdesk.Priority{nums[0]: helpdesk.P1, nums[1]: helpdesk.P4, nums[2]: helpdesk.P2,
		nums[3]: helpdesk.P4, v2.Number: helpdesk.P1}
	for n, p := range want {
		if got := b.get(t, n).Priority; got != p {
			t.Errorf("#%d is %s after the range undo, want %s", n, got, p)
		}
	}
	again, err := b.auto.RollbackRange(ctx, b.admin, rule.ID, automation.UndoRange{Version: 1, From: from, To: time.Now().Add(time.Hour)})
	if err != nil || len(again.Runs) != 0 || again.RunID != 0 {
		t.Errorf("second click: %+v, %v", again, err)
	}
	if _, err := b.auto.RollbackRun(ctx, b.admin, runs[1].ID); helpdesk.ErrorCode(err) != helpdesk.ECONFLICT {
		t.Errorf("undoing a run the range undid: %v", err)
	}
	redo, err := b.auto.RollbackRun(ctx, b.admin, rb.RunID)
	if err != nil || len(redo.Reverted) != 2 {
		t.Fatalf("undo of the range undo: %+v, %v", redo, err)
	}
	if got := b.get(t, nums[1]).Priority; got != helpdesk.P1 {
		t.Errorf("#%d is %s after undoing the range undo", nums[1], got)
	}
}
