package triage

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/postgres/dbsqlc"
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
	Jobs       *river.Client[pgx.Tx]
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

	mu     sync.Mutex
	cached *static
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
	cats  []dbsqlc.Category
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
	q := r.DB.Q()
	st := &static{at: time.Now()}
	var err error
	if st.cats, err = q.ListCategories(ctx); err != nil {
		return nil, err
	}
	if st.rules, err = loadPriorityRules(ctx, q, st.cats); err != nil {
		return nil, err
	}
	if st.world, err = loadWorld(ctx, q, now); err != nil {
		return nil, err
	}
	if st.pols, err = sla.LoadPolicies(ctx, q); err != nil {
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

// Run prioritises, categorises, schedules and assigns one ticket. Any
// number of nodes may run it at once, for the same ticket or for others:
// the ticket's row lock makes a second run a no-op, and the candidate
// agents' profile locks (taken in id order) make load counts and capacity
// checks exact, so every ticket gets one assignee and capacities hold.
func (r *Runner) Run(ctx context.Context, ticketID int64) error {
	now := r.now()
	q := r.DB.Q()
	t, err := q.TriageTicket(ctx, ticketID)
	if err != nil {
		if postgres.IsNotFound(err) {
			return nil
		}
		return err
	}
	if t.AssigneeID != nil || !helpdesk.Status(t.Status).IsOpen() {
		return nil
	}
	st, err := r.static(ctx, now)
	if err != nil {
		return err
	}
	cats, rules, w, pols := st.cats, st.rules, st.world.clone(), st.pols
	first := t.TriagedAt == nil // not a retry of a queued or rebalanced ticket

	// Category first: the priority rules and the routing depend on it.
	var cat *dbsqlc.Category
	var catz *Categorisation
	if t.CategoryID == nil {
		c := categorise(t.Subject+"\n"+t.Body, cats, r.Classifier)
		catz = &c
		t.CategoryID = c.CategoryID
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
	prio := PriorityDecision{Priority: helpdesk.Priority(t.Priority)}
	if first {
		prio = DecidePriority(rules, PriorityInput{Impact: helpdesk.Impact(t.Impact), Urgency: helpdesk.Urgency(t.Urgency),
			Subject: t.Subject, Description: t.Body, Category: catName, RequesterVIP: t.RequesterVip})
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
		if cat.RequiredSkill != nil {
			rt.RequiredSkill = *cat.RequiredSkill
		}
	}
	var others []*Team
	if rt.FollowTheSun || rt.CrossRegion {
		others = w.others(home)
	}

	return r.DB.InTx(ctx, func(tx *postgres.Tx) error {
		cur, err := tx.Q.LockTicketForTriage(ctx, t.ID)
		if err != nil {
			return err
		}
		if cur.AssigneeID != nil || !helpdesk.Status(cur.Status).IsOpen() {
			return nil // another run, or a person, got there first
		}
		clock, err := sla.LoadClock(ctx, tx.Q, t.ID, t.CreatedAt)
		if err != nil {
			return err
		}
		dues := sla.Compute(clock, w.cals[teamID], pols.For(prio.Priority), t.FirstRespondedAt != nil)
		rt.FirstResponseDue = dues.FirstResponse
		// Everything that does not depend on who takes the ticket is written
		// before the agents are locked, to keep that section short: every
		// other triage for the same team waits on it.
		if err := r.storeFacts(ctx, tx, t, first, prio, catz, dues); err != nil {
			return err
		}
		d, err := r.decideLocked(ctx, tx, w, now, rt, home, others)
		if err != nil {
			return err
		}
		return r.store(ctx, tx, t, prio, teamID, d, dues, now)
	})
}

// decideLocked locks the candidates' profiles in id order, so that until
// commit no other triage can change their load, and decides on the locked
// values. The chosen agent's load counter is checked against a recount of
// their open tickets; on a mismatch (a counter drifted) it is corrected
// and the decision made again.
func (r *Runner) decideLocked(ctx context.Context, tx *postgres.Tx, w *world, now time.Time, rt Ticket, home *Team, others []*Team) (Decision, error) {
	locked, err := tx.Q.LockAgentProfiles(ctx, w.candidates(home, others))
	if err != nil {
		return Decision{}, err
	}
	w.refresh(locked)
	for range 3 {
		d := Decide(now, rt, home, others)
		if d.Agent == nil {
			return d, nil
		}
		n, err := tx.Q.CountAgentLoad(ctx, &d.AgentID)
		if err != nil {
			return d, err
		}
		if int(n) == d.Agent.Load {
			return d, nil
		}
		if r.Log != nil {
			r.Log.Warn("agent load counter drifted; corrected", "agent", d.AgentID, "counter", d.Agent.Load, "open", n)
		}
		if err := tx.Q.SetAgentLoad(ctx, dbsqlc.SetAgentLoadParams{UserID: d.AgentID, OpenLoad: n}); err != nil {
			return d, err
		}
		w.setLoad(d.AgentID, int(n))
	}
	return Decide(now, rt, home, others), nil
}

// storeFacts writes the deadlines and the categorisation and priority
// events: what triage decided before choosing a person.
func (r *Runner) storeFacts(ctx context.Context, tx *postgres.Tx, t dbsqlc.TriageTicketRow, first bool, prio PriorityDecision,
	catz *Categorisation, dues sla.Deadlines) error {
	if err := sla.Store(ctx, tx.Q, t.ID, dues); err != nil {
		return err
	}
	if catz != nil {
		if err := sla.RecordEvent(ctx, tx, t.ID, helpdesk.EventCategorised, nil, catz, catz.Reason); err != nil {
			return err
		}
	}
	if first {
		return sla.RecordEvent(ctx, tx, t.ID, helpdesk.EventPrioritised, map[string]any{"priority": t.Priority},
			prio, strings.Join(prio.Reasons, "; "))
	}
	return nil
}

// store writes the decision and its explanation event.
func (r *Runner) store(ctx context.Context, tx *postgres.Tx, t dbsqlc.TriageTicketRow, prio PriorityDecision,
	teamID int64, d Decision, dues sla.Deadlines, now time.Time) error {
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
	n, err := tx.Q.ApplyTriage(ctx, dbsqlc.ApplyTriageParams{ID: t.ID, Priority: string(prio.Priority),
		CategoryID: t.CategoryID, TeamID: &teamID, AssigneeID: assignee, RetryAt: retry})
	if err != nil || n == 0 {
		return err
	}
	if err := sla.Record(ctx, tx, t.ID, t.Number, helpdesk.EventTriaged, nil, triagedEvent{d, dues}, d.Explanation); err != nil {
		return err
	}
	var skill string
	if d.Wait != nil {
		skill = d.Wait.Skill
	}
	if err := tx.SetTriageWait(ctx, t.ID, d.Wait.Text(), skill, d.Outcome.Provisional()); err != nil {
		return err
	}
	if d.AlarmLead {
		if err := r.alarmLead(ctx, tx, t.ID, t.Number, teamID, d); err != nil {
			return err
		}
	}
	if assignee == nil {
		return nil
	}
	if err := tx.Q.TouchLastAssigned(ctx, *assignee); err != nil {
		return err
	}
	if d.Notify {
		why := fmt.Sprintf("%s with nobody on shift who can take it in time", prio.Priority)
		after := map[string]any{"agent_id": d.AgentID, "agent_name": d.AgentName, "channel": "page", "why": why}
		if err := sla.RecordEvent(ctx, tx, t.ID, EventNotified, nil, after, "on-call paged for a "+string(prio.Priority)); err != nil {
			return err
		}
		if err := r.page(ctx, tx, t.ID, t.Number, d.AgentID); err != nil {
			return err
		}
	}
	return nil
}

// loadPriorityRules combines the editable matrix, the admin's keyword and
// VIP rules (settings) and the categories' minimum priorities.
func loadPriorityRules(ctx context.Context, q *dbsqlc.Queries, cats []dbsqlc.Category) (PriorityRules, error) {
	rules := DefaultPriorityRules()
	raw, err := q.TriageSetting(ctx, PriorityRulesSetting)
	if err == nil {
		var custom PriorityRules
		if json.Unmarshal(raw, &custom) == nil {
			rules.Keywords, rules.VIP = custom.Keywords, custom.VIP
		}
	} else if !postgres.IsNotFound(err) {
		return rules, err
	}
	cells, err := q.PriorityMatrix(ctx)
	if err != nil {
		return rules, err
	}
	for _, c := range cells {
		i, u := helpdesk.Impact(c.Impact), helpdesk.Urgency(c.Urgency)
		if rules.Matrix[i] == nil {
			rules.Matrix[i] = map[helpdesk.Urgency]helpdesk.Priority{}
		}
		rules.Matrix[i][u] = helpdesk.Priority(c.Priority)
	}
	rules.CategoryMinimum = map[string]helpdesk.Priority{}
	for _, c := range cats {
		if c.MinPriority != nil {
			rules.CategoryMinimum[c.Name] = helpdesk.Priority(*c.MinPriority)
		}
	}
	return rules, nil
}

// language is the primary subtag of a locale ("de-AT" -> "de").
func language(locale string) string {
	l, _, _ := strings.Cut(strings.ReplaceAll(locale, "_", "-"), "-")
	return strings.ToLower(l)
}
