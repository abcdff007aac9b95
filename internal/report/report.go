// Package report computes the reports leads and admins read: SLA
// attainment, backlog age, first-contact resolution, reopen rate,
// satisfaction, deflection, searches without an article and agent load.
// Each is a table (helpdesk.Report) from which the page draws its chart
// and the CSV export is written, so the two cannot disagree.
//
// The figures come from the ticket row's event-maintained timestamps
// (first response, resolution, resolution count). Settled counts are read
// from daily rollups per time zone (report_days, and report_load_days for
// agent load: each agent's daily change of open tickets), with days
// changed since the last rollup run computed from the tickets in the same
// statement, so figures are exact; what moves with the clock alone (targets
// passing, the backlog) is read live through partial indexes. See
// internal/postgres/reports_rollup.go and reports_load.go.
package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Service builds reports.
type Service struct {
	DB  *postgres.DB
	Now func() time.Time // nil: time.Now
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Def names a report.
type Def struct{ Name, Title, Description string }

// Defs lists the reports in the order the index shows them.
var Defs = []Def{
	{"sla", "SLA attainment", "First responses and resolutions within their targets, by team and by category."},
	{"backlog", "Backlog by age", "Tickets still open, by how long ago they were filed, per priority."},
	{"first-contact", "First-contact resolution", "Resolved tickets solved with a single staff reply and never reopened."},
	{"reopened", "Reopen rate", "Resolved tickets that were opened again."},
	{"satisfaction", "Satisfaction", "Ratings requesters gave, and their comments."},
	{"deflection", "Deflection", "Tickets the help centre made unnecessary, against tickets filed in the portal."},
	{"searches", "Searches without an article", "What people searched the help centre for and did not find."},
	{"load", "Agent load over time", "Tickets open per agent at the end of each day."},
}

// Find returns the definition of name.
func Find(name string) (Def, bool) {
	for _, d := range Defs {
		if d.Name == name {
			return d, true
		}
	}
	return Def{}, false
}

// MaxDays bounds a report's range.
const MaxDays = 731

// FilterInput is a report filter as typed: a team slug, a category name,
// a priority, dates
// (YYYY-MM-DD, both inclusive) and an IANA time zone.
type FilterInput struct {
	Team, Category, Priority, From, To, TZ string
}

// Filter validates in for viewer; empty dates mean the last 30 days up to
// today, an empty zone the viewer's own.
func (s *Service) Filter(ctx context.Context, viewer *helpdesk.User, in FilterInput) (helpdesk.ReportFilter, FilterInput, error) {
	var v helpdesk.Validation
	var f helpdesk.ReportFilter
	loc := viewer.Location()
	if in.TZ != "" {
		l, err := time.LoadLocation(in.TZ)
		if err != nil {
			v.Add("tz", "Choose a time zone from the list.")
		} else {
			loc = l
		}
	}
	in.TZ = loc.String()
	f.Location = loc
	today := s.now().In(loc)
	day := func(field, val string, def time.Time) time.Time {
		if val == "" {
			return time.Date(def.Year(), def.Month(), def.Day(), 0, 0, 0, 0, loc)
		}
		d, err := time.ParseInLocation(time.DateOnly, val, loc)
		if err != nil {
			v.Add(field, "Give the date as YYYY-MM-DD.")
			return time.Date(def.Year(), def.Month(), def.Day(), 0, 0, 0, 0, loc)
		}
		return d
	}
	to := day("to", in.To, today)
	from := day("from", in.From, to.AddDate(0, 0, -29))
	if from.After(to) {
		v.Add("from", "The first day must not be after the last.")
	} else if to.Sub(from) > MaxDays*24*time.Hour {
		v.Add("from", fmt.Sprintf("Choose at most %d days.", MaxDays))
	}
	in.From, in.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	f.From, f.To = from, to.AddDate(0, 0, 1) // the last day counts whole
	if viewer != nil && viewer.Role == helpdesk.RoleLead {
		led, err := s.DB.LedTeamIDs(ctx, viewer.ID)
		if err != nil {
			return f, in, err
		}
		f.Teams = led
	}
	if in.Team != "" || in.Category != "" {
		teams, cats, err := s.Choices(ctx, viewer)
		if err != nil {
			return f, in, err
		}
		f.TeamID = pick(&v, "team", in.Team, teams)
		f.CategoryID = pick(&v, "category", in.Category, cats)
	}
	if in.Priority != "" {
		f.Priority = helpdesk.Priority(in.Priority)
		if !f.Priority.Valid() {
			v.Add("priority", "Choose P1 to P4.")
		}
	}
	return f, in, v.Err()
}

// mayRead: reports are for leads and admins.
func mayRead(u *helpdesk.User) error {
	if u == nil || (u.Role != helpdesk.RoleLead && u.Role != helpdesk.RoleAdmin) {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return nil
}

// Build computes the report called name.
func (s *Service) Build(ctx context.Context, viewer *helpdesk.User, name string, f helpdesk.ReportFilter) (*helpdesk.Report, error) {
	if err := mayRead(viewer); err != nil {
		return nil, err
	}
	def, ok := Find(name)
	if !ok {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "No such report.")
	}
	r := &helpdesk.Report{Name: def.Name, Title: def.Title, Description: def.Description, Chart: "bars"}
	var err error
	switch name {
	case "sla":
		err = s.sla(ctx, f, r)
	case "backlog":
		err = s.backlog(ctx, f, r)
	case "first-contact":
		err = s.firstContact(ctx, f, r)
	case "reopened":
		err = s.reopened(ctx, f, r)
	case "satisfaction":
		err = s.satisfaction(ctx, f, r)
	case "deflection":
		err = s.deflection(ctx, f, r)
	case "searches":
		err = s.searches(ctx, f, r)
	case "load":
		err = s.load(ctx, f, r)
	}
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", name, err)
	}
	return r, nil
}

// WriteCSV writes the report's table: a header, then one line per row with
// the values formatted as the chart labels them.
func WriteCSV(w io.Writer, r *helpdesk.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(r.Columns); err != nil {
		return err
	}
	for i, row := range r.Rows {
		rec := []string{csvSafe(row.Label)}
		for j := range row.Values {
			rec = append(rec, r.Cell(i, j))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a label (a search term someone
// typed) as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(int(float64(n)/float64(of)*1000+0.5)) / 10
}

// pick finds the choice whose key is val (case-insensitively).
func pick(v *helpdesk.Validation, field, val string, list []postgres.ReportChoice) *int64 {
	if val == "" {
		return nil
	}
	for _, c := range list {
		if strings.EqualFold(c.Key, val) {
			id := c.ID
			return &id
		}
	}
	v.Add(field, "Choose from the list.")
	return nil
}

// Choices lists the teams and categories the filter offers viewer: a lead
// chooses among the teams they lead.
func (s *Service) Choices(ctx context.Context, viewer *helpdesk.User) (teams, categories []postgres.ReportChoice, err error) {
	teams, categories, err = s.DB.ReportChoices(ctx)
	if err != nil || viewer == nil || viewer.Role != helpdesk.RoleLead {
		return teams, categories, err
	}
	led, err := s.DB.LedTeamIDs(ctx, viewer.ID)
	if err != nil {
		return nil, nil, err
	}
	return slices.DeleteFunc(teams, func(c postgres.ReportChoice) bool { return !slices.Contains(led, c.ID) }), categories, nil
}
