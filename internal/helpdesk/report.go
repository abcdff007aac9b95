package helpdesk

import (
	"strconv"
	"time"
)

// ReportFilter narrows every report alike: tickets created in [From, To)
// (instants; the caller turns the viewer's dates into them in Location),
// of one team, category and priority when set.
type ReportFilter struct {
	TeamID *int64
	// Teams limits every figure to these teams when not nil: a lead's
	// reports cover the teams they lead (an empty list: none), an admin's
	// the whole organisation (nil).
	Teams      []int64
	CategoryID *int64
	Priority   Priority // "" for all
	From, To   time.Time
	Location   *time.Location // days are the viewer's days
}

// Report is one report's figures as a table: the first column labels the
// rows, the others are numbers. The chart is drawn from Charted columns of
// the same rows and the CSV export is the table, so the two always agree.
type Report struct {
	Name, Title, Description string
	Columns                  []string // Columns[0] labels the rows
	Percent                  []bool   // per value column: a percentage (0-100)
	Rows                     []ReportRow
	Charted                  []int  // value columns (0-based, after the label) drawn
	Chart                    string // "bars" or "lines" (lines: rows are days)
	Notes                    []string
	Comments                 []ReportComment // satisfaction only
}

// ReportRow is one labelled row of numbers.
type ReportRow struct {
	Label  string
	Values []float64
}

// ReportComment is a satisfaction rating with its comment.
type ReportComment struct {
	Number    int64
	Rating    int
	Comment   string
	Team      string
	CreatedAt time.Time
}

// Cell formats the value of row i, value column j exactly as the CSV export
// and the chart's labels show it.
func (r *Report) Cell(i, j int) string {
	v := r.Rows[i].Values[j]
	if j < len(r.Percent) && r.Percent[j] {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
