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
	"switchboard/internal/postgres"
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
func loadWorld(ctx context.Context, db *postgres.DB, now time.Time) (*world, error) {
	trows, err := db.TeamSchedules(ctx)
	if err != nil {
		return nil, err
	}
	cals := sla.TeamCalendars(trows)
	w := &world{teams: map[int64]*Team{}, cals: cals}
	for _, t := range trows {
		team := &Team{ID: t.ID, Name: t.Name, Location: cals[t.ID].Location, Calendar: cals[t.ID]}
		w.teams[t.ID] = team
		w.order = append(w.order, team)
		if t.Slug == NeedsTriageSlug {
			w.needsTriage = t.ID
		}
	}
	members, err := db.RosterSeats(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, m := range members {
		if !seen[m.UserID] {
			seen[m.UserID] = true
			ids = append(ids, m.UserID)
		}
	}
	agents, err := loadAgents(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if team := w.teams[m.TeamID]; team != nil && agents[m.UserID] != nil {
			a := *agents[m.UserID]
			// Nobody works their usual hours on the team's public holidays.
			a.Holidays = team.Calendar.Holidays
			team.Agents = append(team.Agents, a)
		}
	}
	oncall, err := db.OnCallAt(ctx, now)
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
func loadAgents(ctx context.Context, db *postgres.DB, ids []int64) (map[int64]*Agent, error) {
	rows, err := db.RosterAgents(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Agent, len(rows))
	zones := map[string]*time.Location{}
	for id, r := range rows {
		loc, ok := zones[r.TimeZone]
		if !ok {
			if loc, err = time.LoadLocation(r.TimeZone); err != nil {
				loc = time.UTC
			}
			zones[r.TimeZone] = loc
		}
		a := &Agent{ID: r.ID, Name: r.Name, Location: loc, Capacity: r.Capacity,
			Availability: r.Availability, Languages: r.Languages, Active: r.Active,
			Skills: map[string]int{}}
		if r.LastAssignedAt != nil {
			a.LastAssigned = *r.LastAssignedAt
		}
		for _, h := range r.Hours {
			a.Week[h.Weekday] = append(a.Week[h.Weekday], Range{From: h.Start, To: h.End})
		}
		for _, sk := range r.Skills {
			a.Skills[sk.Name] = sk.Level
		}
		for _, o := range r.TimeOff {
			a.TimeOff = append(a.TimeOff, DateRange{From: o.From, To: o.To})
		}
		out[id] = a
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
		memos := make([]shiftMemo, len(nt.Agents))
		for i := range nt.Agents {
			nt.Agents[i].shift = &memos[i]
		}
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

// assigned counts a ticket of weight just given to agent id at time at.
func (w *world) assigned(id int64, weight int, at time.Time) {
	for _, t := range w.order {
		for i := range t.Agents {
			if t.Agents[i].ID == id {
				t.Agents[i].Load += weight
				t.Agents[i].LastAssigned = at
			}
		}
	}
}

// refresh overwrites what may have changed since loadWorld with the values
// read under the profile locks: availability, capacity, active, the last
// assignment and the weighted open load.
func (w *world) refresh(locked []helpdesk.AgentLoad) {
	prof := make(map[int64]helpdesk.AgentLoad, len(locked))
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
			a.Capacity, a.Availability, a.Active = p.Capacity, p.Availability, p.Active
			a.LastAssigned = time.Time{}
			if p.LastAssignedAt != nil {
				a.LastAssigned = *p.LastAssignedAt
			}
			a.Load = p.OpenLoad
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
