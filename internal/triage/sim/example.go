package sim

import (
	"io"
	"time"
)

// Preset is a shipped example's arrival parameters.
type Preset struct {
	Start    time.Time
	Days     int
	PerDay   float64
	Seed     uint64
	Category map[string]float64
	Language map[string]string
}

// Presets are the shipped examples by name: "example" (examples/sim) and
// "adversarial" (examples/sim/adversarial).
var Presets = map[string]Preset{
	// Two weeks from Monday 2026-03-02; New York changes to summer time on the 8th.
	"example": {
		Start:    time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		Days:     14,
		PerDay:   22,
		Seed:     20260302,
		Category: map[string]float64{"access": 0.30, "hardware": 0.20, "network": 0.25, "software": 0.25},
		Language: map[string]string{"Berlin": "de", "New York": "es", "Manila": "tl"},
	},
	// Two weeks from Monday 2026-03-30 across Easter (3-6 April); Sydney
	// leaves summer time on Sunday 5 April, Lisbon entered it on 29 March.
	// Security is a category only one person per team handles.
	"adversarial": {
		Start:    time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC),
		Days:     14,
		PerDay:   18,
		Seed:     20260330,
		Category: map[string]float64{"access": 0.27, "hardware": 0.20, "network": 0.20, "software": 0.23, "security": 0.10},
		Language: map[string]string{"Bangalore": "hi", "Lisbon": "pt", "São Paulo": "pt"},
	},
}

// GenerateExample writes the shipped example arrivals: two weeks from
// Monday 2026-03-02 (New York changes to summer time on the 8th), shaped by
// the incident log read from corpus, for the teams of roster.
func GenerateExample(corpus io.Reader, roster *Roster, w io.Writer) error {
	return GeneratePreset(corpus, roster, Presets["example"], w)
}

// GeneratePreset writes the arrivals of preset p for the teams of roster,
// shaped by the incident log read from corpus.
func GeneratePreset(corpus io.Reader, roster *Roster, p Preset, w io.Writer) error {
	shape, err := DeriveShape(corpus)
	if err != nil {
		return err
	}
	as := Synthesize(shape, SynthOptions{Start: p.Start, Days: p.Days, PerDay: p.PerDay, Seed: p.Seed,
		Teams: roster.Teams, Category: p.Category, Language: p.Language})
	return WriteArrivals(w, as)
}
