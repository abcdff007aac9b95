package sla

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// EventSLAUpdated records that a ticket's due times moved (priority or team
// changed, or a pause ended).
const EventSLAUpdated = "sla_updated"

// Targets named in sla_alarms and events.
const (
	TargetFirstResponse = "first_response"
	TargetResolution    = "resolution"
)

// Service keeps stored SLA deadlines right and raises the warning and breach
// alarms. Any number of nodes may run it: every alarm is claimed with an
// insert that only one of them wins.
type Service struct {
	DB  *postgres.DB
	Log *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Alert mails warnings and breaches to the leads in the transaction
	// that records them; nil sends nothing.
	Alert Alerter

	mu     sync.Mutex
	cached *settings
}

// settingsTTL is how long a node reuses team calendars and SLA policies
// between recomputes, as triage does with its roster: every reply and
// status change recomputes a ticket's deadlines, and the calendars change
// rarely. An edited calendar applies to deadlines within this long.
const settingsTTL = 2 * time.Second

// settings are the calendars by team id and the policies.
type settings struct {
	at   time.Time
	cals map[int64]Calendar
	pols Policies
}

func (s *Service) settings(ctx context.Context) (*settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cached; c != nil && time.Since(c.at) < settingsTTL {
		return c, nil
	}
	c := &settings{at: time.Now()}
	var err error
	if c.cals, err = Calendars(ctx, s.DB); err != nil {
		return nil, err
	}
	if c.pols, err = LoadPolicies(ctx, s.DB); err != nil {
		return nil, err
	}
	s.cached = c
	return c, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// OnChanged is a jobs.ChangedWorker handler: a status change (pause or
// resume), a field change (priority, team) or a reply moves the deadlines.
func (s *Service) OnChanged(ctx context.Context, args jobs.ChangedArgs) error {
	switch args.Event {
	case helpdesk.EventStatusChanged, helpdesk.EventFieldsChanged, helpdesk.EventReplied,
		helpdesk.EventPrioritised, helpdesk.EventAssigned:
		return s.Recompute(ctx, args.TicketID)
	}
	return nil
}

// Recompute reloads a ticket's clock and writes its deadlines, with an
// event when they moved.
func (s *Service) Recompute(ctx context.Context, ticketID int64) error {
	set, err := s.settings(ctx)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if _, err := tx.LockTicket(ctx, ticketID); err != nil {
			if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
				return nil // deleted meanwhile: nothing to keep right
			}
			return err
		}
		t, err := tx.SLATicket(ctx, ticketID)
		if err != nil {
			return err
		}
		d, err := Apply(ctx, tx, t, set.cals, set.pols)
		if err != nil || d == nil {
			return err
		}
		before := map[string]any{"first_response_due": t.FirstResponseDue, "resolution_due": t.ResolutionDue, "due_at": t.DueAt}
		return tx.RecordEvent(ctx, postgres.NewEvent{TicketID: t.ID, Number: t.Number, Kind: EventSLAUpdated,
			Before: before, After: d, Reason: "deadlines recomputed on the team calendar"})
	})
	if err != nil {
		return fmt.Errorf("recompute deadlines of ticket %d: %w", ticketID, err)
	}
	return nil
}

// Apply computes t's deadlines from its stored clock and writes them; it
// returns nil when nothing moved. The caller holds the ticket's row lock.
func Apply(ctx context.Context, tx *postgres.Tx, t *helpdesk.SLATicket, cals map[int64]Calendar, pols Policies) (*Deadlines, error) {
	clock, err := LoadClock(ctx, tx, t.ID, t.CreatedAt)
	if err != nil {
		return nil, err
	}
	cal, err := TeamCalendar(ctx, tx, cals, t.TeamID)
	if err != nil {
		return nil, err
	}
	d := Compute(clock, cal, pols.For(t.Priority), t.FirstRespondedAt != nil)
	if sameTime(t.FirstResponseDue, &d.FirstResponse) && sameTime(t.ResolutionDue, &d.Resolution) && sameTime(t.DueAt, d.DueAt) &&
		sameTime(t.FirstResponseWarnAt, &d.FirstResponseWarn) && sameTime(t.ResolutionWarnAt, &d.ResolutionWarn) {
		return nil, nil
	}
	return &d, tx.SetDeadlines(ctx, t.ID, d)
}

// LoadClock reads a ticket's pause ledger into a Clock started at created.
func LoadClock(ctx context.Context, tx *postgres.Tx, ticketID int64, created time.Time) (Clock, error) {
	spans, err := tx.SLAPauses(ctx, ticketID)
	if err != nil {
		return Clock{}, err
	}
	c := Clock{Start: created}
	for _, sp := range spans {
		c.Pauses = append(c.Pauses, Pause{From: sp.Start, To: sp.End})
	}
	return c, nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	// PostgreSQL keeps microseconds.
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// Scan fires the alarms that are due: sla_warning when 75% of a target's
// business time has run, sla_breached at 100%, each once per target per
// ticket. It runs every minute on one node (a River periodic job), but would
// be just as correct on several at once.
func (s *Service) Scan(ctx context.Context) (fired int, err error) {
	defer helpdesk.WrapOp(&err, "scan SLA alarms")
	now := s.now()
	ids, err := s.DB.SLACandidates(ctx, now, 5000)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	set, err := s.settings(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		n, err := s.scanOne(ctx, id, now, set.cals, set.pols)
		if err != nil {
			return fired, err
		}
		fired += n
	}
	return fired, nil
}

func (s *Service) scanOne(ctx context.Context, id int64, now time.Time, cals map[int64]Calendar, pols Policies) (int, error) {
	fired := 0
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		fired = 0
		t, err := tx.SLATicket(ctx, id)
		if err != nil {
			return err
		}
		if !t.Status.IsOpen() || t.Status == helpdesk.StatusPending {
			return nil
		}
		// The stored warn times only choose candidates; the clock with its
		// real pause ledger decides, so a ticket resumed a moment ago is not
		// judged by a due time computed while it was paused.
		clock, err := LoadClock(ctx, tx, t.ID, t.CreatedAt)
		if err != nil || clock.Paused() {
			return err
		}
		cal, err := TeamCalendar(ctx, tx, cals, t.TeamID)
		if err != nil {
			return err
		}
		pol := pols.For(t.Priority)
		type target struct {
			name   string
			target time.Duration
		}
		targets := []target{{TargetResolution, pol.Resolution}}
		if t.FirstRespondedAt == nil {
			targets = []target{{TargetFirstResponse, pol.FirstResponse}, {TargetResolution, pol.Resolution}}
		}
		for _, tg := range targets {
			state := clock.StateAt(cal, now, tg.target)
			if state == StateOK {
				continue
			}
			due, _ := clock.Due(cal, tg.target)
			n, err := s.fire(ctx, tx, t, tg.name, state, due, clock.Fraction(cal, now, tg.target))
			if err != nil {
				return err
			}
			fired += n
		}
		return nil
	})
	return fired, err
}

// fire claims and records the alarms for one target. A breach found without
// an earlier warning (the scanner was down) claims the warning silently: a
// warning after the deadline would only be noise.
func (s *Service) fire(ctx context.Context, tx *postgres.Tx, t *helpdesk.SLATicket, target string, state State,
	due time.Time, fraction float64) (int, error) {
	levels := []State{StateWarning}
	if state == StateBreached {
		levels = []State{StateBreached, StateWarning}
	}
	fired := 0
	for i, lvl := range levels {
		won, err := tx.ClaimAlarm(ctx, t.ID, target, string(lvl), due)
		if err != nil {
			return fired, err
		}
		if !won || i > 0 {
			continue
		}
		leads, err := tx.TeamLeadEmails(ctx, t.TeamID)
		if err != nil {
			return fired, err
		}
		kind := helpdesk.EventSLAWarning
		if lvl == StateBreached {
			kind = helpdesk.EventSLABreached
		}
		after := map[string]any{"target": target, "due": due, "elapsed": fraction, "notify": leads}
		reason := target + " at " + strconv.Itoa(int(fraction*100)) + "% of its target"
		if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: t.ID, Number: t.Number, Kind: kind, After: after, Reason: reason}); err != nil {
			return fired, err
		}
		if err := s.Alert.Send(ctx, tx, Alert{TicketID: t.ID, Number: t.Number, Kind: kind, To: leads, Reason: reason,
			Key: target + "/" + strconv.FormatInt(due.Unix(), 10)}); err != nil {
			return fired, err
		}
		fired++
	}
	return fired, nil
}
