package report

import (
	"context"
	"fmt"
	"slices"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

func (s *Service) sla(ctx context.Context, f helpdesk.ReportFilter, r *helpdesk.Report) error {
	r.Columns = []string{"Group", "First response met", "First response due", "First response %", "Resolution met", "Resolution due", "Resolution %"}
	r.Percent = []bool{false, false, true, false, false, true}
	r.Charted = []int{2, 5}
	cs, err := s.DB.ReportSLA(ctx, f)
	if err != nil {
		return err
	}
	for _, c := range cs {
		r.Rows = append(r.Rows, helpdesk.ReportRow{Label: c.By + ": " + c.Name, Values: []float64{
			float64(c.FRMet), float64(c.FRDue), pct(c.FRMet, c.FRDue),
			float64(c.ResMet), float64(c.ResDue), pct(c.ResMet, c.ResDue)}})
	}
	r.Notes = append(r.Notes, "Due counts tickets whose outcome is known: answered or resolved, or past the target without it. Tickets created in the range.")
	return nil
}

// backlogBuckets are the age bucket bounds and names.
var (
	backlogBounds = []time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}
	backlogNames  = []string{"under 1 day", "1-3 days", "3-7 days", "7-30 days", "over 30 days"}
)

func (s *Service) backlog(ctx context.Context, f helpdesk.ReportFilter, r *helpdesk.Report) error {
	cs, err := s.DB.ReportBacklog(ctx, f, s.now(), backlogBounds)
	if err != nil {
		return err
	}
	r.Columns = []string{"Age", "P1", "P2", "P3", "P4", "Total"}
	r.Percent = make([]bool, 5)
	r.Charted = []int{0, 1, 2, 3}
	for i, name := range backlogNames {
		row := helpdesk.ReportRow{Label: name, Values: make([]float64, 5)}
		for _, c := range cs {
			if c.Bucket == i {
				p := helpdesk.Priority(c.Priority).Rank() - 1
				if p >= 0 && p < 4 {
					row.Values[p] += float64(c.N)
				}
				row.Values[4] += float64(c.N)
			}
		}
		r.Rows = append(r.Rows, row)
	}
	r.Notes = append(r.Notes, "Open now, of the tickets created in the range; age is measured from creation to now.")
	return nil
}

// teamRates turns per-team counts into rows with an "All teams" row first.
func teamRates(r *helpdesk.Report, cs []postgres.TeamCount) {
	var n, of int
	for _, c := range cs {
		n += c.N
		of += c.Of
	}
	r.Rows = append(r.Rows, helpdesk.ReportRow{Label: "All teams", Values: []float64{float64(of), float64(n), pct(n, of)}})
	for _, c := range cs {
		r.Rows = append(r.Rows, helpdesk.ReportRow{Label: c.Team, Values: []float64{float64(c.Of), float64(c.N), pct(c.N, c.Of)}})
	}
	r.Percent = []bool{false, false, true}
	r.Charted = []int{2}
}

func (s *Service) firstContact(ctx context.Context, f helpdesk.ReportFilter, r *helpdesk.Report) error {
	cs, err := s.DB.ReportFirstContact(ctx, f)
	if err != nil {
		return err
	}
	r.Columns = []string{"Team", "Resolved", "At first contact", "First-contact %"}
	teamRates(r, cs)
	r.Notes = append(r.Notes, "Resolved once, never reopened, with exactly one public reply from staff. Tickets created in the range.")
	return nil
}

func (s *Service) reopened(ctx context.Context, f helpdesk.ReportFilter, r *helpdesk.Report) error {
	cs, err := s.DB.ReportReopened(ctx, f)
	if err != nil {
		return err
	}
	r.Columns = []string{"Team", "Resolved at least once", "Reopened", "Reopen %"}
	teamRates(r, cs)
	r.Notes = append(r.Notes, "Reopened: resolved more than once, or open again after a resolution. Tickets created in the range.")
	return nil
}

func (s *Service) satisfaction(ctx context.Context, f helpdesk.ReportFilter, r *helpdesk.Report) error {
	counts, comments, err := s.DB.ReportSatisfaction(ctx, f, 50)
	if err != nil {
		return err
	}
	total, sum := 0, 0
	for i, n := range counts {
		total += n
		sum += (i + 1) * n
	}
	r.Columns = []string{"Rating", "Ratings", "Share %"}
	r.Percent = []bool{false, true}
	r.Charted = []int{0}
	for star := 5; star >= 1; star-- {
		n := counts[star-1]
		r.Rows = append(r.Rows, helpdesk.ReportRow{Label: fmt.Sprintf("%d of 5", star), Values: []float64{float64(n), pct(n, total)}})
	}
	if total > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("Average %.2f of 5 over %d ratings given in the range.", float64(sum)/float64(total), total))
	} else {
		r.Notes = append(r.Notes, "No ratings were given in the range.")
	}
	r.Comments = comments
	return nil
}

// days lists the local dates of the range.
func days(f helpdesk.ReportFilter) []time.Time {
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	var out []time.Time
	for d := f.From.In(loc); d.Before(f.To); d = d.AddDate(0, 0, 1) {
		out = append(out, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC))
	}
	return out
}

func (s *Service) deflection(ctx context.Context, f helpdesk.ReportFilter, r *helpdesk.Report) error {
	cs, err := s.DB.ReportDeflection(ctx, f)
	if err != nil {
		return err
	}
	byDay := map[time.Time][2]int{}
	for _, c := range cs {
		byDay[c.Day] = [2]int{c.Deflected, c.Filed}
	}
	r.Columns = []string{"Day", "Deflected", "Filed in the portal", "Deflection %"}
	r.Percent = []bool{false, false, true}
	r.Charted = []int{0, 1}
	r.Chart = "lines"
	var dn, fn int
	for _, d := range days(f) {
		c := byDay[d]
		dn, fn = dn+c[0], fn+c[1]
		r.Rows = append(r.Rows, helpdesk.ReportRow{Label: d.Format(time.DateOnly),
			Values: []float64{float64(c[0]), float64(c[1]), pct(c[0], c[0]+c[1])}})
	}
	r.Notes = append(r.Notes, fmt.Sprintf("Over the range: %d deflected, %d filed in the portal, deflection rate %.1f%%.", dn, fn, pct(dn, dn+fn)),
		"A deflection is \"This solved it\" on an article suggested while filing. Team and priority do not apply to deflections.")
	return nil
}

func (s *Service) searches(ctx context.Context, f helpdesk.ReportFilter, r *helpdesk.Report) error {
	cs, err := s.DB.ReportSearchesWithoutArticle(ctx, f.From, f.To, 20)
	if err != nil {
		return err
	}
	r.Columns = []string{"Searched for", "Searches"}
	r.Percent = []bool{false}
	r.Charted = []int{0}
	for _, c := range cs {
		r.Rows = append(r.Rows, helpdesk.ReportRow{Label: c.Term, Values: []float64{float64(c.N)}})
	}
	r.Notes = append(r.Notes, "The 20 most frequent help-centre searches that found no article. Team, category and priority do not apply.")
	return nil
}

// maxAgents bounds the agents drawn in the load chart (and exported).
const maxAgents = 8

func (s *Service) load(ctx context.Context, f helpdesk.ReportFilter, r *helpdesk.Report) error {
	loads, err := s.DB.ReportLoad(ctx, f)
	if err != nil {
		return err
	}
	ds := days(f)
	index := make(map[time.Time]int, len(ds))
	for i, d := range ds {
		index[d] = i
	}
	type agent struct {
		name string
		open []int
		peak int
	}
	agents := map[int64]*agent{}
	for _, l := range loads {
		a := agents[l.AgentID]
		if a == nil {
			a = &agent{name: l.Agent, open: make([]int, len(ds))}
			agents[l.AgentID] = a
		}
		if i, ok := index[l.Day]; ok {
			a.open[i] = l.N
		}
	}
	list := make([]*agent, 0, len(agents))
	for _, a := range agents {
		for _, n := range a.open {
			a.peak = max(a.peak, n)
		}
		list = append(list, a)
	}
	slices.SortFunc(list, func(x, y *agent) int {
		if x.peak != y.peak {
			return y.peak - x.peak
		}
		if x.name < y.name {
			return -1
		}
		return 1
	})
	if len(list) > maxAgents {
		list = list[:maxAgents]
	}
	r.Chart = "lines"
	r.Columns = []string{"Day"}
	for i, a := range list {
		r.Columns = append(r.Columns, a.name)
		r.Percent = append(r.Percent, false)
		r.Charted = append(r.Charted, i)
	}
	for i, d := range ds {
		row := helpdesk.ReportRow{Label: d.Format(time.DateOnly)}
		for _, a := range list {
			row.Values = append(row.Values, float64(a.open[i]))
		}
		r.Rows = append(r.Rows, row)
	}
	r.Notes = append(r.Notes, fmt.Sprintf("Tickets assigned to each agent and open at the end of each day (the %d busiest agents at their peak).", maxAgents))
	return nil
}
