package sim

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"switchboard/internal/sla"
	"switchboard/internal/triage"
)

// Strategy is a routing strategy to simulate.
type Strategy string

// Strategies. The two baselines assign at arrival within the home team
// (among agents with the category's skill) and ignore shifts, time off and
// capacity, as helpdesks without time-zone-aware routing do.
const (
	RoundRobin  Strategy = "round-robin"
	LeastLoaded Strategy = "least-loaded"
	Switchboard Strategy = "switchboard"
)

// Strategies lists every strategy in table order.
var Strategies = []Strategy{RoundRobin, LeastLoaded, Switchboard}

// Result is one strategy's outcome.
type Result struct {
	Strategy Strategy
	Tickets  int
	// FirstResponseMet is the share (0..1) of tickets whose first response
	// (an agent starting work) came before the SLA due time.
	FirstResponseMet float64
	// MedianToOnShift, P90ToOnShift: time from arrival until the ticket is
	// held by an agent who is at work (on shift, or paged while on call).
	MedianToOnShift, P90ToOnShift time.Duration
	// OffShiftShare is the share of assignments made to agents who were
	// neither on shift nor on call at that moment.
	OffShiftShare float64
	Assignments   int
	Pages         int // on-call pages (switchboard only)
	// MaxLoad is the highest weighted load any agent held; MeanLoad the
	// mean over agents and hourly samples.
	MaxLoad  int
	MeanLoad float64
	// Handovers counts stand-in owners (escalation ladder) replaced by a
	// skilled home agent before work started (switchboard only).
	Handovers int
	// Waits breaks the time to an on-shift owner down by cause (why the
	// ticket had no owner at arrival: "none" when it got one at once), by
	// team and by category.
	ByCause, ByTeam, ByCategory map[string]Stat
	// Stuck counts ticket-minutes a ticket waited unowned past its
	// first-response deadline while an agent who could take it (skill,
	// shift, no leave, room) was free: the ladder must make this 0.
	Stuck int
	// waits and causeOf keep each ticket's time and cause (by arrival
	// index) so the breakdown can group the baselines by Switchboard's cause.
	waits   map[int]time.Duration
	causeOf map[int]string
}

type job struct {
	arr        Arrival
	due        time.Time
	remaining  time.Duration
	agent      *agentState
	paged      bool
	started    bool
	responded  time.Time
	atWork     time.Time // first moment held by an agent at work
	done       bool
	arrivedSeq int
	ticket     triage.Ticket
	stand      bool      // held by a stand-in (a ladder outcome)
	wakeAt     time.Time // when a queued ticket climbs the ladder again
	cause      string    // why it had no owner at arrival
}

type agentState struct {
	a      *triage.Agent
	team   *triage.Team
	shifts []sla.Interval
	oncall []sla.Interval
	queue  []*job
	was    bool // on shift in the previous step
}

func covered(ivs []sla.Interval, t time.Time) bool {
	i := sort.Search(len(ivs), func(i int) bool { return ivs[i].End.After(t) })
	return i < len(ivs) && !ivs[i].Start.After(t)
}

func intervals(c sla.Calendar, from, to time.Time) []sla.Interval {
	var out []sla.Interval
	for iv := range c.Open(from) {
		if !iv.Start.Before(to) {
			break
		}
		out = append(out, iv)
	}
	return out
}

func (s *agentState) onShift(t time.Time) bool { return covered(s.shifts, t) }

// atWork: on shift, or on call with a paged ticket to work.
func (s *agentState) atWork(t time.Time, j *job) bool {
	return s.onShift(t) || (j != nil && j.paged && covered(s.oncall, t))
}

// step is the virtual-time resolution; a minute is finer than any SLA.
const step = time.Minute

// Run replays arrivals against roster with one strategy.
func Run(roster *Roster, arrivals []Arrival, strategy Strategy) (Result, error) {
	res := Result{Strategy: strategy, Tickets: len(arrivals), waits: map[int]time.Duration{}, causeOf: map[int]string{}}
	if len(arrivals) == 0 {
		return res, nil
	}
	teams, err := roster.Build()
	if err != nil {
		return res, err
	}
	byName := map[string]*triage.Team{}
	for _, t := range teams {
		byName[t.Name] = t
	}
	cross := map[string]bool{}
	for _, c := range roster.EscalateAcrossRegions {
		cross[c] = true
	}
	start := arrivals[0].At.Truncate(time.Hour)
	// Run a week past the last arrival so queued tickets can drain.
	end := arrivals[len(arrivals)-1].At.Add(7 * 24 * time.Hour)
	var agents []*agentState
	stateOf := map[int64]*agentState{}
	for _, t := range teams {
		for i := range t.Agents {
			a := &t.Agents[i]
			s := &agentState{a: a, team: t, shifts: intervals(a.Calendar(), start, end)}
			for _, oc := range t.OnCall {
				if oc.AgentID == a.ID {
					s.oncall = append(s.oncall, intervals(oc.Hours, start, end)...)
				}
			}
			sort.Slice(s.oncall, func(i, j int) bool { return s.oncall[i].Start.Before(s.oncall[j].Start) })
			agents = append(agents, s)
			stateOf[a.ID] = s
		}
	}
	policies := sla.DefaultPolicies()
	var jobs, pending []*job
	rr := map[*triage.Team]int{}
	follow := map[string]bool{}
	for _, c := range roster.FollowTheSun {
		follow[c] = true
	}
	var loadSum, loadSamples float64
	next := 0

	assign := func(j *job, s *agentState, now time.Time, paged bool) {
		j.agent, j.paged = s, paged
		s.queue = append(s.queue, j)
		s.a.Load += triage.LoadWeight(j.arr.Priority)
		s.a.LastAssigned = now
		res.Assignments++
		if paged {
			res.Pages++
		}
		if !s.atWork(now, j) {
			res.OffShiftShare++
		}
		res.MaxLoad = max(res.MaxLoad, s.a.Load)
	}
	candidates := func(t *triage.Team, skill string) []*agentState {
		var out []*agentState
		for i := range t.Agents {
			if t.Agents[i].Skills[skill] > 0 {
				out = append(out, stateOf[t.Agents[i].ID])
			}
		}
		if len(out) == 0 {
			for i := range t.Agents {
				out = append(out, stateOf[t.Agents[i].ID])
			}
		}
		return out
	}
	var others []*triage.Team
	decide := func(j *job, now time.Time) bool {
		home := byName[j.arr.Team]
		d := triage.Decide(now, j.ticket, home, others)
		if j.cause == "" {
			j.cause = "none"
			if d.Wait != nil {
				j.cause = d.Wait.Cause
			}
		}
		if d.Agent == nil {
			// A wake time not in the future means someone is on shift but
			// full or away: look again in a while, as the runner does.
			j.wakeAt = d.NextShiftStart
			if !j.wakeAt.After(now) {
				j.wakeAt = now.Add(5 * time.Minute)
			}
			return false
		}
		j.stand = d.Outcome.Provisional()
		assign(j, stateOf[d.Agent.ID], now, d.Outcome == triage.OutcomeOnCall)
		return true
	}
	others = teams
	retry := true
	for now := start; now.Before(end); now = now.Add(step) {
		for ; next < len(arrivals) && !arrivals[next].At.After(now); next++ {
			a := arrivals[next]
			home := byName[a.Team]
			if home == nil {
				return res, fmt.Errorf("arrival %d: unknown team %q", next+1, a.Team)
			}
			due, _ := sla.Clock{Start: a.At}.Due(home.Calendar, policies.For(a.Priority).FirstResponse)
			j := &job{arr: a, due: due, remaining: a.Handling, arrivedSeq: next}
			j.ticket = triage.Ticket{ID: int64(next), Priority: a.Priority, Category: a.Category, RequiredSkill: a.Category,
				Language: a.Language, FirstResponseDue: due, FollowTheSun: follow[a.Category], CrossRegion: cross[a.Category]}
			jobs = append(jobs, j)
			switch strategy {
			case RoundRobin:
				c := candidates(home, a.Category)
				assign(j, c[rr[home]%len(c)], now, false)
				rr[home]++
			case LeastLoaded:
				c := candidates(home, a.Category)
				best := c[0]
				for _, s := range c[1:] {
					if s.a.Load < best.a.Load {
						best = s
					}
				}
				assign(j, best, now, false)
			case Switchboard:
				pending = append(pending, j)
				retry = true
			default:
				return res, fmt.Errorf("unknown strategy %q", strategy)
			}
		}
		// Shift ends: untouched tickets go back to triage (the real rebalancing rule).
		began := false
		for _, s := range agents {
			on := s.onShift(now)
			began = began || (on && !s.was)
			if strategy == Switchboard && s.was && !on {
				var held []triage.HeldTicket
				for _, j := range s.queue {
					held = append(held, triage.HeldTicket{ID: int64(j.arrivedSeq), Priority: j.arr.Priority, HasPublicReply: j.started})
				}
				plan := triage.Rebalance(triage.AbsenceShiftEnded, held)
				s.queue = slices.DeleteFunc(s.queue, func(j *job) bool {
					if slices.Contains(plan.Retriage, int64(j.arrivedSeq)) && !j.paged {
						s.a.Load -= triage.LoadWeight(j.arr.Priority)
						j.agent = nil
						pending = append(pending, j)
						return true
					}
					return false
				})
			}
			if on != s.was {
				retry = true
			}
			s.was = on
		}
		// A better owner came on shift: stand-ins who have not started hand over.
		if strategy == Switchboard && began {
			for _, s := range agents {
				s.queue = slices.DeleteFunc(s.queue, func(j *job) bool {
					if !j.stand || j.started || !triage.BetterOwner(now, j.ticket, byName[j.arr.Team]) {
						return false
					}
					s.a.Load -= triage.LoadWeight(j.arr.Priority)
					j.agent, j.stand, j.paged = nil, false, false
					pending = append(pending, j)
					res.Handovers++
					return true
				})
			}
		}
		for _, j := range pending {
			if !j.wakeAt.IsZero() && !now.Before(j.wakeAt) {
				retry = true
			}
		}
		if strategy == Switchboard && retry && len(pending) > 0 {
			sort.SliceStable(pending, func(a, b int) bool {
				if pa, pb := pending[a].arr.Priority.Rank(), pending[b].arr.Priority.Rank(); pa != pb {
					return pa < pb
				}
				return pending[a].arrivedSeq < pending[b].arrivedSeq
			})
			pending = slices.DeleteFunc(pending, func(j *job) bool { return decide(j, now) })
		}
		retry = false
		if strategy == Switchboard {
			res.Stuck += stuck(now, pending, byName, others)
		}
		// Agents work one ticket at a time: the most urgent in their queue.
		for _, s := range agents {
			var cur *job
			for _, j := range s.queue {
				if s.atWork(now, j) && (cur == nil || j.arr.Priority.Rank() < cur.arr.Priority.Rank() ||
					(j.arr.Priority == cur.arr.Priority && j.arrivedSeq < cur.arrivedSeq)) {
					cur = j
				}
			}
			for _, j := range s.queue {
				if j.atWork.IsZero() && s.atWork(now, j) {
					j.atWork = now
				}
			}
			if cur == nil {
				continue
			}
			if !cur.started {
				cur.started, cur.responded = true, now
			}
			if cur.remaining -= step; cur.remaining <= 0 {
				cur.done = true
				s.a.Load -= triage.LoadWeight(cur.arr.Priority)
				s.queue = slices.DeleteFunc(s.queue, func(j *job) bool { return j == cur })
				retry = true
			}
		}
		if now.Minute() == 0 && !now.After(arrivals[len(arrivals)-1].At) {
			for _, s := range agents {
				loadSum += float64(s.a.Load)
				loadSamples++
			}
		}
	}
	var waits []time.Duration
	met := 0
	by := [3]map[string][]time.Duration{{}, {}, {}}
	for _, j := range jobs {
		if j.started && !j.responded.After(j.due) {
			met++
		}
		w := end.Sub(j.arr.At) // never reached anyone at work
		if !j.atWork.IsZero() {
			w = j.atWork.Sub(j.arr.At)
		}
		w = max(0, w)
		waits = append(waits, w)
		cause := j.cause
		if cause == "" {
			cause = "none"
		}
		by[0][cause] = append(by[0][cause], w)
		res.waits[j.arrivedSeq], res.causeOf[j.arrivedSeq] = w, cause
		by[1][j.arr.Team] = append(by[1][j.arr.Team], w)
		by[2][j.arr.Category] = append(by[2][j.arr.Category], w)
	}
	res.ByCause, res.ByTeam, res.ByCategory = stats(by[0]), stats(by[1]), stats(by[2])
	slices.Sort(waits)
	res.FirstResponseMet = float64(met) / float64(len(jobs))
	res.MedianToOnShift = waits[len(waits)/2]
	res.P90ToOnShift = waits[len(waits)*9/10]
	if res.Assignments > 0 {
		res.OffShiftShare /= float64(res.Assignments)
	}
	if loadSamples > 0 {
		res.MeanLoad = loadSum / loadSamples
	}
	return res, nil
}
