package postgres

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// The staff overview page's figures, and the option lists of the desk's
// filter and edit forms.

// DayBacklog is how many tickets of one priority were open at the end of
// a day.
type DayBacklog struct {
	Day      time.Time
	Priority helpdesk.Priority
	Open     int
}

// WeekAttainment is, for tickets created in one week, how many had a
// first-response target fall due and how many met it.
type WeekAttainment struct {
	Week time.Time
	Due  int
	Met  int
}

// AgentLoad is one agent's open tickets against their capacity.
type AgentLoad struct {
	Name         string
	Open         int
	Capacity     int
	Availability string
}

// Overview is the staff overview page's figures. Tickets of the hidden
// (restricted, not the viewer's) teams are left out of every count.
type Overview struct {
	Backlog       []DayBacklog     // the days after since, by priority
	FirstResponse []WeekAttainment // the weeks after frSince
	Load          []AgentLoad
}

// Overview reads the figures of the overview page.
func (db *DB) Overview(ctx context.Context, since, frSince time.Time, hidden []int64) (*Overview, error) {
	q := db.q()
	var o Overview
	backlog, err := q.OverviewBacklog(ctx, dbsqlc.OverviewBacklogParams{Since: since, Hidden: hidden})
	if err != nil {
		return nil, fmt.Errorf("read backlog: %w", mapError(err))
	}
	for _, r := range backlog {
		o.Backlog = append(o.Backlog, DayBacklog{Day: r.Day, Priority: helpdesk.Priority(r.Priority), Open: int(r.N)})
	}
	fr, err := q.OverviewFirstResponse(ctx, dbsqlc.OverviewFirstResponseParams{Since: frSince, Hidden: hidden})
	if err != nil {
		return nil, fmt.Errorf("read first-response attainment: %w", mapError(err))
	}
	for _, r := range fr {
		o.FirstResponse = append(o.FirstResponse, WeekAttainment{Week: r.Week, Due: int(r.Due), Met: int(r.Met)})
	}
	load, err := q.OverviewLoad(ctx, hidden)
	if err != nil {
		return nil, fmt.Errorf("read agent load: %w", mapError(err))
	}
	for _, r := range load {
		o.Load = append(o.Load, AgentLoad{Name: r.Name, Open: int(r.Open), Capacity: int(r.Capacity), Availability: r.Availability})
	}
	return &o, nil
}

// Teams lists every team by name.
func (db *DB) Teams(ctx context.Context) ([]helpdesk.Team, error) {
	rows, err := db.q().ListTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", mapError(err))
	}
	out := make([]helpdesk.Team, len(rows))
	for i, t := range rows {
		out[i] = helpdesk.Team{ID: t.ID, Slug: t.Slug, Name: t.Name, TimeZone: t.TimeZone, Restricted: t.Restricted}
	}
	return out, nil
}

// Staff lists the active agents, leads and admins (id, email, name).
func (db *DB) Staff(ctx context.Context) ([]helpdesk.User, error) {
	rows, err := db.q().ListStaff(ctx)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", mapError(err))
	}
	out := make([]helpdesk.User, len(rows))
	for i, u := range rows {
		out[i] = helpdesk.User{ID: u.ID, Email: u.Email, Name: u.Name}
	}
	return out, nil
}

// TicketNumber is the number of the ticket with this id.
func (db *DB) TicketNumber(ctx context.Context, id int64) (int64, error) {
	n, err := db.q().TicketNumberByID(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("read number of ticket %d: %w", id, mapError(err))
	}
	return n, nil
}
