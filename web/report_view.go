package web

import (
	"fmt"
	"strconv"

	"switchboard/internal/helpdesk"
)

// ReportLink is one entry of the reports menu.
type ReportLink struct {
	Name, Title, Description string
	Current                  bool
}

// ReportFilterForm is the filter as shown: what was typed and the choices.
type ReportFilterForm struct {
	Team, Category, Priority, From, To, TZ string
	Teams, Categories                      []Option
	Errors                                 map[string]string
}

// ReportPage is one report: the filter, the chart, the table and the CSV
// link carrying the same filter.
type ReportPage struct {
	Page    Page
	Reports []ReportLink
	Filter  ReportFilterForm
	Report  *helpdesk.Report // nil when the filter is invalid
	Chart   ReportChart
	CSVURL  string
}

// ReportChart is a report's chart laid out for the template. Every mark
// carries the row, the series and the value exactly as the CSV has them.
type ReportChart struct {
	W, H   int
	Bars   []ReportMark
	Lines  []ReportLine
	Labels []Label
	Legend []string
}

// ReportMark is a bar (W, H set) or a point of a line (R set).
type ReportMark struct {
	X, Y, W, H, R      float64
	Class, Title       string
	Row, Series, Value string
}

// ReportLine is one series of a line chart.
type ReportLine struct {
	Class, Points string
	Dots          []ReportMark
}

func seriesClass(i int) string { return "s" + strconv.Itoa(i%8) }

// BuildReportChart lays out r's charted columns: horizontal grouped bars
// per row, or one line per column over the rows (days).
func BuildReportChart(r *helpdesk.Report) ReportChart {
	if r == nil || len(r.Charted) == 0 {
		return ReportChart{}
	}
	var c ReportChart
	for _, j := range r.Charted {
		c.Legend = append(c.Legend, r.Columns[j+1])
	}
	maxV, allPct := 0.0, true
	for _, j := range r.Charted {
		allPct = allPct && j < len(r.Percent) && r.Percent[j]
		for _, row := range r.Rows {
			maxV = max(maxV, row.Values[j])
		}
	}
	if allPct {
		maxV = 100
	}
	if maxV <= 0 {
		maxV = 1
	}
	if r.Chart == "lines" {
		return lineChart(r, c, maxV)
	}
	bar, gap := 14.0, 10.0
	group := bar*float64(len(r.Charted)) + gap
	left, width := 220.0, 420.0
	c.W, c.H = 700, int(group*float64(len(r.Rows)))+10
	for i, row := range r.Rows {
		y := 5 + float64(i)*group
		c.Labels = append(c.Labels, Label{X: 2, Y: y + group/2, Text: shorten(row.Label, 34)})
		for k, j := range r.Charted {
			w := width * row.Values[j] / maxV
			v := r.Cell(i, j)
			c.Bars = append(c.Bars, ReportMark{X: left, Y: y + float64(k)*bar, W: w, H: bar - 2, Class: "bar " + seriesClass(k),
				Row: row.Label, Series: r.Columns[j+1], Value: v, Title: fmt.Sprintf("%s, %s: %s", row.Label, r.Columns[j+1], v)})
			c.Labels = append(c.Labels, Label{X: left + w + 4, Y: y + float64(k)*bar + bar - 4, Text: v})
		}
	}
	return c
}

func lineChart(r *helpdesk.Report, c ReportChart, maxV float64) ReportChart {
	left, top, plotW, plotH := 40.0, 10.0, 640.0, 200.0
	c.W, c.H = 700, 250
	n := len(r.Rows)
	step := plotW / float64(max(n-1, 1))
	c.Labels = append(c.Labels, Label{X: 2, Y: top + 8, Text: strconv.FormatFloat(maxV, 'f', -1, 64)},
		Label{X: 2, Y: top + plotH, Text: "0"})
	every := max(1, n/7)
	for i, row := range r.Rows {
		if i%every == 0 {
			c.Labels = append(c.Labels, Label{X: left + float64(i)*step - 10, Y: top + plotH + 18, Text: shorten(row.Label, 10)})
		}
	}
	for k, j := range r.Charted {
		l := ReportLine{Class: "line " + seriesClass(k)}
		for i, row := range r.Rows {
			x := left + float64(i)*step
			y := top + plotH - plotH*row.Values[j]/maxV
			l.Points += fmt.Sprintf("%.1f,%.1f ", x, y)
			v := r.Cell(i, j)
			l.Dots = append(l.Dots, ReportMark{X: x, Y: y, R: 2.5, Class: "dot " + seriesClass(k), Row: row.Label,
				Series: r.Columns[j+1], Value: v, Title: fmt.Sprintf("%s, %s: %s", row.Label, r.Columns[j+1], v)})
		}
		c.Lines = append(c.Lines, l)
	}
	return c
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
