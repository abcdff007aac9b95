package triage

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
)

// Event kinds the runner writes besides helpdesk's.
const (
	// EventNotified: someone must be told now (a P1 paged to on-call, a
	// lead about a flagged ticket) until email notifications deliver it.
	EventNotified = "notified"
	// EventFlagged: a ticket stays with an absent agent who already
	// answered; the lead decides.
	EventFlagged = "flagged"
)

// PriorityRulesSetting is the settings key holding admin-edited keyword
// and VIP rules (JSON of PriorityRules); the matrix and category minimums
// come from their own tables.
const PriorityRulesSetting = "triage_priority_rules"

// queuedRetryFallback is when a queued ticket with no shift in sight is
// tried again: a lead may add someone meanwhile.
const queuedRetryFallback = time.Hour

// capacityRetry is when a ticket queued although its team is on shift
// (everyone full, away or lacking the skill) is tried again.
const capacityRetry = 5 * time.Minute

// Runner triages stored tickets: it is the work of the `triage` River job.
type Runner struct {
	DB         *postgres.DB
	Jobs       *postgres.JobClient
	Classifier *Classifier
	Log        *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Alert mails the on-call agent paged for a P1 and the lead of a
	// flagged ticket, in the transaction that records it; nil sends nothing.
	Alert sla.Alerter
	// NoCache makes every run read the roster afresh (tests that change it
	// between runs).
	NoCache bool
	// MayActOnCreated says whether one of the enabled ticket.created rules
	// may act on a ticket just written triaged (automation.MayActOnCreated);
	// nil: every new ticket's created event goes to the rules' drain.
	MayActOnCreated func(rules []helpdesk.Rule, t *helpdesk.Ticket, description string, vip bool, now time.Time) bool

	mu        sync.Mutex
	cached    *static
	recounted map[int64]time.Time // agent -> last load recount on this node

	// The runs waiting to be triaged together (batch.go), and the new
	// tickets waiting to be filed together (born.go).
	runs  group[int64]
	files group[*filing]
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// staticTTL is how long a node reuses the slow-changing part of what triage
// reads (categories, rules, teams, calendars, members, hours, skills, time
// off, on-call, policies). Availability, capacity, active and load are read
// under lock on every run; a new skill or shift takes at most this long.
const staticTTL = 2 * time.Second

// static is that slow-changing part, shared by the runs of one node.
type static struct {
	at    time.Time
	cats  []helpdesk.CategorySettings
	rules PriorityRules
	world *world
	pols  sla.Policies
	cross map[int64]bool // categories that may cross regions on the ladder
}

func (r *Runner) static(ctx context.Context, now time.Time) (*static, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.cached; st != nil && time.Since(st.at) < staticTTL && !r.NoCache {
		return st, nil
	}
	st := &static{at: time.Now()}
	var err error
	if st.cats, err = r.DB.Categories(ctx); err != nil {
		return nil, err
	}
	if st.rules, err = loadPriorityRules(ctx, r.DB, st.cats); err != nil {
		return nil, err
	}
	if st.world, err = loadWorld(ctx, r.DB, now); err != nil {
		return nil, err
	}
	if st.pols, err = sla.LoadPolicies(ctx, r.DB); err != nil {
		return nil, err
	}
	if st.cross, err = r.DB.CrossRegionCategories(ctx); err != nil {
		return nil, err
	}
	r.cached = st
	return st, nil
}

// triagedEvent is the `triaged` event's JSON: the full Decision plus the
// deadlines it was made against.
type triagedEvent struct {
	Decision
	SLA sla.Deadlines `json:"sla"`
}

// plan is one ticket's triage up to the choice of a person: category,
// priority, team, deadlines and the events that explain them. Planning is
// pure, so a batch plans every ticket before it locks the union of their
// candidates once, in id order.
type plan struct {
	t      *helpdesk.TriageTicket
	prio   PriorityDecision
	teamID int64
	home   *Team
	others []*Team
	rt     Ticket
	dues   sla.Deadlines
	events []postgres.NewEvent
	catz   *Categorisation // nil when the ticket came with its category
}

// plan decides what does not depend on who takes t, against the batch's
// world w. catz, when not nil, is t's categorisation as an earlier plan of
// the same text made it.
func (r *Runner) plan(st *static, w *world, t *helpdesk.TriageTicket, catz *Categorisation) plan {
	cats, rules, pols := st.cats, st.rules, st.pols
	first := t.TriagedAt == nil // not a retry of a queued or rebalanced ticket

	// Category first: the priority rules and the routing depend on it.
	var cat *helpdesk.CategorySettings
	if t.CategoryID == nil {
		if catz == nil {
			c := categorise(t.Subject+"\n"+t.Body, cats, r.Classifier)
			catz = &c
		}
		t.CategoryID = catz.CategoryID
	} else {
		catz = nil
	}
	for i := range cats {
		if t.CategoryID != nil && cats[i].ID == *t.CategoryID {
			cat = &cats[i]
		}
	}
	catName := ""
	if cat != nil {
		catName = cat.Name
	}
	prio := PriorityDecision{Priority: t.Priority}
	if first {
		prio = DecidePriority(rules, PriorityInput{Impact: t.Impact, Urgency: t.Urgency,
			Subject: t.Subject, Description: t.Body, Category: catName, RequesterVIP: t.RequesterVIP})
	}
	teamID := w.needsTriage
	switch {
	case t.TeamID != nil && *t.TeamID != w.needsTriage:
		teamID = *t.TeamID
	case cat != nil:
		teamID = cat.TeamID
	}
	home := w.teams[teamID]
	if home == nil {
		home = &Team{ID: teamID, Name: "unknown team"}
	}
	rt := Ticket{ID: t.ID, Priority: prio.Priority, Category: catName, Language: language(t.RequesterLocale)}
	if cat != nil {
		rt.FollowTheSun, rt.CrossRegion = cat.FollowTheSun, st.cross[cat.ID]
		rt.RequiredSkill = cat.RequiredSkill
	}
	var others []*Team
	if rt.FollowTheSun || rt.CrossRegion {
		others = w.others(home)
	}
	clock := sla.Clock{Start: t.CreatedAt}
	for _, sp := range t.Pauses {
		clock.Pauses = append(clock.Pauses, sla.Pause{From: sp.Start, To: sp.End})
	}
	dues := sla.Compute(clock, w.cals[teamID], pols.For(prio.Priority), t.FirstRespondedAt != nil)
	rt.FirstResponseDue = dues.FirstResponse
	return plan{t: t, prio: prio, teamID: teamID, home: home, others: others, rt: rt, dues: dues,
		events: factEvents(t, first, prio, catz), catz: catz}
}

// loadRecountEvery is how often a node checks an agent's load counter
// against a recount of their open tickets. The trigger keeps the counter
// exact in the same transaction as every change; the recount only catches
// drift from outside (hand-written SQL, a restore), and it reads every open
// ticket the agent holds, which per batch was a tenth of triage's
// database time with a few hundred open tickets per agent.
const loadRecountEvery = 10 * time.Second

// recountDue says whether agent's counter is to be checked now, and if so
// notes it as checked (NoCache: always, as tests change counters by hand).
func (r *Runner) recountDue(agent int64) bool {
	if r.NoCache {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if at, ok := r.recounted[agent]; ok && now.Sub(at) < loadRecountEvery {
		return false
	}
	if r.recounted == nil {
		r.recounted = map[int64]time.Time{}
	}
	r.recounted[agent] = now
	return true
}

// decide chooses on the values read under the profile locks, which the
// batch keeps current as it assigns. The chosen agent's load counter is
// checked at most once per batch (and per loadRecountEvery on this node)
// against a recount of their open tickets; on a mismatch (a counter
// drifted) it is corrected and the decision made again.
func (r *Runner) decide(ctx context.Context, tx *postgres.Tx, w *world, now time.Time, p plan, checked map[int64]bool) (Decision, error) {
	for range 3 {
		d := Decide(now, p.rt, p.home, p.others)
		if d.Agent == nil || checked[d.AgentID] {
			return d, nil
		}
		if !r.recountDue(d.AgentID) {
			checked[d.AgentID] = true
			return d, nil
		}
		n, err := tx.CountAgentLoad(ctx, d.AgentID)
		if err != nil {
			return d, err
		}
		checked[d.AgentID] = true
		if n == d.Agent.Load {
			return d, nil
		}
		if r.Log != nil {
			r.Log.Warn("agent load counter drifted; corrected", "agent", d.AgentID, "counter", d.Agent.Load, "open", n)
		}
		if err := tx.SetAgentLoad(ctx, d.AgentID, n); err != nil {
			return d, err
		}
		w.setLoad(d.AgentID, n)
	}
	return Decide(now, p.rt, p.home, p.others), nil
}

// factEvents are the categorisation and priority events: what triage
// decided before choosing a person, written with the decision.
func factEvents(t *helpdesk.TriageTicket, first bool, prio PriorityDecision, catz *Categorisation) []postgres.NewEvent {
	var out []postgres.NewEvent
	if catz != nil {
		out = append(out, postgres.NewEvent{TicketID: t.ID, Kind: helpdesk.EventCategorised, After: catz, Reason: catz.Reason})
	}
	if first {
		out = append(out, postgres.NewEvent{TicketID: t.ID, Kind: helpdesk.EventPrioritised,
			Before: map[string]any{"priority": string(t.Priority)}, After: prio, Reason: strings.Join(prio.Reasons, "; ")})
	}
	return out
}

// decided is one ticket's decision, ready to be written with its batch.
type decided struct {
	t        *helpdesk.TriageTicket
	prio     PriorityDecision
	teamID   int64
	d        Decision
	assignee *int64
	write    postgres.TriageWrite
	alarmed  bool // the lead alarm was written with the ticket (alarmAtBirth)
}

// result turns a decision into what is written: the decision, the
// deadlines, the fact events and the decision's explanation event.
func (r *Runner) result(t *helpdesk.TriageTicket, prio PriorityDecision, teamID int64, d Decision, dues sla.Deadlines,
	now time.Time, events []postgres.NewEvent) decided {
	var assignee *int64
	var retry *time.Time
	if d.Outcome == OutcomeQueued {
		at := d.NextShiftStart
		switch {
		case at.IsZero() || at.Year() > now.Year()+5:
			at = now.Add(queuedRetryFallback)
		case at.Before(now.Add(time.Minute)):
			// Someone is on shift but full or away: no shift start will
			// change that, so look again in a while rather than every minute.
			at = now.Add(capacityRetry)
		}
		retry = &at
	} else if d.Agent != nil {
		assignee = &d.AgentID
	}
	if d.TeamID != 0 && (d.Outcome == OutcomeFollowTheSun || d.Outcome == OutcomeOtherRegion) {
		// The ticket stays with its home team; the agent helps across teams.
		d.TeamID = teamID
	}
	var skill string
	if d.Wait != nil {
		skill = d.Wait.Skill
	}
	events = append(events, postgres.NewEvent{TicketID: t.ID, Kind: helpdesk.EventTriaged,
		After: triagedEvent{d, dues}, Reason: d.Explanation})
	return decided{t: t, prio: prio, teamID: teamID, d: d, assignee: assignee,
		write: postgres.TriageWrite{TicketID: t.ID, TriageResult: postgres.TriageResult{Priority: prio.Priority,
			CategoryID: t.CategoryID, TeamID: &teamID, AssigneeID: assignee, RetryAt: retry, Deadlines: dues,
			Wait: d.Wait.Text(), WaitSkill: skill, StandIn: d.Outcome.Provisional(), Number: t.Number, Events: events}}}
}

// followUp enqueues what follows a batch's written decisions, in its
// transaction and in one round trip: one rules job for the tickets whose
// events wait in the rules' inbox (the keys of pending, as
// AutomationPendingAmong returns it; rules on ticket.created run
// after triage decided, so their changes win, and automation.DrainMany
// runs the batch's tickets in one transaction), and one job with the
// alerts the decisions send (alert.go). Tickets in quiet, whose waiting
// events nothing acts on, have them dropped from the inbox instead (one
// more round trip). Without a job client (tests, the command line) the
// alerts are sent in tx and no rules run.
func (r *Runner) followUp(ctx context.Context, tx *postgres.Tx, outs []decided, pending, quiet map[int64]bool, now time.Time) error {
	var as []alert
	var ids, drop []int64
	for _, o := range outs {
		as = append(as, o.alerts(now)...)
		if _, waits := pending[o.t.ID]; !waits {
			continue
		}
		if quiet[o.t.ID] {
			drop = append(drop, o.t.ID)
		} else {
			ids = append(ids, o.t.ID)
		}
	}
	if r.Jobs == nil {
		return r.sendAlerts(ctx, tx, as)
	}
	if len(drop) > 0 {
		if err := tx.DropInbox(ctx, drop); err != nil {
			return err
		}
	}
	var params []river.InsertManyParams
	if len(ids) > 0 {
		params = append(params, river.InsertManyParams{Args: jobs.AutomationArgs{TicketIDs: ids}})
	}
	if len(as) > 0 {
		raw, err := json.Marshal(as)
		if err != nil {
			return fmt.Errorf("encode triage alerts: %w", err)
		}
		params = append(params, river.InsertManyParams{Args: jobs.TriageAlertArgs{Alerts: raw}})
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := r.Jobs.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue rules and alerts of triaged tickets: %w", err)
	}
	return nil
}

// loadPriorityRules combines the editable matrix, the admin's keyword and
// VIP rules (settings) and the categories' minimum priorities.
func loadPriorityRules(ctx context.Context, db *postgres.DB, cats []helpdesk.CategorySettings) (PriorityRules, error) {
	rules := DefaultPriorityRules()
	raw, err := db.Setting(ctx, PriorityRulesSetting)
	if err != nil {
		return rules, err
	}
	var custom PriorityRules
	if raw != nil && json.Unmarshal(raw, &custom) == nil {
		rules.Keywords, rules.VIP = custom.Keywords, custom.VIP
	}
	matrix, err := db.PriorityMatrix(ctx)
	if err != nil {
		return rules, err
	}
	for i, row := range matrix {
		if rules.Matrix[i] == nil {
			rules.Matrix[i] = map[helpdesk.Urgency]helpdesk.Priority{}
		}
		for u, p := range row {
			rules.Matrix[i][u] = p
		}
	}
	rules.CategoryMinimum = map[string]helpdesk.Priority{}
	for _, c := range cats {
		if c.MinPriority != "" {
			rules.CategoryMinimum[c.Name] = c.MinPriority
		}
	}
	return rules, nil
}

// language is the primary subtag of a locale ("de-AT" -> "de").
func language(locale string) string {
	l, _, _ := strings.Cut(strings.ReplaceAll(locale, "_", "-"), "-")
	return strings.ToLower(l)
}

// settle decides p on the batch's world and turns the decision into what is
// written; an assignment is counted on w (what the load trigger adds to the
// counter, and the round-robin order) so the batch's next ticket decides on
// it.
func (r *Runner) settle(ctx context.Context, tx *postgres.Tx, w *world, now time.Time, p plan, checked map[int64]bool) (decided, error) {
	d, err := r.decide(ctx, tx, w, now, p, checked)
	if err != nil {
		return decided{}, err
	}
	o := r.result(p.t, p.prio, p.teamID, d, p.dues, now, p.events)
	if o.assignee != nil {
		w.assigned(*o.assignee, LoadWeight(p.prio.Priority), time.Now())
	}
	return o, nil
}
