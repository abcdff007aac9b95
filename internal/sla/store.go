package sla

// This file and clocks.go connect the pure arithmetic above to the stored
// tickets: they read team calendars and policies through the generated
// queries and keep a ticket's due times right.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/dbsqlc"
)

// TeamHours is one entry of teams.hours: minutes from local midnight on a
// weekday (0 = Sunday). End <= Start crosses midnight, as Range does.
type TeamHours struct {
	Day   int `json:"day"`
	Start int `json:"start"`
	End   int `json:"end"`
}

// ParseTeamCalendar builds a team's calendar from its stored zone, hours
// JSON and holidays. Empty hours mean 24x7. Bad entries are skipped rather
// than failing triage: a typo in one team's hours must not stop intake.
func ParseTeamCalendar(timeZone string, hours []byte, holidays []string) (Calendar, error) {
	loc, err := time.LoadLocation(timeZone)
	if err != nil || timeZone == "" {
		loc = time.UTC
	}
	c := Calendar{Location: loc, Holidays: holidays}
	if len(hours) == 0 {
		return c, nil
	}
	var hs []TeamHours
	if err := json.Unmarshal(hours, &hs); err != nil {
		return c, fmt.Errorf("team hours: %w", err)
	}
	for _, h := range hs {
		if h.Day < 0 || h.Day > 6 || h.Start < 0 || h.Start >= MinutesPerDay || h.End <= 0 || h.End > MinutesPerDay {
			continue
		}
		c.Week[h.Day] = append(c.Week[h.Day], Range{From: h.Start, To: h.End})
	}
	return c, nil
}

// Querier is the part of the generated queries the SLA code uses; both a
// pool and a transaction provide it.
type Querier interface {
	RosterTeams(ctx context.Context) ([]dbsqlc.RosterTeamsRow, error)
	RosterHolidays(ctx context.Context) ([]dbsqlc.RosterHolidaysRow, error)
	SLAPolicies(ctx context.Context) ([]dbsqlc.SlaPolicy, error)
}

// Calendars loads every team's calendar by team id.
func Calendars(ctx context.Context, q Querier) (map[int64]Calendar, error) {
	teams, err := q.RosterTeams(ctx)
	if err != nil {
		return nil, err
	}
	hols, err := q.RosterHolidays(ctx)
	if err != nil {
		return nil, err
	}
	return TeamCalendars(teams, hols), nil
}

// TeamCalendar is the calendar of team (none: always open) from cals, a
// map callers cache for seconds; a team newer than the map is read afresh,
// so its first tickets are not timed as if it worked around the clock.
func TeamCalendar(ctx context.Context, q Querier, cals map[int64]Calendar, team *int64) (Calendar, error) {
	if team == nil {
		return Calendar{}, nil
	}
	if c, ok := cals[*team]; ok {
		return c, nil
	}
	fresh, err := Calendars(ctx, q)
	return fresh[*team], err
}

// TeamCalendars builds every team's calendar by team id from rows already
// read, for callers that need the team rows themselves too.
func TeamCalendars(teams []dbsqlc.RosterTeamsRow, hols []dbsqlc.RosterHolidaysRow) map[int64]Calendar {
	byTeam := map[int64][]string{}
	for _, h := range hols {
		if h.Day.Valid {
			byTeam[h.TeamID] = append(byTeam[h.TeamID], h.Day.Time.Format(DateLayout))
		}
	}
	out := make(map[int64]Calendar, len(teams))
	for _, t := range teams {
		c, _ := ParseTeamCalendar(t.TimeZone, t.Hours, byTeam[t.ID])
		out[t.ID] = c
	}
	return out
}

// TeamLeads lists the emails of a team's leads, who SLA alarms and flagged
// tickets are for; empty (not nil, so events show []) without a team.
func TeamLeads(ctx context.Context, q *dbsqlc.Queries, teamID *int64) ([]string, error) {
	if teamID == nil {
		return []string{}, nil
	}
	rows, err := q.TeamLeads(ctx, *teamID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Email)
	}
	return out, nil
}

// LoadPolicies reads sla_policies (minutes of business time per priority).
func LoadPolicies(ctx context.Context, q Querier) (Policies, error) {
	rows, err := q.SLAPolicies(ctx)
	if err != nil {
		return nil, err
	}
	ps := Policies{}
	for _, r := range rows {
		ps[helpdesk.Priority(r.Priority)] = Policy{
			FirstResponse: time.Duration(r.FirstResponseMinutes) * time.Minute,
			Resolution:    time.Duration(r.ResolutionMinutes) * time.Minute,
		}
	}
	return ps, nil
}

// Deadlines are everything stored on a ticket about its SLA.
type Deadlines struct {
	FirstResponse     time.Time `json:"first_response_due"`
	Resolution        time.Time `json:"resolution_due"`
	FirstResponseWarn time.Time `json:"-"`
	ResolutionWarn    time.Time `json:"-"`
	// DueAt is the deadline the queue sorts by: first response until
	// answered, then resolution; nil while the clock is paused, so a ticket
	// waiting on its requester does not sit among the tickets at risk.
	DueAt  *time.Time `json:"due_at"`
	Paused bool       `json:"paused"`
}

// Compute returns a ticket's deadlines: its clock started at created, with
// the pause ledger, on the team calendar under policy p.
func Compute(c Clock, cal Calendar, p Policy, responded bool) Deadlines {
	d := Recompute(c, cal, p)
	out := Deadlines{FirstResponse: d.FirstResponse, Resolution: d.Resolution, Paused: d.Paused}
	out.FirstResponseWarn, _ = c.Due(cal, warnPart(p.FirstResponse))
	out.ResolutionWarn, _ = c.Due(cal, warnPart(p.Resolution))
	if !d.Paused {
		due := d.FirstResponse
		if responded {
			due = d.Resolution
		}
		out.DueAt = &due
	}
	return out
}

func warnPart(d time.Duration) time.Duration {
	return time.Duration(float64(d) * WarnFraction)
}
