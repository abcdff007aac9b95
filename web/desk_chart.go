package web

import (
	"fmt"
	"strconv"
	"time"
)

// Chart is an SVG bar chart already laid out: the template only draws it.
type Chart struct {
	W, H   int
	Bars   []Bar
	Labels []Label
}

// Bar is one rectangle.
type Bar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

// Label is one text on a chart.
type Label struct {
	X, Y float64
	Text string
}

// OverviewPage is the overview's view model.
type OverviewPage struct {
	Page          Page
	Backlog       Chart
	FirstResponse Chart
	Load          Chart
	Table         [][3]string
}

func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// BacklogDay is the open count per priority at the end of one day.
type BacklogDay struct {
	Day    time.Time
	Counts map[string]int // "P1".."P4"
}

// BacklogChart stacks P1..P4 per day.
func BacklogChart(days []BacklogDay, table *[][3]string) Chart {
	c := Chart{W: 700, H: 240}
	maxN := 1
	for _, d := range days {
		n := 0
		for _, v := range d.Counts {
			n += v
		}
		maxN = max(maxN, n)
	}
	plotH, left, bottom := 190.0, 40.0, 210.0
	slot := (float64(c.W) - left) / float64(max(len(days), 1))
	c.Labels = append(c.Labels, Label{X: 2, Y: 20, Text: strconv.Itoa(maxN)}, Label{X: 2, Y: bottom, Text: "0"})
	for i, d := range days {
		y := bottom
		x := left + float64(i)*slot
		total := 0
		for _, p := range []string{"P4", "P3", "P2", "P1"} {
			n := d.Counts[p]
			total += n
			h := plotH * float64(n) / float64(maxN)
			y -= h
			c.Bars = append(c.Bars, Bar{X: x + 2, Y: y, W: slot - 4, H: h, Class: p,
				Title: fmt.Sprintf("%s: %d %s open", d.Day.Format("2 Jan"), n, p)})
		}
		if i%2 == 0 {
			c.Labels = append(c.Labels, Label{X: x + 2, Y: bottom + 18, Text: d.Day.Format("2 Jan")})
		}
		*table = append(*table, [3]string{"Backlog", d.Day.Format("2 Jan"), strconv.Itoa(total) + " open"})
	}
	return c
}

// WeekAttainment is first-response SLA attainment of one week.
type WeekAttainment struct {
	Week     time.Time
	Due, Met int
}

// FirstResponseChart draws the share of first responses in time per week.
func FirstResponseChart(weeks []WeekAttainment, table *[][3]string) Chart {
	c := Chart{W: 700, H: 220}
	plotH, left, bottom := 170.0, 40.0, 190.0
	slot := (float64(c.W) - left) / float64(max(len(weeks), 1))
	c.Labels = append(c.Labels, Label{X: 2, Y: 20, Text: "100%"}, Label{X: 2, Y: bottom, Text: "0%"})
	for i, w := range weeks {
		pct := 0.0
		if w.Due > 0 {
			pct = float64(w.Met) / float64(w.Due)
		}
		h := plotH * pct
		x := left + float64(i)*slot
		cls := "ok"
		if pct < 0.9 {
			cls = "warn"
		}
		c.Bars = append(c.Bars, Bar{X: x + 4, Y: bottom - h, W: slot - 8, H: h, Class: cls,
			Title: fmt.Sprintf("Week of %s: %d of %d in time", w.Week.Format("2 Jan"), w.Met, w.Due)})
		c.Labels = append(c.Labels, Label{X: x + 4, Y: bottom + 18, Text: w.Week.Format("2 Jan")},
			Label{X: x + 4, Y: bottom - h - 4, Text: fmt.Sprintf("%.0f%%", pct*100)})
		*table = append(*table, [3]string{"First response", "week of " + w.Week.Format("2 Jan 2006"),
			fmt.Sprintf("%d of %d (%.0f%%)", w.Met, w.Due, pct*100)})
	}
	return c
}

// AgentLoad is one agent's open tickets and capacity.
type AgentLoad struct {
	Name           string
	Open, Capacity int
	Availability   string
}

// LoadChart draws one horizontal bar per agent: open tickets, with a mark
// at capacity; over capacity shows in the warning colour.
func LoadChart(agents []AgentLoad, table *[][3]string) Chart {
	row := 22.0
	c := Chart{W: 700, H: int(row*float64(len(agents))) + 20}
	maxN := 1
	for _, a := range agents {
		maxN = max(maxN, a.Open, a.Capacity)
	}
	left, width := 180.0, 480.0
	for i, a := range agents {
		y := 10 + float64(i)*row
		cls := "ok"
		if a.Open > a.Capacity {
			cls = "warn"
		}
		c.Bars = append(c.Bars,
			Bar{X: left, Y: y, W: width * float64(a.Open) / float64(maxN), H: row - 6, Class: cls,
				Title: fmt.Sprintf("%s: %d open, capacity %d", a.Name, a.Open, a.Capacity)},
			Bar{X: left + width*float64(a.Capacity)/float64(maxN) - 1, Y: y - 2, W: 2, H: row - 2, Class: "cap",
				Title: fmt.Sprintf("capacity %d", a.Capacity)})
		c.Labels = append(c.Labels, Label{X: 2, Y: y + 12, Text: a.Name + " (" + a.Availability + ")"})
		*table = append(*table, [3]string{"Load", a.Name, fmt.Sprintf("%d open / capacity %d", a.Open, a.Capacity)})
	}
	return c
}
