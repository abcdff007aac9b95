package web

import (
	"fmt"
	"strconv"

	"switchboard/internal/helpdesk"
)

// CountChart lays out one bar per labelled count.
func CountChart(items []helpdesk.NameCount) Chart {
	c := Chart{W: 700, H: 240}
	maxN := 1
	for _, it := range items {
		maxN = max(maxN, it.Count)
	}
	plotH, left, bottom := 190.0, 40.0, 210.0
	slot := (float64(c.W) - left) / float64(max(len(items), 1))
	c.Labels = append(c.Labels, Label{X: 2, Y: 20, Text: strconv.Itoa(maxN)}, Label{X: 2, Y: bottom, Text: "0"})
	every := max(1, len(items)/8)
	for i, it := range items {
		h := plotH * float64(it.Count) / float64(maxN)
		x := left + float64(i)*slot
		c.Bars = append(c.Bars, Bar{X: x + 2, Y: bottom - h, W: max(slot-4, 1), H: h, Class: "P3",
			Title: fmt.Sprintf("%s: %d", it.Name, it.Count)})
		if i%every == 0 {
			c.Labels = append(c.Labels, Label{X: x + 2, Y: bottom + 18, Text: it.Name})
		}
	}
	return c
}
