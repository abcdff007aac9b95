package devdata

import (
	"context"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// demoRules are the demo's example automation rules: two that act on new
// tickets after triage, and a schedule rule left disabled so a visitor can
// preview it (dry-run), run it, and undo the run.
var demoRules = []helpdesk.Rule{
	{Name: "Printer tickets are at least P3", Trigger: helpdesk.TriggerCreated, Enabled: true, Position: 10,
		Condition: `ticket.text contains "printer" && ticket.priority == "P4"`,
		Actions:   []helpdesk.RuleAction{{Type: helpdesk.ActionSet, Field: "priority", Value: "P3"}}},
	{Name: "VIP requesters get a P2 and a note", Trigger: helpdesk.TriggerCreated, Enabled: true, Position: 20,
		Condition: `ticket.requester_vip && ticket.priority in ["P3", "P4"]`,
		Actions: []helpdesk.RuleAction{{Type: helpdesk.ActionSet, Field: "priority", Value: "P2"},
			{Type: helpdesk.ActionNote, Body: "VIP requester: priority raised by automation."}}},
	{Name: "Close stale pending", Trigger: helpdesk.TriggerSchedule, Every: time.Hour, Position: 30,
		Condition: `ticket.status == "pending" && ticket.idle_hours > 72`,
		Actions: []helpdesk.RuleAction{{Type: helpdesk.ActionSet, Field: "status", Value: "closed"},
			{Type: helpdesk.ActionNote, Body: "Closed after three days without an answer from the requester."}}},
}

// demoAutomation stores the example rules, owned by the admin.
func demoAutomation(ctx context.Context, db *postgres.DB, users map[string]*helpdesk.User) error {
	return db.InTx(ctx, func(tx *postgres.Tx) error {
		for i := range demoRules {
			if _, err := tx.InsertRule(ctx, &demoRules[i], users[demoAdmin].ID); err != nil {
				return err
			}
		}
		return nil
	})
}
