package detect

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Scenario is a synthetic replay with known answers: weeks of normal ticket
// arrivals drawn from a real corpus, outages injected as bursts of related
// tickets, and noise bursts that only share a common word. It is what the
// detector's test and `make bench` measure precision, recall and delay on.
type Scenario struct {
	Rows    []Row
	Outages [][]int // row numbers of each outage, in arrival order
}

// outageKinds are the injected outages: a service, how people describe it
// and the entities some of them quote.
var outageKinds = []struct {
	name    string
	phrases []string
	extras  []string
}{
	{"vpn", []string{"vpn not connecting from home", "cannot connect to the vpn", "vpn keeps disconnecting every minute",
		"globalprotect says gateway unreachable", "vpn connection timed out", "no vpn access since this morning",
		"vpn login fails, remote work impossible", "anyconnect vpn error, cannot reach intranet"},
		[]string{"gateway vpn-gw-02.corp.example.com", "error 809", "vpn-gw-02.corp.example.com unreachable", "from 10.20.0.1"}},
	{"email", []string{"outlook not receiving emails", "outlook disconnected from exchange", "emails stuck in outbox",
		"cannot send email, outlook says server unavailable", "mailbox not updating since 9", "outlook keeps asking for credentials",
		"exchange down? no new mail"}, []string{"mail.corp.example.com", "error 0x800ccc0e", "code 550"}},
	{"sap", []string{"sap login error", "sap system not reachable", "sap gui hangs on logon", "cannot post invoices in sap",
		"sap shows http 503", "sap very slow and then times out"}, []string{"http 503", "sapprd01", "https://sap.corp.example.com/fiori"}},
	{"wifi", []string{"wifi down in berlin office", "no wireless on 3rd floor berlin", "wifi keeps dropping in the berlin office",
		"cannot join corp wifi berlin", "wlan not available berlin office meeting rooms"}, []string{"ap-ber-3f-07", "ssid corp-wlan"}},
	{"fileshare", []string{"shared drive not accessible", "cannot open files on the file server", "network drive s: disconnected",
		"file share very slow then error", "access denied on team folder share"}, []string{"fs01.corp.example.com", "\\\\fs01\\teams", "error 0x80070035"}},
}

// noiseBursts share a common word and nothing else: a detector that groups
// on one frequent word proposes them.
var noiseWords = []string{"password", "laptop", "access"}

// NewScenario builds a replay over weeks, starting on a Monday, from the
// corpus texts (normal tickets: text and category), with the given outages
// (at most len(outageKinds) distinct services cycle) and as many noise
// bursts. perDay is the weekday arrival count; weekends get a tenth.
func NewScenario(corpus []Row, weeks, outages, perDay int, seed uint64) *Scenario {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // reproducible test data, not secrets
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	type item struct {
		at     time.Time
		text   string
		cat    string
		outage int // 1-based; 0 normal
	}
	var items []item
	// Business hours profile: most tickets 08:00–18:00 UTC.
	hourWeight := [24]float64{1, 1, 1, 1, 1, 2, 4, 8, 16, 18, 18, 16, 12, 14, 16, 15, 12, 8, 5, 3, 2, 2, 1, 1}
	var sum float64
	for _, w := range hourWeight {
		sum += w
	}
	for day := range weeks * 7 {
		n := perDay
		if day%7 >= 5 {
			n = perDay / 10
		}
		for range n {
			x, h := rng.Float64()*sum, 0
			for h = 0; h < 23 && x > hourWeight[h]; h++ {
				x -= hourWeight[h]
			}
			at := start.Add(time.Duration(day)*24*time.Hour + time.Duration(h)*time.Hour +
				time.Duration(rng.Int64N(int64(time.Hour))))
			c := corpus[rng.IntN(len(corpus))]
			items = append(items, item{at: at, text: c.Text, cat: c.Category})
		}
	}
	var byWord = map[string][]Row{}
	for _, c := range corpus {
		for _, w := range noiseWords {
			if strings.Contains(" "+c.Text+" ", " "+w+" ") {
				byWord[w] = append(byWord[w], c)
			}
		}
	}
	weekdayAt := func(k, of int) time.Time {
		// Spread events over the weekdays of the run, in working hours.
		days := weeks * 5
		d := (k*days)/of + rng.IntN(max(1, days/of))
		day := (d/5)*7 + d%5
		return start.Add(time.Duration(day)*24*time.Hour + time.Duration(8+rng.IntN(8))*time.Hour +
			time.Duration(rng.Int64N(int64(time.Hour))))
	}
	for k := range outages {
		kind := outageKinds[k%len(outageKinds)]
		at := weekdayAt(k, outages)
		n := 10 + rng.IntN(31)
		cat := "Hardware"
		if k%2 == 1 {
			cat = "Access"
		}
		// Arrivals thin out: most tickets come in the first half hour.
		for i := range n {
			t := at.Add(time.Duration(rng.ExpFloat64() * float64(20*time.Minute)))
			if i == 0 {
				t = at
			}
			text := kind.phrases[rng.IntN(len(kind.phrases))]
			if rng.IntN(3) == 0 {
				text += " " + kind.extras[rng.IntN(len(kind.extras))]
			}
			if rng.IntN(2) == 0 {
				// Real people add unrelated context.
				c := strings.Fields(corpus[rng.IntN(len(corpus))].Text)
				text += " " + strings.Join(c[:min(len(c), 6)], " ")
			}
			items = append(items, item{at: t, text: text, cat: cat, outage: k + 1})
		}
	}
	for k := range outages {
		w := noiseWords[k%len(noiseWords)]
		pool := byWord[w]
		if len(pool) == 0 {
			continue
		}
		at := weekdayAt(k, outages).Add(3 * time.Hour)
		for range 12 {
			c := pool[rng.IntN(len(pool))]
			items = append(items, item{at: at.Add(time.Duration(rng.Int64N(int64(time.Hour)))), text: c.Text, cat: c.Category})
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.at.Compare(b.at) })
	s := &Scenario{Outages: make([][]int, outages)}
	for i, it := range items {
		s.Rows = append(s.Rows, Row{Number: i + 1, Time: it.at, Text: it.text, Category: it.cat})
		if it.outage > 0 {
			s.Outages[it.outage-1] = append(s.Outages[it.outage-1], i+1)
		}
	}
	return s
}

// WriteCSV writes the scenario as a replay file: created_at, text, category.
func (s *Scenario) WriteCSV(w io.Writer) error {
	if _, err := fmt.Fprintln(w, "created_at,text,category"); err != nil {
		return err
	}
	for _, r := range s.Rows {
		q := func(x string) string { return `"` + strings.ReplaceAll(x, `"`, `""`) + `"` }
		if _, err := fmt.Fprintf(w, "%s,%s,%s\n", r.Time.Format(time.RFC3339), q(r.Text), q(r.Category)); err != nil {
			return err
		}
	}
	return nil
}

// Score is how a replay's proposals compare with the injected outages.
type Score struct {
	Outages, Detected  int
	Proposals, False   int
	Precision, Recall  float64 // of grouped tickets: right outage / grouped, grouped / outage tickets
	MaxDelay, AvgDelay time.Duration
	Weeks              float64
}

// Evaluate scores incidents against the scenario: an outage is detected by
// the first proposal whose tickets are mostly its own; a proposal that is
// mostly no outage's is false. Delay runs from the outage's 5th ticket to
// the proposal (negative when proposed earlier).
func (s *Scenario) Evaluate(incidents []*Incident) Score {
	owner := map[int64]int{}
	for k, rows := range s.Outages {
		for _, r := range rows {
			owner[int64(r)] = k + 1
		}
	}
	sc := Score{Outages: len(s.Outages), Proposals: len(incidents)}
	if n := len(s.Rows); n > 0 {
		sc.Weeks = s.Rows[n-1].Time.Sub(s.Rows[0].Time).Hours() / (24 * 7)
	}
	detected := map[int]bool{}
	var right, grouped, outageTickets int
	var delays []time.Duration
	for _, rows := range s.Outages {
		outageTickets += len(rows)
	}
	for _, in := range incidents {
		votes := map[int]int{}
		for _, k := range in.Tickets {
			votes[owner[k]]++
		}
		best := 0
		for o, n := range votes {
			if o != 0 && n > votes[best] {
				best = o
			}
		}
		grouped += len(in.Tickets)
		if best == 0 || votes[best]*2 < len(in.Tickets) {
			sc.False++
			continue
		}
		right += votes[best]
		if !detected[best] {
			detected[best] = true
			rows := s.Outages[best-1]
			fifth := s.Rows[rows[min(4, len(rows)-1)]-1].Time
			delays = append(delays, in.Proposed.Sub(fifth))
		}
	}
	sc.Detected = len(detected)
	if grouped > 0 {
		sc.Precision = float64(right) / float64(grouped)
	}
	if outageTickets > 0 {
		sc.Recall = float64(right) / float64(outageTickets)
	}
	if len(delays) > 0 {
		var tot time.Duration
		for _, d := range delays {
			tot += d
		}
		sc.AvgDelay = tot / time.Duration(len(delays))
		sc.MaxDelay = slices.MaxFunc(delays, cmp.Compare)
	}
	return sc
}

// String renders the score on one line, as the test log and the bench print it.
func (sc Score) String() string {
	return fmt.Sprintf("outages=%d detected=%d outage_recall=%.2f proposals=%d false=%d false_per_week=%.2f "+
		"ticket_precision=%.3f ticket_recall=%.3f delay_avg=%s delay_max=%s",
		sc.Outages, sc.Detected, float64(sc.Detected)/math.Max(1, float64(sc.Outages)), sc.Proposals, sc.False,
		float64(sc.False)/math.Max(1e-9, sc.Weeks), sc.Precision, sc.Recall, sc.AvgDelay, sc.MaxDelay)
}
