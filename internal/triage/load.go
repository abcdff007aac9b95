package triage

// The runner files (load.go, runner.go, categorise.go, sweep.go,
// classifier.go) connect the pure decisions to the database: they load a
// roster as of now, run the decisions, and store their results with the
// explanation events in one transaction.

import (
	"context"
	"slices"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/dbsqlc"
	"switchboard/internal/sla"
)

// NeedsTriageSlug is the team that holds tickets nobody could categorise
// (migration 00010 creates it).
const NeedsTriageSlug = "needs-triage"

// world is the roster as triage sees it at one moment.
type world struct {
	teams       map[int64]*Team
	order       []*Team // by id, for deterministic follow-the-sun
	cals        map[int64]sla.Calendar
	needsTriage int64
}

// loadWorld reads teams, calendars, members, their hours, skills, time off
// and the on-call rota. Availability, capacity and load are read again
// under lock by refresh; what is loaded here changes rarely.
func loadWorld(ctx context.Context, q *dbsqlc.Queries, now time.Time) (*world, error) {
	trows, err := q.RosterTeams(ctx)
	if err != nil {
		return nil, err
	}
	hols, err := q.RosterHolidays(ctx)
	if err != nil {
		return nil, err
	}
	cals := sla.TeamCalendars(trows, hols)
	w := &world{teams: map[int64]*Team{}, cals: cals}
	for _, t := range trows {
		team := &Team{ID: t.ID, Name: t.Name, Location: cals[t.ID].Location, Calendar: cals[t.ID]}
		w.teams[t.ID] = team
		w.order = append(w.order, team)
		if t.Slug == NeedsTriageSlug {
			w.needsTriage = t.ID
		}
	}
	members, err := q.RosterMembers(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, m := range members {
		if !seen[m.ID] {
			seen[m.ID] = true
			ids = append(ids, m.ID)
		}
	}
	agents, err := loadAgents(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if team := w.teams[m.TeamID]; team != nil && agents[m.ID] != nil {
			a := *agents[m.ID]
			// Nobody works their usual hours on the team's public holidays.
			a.Holidays = team.Calendar.Holidays
			team.Agents = append(team.Agents, a)
		}
	}
	oncall, err := q.OnCallNow(ctx, now)
	if err != nil {
		return nil, err
	}
	for _, o := range oncall {
		if team := w.teams[o.TeamID]; team != nil {
			// The rota stores absolute shifts; the one covering now is "always
			// on call" for the decision made now.
			team.OnCall = append(team.OnCall, OnCallSlot{AgentID: o.UserID})
		}
	}
	return w, nil
}

// loadAgents builds Agents (without load) for the given user ids.
func loadAgents(ctx context.Context, q *dbsqlc.Queries, ids []int64) (map[int64]*Agent, error) {
	out := map[int64]*Agent{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.AgentsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	zones := map[string]*time.Location{}
	for _, r := range rows {
		loc, ok := zones[r.TimeZone]
		if !ok {
			if loc, err = time.LoadLocation(r.TimeZone); err != nil {
				loc = time.UTC
			}
			zones[r.TimeZone] = loc
		}
		a := &Agent{ID: r.ID, Name: r.Name, Location: loc, Capacity: int(r.Capacity),
			Availability: helpdesk.Availability(r.Availability), Languages: r.Languages, Active: r.Active,
			Skills: map[string]int{}}
		if r.LastAssignedAt != nil {
			a.LastAssigned = *r.LastAssignedAt
		}
		out[r.ID] = a
	}
	hours, err := q.RosterHours(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, h := range hours {
		if a := out[h.UserID]; a != nil {
			a.Week[h.Weekday] = append(a.Week[h.Weekday], Range{From: int(h.StartMinute), To: int(h.EndMinute)})
		}
	}
	skills, err := q.RosterSkills(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, s := range skills {
		if a := out[s.UserID]; a != nil {
			a.Skills[s.Skill] = int(s.Level)
		}
	}
	off, err := q.RosterTimeOff(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, o := range off {
		if a := out[o.UserID]; a != nil && o.StartsOn.Valid && o.EndsOn.Valid {
			a.TimeOff = append(a.TimeOff, DateRange{From: o.StartsOn.Time.Format(sla.DateLayout), To: o.EndsOn.Time.Format(sla.DateLayout)})
		}
	}
	return out, nil
}

// clone copies what refresh and setLoad change (the agents), so a cached
// world can serve many runs at once.
func (w *world) clone() *world {
	c := &world{teams: make(map[int64]*Team, len(w.teams)), cals: w.cals, needsTriage: w.needsTriage}
	for _, t := range w.order {
		nt := *t
		nt.Agents = slices.Clone(t.Agents)
		c.teams[nt.ID] = &nt
		c.order = append(c.order, &nt)
	}
	return c
}

// setLoad corrects one agent's load everywhere it appears.
func (w *world) setLoad(id int64, load int) {
	for _, t := range w.order {
		for i := range t.Agents {
			if t.Agents[i].ID == id {
				t.Agents[i].Load = load
			}
		}
	}
}

// refresh overwrites what may have changed since loadWorld with the values
// read under the profile locks: availability, capacity, active, the last
// assignment and the weighted open load.
func (w *world) refresh(locked []dbsqlc.LockAgentProfilesRow) {
	prof := make(map[int64]dbsqlc.LockAgentProfilesRow, len(locked))
	for _, p := range locked {
		prof[p.UserID] = p
	}
	for _, t := range w.order {
		for i := range t.Agents {
			a := &t.Agents[i]
			p, ok := prof[a.ID]
			if !ok {
				continue
			}
			a.Capacity, a.Availability, a.Active = int(p.Capacity), helpdesk.Availability(p.Availability), p.Active
			a.LastAssigned = time.Time{}
			if p.LastAssignedAt != nil {
				a.LastAssigned = *p.LastAssignedAt
			}
			a.Load = int(p.OpenLoad)
		}
	}
}

// candidates lists the ids of everyone the decision may pick: the home
// team, the other teams when the category follows the sun, and on-call.
func (w *world) candidates(home *Team, others []*Team) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, t := range append([]*Team{home}, others...) {
		for _, a := range t.Agents {
			add(a.ID)
		}
		for _, o := range t.OnCall {
			add(o.AgentID)
		}
	}
	return ids
}

// others are the teams a follow-the-sun ticket may go to: every team but
// home and the Needs-triage team.
func (w *world) others(home *Team) []*Team {
	var out []*Team
	for _, t := range w.order {
		if t.ID != home.ID && t.ID != w.needsTriage {
			out = append(out, t)
		}
	}
	return out
}
