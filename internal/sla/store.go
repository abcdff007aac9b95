package sla

// This file and clocks.go connect the pure arithmetic above to the stored
// tickets: they read team calendars and policies through internal/postgres
// and keep a ticket's due times right.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
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

// Calendars loads every team's calendar by team id.
func Calendars(ctx context.Context, db *postgres.DB) (map[int64]Calendar, error) {
	teams, err := db.TeamSchedules(ctx)
	if err != nil {
		return nil, err
	}
	return TeamCalendars(teams), nil
}

// TeamCalendar is the calendar of team (none: always open) from cals, a
// map callers cache for seconds; a team newer than the map is read afresh
// in tx, so its first tickets are not timed as if it worked around the
// clock.
func TeamCalendar(ctx context.Context, tx *postgres.Tx, cals map[int64]Calendar, team *int64) (Calendar, error) {
	if team == nil {
		return Calendar{}, nil
	}
	if c, ok := cals[*team]; ok {
		return c, nil
	}
	teams, err := tx.TeamSchedules(ctx)
	if err != nil {
		return Calendar{}, err
	}
	return TeamCalendars(teams)[*team], nil
}

// TeamCalendars builds every team's calendar by team id from schedules
// already read, for callers that need the teams themselves too.
func TeamCalendars(teams []helpdesk.TeamSchedule) map[int64]Calendar {
	out := make(map[int64]Calendar, len(teams))
	for _, t := range teams {
		c, _ := ParseTeamCalendar(t.TimeZone, t.Hours, t.Holidays)
		out[t.ID] = c
	}
	return out
}

// LoadPolicies reads sla_policies (minutes of business time per priority).
func LoadPolicies(ctx context.Context, db *postgres.DB) (Policies, error) {
	targets, err := db.SLAPolicies(ctx)
	if err != nil {
		return nil, err
	}
	ps := Policies{}
	for _, t := range targets {
		ps[t.Priority] = Policy{
			FirstResponse: time.Duration(t.FirstResponseMinutes) * time.Minute,
			Resolution:    time.Duration(t.ResolutionMinutes) * time.Minute,
		}
	}
	return ps, nil
}

// Deadlines are everything stored on a ticket about its SLA.
type Deadlines = helpdesk.Deadlines

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
