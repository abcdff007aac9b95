package sim

import (
	"slices"
	"time"

	"switchboard/internal/triage"
)

// Stat summarises the times to an on-shift owner of a group of tickets.
type Stat struct {
	Tickets     int
	Median, P90 time.Duration
}

func stats(groups map[string][]time.Duration) map[string]Stat {
	out := map[string]Stat{}
	for k, ws := range groups {
		slices.Sort(ws)
		out[k] = Stat{Tickets: len(ws), Median: ws[len(ws)/2], P90: ws[len(ws)*9/10]}
	}
	return out
}

// stuck counts the queued tickets past their first-response deadline for
// which an agent who could take them is free now: of the home team with
// the skill, or of any team when the category follows the sun or may
// cross regions.
func stuck(now time.Time, pending []*job, byName map[string]*triage.Team, teams []*triage.Team) int {
	n := 0
	for _, j := range pending {
		if !now.After(j.due) {
			continue
		}
		home := byName[j.arr.Team]
		scope := []*triage.Team{home}
		if j.ticket.FollowTheSun || j.ticket.CrossRegion {
			scope = teams
		}
		if freeAgent(now, j.ticket, scope) {
			n++
		}
	}
	return n
}

func freeAgent(now time.Time, t triage.Ticket, teams []*triage.Team) bool {
	for _, tm := range teams {
		for i := range tm.Agents {
			if triage.Eligible(now, t, &tm.Agents[i]) {
				return true
			}
		}
	}
	return false
}

// regroup groups r's times by the given cause per ticket.
func regroup(r Result, causeOf map[int]string) map[string]Stat {
	g := map[string][]time.Duration{}
	for i, w := range r.waits {
		c := causeOf[i]
		if c == "" {
			c = "none"
		}
		g[c] = append(g[c], w)
	}
	return stats(g)
}
