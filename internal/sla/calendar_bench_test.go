package sla

import (
	"testing"
	"time"
)

func benchCal(b *testing.B) Calendar {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Skip(err)
	}
	var c Calendar
	c.Location = loc
	for d := range 7 {
		c.Week[d] = []Range{{0, 1440}}
	}
	return c
}

func BenchmarkIsOpenRoundTheClock(b *testing.B) {
	c := benchCal(b)
	now := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		c.IsOpen(now)
	}
}

func BenchmarkNextOpenRoundTheClock(b *testing.B) {
	c := benchCal(b)
	now := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		c.NextOpen(now)
	}
}

func BenchmarkNextOpenOfficeHolidays(b *testing.B) {
	c := benchCal(b)
	for d := range 7 {
		c.Week[d] = []Range{{540, 1020}}
	}
	c.Week[0], c.Week[6] = nil, nil
	c.Holidays = []string{"2026-12-24", "2026-12-25", "2026-12-26"}
	now := time.Date(2026, 12, 23, 18, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		c.NextOpen(now)
	}
}
