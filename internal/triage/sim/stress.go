package sim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/triage"
)

// Zones a stress roster draws from: several change their clocks in the
// weeks the periods are drawn from (March-April and October-November).
var stressZones = []string{"Australia/Sydney", "Asia/Kolkata", "Europe/Lisbon", "America/Sao_Paulo", "America/New_York",
	"Europe/Berlin", "Pacific/Auckland", "Asia/Manila", "America/Chicago", "Australia/Perth"}

var stressCategories = []string{"access", "hardware", "network", "software", "security"}

// stressStarts are Mondays just before clock changes: Europe and North
// America in March, Sydney and Auckland in April, and the autumn ones.
var stressStarts = []time.Time{
	time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 21, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC),
}

// StressCase is one generated roster with its arrivals.
type StressCase struct {
	Seed     uint64
	Roster   *Roster
	Arrivals []Arrival
}

// GenerateStress builds an adversarial roster and a week of arrivals from
// seed: 2-4 teams in zones that change clocks, holidays, night shifts
// across midnight, agents living in another zone than their team, time
// off, part-timers, on-call rotas or none, and categories only one person
// of a team (or nobody) can handle.
func GenerateStress(seed uint64, days int) StressCase {
	rng := rand.New(rand.NewPCG(seed, 0x57e55)) //nolint:gosec // seeded on purpose: a seed names one roster
	start := stressStarts[rng.IntN(len(stressStarts))]
	day := func(n int) string { return start.AddDate(0, 0, n).Format("2006-01-02") }
	r := &Roster{}
	for _, c := range stressCategories {
		switch rng.IntN(3) {
		case 0:
			r.FollowTheSun = append(r.FollowTheSun, c)
		case 1:
			r.EscalateAcrossRegions = append(r.EscalateAcrossRegions, c)
		}
	}
	zones := rng.Perm(len(stressZones))
	id := int64(1)
	for ti := range 2 + rng.IntN(3) {
		tz := stressZones[zones[ti]]
		ts := TeamSpec{ID: int64(ti + 1), Name: fmt.Sprintf("T%d %s", ti+1, tz), Timezone: tz, Hours: weekHours(rng.IntN(3)+7, 9+rng.IntN(2))}
		for range rng.IntN(3) {
			ts.Holidays = append(ts.Holidays, day(rng.IntN(days)))
		}
		// One category only one agent of this team may handle (or none).
		rare := stressCategories[rng.IntN(len(stressCategories))]
		rareGiven := rng.IntN(4) == 0 // nobody at all in a quarter of teams
		for ai := range 2 + rng.IntN(4) {
			a := AgentSpec{ID: id, Name: fmt.Sprintf("A%d", id), Skills: map[string]int{}, Capacity: 4 + rng.IntN(6)}
			id++
			switch rng.IntN(5) {
			case 0: // night shift across midnight
				a.Hours = weekHours(21+rng.IntN(3), 8)
			case 1: // part-time mornings, three days
				a.Hours = WeekSpec{"mon": {"09:00-13:00"}, "tue": {"09:00-13:00"}, "wed": {"09:00-13:00"}}
			default:
				a.Hours = weekHours(7+rng.IntN(4), 8)
			}
			if rng.IntN(6) == 0 {
				a.Timezone = stressZones[rng.IntN(len(stressZones))] // lives elsewhere
			}
			if rng.IntN(4) == 0 {
				from := rng.IntN(days)
				a.TimeOff = []triage.DateRange{{From: day(from), To: day(from + 1 + rng.IntN(6))}}
			}
			for _, c := range stressCategories {
				if c == rare {
					continue
				}
				if rng.IntN(2) == 0 {
					a.Skills[c] = 1 + rng.IntN(3)
				}
			}
			if !rareGiven && ai == 0 {
				a.Skills[rare] = 3
				rareGiven = true
			}
			ts.Agents = append(ts.Agents, a)
		}
		if rng.IntN(3) > 0 {
			who := ts.Agents[rng.IntN(len(ts.Agents))].ID
			ts.OnCall = []OnCallSpec{{AgentID: who, Hours: WeekSpec{"sun": {"00:00-24:00"}, "mon": {"00:00-24:00"}, "tue": {"00:00-24:00"},
				"wed": {"00:00-24:00"}, "thu": {"00:00-24:00"}, "fri": {"00:00-24:00"}, "sat": {"00:00-24:00"}}}}
		}
		r.Teams = append(r.Teams, ts)
	}
	cat := map[string]float64{}
	for _, c := range stressCategories {
		cat[c] = 0.1 + rng.Float64()
	}
	arr := Synthesize(FlatShape(), SynthOptions{Start: start, Days: days, PerDay: float64(6 + rng.IntN(14)), Seed: seed,
		Teams: r.Teams, Category: cat})
	return StressCase{Seed: seed, Roster: r, Arrivals: arr}
}

// weekHours is Monday to Friday from hour `from` for n hours (wrapping
// past midnight for night shifts).
func weekHours(from, n int) WeekSpec {
	rg := fmt.Sprintf("%02d:00-%02d:00", from%24, (from+n)%24)
	return WeekSpec{"mon": {rg}, "tue": {rg}, "wed": {rg}, "thu": {rg}, "fri": {rg}}
}

// FlatShape is an office-hours arrival shape that needs no corpus: most
// tickets 08:00-18:00 on weekdays, a tenth at night, fewer at weekends.
func FlatShape() Shape {
	s := Shape{Priority: map[helpdesk.Priority]float64{helpdesk.P1: 0.03, helpdesk.P2: 0.17, helpdesk.P3: 0.6, helpdesk.P4: 0.2}}
	for h := range 24 {
		s.Hour[h] = 0.1
		if h >= 8 && h < 18 {
			s.Hour[h] = 1
		}
	}
	for d := range 7 {
		s.Weekday[d] = 1
	}
	s.Weekday[time.Saturday], s.Weekday[time.Sunday] = 0.25, 0.2
	normalise(s.Hour[:])
	normalise(s.Weekday[:])
	return s
}

// StressOutcome is one stress case's check.
type StressOutcome struct {
	Seed       uint64
	Tickets    int
	Results    map[Strategy]Result
	Violations []string
}

// CheckStress runs every strategy on c and checks the properties:
// Switchboard never assigns off shift, meets the first-response SLA at
// least as often as round-robin, and never leaves a ticket unowned past its
// deadline while an agent who could take it is free on shift.
func CheckStress(c StressCase) (StressOutcome, error) {
	out := StressOutcome{Seed: c.Seed, Tickets: len(c.Arrivals), Results: map[Strategy]Result{}}
	for _, s := range Strategies {
		r, err := Run(c.Roster, c.Arrivals, s)
		if err != nil {
			return out, fmt.Errorf("stress seed %d %s: %w", c.Seed, s, err)
		}
		out.Results[s] = r
	}
	sb, rr := out.Results[Switchboard], out.Results[RoundRobin]
	if sb.OffShiftShare > 0 {
		out.Violations = append(out.Violations, fmt.Sprintf("%.1f%% off-shift assignments", 100*sb.OffShiftShare))
	}
	if sb.FirstResponseMet < rr.FirstResponseMet {
		out.Violations = append(out.Violations, fmt.Sprintf("first-response SLA %.1f%% below round-robin's %.1f%%", 100*sb.FirstResponseMet, 100*rr.FirstResponseMet))
	}
	if sb.Stuck > 0 {
		out.Violations = append(out.Violations, fmt.Sprintf("%d ticket-minutes unowned past the deadline while a capable agent was free", sb.Stuck))
	}
	return out, nil
}

// WriteStress prints one line per case and a summary line
// "stress rosters=N violations=V".
func WriteStress(w io.Writer, outs []StressOutcome) {
	bad := 0
	for _, o := range outs {
		sb, rr, ll := o.Results[Switchboard], o.Results[RoundRobin], o.Results[LeastLoaded]
		status := "ok"
		if len(o.Violations) > 0 {
			bad++
			status = fmt.Sprint(o.Violations)
		}
		fmt.Fprintf(w, "seed=%d tickets=%d sla switchboard=%.1f%% round-robin=%.1f%% least-loaded=%.1f%% p90 %s/%s/%s off-shift=%.1f%% %s\n",
			o.Seed, o.Tickets, 100*sb.FirstResponseMet, 100*rr.FirstResponseMet, 100*ll.FirstResponseMet,
			short(sb.P90ToOnShift), short(rr.P90ToOnShift), short(ll.P90ToOnShift), 100*sb.OffShiftShare, status)
	}
	fmt.Fprintf(w, "stress rosters=%d violations=%d\n", len(outs), bad)
}
