package automation_test

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// weekdayHours is teams.hours for 09:00-17:00, Monday to Friday.
const weekdayHours = `[{"day":1,"start":540,"end":1020},{"day":2,"start":540,"end":1020},{"day":3,"start":540,"end":1020},
	{"day":4,"start":540,"end":1020},{"day":5,"start":540,"end":1020}]`

// pendingSince files a ticket in team desk, sets it pending and dates its
// last change at since.
func (b *bundle) pendingSince(t *testing.T, since time.Time) *helpdesk.Ticket {
	t.Helper()
	tk := b.ticket(t, "waiting on the requester")
	b.set(t, tk.Number, ticket.Changes{Status: status(helpdesk.StatusPending)})
	if _, err := b.db.RawPool().Exec(context.Background(), `UPDATE tickets SET updated_at = $2 WHERE id = $1`, tk.ID, since); err != nil {
		t.Fatal(err)
	}
	return tk
}

// nudgeRule makes the rule "pending for 3 business days" and returns how
// many tickets its dry run matches at a given time.
func (b *bundle) nudgeRule(t *testing.T) (matches func(now time.Time) int) {
	t.Helper()
	ctx := context.Background()
	rule, err := b.auto.Create(ctx, b.admin, automation.RuleInput{Name: "Nudge after 3 business days",
		Trigger: helpdesk.TriggerSchedule, Every: "1h",
		Condition: `ticket.status == "pending" && ticket.idle_business_days >= 3`,
		Actions:   []helpdesk.RuleAction{{Type: "add_tag", Tag: "nudge"}}})
	if err != nil {
		t.Fatal(err)
	}
	return func(now time.Time) int {
		t.Helper()
		b.now = now
		dr, err := b.auto.DryRun(ctx, b.admin, rule.ID, 30)
		if err != nil {
			t.Fatal(err)
		}
		return dr.Matched
	}
}

// "Pending for 3 business days" counts on the team's calendar: team desk
// works 09:00-17:00 Monday to Friday (UTC). A ticket set pending on Friday
// at 15:00 has been pending 3 business days on Wednesday at 15:00 (2 + 8 +
// 8 + 6 hours), not yet on Tuesday at 15:00 although four wall-clock days
// (96 hours) have passed then; and a holiday on the Monday pushes it to
// Thursday.
func TestBusinessDaysCondition(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if _, err := b.db.RawPool().Exec(ctx, `UPDATE teams SET hours = $1, time_zone = 'UTC' WHERE slug = 'desk'`, weekdayHours); err != nil {
		t.Fatal(err)
	}
	friday := time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC) // a Friday
	b.pendingSince(t, friday)
	matches := b.nudgeRule(t)
	tuesday, wednesday, thursday := friday.AddDate(0, 0, 4), friday.AddDate(0, 0, 5), friday.AddDate(0, 0, 6)
	if n := matches(tuesday); n != 0 {
		t.Errorf("Tuesday 15:00 (2 business days, 96 wall-clock hours): matched %d", n)
	}
	if n := matches(wednesday); n != 1 {
		t.Errorf("Wednesday 15:00 (3 business days): matched %d", n)
	}
	if _, err := b.db.RawPool().Exec(ctx, `INSERT INTO team_holidays (team_id, day, name)
		SELECT id, '2026-03-09', 'Spring holiday' FROM teams WHERE slug = 'desk'`); err != nil {
		t.Fatal(err)
	}
	b.auto.ForgetCalendars()
	if n := matches(wednesday); n != 0 {
		t.Errorf("Wednesday 15:00 with Monday a holiday: matched %d", n)
	}
	if n := matches(thursday); n != 1 {
		t.Errorf("Thursday 15:00 with Monday a holiday: matched %d", n)
	}
}

// A team made after the rules last read the calendars is not timed around
// the clock until the cache expires: its calendar is read on first sight.
// The ticket has been pending since Friday 15:00; on Tuesday 15:00 that is
// 4 wall-clock days but only 2 business days of the new team.
func TestBusinessDaysNewTeam(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	friday := time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC)
	tk := b.pendingSince(t, friday)
	matches := b.nudgeRule(t)
	tuesday := friday.AddDate(0, 0, 4)
	// The rules read (and cache) the calendars of the teams there are now:
	// desk's is around the clock.
	if _, err := b.db.RawPool().Exec(ctx, `UPDATE teams SET hours = '[]' WHERE slug = 'desk'`); err != nil {
		t.Fatal(err)
	}
	if n := matches(tuesday); n != 1 {
		t.Errorf("desk, around the clock (4 days): matched %d, want 1", n)
	}
	if _, err := b.db.RawPool().Exec(ctx, `WITH n AS (INSERT INTO teams (slug, name, hours) VALUES ('night', 'Night', $2) RETURNING id)
		UPDATE tickets SET team_id = (SELECT id FROM n) WHERE id = $1`, tk.ID, weekdayHours); err != nil {
		t.Fatal(err)
	}
	if n := matches(tuesday); n != 0 {
		t.Errorf("new team working weekdays 09-17 (2 business days): matched %d, want 0", n)
	}
}
