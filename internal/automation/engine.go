package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// triageWait is how long a ticket.created rule waits for triage to decide
// before it runs anyway (triage down must not hold the rules forever).
const triageWait = 2 * time.Minute

// stopFor is how long rules stay stopped on a ticket after they looped.
const stopFor = time.Hour

// triggerOf maps a ticket event kind to the rule trigger it fires.
func triggerOf(kind string) string {
	switch kind {
	case helpdesk.EventCreated:
		return helpdesk.TriggerCreated
	case helpdesk.EventStatusChanged, helpdesk.EventFieldsChanged, helpdesk.EventAssigned:
		return helpdesk.TriggerUpdated
	case helpdesk.EventReplied, helpdesk.EventNoted:
		return helpdesk.TriggerMessage
	case helpdesk.EventSLAWarning:
		return helpdesk.TriggerSLAAtRisk
	case helpdesk.EventSLABreached:
		return helpdesk.TriggerSLABreach
	}
	return ""
}

// kindsOf is the inverse of triggerOf (a dry-run's history query).
func kindsOf(trigger string) []string {
	var out []string
	for _, k := range []string{helpdesk.EventCreated, helpdesk.EventStatusChanged, helpdesk.EventFieldsChanged,
		helpdesk.EventAssigned, helpdesk.EventReplied, helpdesk.EventNoted, helpdesk.EventSLAWarning, helpdesk.EventSLABreached} {
		if triggerOf(k) == trigger {
			out = append(out, k)
		}
	}
	return out
}

// programs caches compiled conditions by their text (not by rule id: two
// databases, or an edit racing a run, must never share a program).
var programs sync.Map

func program(r *helpdesk.Rule) (*vm.Program, error) {
	k := r.Condition
	if p, ok := programs.Load(k); ok {
		return p.(*vm.Program), nil
	}
	p, err := Compile(r.Condition)
	if err != nil {
		return nil, err
	}
	programs.Store(k, p)
	return p, nil
}

// Kick asks for the ticket's waiting events to be run through the rules
// soon. It is the ticket_changed follow-up handler; it never fails the
// follow-up job (that would resend notifications): the periodic tick picks
// up what a failed kick left.
func (s *Service) Kick(ctx context.Context, a jobs.ChangedArgs) error {
	if s.Jobs == nil {
		return nil
	}
	if _, err := s.Jobs.Insert(ctx, jobs.AutomationArgs{TicketID: a.TicketID}, nil); err != nil {
		s.log().Warn("automation kick", "ticket_id", a.TicketID, "err", err)
	}
	return nil
}

// Drain runs the enabled rules over one ticket's waiting events, oldest
// first, in one transaction. A ticket.created event waits until triage has
// decided (or triageWait passed), so a rule's changes come after triage's
// and win; the events behind it wait with it, keeping their order.
func (s *Service) Drain(ctx context.Context, ticketID int64) error {
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error { return s.drainAll(ctx, tx, []int64{ticketID}) })
}

// DrainMany drains the tickets one after another in one transaction, as a
// triage batch asks for the tickets it wrote: one job, one commit, and one
// read of the rules and webhooks instead of one each per ticket. Should it
// fail, each ticket is drained on its own, so one ticket's failure does not
// hold back the others' rules.
func (s *Service) DrainMany(ctx context.Context, ticketIDs []int64) error {
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error { return s.drainAll(ctx, tx, ticketIDs) })
	if err == nil || len(ticketIDs) == 1 {
		return err
	}
	s.log().Warn("rules of a batch failed; draining its tickets one by one", "err", err)
	var errs []error
	for _, id := range ticketIDs {
		errs = append(errs, s.Drain(ctx, id))
	}
	return errors.Join(errs...)
}

// drainAll drains the tickets one after another in tx and then removes
// every event they handled from the inbox in one statement. It claims
// every ticket's events in one round trip and reads the tickets that have
// a ticket.created event (whether triage has decided) together.
func (s *Service) drainAll(ctx context.Context, tx *postgres.Tx, ticketIDs []int64) error {
	claims, err := tx.ClaimInboxes(ctx, ticketIDs)
	if err != nil || len(claims) == 0 {
		return err
	}
	d := &drained{ids: ticketIDs, rules: map[string][]helpdesk.Rule{}, tickets: map[int64]*postgres.RuleTicket{}}
	var created []int64
	for _, id := range ticketIDs {
		for _, e := range claims[id] {
			if triggerOf(e.Kind) == helpdesk.TriggerCreated {
				created = append(created, id)
				break
			}
		}
	}
	if len(created) > 0 {
		if d.tickets, err = tx.RuleTickets(ctx, created); err != nil {
			return err
		}
	}
	if d.hooks, err = tx.ActiveWebhooks(ctx); err != nil {
		return err
	}
	var done []int64
	for _, id := range ticketIDs {
		if evs := claims[id]; len(evs) > 0 {
			handled, err := s.drain(ctx, tx, d, id, evs)
			if err != nil {
				return err
			}
			done = append(done, handled...)
		}
	}
	if len(done) == 0 {
		return nil
	}
	return tx.DoneInbox(ctx, done)
}

// drained is what the drains of one transaction share, each read once: the
// enabled rules by trigger, the active webhooks, which of the tickets
// rules were stopped on and how many changes rules made to each in the
// last minute (both read for all of them when the first rule is about to
// run), and each ticket as rules see it (read again after a rule changed
// it).
type drained struct {
	ids     []int64
	rules   map[string][]helpdesk.Rule
	hooks   []helpdesk.Webhook
	stopped map[int64]bool
	recent  map[int64]int
	tickets map[int64]*postgres.RuleTicket
}

func (d *drained) isStopped(ctx context.Context, tx *postgres.Tx, id int64) (bool, error) {
	if d.stopped == nil {
		m, err := tx.AutomationStopped(ctx, d.ids, stopFor)
		if err != nil {
			return false, err
		}
		d.stopped = m
	}
	return d.stopped[id], nil
}

// changes is how many fields rules changed on the ticket in the last
// minute, this transaction's runs included (handle adds them as it makes
// them: rules record changes only on the ticket they run on).
func (d *drained) changes(ctx context.Context, tx *postgres.Tx, id int64) (int, error) {
	if d.recent == nil {
		m, err := tx.RuleChangesWithin(ctx, d.ids, time.Minute)
		if err != nil {
			return 0, err
		}
		d.recent = m
	}
	return d.recent[id], nil
}

func (d *drained) ticket(ctx context.Context, tx *postgres.Tx, id int64) (*postgres.RuleTicket, error) {
	if t := d.tickets[id]; t != nil {
		return t, nil
	}
	t, err := tx.RuleTicket(ctx, id)
	if err == nil {
		d.tickets[id] = t
	}
	return t, err
}

// drain runs the rules over one ticket's claimed events and returns those
// it handled (for DoneInbox).
func (s *Service) drain(ctx context.Context, tx *postgres.Tx, d *drained, ticketID int64, evs []postgres.InboxEvent) ([]int64, error) {
	hooks, rules := d.hooks, d.rules
	var done []int64
	ran := false
	for _, e := range evs {
		trig := triggerOf(e.Kind)
		if trig == helpdesk.TriggerCreated {
			t, err := d.ticket(ctx, tx, ticketID)
			if err != nil {
				return nil, err
			}
			if !t.Triaged && s.now().Sub(e.CreatedAt) < triageWait {
				break
			}
		}
		done = append(done, e.EventID)
		if err := s.fanout(ctx, tx, hooks, e, trig); err != nil {
			return nil, fmt.Errorf("webhooks for event %d: %w", e.EventID, err)
		}
		rs, ok := rules[trig]
		if !ok {
			var err error
			if rs, err = s.DB.EnabledRules(ctx, trig); err != nil {
				return nil, err
			}
			rules[trig] = rs
		}
		n, err := s.handle(ctx, tx, d, e, trig, rs)
		if err != nil {
			return nil, fmt.Errorf("rules on event %d of ticket %d: %w", e.EventID, ticketID, err)
		}
		ran = ran || n > 0
	}
	if ran && s.Jobs != nil {
		// The runs' own changes are new events in the inbox: look at
		// them next (other rules may trigger on them).
		if _, err := s.Jobs.InsertTx(ctx, tx, jobs.AutomationArgs{TicketID: ticketID}, nil); err != nil {
			return nil, err
		}
	}
	return done, nil
}

// handle runs the rules of one event; it returns how many runs changed
// something.
func (s *Service) handle(ctx context.Context, tx *postgres.Tx, d *drained, e postgres.InboxEvent, trig string, rules []helpdesk.Rule) (int, error) {
	if len(rules) == 0 {
		return 0, nil
	}
	now := s.now()
	if stopped, err := d.isStopped(ctx, tx, e.TicketID); err != nil || stopped {
		return 0, err
	}
	t, err := d.ticket(ctx, tx, e.TicketID)
	if err != nil {
		return 0, err
	}
	var biz bizNeed
	for i := range rules {
		biz = usesBusiness(biz, &rules[i])
	}
	env, err := s.envFor(ctx, tx, t, trig, &e, now, biz)
	if err != nil {
		return 0, err
	}
	ran, recent := 0, -1
	for i := range rules {
		r := &rules[i]
		if e.RuleID != nil && *e.RuleID == r.ID {
			continue // a rule's own change never triggers it again
		}
		if r.TeamID != nil && (t.TeamID == nil || *t.TeamID != *r.TeamID) {
			continue
		}
		if recent < 0 { // read once per event, then kept up to date below
			if recent, err = d.changes(ctx, tx, e.TicketID); err != nil {
				return ran, err
			}
		}
		if recent >= s.loopLimit() {
			d.stopped[e.TicketID] = true // the next events of this drain see the stop too
			return ran, s.stop(ctx, tx, t, recent)
		}
		prog, err := program(r)
		if err != nil {
			s.log().Warn("rule condition", "rule_id", r.ID, "err", err)
			continue
		}
		ok, err := Match(prog, &env)
		if err != nil {
			s.log().Warn("rule condition", "rule_id", r.ID, "ticket", t.Number, "err", err)
			continue
		}
		if !ok {
			continue
		}
		id := e.EventID
		runID, changed, err := s.execute(ctx, tx, r, helpdesk.RunKindRun, &id, nil, []target{{id: t.ID}}, false)
		if err != nil {
			return ran, err
		}
		if changed > 0 {
			ran++
			recent += changed
			d.recent[e.TicketID] = recent
			delete(d.tickets, e.TicketID)
			if t, err = d.ticket(ctx, tx, e.TicketID); err != nil {
				return ran, err
			}
			if env.Ticket, err = s.ticketEnvFor(ctx, tx, t, now, biz); err != nil {
				return ran, err
			}
			s.log().Info("rule ran", "rule_id", r.ID, "run_id", runID, "ticket", t.Number)
		}
	}
	return ran, nil
}

// envFor builds the condition's environment for t and the event that
// fired (nil for schedule rules).
func (s *Service) envFor(ctx context.Context, tx *postgres.Tx, t *postgres.RuleTicket, trig string,
	e *postgres.InboxEvent, now time.Time, business bizNeed) (Env, error) {
	te, err := s.ticketEnvFor(ctx, tx, t, now, business)
	if err != nil {
		return Env{}, err
	}
	env := Env{Ticket: te, Event: trig, Now: now}
	if e == nil {
		return env, nil
	}
	switch trig {
	case helpdesk.TriggerUpdated:
		env.Change = changeEnv(e.Before, e.After)
	case helpdesk.TriggerMessage:
		env.Message, err = s.messageEnv(ctx, tx, e.After)
	}
	return env, err
}

func (s *Service) messageEnv(ctx context.Context, tx *postgres.Tx, after json.RawMessage) (MessageEnv, error) {
	var a struct {
		MessageID int64 `json:"message_id"`
	}
	_ = json.Unmarshal(after, &a)
	if a.MessageID == 0 {
		return MessageEnv{}, nil
	}
	m, err := tx.RuleMessage(ctx, a.MessageID)
	if postgres.IsNotFound(err) {
		return MessageEnv{}, nil
	}
	if err != nil {
		return MessageEnv{}, err
	}
	return MessageEnv{Body: m.Body, Internal: m.Internal, Public: !m.Internal, Source: m.Source, Author: m.AuthorEmail,
		FromRequester: m.FromRequester, FromStaff: m.AuthorIsStaff}, nil
}

// stop records that rules looped on a ticket: an event on its timeline and
// an entry in the admin audit log, and rules leave the ticket alone for
// stopFor.
func (s *Service) stop(ctx context.Context, tx *postgres.Tx, t *postgres.RuleTicket, n int) error {
	reason := fmt.Sprintf("rules changed this ticket %d times within a minute (limit %d); automation is stopped on it for %s",
		n, s.loopLimit(), strings.TrimSuffix(stopFor.String(), "0m0s"))
	s.log().Warn("automation loop stopped", "ticket", t.Number, "changes", n)
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: t.ID, Number: t.Number, Kind: helpdesk.EventAutomationStopped,
		After: map[string]any{"changes": n, "limit": s.loopLimit()}, Reason: reason}); err != nil {
		return err
	}
	return tx.Audit(ctx, nil, "ticket", fmt.Sprint(t.Number), "automation_stopped", nil,
		map[string]any{"changes": n, "limit": s.loopLimit(), "reason": reason})
}

// target is a ticket a run works on, with the event that selected it (nil
// for schedule rules).
type target struct {
	id    int64
	event *postgres.InboxEvent
}

// execute is one run of r over tickets (one for an event; many for a
// schedule or a manual run, each re-checked against the condition under
// its row lock when recheck is set). Each ticket's changes are in a
// savepoint: a failing action (an assignee who left) is recorded in the
// run's results and the other tickets go on. It returns the run id (0 when
// nothing happened and the run was dropped) and how many changes it made.
func (s *Service) execute(ctx context.Context, tx *postgres.Tx, r *helpdesk.Rule, kind string, eventID, actorID *int64,
	tickets []target, recheck bool) (int64, int, error) {
	trig := r.Trigger
	runID, err := tx.InsertRun(ctx, postgres.NewRun{RuleID: r.ID, RuleVersion: r.Version, Kind: kind, Trigger: trig,
		EventID: eventID, ActorID: actorID})
	if err != nil {
		return 0, 0, err
	}
	prog, err := program(r)
	if err != nil {
		return 0, 0, err
	}
	reason := fmt.Sprintf("rule '%s' run #%d", r.Name, runID)
	var results []helpdesk.RunResult
	changed := 0
	now := s.now()
	for _, tg := range tickets {
		id := tg.id
		var res []helpdesk.RunResult
		var n int
		err := tx.Savepoint(ctx, func(tx *postgres.Tx) error {
			if err := tx.MarkAutomation(ctx, runID, r.ID); err != nil {
				return err
			}
			if _, err := tx.LockTicket(ctx, id); err != nil {
				return err
			}
			t, err := tx.RuleTicket(ctx, id)
			if err != nil {
				return err
			}
			if recheck {
				if r.TeamID != nil && (t.TeamID == nil || *t.TeamID != *r.TeamID) {
					return nil
				}
				env, err := s.envFor(ctx, tx, t, trig, tg.event, now, usesBusiness(bizNeed{}, r))
				if err != nil {
					return err
				}
				if ok, err := Match(prog, &env); err != nil || !ok {
					return err
				}
			}
			n, res, err = s.apply(ctx, tx, r, t, runID, reason)
			return err
		})
		if err != nil {
			if postgres.IsUnavailable(err) || ctx.Err() != nil {
				return 0, 0, err
			}
			s.log().Warn("rule action failed", "rule_id", r.ID, "run_id", runID, "ticket_id", id, "err", err)
			results = append(results, helpdesk.RunResult{Ticket: numberOf(ctx, tx, id), Action: "error",
				Result: helpdesk.ErrorMessage(err)})
			continue
		}
		changed += n
		results = append(results, res...)
	}
	if err := tx.MarkAutomation(ctx, 0, 0); err != nil {
		return 0, 0, err
	}
	if changed == 0 && len(results) == 0 {
		return 0, 0, tx.DeleteRun(ctx, runID)
	}
	if err := tx.FinishRun(ctx, runID, results, nil); err != nil {
		return 0, 0, err
	}
	return runID, changed, nil
}

func numberOf(ctx context.Context, tx *postgres.Tx, ticketID int64) int64 {
	t, err := tx.RuleTicket(ctx, ticketID)
	if err != nil {
		return 0
	}
	return t.Number
}
