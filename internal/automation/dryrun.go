package automation

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Bounds of a dry-run, so a preview on a million tickets answers in
// seconds: it reads at most MaxEvents of the newest trigger events of the
// window through the index on event time (or, for schedule rules, at most
// MaxCandidates open tickets through the status index), loads their tickets
// in batches of batchSize, evaluates the compiled condition in memory, and
// every statement is cut off after snapshotTimeout, and the whole preview
// stops reading after PreviewBudget (what it read so far is answered, with
// Truncated set). It lists at most MaxListed tickets and says when it
// stopped early. At 1M tickets and 1M events a 30-day preview answers in
// seconds (`go run ./internal/bench -only automation_dryrun`).
const (
	MaxEvents       = 50000
	MaxCandidates   = 50000
	MaxListed       = 500
	MaxRunTickets   = 2000 // "Run now" changes at most this many tickets at once
	MaxDays         = 90
	batchSize       = 1000
	snapshotTimeout = 20 * time.Second
	// PreviewBudget bounds a whole dry-run's time: batches after it are
	// not read.
	PreviewBudget = 10 * time.Second
)

// DryRun is what a rule would have done over the last Days of events.
type DryRun struct {
	Days      int
	Since     time.Time
	Scanned   int // events (or, for schedule rules, tickets) read
	Matched   int // tickets whose condition held
	Truncated bool
	Tickets   []Plan // the matched tickets' plans, at most MaxListed
}

// DryRun previews a saved rule over the last days of events (default 30)
// on a read-only snapshot: nothing is written.
func (s *Service) DryRun(ctx context.Context, actor *helpdesk.User, id int64, days int) (*DryRun, error) {
	r, _, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.preview(ctx, r, days)
}

// Preview dry-runs a rule that is not saved yet (the rule form's "Preview").
func (s *Service) Preview(ctx context.Context, actor *helpdesk.User, in RuleInput, days int) (*DryRun, error) {
	led, err := s.scope(ctx, actor)
	if err != nil {
		return nil, err
	}
	var r helpdesk.Rule
	if err := mergeInvalid(s.validate(ctx, &in, &r), s.resolveTeam(ctx, &in, &r, led)); err != nil {
		return nil, err
	}
	return s.preview(ctx, &r, days)
}

func (s *Service) preview(ctx context.Context, r *helpdesk.Rule, days int) (*DryRun, error) {
	if days <= 0 {
		days = 30
	}
	if days > MaxDays {
		return nil, helpdesk.Invalid("days", fmt.Sprintf("Preview at most %d days.", MaxDays))
	}
	var out *DryRun
	err := s.DB.Snapshot(ctx, snapshotTimeout, func(tx *postgres.Tx) error {
		var err error
		out, _, err = s.match(ctx, tx, r, days, MaxListed)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dry-run rule %d: %w", r.ID, err)
	}
	return out, nil
}

// match finds the tickets r's condition holds for: over the trigger events
// of the last days (each ticket as it is now, with the newest event that
// matches), or over open tickets for schedule rules. It is the one
// selection dry-runs, "Run now" and the schedule share.
func (s *Service) match(ctx context.Context, tx *postgres.Tx, r *helpdesk.Rule, days, listMax int) (*DryRun, []target, error) {
	now := s.now()
	out := &DryRun{Days: days, Since: now.Add(-time.Duration(days) * 24 * time.Hour)}
	prog, err := program(r)
	if err != nil {
		return nil, nil, err
	}
	var targets []target
	biz := usesBusiness(bizNeed{}, r)
	// Previews (listMax > 0) stop after PreviewBudget; a real run reads
	// the whole selection.
	start := time.Now()
	overBudget := func() bool {
		if listMax > 0 && time.Since(start) > PreviewBudget {
			out.Truncated = true
			return true
		}
		return false
	}
	consider := func(t *postgres.RuleTicket, e *postgres.InboxEvent) error {
		if r.TeamID != nil && (t.TeamID == nil || *t.TeamID != *r.TeamID) {
			return nil
		}
		env, err := s.envFor(ctx, tx, t, r.Trigger, e, now, biz)
		if err != nil {
			return err
		}
		ok, err := Match(prog, &env)
		if err != nil || !ok {
			return nil //nolint:nilerr // a condition failing on one ticket (nil deref) does not match it
		}
		out.Matched++
		targets = append(targets, target{id: t.ID, event: e})
		if len(out.Tickets) < listMax {
			out.Tickets = append(out.Tickets, plan(r, t))
		} else {
			out.Truncated = true
		}
		return nil
	}
	if r.Trigger == helpdesk.TriggerSchedule {
		ids, err := tx.ScheduleCandidates(ctx, MaxCandidates)
		if err != nil {
			return nil, nil, err
		}
		out.Scanned = len(ids)
		out.Truncated = len(ids) == MaxCandidates
		for from := 0; from < len(ids) && !overBudget(); from += batchSize {
			batch := ids[from:min(from+batchSize, len(ids))]
			ts, err := tx.RuleTickets(ctx, batch)
			if err != nil {
				return nil, nil, err
			}
			for _, id := range batch {
				if t := ts[id]; t != nil {
					if err := consider(t, nil); err != nil {
						return nil, nil, err
					}
				}
			}
		}
		return out, targets, nil
	}
	evs, err := tx.TriggerEvents(ctx, kindsOf(r.Trigger), out.Since, MaxEvents)
	if err != nil {
		return nil, nil, err
	}
	out.Scanned = len(evs)
	out.Truncated = len(evs) == MaxEvents
	seen := map[int64]bool{} // tickets already matched by a newer event
	for from := 0; from < len(evs) && !overBudget(); from += batchSize {
		batch := evs[from:min(from+batchSize, len(evs))]
		ids := make([]int64, 0, len(batch))
		for _, e := range batch {
			ids = append(ids, e.TicketID)
		}
		ts, err := tx.RuleTickets(ctx, ids)
		if err != nil {
			return nil, nil, err
		}
		for i := range batch {
			e := &batch[i]
			t := ts[e.TicketID]
			if t == nil || seen[t.ID] {
				continue
			}
			before := out.Matched
			if err := consider(t, e); err != nil {
				return nil, nil, err
			}
			if out.Matched > before {
				seen[t.ID] = true
			}
		}
	}
	return out, targets, nil
}

// RunNow runs a rule for real over what its dry-run matches (the same
// selection, re-checked under each ticket's lock), as one run a person
// started. It refuses more than MaxRunTickets tickets: narrow the condition.
func (s *Service) RunNow(ctx context.Context, actor *helpdesk.User, id int64, days int) (*helpdesk.Run, error) {
	r, _, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if days <= 0 {
		days = 30
	}
	var runID int64
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		dr, targets, err := s.match(ctx, tx, r, min(days, MaxDays), 0)
		if err != nil {
			return err
		}
		if dr.Matched > MaxRunTickets {
			return helpdesk.Errorf(helpdesk.EINVALID, "The rule matches %d tickets; run it on at most %d at once.", dr.Matched, MaxRunTickets)
		}
		runID, _, err = s.execute(ctx, tx, r, helpdesk.RunKindManual, nil, &actor.ID, targets, true)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("run rule %d: %w", id, err)
	}
	if runID == 0 {
		return &helpdesk.Run{RuleID: r.ID, RuleName: r.Name, RuleVersion: r.Version, Kind: helpdesk.RunKindManual, Trigger: r.Trigger}, nil
	}
	return s.DB.Run(ctx, runID)
}
