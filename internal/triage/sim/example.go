package sim

import (
	"io"
	"time"
)

// GenerateExample writes the shipped example arrivals: two weeks from
// Monday 2026-03-02 (New York changes to summer time on the 8th), shaped by
// the incident log read from corpus, for the teams of roster.
func GenerateExample(corpus io.Reader, roster *Roster, w io.Writer) error {
	shape, err := DeriveShape(corpus)
	if err != nil {
		return err
	}
	as := Synthesize(shape, SynthOptions{
		Start:    time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		Days:     14,
		PerDay:   22,
		Seed:     20260302,
		Teams:    roster.Teams,
		Category: map[string]float64{"access": 0.30, "hardware": 0.20, "network": 0.25, "software": 0.25},
		Language: map[string]string{"Berlin": "de", "New York": "es", "Manila": "tl"},
	})
	return WriteArrivals(w, as)
}
