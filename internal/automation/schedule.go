package automation

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// TickEvery is how often the automation tick runs (jobs.AutomationTickArgs).
const TickEvery = 10 * time.Second

// leftoverAge is how long an inbox event waits before the tick, rather
// than the job its change enqueued, runs the rules on it.
const leftoverAge = 5 * time.Second

// Tick runs due schedule rules and drains inbox events nobody enqueued a
// job for (a created ticket waiting for triage, an SLA warning).
func (s *Service) Tick(ctx context.Context) error {
	ids, err := s.DB.InboxTickets(ctx, leftoverAge, 500)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.Drain(ctx, id); err != nil {
			return err
		}
	}
	rules, err := s.DB.EnabledRules(ctx, helpdesk.TriggerSchedule)
	if err != nil {
		return err
	}
	for i := range rules {
		won, err := s.DB.ClaimRuleSchedule(ctx, rules[i].ID, s.now())
		if err != nil {
			return err
		}
		if won {
			if err := s.runSchedule(ctx, &rules[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// runSchedule runs a schedule rule over the open tickets its condition
// holds for, oldest update first, at most MaxRunTickets per tick (the rest
// wait for the next one).
func (s *Service) runSchedule(ctx context.Context, r *helpdesk.Rule) error {
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		_, targets, err := s.match(ctx, tx, r, 1, 0)
		if err != nil {
			return err
		}
		if len(targets) > MaxRunTickets {
			targets = targets[:MaxRunTickets]
		}
		if len(targets) == 0 {
			return nil
		}
		if _, _, err := s.execute(ctx, tx, r, helpdesk.RunKindRun, nil, nil, targets, true); err != nil {
			return fmt.Errorf("schedule rule %d: %w", r.ID, err)
		}
		return nil
	})
}
