package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
)

// Shape is the arrival pattern derived from a ServiceNow incident log:
// relative volume per weekday and per hour of day, and the priority mix.
// Only these statistics leave the source file; the rows are never copied
// (the UCI log is CC BY 4.0: Amaral, Fantinato, Peres, University of São Paulo).
type Shape struct {
	Weekday  [7]float64
	Hour     [24]float64
	Priority map[helpdesk.Priority]float64
}

// DeriveShape reads a ServiceNow incident event log (CSV with number,
// opened_at "02-01-2006 15:04" and priority "3 - Moderate" columns), counts
// each incident once, and returns its shape. The sample covers only a few
// weekdays, so missing weekdays get the mean of the observed ones and
// weekend days get the observed out-of-hours share (19:00-07:00) of that
// mean: an assumption, stated here, not a measurement.
func DeriveShape(r io.Reader) (Shape, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return Shape{}, err
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, c := range []string{"number", "opened_at", "priority"} {
		if _, ok := col[c]; !ok {
			return Shape{}, fmt.Errorf("incident log: no %s column", c)
		}
	}
	s := Shape{Priority: map[helpdesk.Priority]float64{}}
	seen := map[string]bool{}
	days := map[string]time.Weekday{}
	var count [7]float64
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return Shape{}, err
		}
		if seen[row[col["number"]]] {
			continue
		}
		seen[row[col["number"]]] = true
		at, err := time.Parse("02-01-2006 15:04", row[col["opened_at"]])
		if err != nil {
			continue
		}
		days[at.Format("2006-01-02")] = at.Weekday()
		count[at.Weekday()]++
		s.Hour[at.Hour()]++
		p := strings.TrimSpace(strings.SplitN(row[col["priority"]], "-", 2)[0])
		s.Priority[helpdesk.Priority("P"+p)]++
	}
	if len(seen) == 0 {
		return Shape{}, fmt.Errorf("incident log: no incidents")
	}
	// Per-day volume: average over the distinct dates seen for each weekday.
	var nDays [7]float64
	for _, wd := range days {
		nDays[wd]++
	}
	var sum, n float64
	for wd := range 7 {
		if nDays[wd] > 0 {
			s.Weekday[wd] = count[wd] / nDays[wd]
			sum += s.Weekday[wd]
			n++
		}
	}
	mean := sum / n
	var night, total float64
	for h, c := range s.Hour {
		total += c
		if h < 7 || h >= 19 {
			night += c
		}
	}
	for wd := range 7 {
		if s.Weekday[wd] == 0 {
			if wd == int(time.Saturday) || wd == int(time.Sunday) {
				s.Weekday[wd] = mean * night / total
			} else {
				s.Weekday[wd] = mean
			}
		}
	}
	normalise(s.Weekday[:])
	normalise(s.Hour[:])
	for p := range s.Priority {
		if !p.Valid() {
			delete(s.Priority, p)
		}
	}
	return s, nil
}

func normalise(xs []float64) {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	for i := range xs {
		xs[i] /= sum
	}
}

// SynthOptions drives Synthesize.
type SynthOptions struct {
	Start    time.Time // first day (its date is used)
	Days     int
	PerDay   float64 // mean tickets per team per average day
	Seed     uint64
	Teams    []TeamSpec
	Category map[string]float64 // category weight; categories are skills
	Language map[string]string  // team name -> its requesters' usual language
}

// Synthesize draws arrivals with the shape's rhythm in each team's local
// time, deterministically from Seed. Handling times are synthetic (the log
// has no work-time column): log-normal around 25-60 minutes by priority.
func Synthesize(s Shape, o SynthOptions) []Arrival {
	rng := rand.New(rand.NewPCG(o.Seed, 0x5b0a)) //nolint:gosec // seeded on purpose: a simulation must be reproducible; nothing secret
	cats := sortedKeys(o.Category)
	pris := []helpdesk.Priority{helpdesk.P1, helpdesk.P2, helpdesk.P3, helpdesk.P4}
	medianMin := map[helpdesk.Priority]float64{helpdesk.P1: 60, helpdesk.P2: 45, helpdesk.P3: 30, helpdesk.P4: 25}
	var out []Arrival
	for _, ts := range o.Teams {
		loc, err := time.LoadLocation(ts.Timezone)
		if err != nil {
			continue
		}
		y, m, d := o.Start.Date()
		for i := range o.Days {
			day := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
			mean := o.PerDay * 7 * s.Weekday[day.Weekday()]
			n := poisson(rng, mean)
			for range n {
				h := draw(rng, s.Hour[:])
				at := time.Date(y, m, d+i, h, rng.IntN(60), 0, 0, loc)
				p := pris[drawMap(rng, s.Priority, pris)]
				handling := math.Round(medianMin[p] * math.Exp(0.6*rng.NormFloat64()))
				lang := "en"
				if l := o.Language[ts.Name]; l != "" && rng.Float64() < 0.6 {
					lang = l
				}
				out = append(out, Arrival{At: at, Team: ts.Name, Category: cats[drawMap(rng, o.Category, cats)], Priority: p,
					Handling: time.Duration(max(5, handling)) * time.Minute, Language: lang})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func draw(rng *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	r := rng.Float64() * sum
	for i, x := range w {
		if r -= x; r < 0 {
			return i
		}
	}
	return len(w) - 1
}

func drawMap[K comparable](rng *rand.Rand, m map[K]float64, keys []K) int {
	w := make([]float64, len(keys))
	for i, k := range keys {
		w[i] = m[k]
	}
	return draw(rng, w)
}

// poisson draws by Knuth's method; means here are small.
func poisson(rng *rand.Rand, mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
