package server

import (
	"net/http"
	"time"

	"switchboard/internal/postgres"
	"switchboard/web"
)

// overview is GET /desk/overview: backlog, first-response attainment and
// agent load as server-drawn SVG charts. Tickets of restricted teams the
// viewer is not in are not counted: counts must not reveal them either.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := time.Now().UTC()
	since := now.AddDate(0, 0, -14)
	hidden, err := s.DB.HiddenTeams(ctx, CurrentUser(ctx))
	if err != nil {
		return err
	}
	o, err := s.DB.Overview(ctx, since, now.AddDate(0, 0, -7*8), hidden)
	if err != nil {
		return err
	}
	v := web.OverviewPage{Page: s.page(r, "Overview", "overview")}
	v.Backlog = web.BacklogChart(backlogDays(since, o.Backlog), &v.Table)
	weeks := make([]web.WeekAttainment, len(o.FirstResponse))
	for i, f := range o.FirstResponse {
		weeks[i] = web.WeekAttainment{Week: f.Week, Due: f.Due, Met: f.Met}
	}
	v.FirstResponse = web.FirstResponseChart(weeks, &v.Table)
	agents := make([]web.AgentLoad, len(o.Load))
	for i, l := range o.Load {
		agents[i] = web.AgentLoad{Name: l.Name, Open: l.Open, Capacity: l.Capacity, Availability: l.Availability}
	}
	v.Load = web.LoadChart(agents, &v.Table)
	s.render(w, r, http.StatusOK, web.Overview(v))
	return nil
}

// backlogDays lays the rows out on all 14 days, empty days included; each
// day is labelled with the date whose end it measures.
func backlogDays(since time.Time, rows []postgres.DayBacklog) []web.BacklogDay {
	out := make([]web.BacklogDay, 14)
	start := since.Truncate(24*time.Hour).AddDate(0, 0, 1)
	for i := range out {
		out[i] = web.BacklogDay{Day: start.AddDate(0, 0, i), Counts: map[string]int{}}
	}
	for _, r := range rows {
		i := int(r.Day.Sub(start).Hours()/24) - 1
		if i >= 0 && i < len(out) {
			out[i].Counts[string(r.Priority)] = r.Open
		}
	}
	return out
}
