// Package detect is the incident detector's pure core: it reads tickets in
// arrival order and finds bursts of similar tickets that are more than the
// normal rate of such tickets for that hour, proposing them as one suspected
// incident. The same code runs inside the server (on every new ticket) and
// offline in `switchboard incidents replay`, so what the replay measures is
// what users get.
//
// Similarity is TF-IDF cosine over the ticket's words (the triage
// classifier's word tokens, stop words removed) and its extracted entities
// (hosts, IPs, URLs, error codes, services, offices), with document
// frequencies learned from the history seen so far. A burst is a connected
// group of tickets in a sliding window whose pairwise similarity passes a
// threshold; it is proposed when a Poisson test says so many similar tickets
// in that window are unlikely given how often tickets like them arrived
// before (the baseline), scaled by the category's arrival profile over the
// hours of the day.
package detect

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
)

// Config tunes the detector; the zero value takes the defaults noted.
type Config struct {
	Window      time.Duration // how far back a burst reaches (90 min)
	History     time.Duration // how much history feeds the baseline (28 days)
	Similarity  float64       // cosine for two tickets to be alike (0.35)
	MinTickets  int           // smallest burst proposed (4)
	Alpha       float64       // Poisson tail below which a burst is unusual (1e-6)
	ChildWindow time.Duration // how long an incident keeps taking children after its last one (4 h)
	Vocabulary  Vocabulary
}

func (c *Config) defaults() {
	if c.Window <= 0 {
		c.Window = 90 * time.Minute
	}
	if c.History <= 0 {
		c.History = 28 * 24 * time.Hour
	}
	if c.Similarity <= 0 {
		c.Similarity = 0.35
	}
	if c.MinTickets <= 0 {
		c.MinTickets = 4
	}
	if c.Alpha <= 0 {
		c.Alpha = 1e-6
	}
	if c.ChildWindow <= 0 {
		c.ChildWindow = 4 * time.Hour
	}
}

// Ticket is what the detector needs of a ticket.
type Ticket struct {
	Key      int64 // ticket id (server) or row number (replay)
	Time     time.Time
	Text     string // subject and description
	Category string
	// Incident is the key of the incident the ticket already belongs to
	// (server restarts: state rebuilt from the database); 0 for none.
	Incident int64
	// Entities, when not nil, are Extract(Text, "", the detector's
	// vocabulary) done already by the caller (the server stores them), so
	// the detector need not extract them again.
	Entities []Entity
}

// Incident is a suspected or confirmed incident the detector knows of.
type Incident struct {
	Key      int64 // assigned by the caller on a proposal (0 until then)
	Start    time.Time
	Proposed time.Time
	Last     time.Time
	Tickets  []int64 // keys, in arrival order
	Entities []Entity
	Words    []string // the words the tickets share most, rarest first
	// Confidence is 1 minus the Poisson tail of the burst, clipped to [0,1].
	Confidence float64
	Closed     bool // dismissed or resolved: takes no more children

	centroid centroid
}

// Decision is what Add concluded about one new ticket.
type Decision struct {
	// Proposed is a new suspected incident (the ticket and its burst).
	Proposed *Incident
	// Child is an existing incident that Joined (the ticket, and with it
	// perhaps a burst of others that describe the same outage in other
	// words) should join.
	Child  *Incident
	Joined []int64
}

type doc struct {
	key      int64
	at       time.Time
	cat      string
	terms    []int32
	tf       []float64
	ents     []Entity
	incident *Incident
	vec      svec // cached weights
	vecN     int  // history size when vec was computed
	// summed is the centroid this doc's vector was last added to: its
	// terms are then all keys of that centroid (see bestIncident).
	summed *centroid
}

// Detector holds the history and open incidents; it is not safe for
// concurrent use.
type Detector struct {
	cfg       Config
	vocab     map[string]int32
	names     []string
	df        []int32
	docs      []*doc // arrival order; old ones dropped past History
	byKey     map[int64]*doc
	incidents []*Incident
	dismissed map[[2]int64]bool
	// hourly counts per category and hour of day, for the baseline's shape
	catHour  map[string]*[24]int
	catTotal map[string]int
	scratch  dense // one vector spread out, reused by every Add
}

// New returns an empty detector.
func New(cfg Config) *Detector {
	cfg.defaults()
	return &Detector{cfg: cfg, vocab: map[string]int32{}, byKey: map[int64]*doc{}, dismissed: map[[2]int64]bool{},
		catHour: map[string]*[24]int{}, catTotal: map[string]int{}}
}

// Dismiss records that tickets a and b are not one incident: no proposal
// will join them again.
func (d *Detector) Dismiss(a, b int64) {
	if a > b {
		a, b = b, a
	}
	d.dismissed[[2]int64{a, b}] = true
}

// Track makes an incident known (state rebuilt from storage): its tickets
// must have been added already; they stop forming new bursts, and similar
// new tickets are offered to it as children unless closed.
func (d *Detector) Track(in *Incident) {
	in.centroid = centroid{}
	for _, k := range in.Tickets {
		if dc := d.byKey[k]; dc != nil {
			dc.incident = in
			d.addTo(&in.centroid, dc)
		}
	}
	d.incidents = append(d.incidents, in)
}

// Add feeds one ticket (in arrival order) and says whether it starts a
// suspected incident or belongs to an open one.
func (d *Detector) Add(t Ticket) Decision {
	dc := d.index(t)
	d.expire(t.Time)
	var dec Decision
	if in := d.bestIncident(dc); in != nil {
		d.join(in, dc)
		dec.Child, dec.Joined = in, []int64{dc.key}
	} else if b := d.burst(dc); b != nil {
		if in := d.sameOutage(b); in != nil {
			// The same outage in other words: one incident, not two.
			for _, k := range b.Tickets {
				d.join(in, d.member(k, dc))
			}
			dec.Child, dec.Joined = in, b.Tickets
		} else {
			d.incidents = append(d.incidents, b)
			dec.Proposed = b
		}
	}
	d.remember(dc)
	return dec
}

func (d *Detector) member(key int64, dc *doc) *doc {
	if key == dc.key {
		return dc
	}
	return d.byKey[key]
}

func (d *Detector) join(in *Incident, dc *doc) {
	if dc == nil {
		return
	}
	dc.incident = in
	if !slices.Contains(in.Tickets, dc.key) {
		in.Tickets = append(in.Tickets, dc.key)
	}
	if dc.at.After(in.Last) {
		in.Last = dc.at
	}
	d.addTo(&in.centroid, dc)
}

// sameOutage is the open incident a new burst continues: one that began
// within the last few hours and shares a specific entity with it (the same
// service, host, address or error code).
func (d *Detector) sameOutage(b *Incident) *Incident {
	for _, in := range slices.Backward(d.incidents) {
		if in.Closed || b.Proposed.Sub(in.Last) > d.cfg.Window || b.Proposed.Sub(in.Start) > d.cfg.ChildWindow {
			continue
		}
		for _, e := range b.Entities {
			if slices.Contains(in.Entities, e) {
				return in
			}
		}
	}
	return nil
}

// Incidents returns every incident proposed or tracked, oldest first.
func (d *Detector) Incidents() []*Incident { return d.incidents }

func (d *Detector) index(t Ticket) *doc {
	dc := &doc{key: t.Key, at: t.Time, cat: t.Category}
	counts := map[int32]float64{}
	for _, w := range words(t.Text) {
		counts[d.term(w)]++
	}
	dc.ents = t.Entities
	if dc.ents == nil {
		dc.ents = Extract(t.Text, "", d.cfg.Vocabulary)
	}
	for _, e := range dc.ents {
		// An entity weighs like a repeated word: two tickets naming the
		// same host are more alike than two sharing a word.
		counts[d.term("\x00"+e.String())] += 2
	}
	// In id order, as the weights are: each recomputation of the weights
	// (every 2 % of history growth, for every recent incident member) is
	// then a pass over the terms, without a sort and a map of its own.
	dc.terms = make([]int32, 0, len(counts))
	for id := range counts {
		dc.terms = append(dc.terms, id)
	}
	slices.Sort(dc.terms)
	dc.tf = make([]float64, len(dc.terms))
	for i, id := range dc.terms {
		dc.tf[i] = 1 + math.Log(counts[id])
	}
	if t.Incident != 0 {
		for _, in := range d.incidents {
			if in.Key == t.Incident {
				dc.incident = in
			}
		}
	}
	return dc
}

func (d *Detector) term(w string) int32 {
	id, ok := d.vocab[w]
	if !ok {
		id = int32(len(d.names))
		d.vocab[w] = id
		d.names = append(d.names, w)
		d.df = append(d.df, 0)
	}
	return id
}

// remember adds the ticket to the history and the baseline counts.
func (d *Detector) remember(dc *doc) {
	for _, id := range dc.terms {
		d.df[id]++
	}
	d.docs = append(d.docs, dc)
	d.byKey[dc.key] = dc
	h := d.catHour[dc.cat]
	if h == nil {
		h = new([24]int)
		d.catHour[dc.cat] = h
	}
	h[dc.at.UTC().Hour()]++
	d.catTotal[dc.cat]++
}

// expire drops history older than History.
func (d *Detector) expire(now time.Time) {
	cut := now.Add(-d.cfg.History)
	n := 0
	for n < len(d.docs) && d.docs[n].at.Before(cut) {
		dc := d.docs[n]
		for _, id := range dc.terms {
			d.df[id]--
		}
		d.catHour[dc.cat][dc.at.UTC().Hour()]--
		d.catTotal[dc.cat]--
		delete(d.byKey, dc.key)
		n++
	}
	d.docs = d.docs[n:]
}

func (d *Detector) idf(id int32) float64 {
	return math.Log(float64(len(d.docs)+1)/float64(d.df[id]+1)) + 1
}

// vector is the doc's TF-IDF weights under the current document
// frequencies, unit length.
func (d *Detector) vector(dc *doc) svec {
	// Document frequencies drift slowly; weights a few percent stale
	// change no decision and spare recomputing the history on every test.
	if n := len(d.docs); dc.vec.ids != nil && abs(n-dc.vecN)*50 <= n {
		return dc.vec
	}
	dc.vecN = len(d.docs)
	dc.vec = d.weights(dc)
	return dc.vec
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// svec is a sparse vector as term ids in increasing order with their
// weights: the detector compares each new ticket with thousands of recent
// ones on a busy day, and merging two short sorted lists costs a tenth of
// looking each term up in a map (2.5 ms a ticket at 10 tickets/s before).
type svec struct {
	ids []int32
	ws  []float64
}

func (d *Detector) weights(dc *doc) svec {
	// The vector shares the doc's term ids: sorted, never nil (vector
	// reads nil as not computed) and never changed after index.
	v := svec{ids: dc.terms, ws: make([]float64, len(dc.terms))}
	var n float64
	for i, id := range v.ids {
		w := dc.tf[i] * d.idf(id)
		v.ws[i] = w
		n += w * w
	}
	n = math.Sqrt(n)
	for i := range v.ws {
		v.ws[i] /= n
	}
	return v
}

// centroid is the sum of an incident's member vectors, with its squared
// length kept until the next member changes it.
type centroid struct {
	m      map[int32]float64
	norm2  float64
	normOK bool
}

func (c *centroid) add(v svec) {
	if c.m == nil {
		c.m = make(map[int32]float64, len(v.ids))
	}
	for i, id := range v.ids {
		c.m[id] += v.ws[i]
	}
	c.normOK = false
}

func (c *centroid) squaredNorm() float64 {
	if !c.normOK {
		c.norm2 = 0
		for _, w := range c.m {
			c.norm2 += w * w
		}
		c.normOK = true
	}
	return c.norm2
}

func (d *Detector) addTo(c *centroid, dc *doc) {
	c.add(d.vector(dc))
	dc.summed = c
}

// histFactor lowers the similarity at which a history ticket counts as
// "one like the burst": templated requests that recur (password expiry
// notices) then weigh in the baseline, while an outage's new vocabulary
// still finds no history.
const histFactor = 0.7

// histNear is how many of the burst's members a history ticket must be
// like to count: one generic "outlook" ticket resembles one report of a
// mail outage, not several.
const histNear = 2

// dot is the cosine of two unit vectors: a merge of their sorted terms.
func dot(a, b svec) float64 {
	var s float64
	i, j := 0, 0
	for i < len(a.ids) && j < len(b.ids) {
		switch x, y := a.ids[i], b.ids[j]; {
		case x == y:
			s += a.ws[i] * b.ws[j]
			i++
			j++
		case x < y:
			i++
		default:
			j++
		}
	}
	return s
}

// dense holds one vector spread out by term id, so that its dot product
// with many others is one array read per term of theirs. It sums the same
// products in the same (increasing term) order as dot.
type dense struct {
	w   []float64
	set []int32
}

func (x *dense) load(v svec, terms int) {
	if len(x.w) < terms {
		x.w = append(x.w, make([]float64, terms-len(x.w))...)
	}
	for i, id := range v.ids {
		x.w[id] = v.ws[i]
	}
	x.set = append(x.set[:0], v.ids...)
}

func (x *dense) dot(b svec) float64 {
	var s float64
	for i, id := range b.ids {
		if int(id) < len(x.w) {
			if w := x.w[id]; w != 0 {
				s += w * b.ws[i]
			}
		}
	}
	return s
}

func (x *dense) clear() {
	for _, id := range x.set {
		x.w[id] = 0
	}
	x.set = x.set[:0]
}

// cosine of a vector and an incident's centroid, and the squared length of
// the vector's part on the centroid's terms.
func cosine(a svec, c *centroid) (cos, shared float64) {
	var dot, na float64
	for i, id := range a.ids {
		w := a.ws[i]
		cw, ok := c.m[id]
		dot += w * cw
		na += w * w
		if ok {
			shared += w * w
		}
	}
	nb := c.squaredNorm()
	if na == 0 || nb == 0 {
		return 0, shared
	}
	return dot / math.Sqrt(na*nb), shared
}

// pruneMembers is off only in the test that checks pruning changes no
// decision.
var pruneMembers = true

// bestIncident is the open incident most like the ticket, if alike enough.
func (d *Detector) bestIncident(dc *doc) *Incident {
	if dc.incident != nil {
		return nil
	}
	v := d.vector(dc)
	d.scratch.load(v, len(d.names))
	defer d.scratch.clear()
	var best *Incident
	bestSim := d.cfg.Similarity
	for _, in := range d.incidents {
		if in.Closed || dc.at.Sub(in.Last) > d.cfg.ChildWindow {
			continue
		}
		s, shared := cosine(v, &in.centroid)
		// A member summed into the centroid has only terms of the
		// centroid, so its cosine with the ticket is at most the length of
		// the ticket's part on them (Cauchy-Schwarz, both unit vectors; the
		// margin covers rounding): below bestSim it cannot decide, and its
		// dot product is skipped. Its vector is still read, as vector
		// refreshes stale weights and later decisions read them.
		far := pruneMembers && math.Sqrt(shared)*(1+1e-9) < bestSim
		// Also the most alike of its latest members: an outage described
		// several ways has a broad centroid close to no single report.
		for i := len(in.Tickets) - 1; i >= 0 && i >= len(in.Tickets)-30; i-- {
			if m := d.byKey[in.Tickets[i]]; m != nil {
				mv := d.vector(m)
				if far && m.summed == &in.centroid {
					continue
				}
				s = math.Max(s, d.scratch.dot(mv))
			}
		}
		if s >= bestSim {
			best, bestSim = in, s
		}
	}
	return best
}

func (d *Detector) isDismissed(a, b int64) bool {
	if a > b {
		a, b = b, a
	}
	return d.dismissed[[2]int64{a, b}]
}

// burst finds the group of recent, mutually similar tickets the new one
// completes, and proposes it when such a group is unusual.
func (d *Detector) burst(dc *doc) *Incident {
	from := dc.at.Add(-d.cfg.Window)
	var recent []*doc
	for i := len(d.docs) - 1; i >= 0 && !d.docs[i].at.Before(from); i-- {
		if d.docs[i].incident == nil {
			recent = append(recent, d.docs[i])
		}
	}
	if len(recent)+1 < d.cfg.MinTickets {
		return nil
	}
	recent = append(recent, dc)
	vecs := make([]svec, len(recent))
	for i, r := range recent {
		vecs[i] = d.vector(r)
	}
	// Connected group of the new ticket (last in recent) over edges of
	// similar, not-dismissed pairs.
	in := map[int]bool{len(recent) - 1: true}
	queue := []int{len(recent) - 1}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		d.scratch.load(vecs[i], len(d.names))
		for j := range recent {
			if in[j] || d.scratch.dot(vecs[j]) < d.cfg.Similarity {
				continue
			}
			// No pair an agent dismissed may end up in one group.
			clash := false
			for k := range in {
				if d.isDismissed(recent[k].key, recent[j].key) {
					clash = true
					break
				}
			}
			if !clash {
				in[j] = true
				queue = append(queue, j)
			}
		}
		d.scratch.clear()
	}
	if len(in) < d.cfg.MinTickets {
		return nil
	}
	var members []*doc
	var c centroid
	for i := range recent {
		if in[i] {
			members = append(members, recent[i])
			c.add(vecs[i])
		}
	}
	slices.SortFunc(members, func(a, b *doc) int { return a.at.Compare(b.at) })
	p := d.tail(members, dc.at)
	if p >= d.cfg.Alpha {
		return nil
	}
	out := &Incident{Start: members[0].at, Proposed: dc.at, Last: dc.at, Confidence: math.Max(0, math.Min(1, 1-p)),
		centroid: c}
	for _, m := range members {
		out.Tickets = append(out.Tickets, m.key)
		m.incident, m.summed = out, &out.centroid
	}
	dc.incident = out
	out.Entities, out.Words = d.shared(members)
	return out
}

// tail is the probability of seeing at least len(members) tickets this
// similar within the window by chance, under the baseline.
func (d *Detector) tail(members []*doc, now time.Time) float64 {
	from := now.Add(-d.cfg.Window)
	var similar float64
	inBurst := map[*doc]bool{}
	for _, m := range members {
		inBurst[m] = true
	}
	var first time.Time
	// A history ticket is "like the burst" when it would have joined it:
	// similar enough to some of its members.
	probe := members
	if len(probe) > 12 {
		probe = probe[len(probe)-12:]
	}
	vecs := make([]svec, len(probe))
	for i, m := range probe {
		vecs[i] = d.vector(m)
	}
	for _, h := range d.docs {
		if inBurst[h] || !h.at.Before(from) {
			continue
		}
		if first.IsZero() {
			first = h.at
		}
		hv := d.vector(h)
		near := 0
		for _, v := range vecs {
			if dot(hv, v) >= d.cfg.Similarity*histFactor {
				near++
			}
		}
		if near >= histNear {
			similar++
		}
	}
	// Half a ticket of prior keeps "never seen" from meaning "impossible";
	// a day's floor on the span keeps the first hours of history from
	// calling everything a burst.
	span := math.Max(24, from.Sub(first).Hours())
	rate := (similar + 0.5) / span // similar tickets per hour, on average
	lambda := rate * d.cfg.Window.Hours() * d.hourFactor(members, now)
	return poissonTail(lambda, len(members))
}

// hourFactor scales the average rate to this hour of the day for the
// burst's main category: tickets like these arrive more at 10:00 than at
// 03:00, so a burst at 10:00 must be larger to stand out.
func (d *Detector) hourFactor(members []*doc, now time.Time) float64 {
	counts := map[string]int{}
	for _, m := range members {
		counts[m.cat]++
	}
	cat := ""
	for c, n := range counts {
		if n > counts[cat] || n == counts[cat] && c < cat {
			cat = c
		}
	}
	h, total := d.catHour[cat], d.catTotal[cat]
	if h == nil || total < 48 {
		return 1 // too little history for a shape
	}
	hour := now.UTC().Hour()
	// Average the hour with its neighbours: a burst straddles hours.
	at := float64(h[hour]+h[(hour+23)%24]+h[(hour+1)%24]) / 3
	mean := float64(total) / 24
	return math.Max(0.25, (at+1)/(mean+1))
}

// poissonTail is P(X >= k) for X ~ Poisson(lambda).
func poissonTail(lambda float64, k int) float64 {
	if k <= 0 {
		return 1
	}
	term := math.Exp(-lambda)
	cdf := term
	for i := 1; i < k; i++ {
		term *= lambda / float64(i)
		cdf += term
	}
	return math.Max(0, 1-cdf)
}

// shared lists the entities at least two members name, and the words most
// members share, rarest first.
func (d *Detector) shared(members []*doc) ([]Entity, []string) {
	entCount := map[Entity]int{}
	wordCount := map[int32]int{}
	for _, m := range members {
		for _, e := range m.ents {
			entCount[e]++
		}
		for _, id := range m.terms {
			if d.names[id][0] != 0 {
				wordCount[id]++
			}
		}
	}
	var ents []Entity
	for e, n := range entCount {
		if n >= 2 && n*3 >= len(members) {
			ents = append(ents, e)
		}
	}
	slices.SortFunc(ents, func(a, b Entity) int {
		return cmp.Or(cmp.Compare(entCount[b], entCount[a]), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
	var ids []int32
	for id, n := range wordCount {
		if n*2 >= len(members) && n >= 2 {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int32) int {
		return cmp.Or(cmp.Compare(wordCount[b], wordCount[a]), cmp.Compare(d.df[a], d.df[b]), cmp.Compare(d.names[a], d.names[b]))
	})
	var ws []string
	for _, id := range ids {
		if len(ws) == 6 {
			break
		}
		// A word that is part of a shared entity (host "vpn-gw-01…" and
		// the words "gw", "corp") says nothing more.
		if !slices.ContainsFunc(ents, func(e Entity) bool {
			return e.Kind != KindService && strings.Contains(e.Value, d.names[id])
		}) {
			ws = append(ws, d.names[id])
		}
	}
	return ents, ws
}

// ForgetIncidents drops every incident (the server rebuilds its detector
// by replaying history, then tracks the incidents the database holds).
func (d *Detector) ForgetIncidents() {
	d.incidents = nil
	for _, dc := range d.docs {
		dc.incident = nil
	}
}
