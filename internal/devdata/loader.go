package devdata

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// LoadOptions size a generated data set.
type LoadOptions struct {
	Tickets  int
	Messages int    // in total, at least one per ticket (its description)
	Corpus   string // gzip'd CSV of ticket text for the vocabulary; "" for a small built-in list
	Seed     uint64
	Progress io.Writer // nil: quiet
}

// LoadResult says what Load wrote.
type LoadResult struct {
	Tickets, Messages int
	Took              time.Duration
}

// Load fills the database with a realistic helpdesk: teams (one
// restricted), categories, 64 agents, 20,000 requesters and opts.Tickets
// tickets spread over three years (about 3% still open, a quarter of those
// unassigned) with opts.Messages messages (replies and internal notes)
// whose words follow the corpus's frequencies. Rows go in with COPY, and
// search vectors are built here from the words' lexemes, so a million
// tickets take minutes, not hours. Adds to what is there; run it on an
// empty database for a clean set.
func Load(ctx context.Context, db *postgres.DB, opts LoadOptions) (res LoadResult, err error) {
	start := time.Now()
	if opts.Messages < opts.Tickets {
		opts.Messages = opts.Tickets
	}
	v, err := loadVocab(ctx, db, opts.Corpus, 6000)
	if err != nil {
		return res, err
	}
	p, err := loadPeople(ctx, db)
	if err != nil {
		return res, err
	}
	firstID, firstNum, err := db.NextTicketIDs(ctx)
	if err != nil {
		return res, err
	}
	extra := float64(opts.Messages-opts.Tickets) / float64(max(opts.Tickets, 1)) // replies per ticket, on average
	// Into empty tables the loader drops the indexes and builds them once
	// at the end.
	bl, err := db.NewBulkLoader(ctx, firstID == 1)
	if err != nil {
		return res, err
	}
	defer bl.Close(ctx)
	// A generator goroutine prepares the next batch while this one copies:
	// one core writes text, the other runs PostgreSQL. Each batch has its
	// own random stream, so the data set is the same for the same seed.
	type chunk struct {
		tickets []postgres.LoadTicket
		msgs    []postgres.LoadMessage
	}
	const batch = 20_000
	now := time.Now().UTC()
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk, 1)
	go func() {
		defer close(chunks)
		for done, k := 0, uint64(0); done < opts.Tickets; k++ {
			r := rand.New(rand.NewPCG(opts.Seed, k)) //nolint:gosec // seeded on purpose: reproducible load data; nothing secret
			n := min(batch, opts.Tickets-done)
			var c chunk
			for i := 0; i < n; i++ {
				tr, ms := genTicket(r, v, p, firstID+int64(done+i), firstNum+int64(done+i), extra, now)
				c.tickets = append(c.tickets, tr)
				c.msgs = append(c.msgs, ms...)
			}
			done += n
			select {
			case chunks <- c:
			case <-gctx.Done():
				return
			}
		}
	}()
	for c := range chunks {
		if err := bl.CopyTickets(ctx, c.tickets); err != nil {
			return res, err
		}
		if err := bl.CopyMessages(ctx, c.msgs); err != nil {
			return res, err
		}
		res.Tickets += len(c.tickets)
		res.Messages += len(c.msgs)
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "\rloaded %d/%d tickets, %d messages (%s)", res.Tickets, opts.Tickets, res.Messages,
				time.Since(start).Round(time.Second))
		}
	}
	if opts.Progress != nil {
		fmt.Fprintln(opts.Progress)
	}
	if err := bl.Finish(ctx); err != nil {
		return res, err
	}
	res.Took = time.Since(start)
	return res, nil
}

// The generated organisation: six teams (Security restricted) of 10-12
// agents each, the first their lead; eight categories; 20,000 requesters.
func loadOrg() postgres.LoadOrg {
	org := postgres.LoadOrg{Requesters: 20000, RequesterDomain: "load.example"}
	teams := []struct{ slug, name, tz string }{{"load-service-desk", "Service desk", "Europe/Berlin"},
		{"load-network", "Network", "America/Chicago"}, {"load-workplace", "Workplace", "Asia/Manila"},
		{"load-identity", "Identity", "Europe/Lisbon"}, {"load-apps", "Business apps", "Asia/Kolkata"},
		{"load-security", "Security", "Europe/Dublin"}}
	for i, t := range teams {
		lt := postgres.LoadTeam{Slug: t.slug, Name: t.name, TimeZone: t.tz, Restricted: t.slug == "load-security"}
		for a := 0; a < 10+i%3; a++ {
			ag := postgres.LoadAgent{Email: fmt.Sprintf("agent%d.%s@load.example", a, t.slug[5:]),
				Name: fmt.Sprintf("%s Agent %d", t.name, a), Role: helpdesk.RoleAgent}
			if a == 0 {
				ag.Role, ag.Lead = helpdesk.RoleLead, true
			}
			lt.Agents = append(lt.Agents, ag)
		}
		org.Teams = append(org.Teams, lt)
	}
	cats := []string{"Hardware", "HR Support", "Access", "Miscellaneous", "Storage", "Purchase", "Internal Project", "Administrative rights"}
	for i, c := range cats {
		org.Categories = append(org.Categories, postgres.LoadCategory{Name: c, Team: i % len(teams)})
	}
	return org
}

// people are the loaded organisation's ids.
type people struct {
	teams      []int64
	teamAgents map[int64][]int64
	categories []int64
	catTeam    map[int64]int64
	requesters []int64
}

// loadPeople creates (once) the teams, categories, agents and requesters of
// the generated organisation, and returns their ids.
func loadPeople(ctx context.Context, db *postgres.DB) (*people, error) {
	o, err := db.EnsureLoadOrg(ctx, loadOrg())
	if err != nil {
		return nil, err
	}
	return &people{teams: o.TeamIDs, teamAgents: o.TeamAgents, categories: o.CategoryIDs, catTeam: o.CategoryTeam,
		requesters: o.Requesters}, nil
}

// genTicket makes one ticket row and its messages.
func genTicket(r *rand.Rand, v *vocab, p *people, id, number int64, extra float64, now time.Time) (postgres.LoadTicket, []postgres.LoadMessage) {
	cat := p.categories[r.IntN(len(p.categories))]
	team := p.catTeam[cat]
	agents := p.teamAgents[team]
	requester := p.requesters[r.IntN(len(p.requesters))]
	// Status mix of a helpdesk three years in: most work is done.
	var status helpdesk.Status
	var created time.Time
	switch x := r.Float64(); {
	case x < 0.006:
		status, created = "new", now.Add(-time.Duration(r.Int64N(int64(48*time.Hour))))
	case x < 0.018:
		status, created = "open", now.Add(-time.Duration(r.Int64N(int64(10*24*time.Hour))))
	case x < 0.024:
		status, created = "pending", now.Add(-time.Duration(r.Int64N(int64(14*24*time.Hour))))
	case x < 0.027:
		status, created = "on_hold", now.Add(-time.Duration(r.Int64N(int64(20*24*time.Hour))))
	case x < 0.097:
		status, created = "resolved", now.Add(-time.Duration(r.Int64N(int64(30*24*time.Hour))))
	default:
		status, created = "closed", now.Add(-time.Duration(r.Int64N(int64(3*365*24*time.Hour))))
	}
	open := status == "new" || status == "open" || status == "pending" || status == "on_hold"
	prio := []helpdesk.Priority{"P1", "P2", "P3", "P3", "P3", "P4", "P4"}[r.IntN(7)]
	frDue := created.Add(4 * time.Hour)
	resDue := created.Add(48 * time.Hour)
	var assignee *int64
	if (!open || r.IntN(4) != 0) && status != "new" {
		assignee = &agents[r.IntN(len(agents))]
	}
	var responded, resolved, closed *time.Time
	if status != "new" {
		d := time.Duration(r.Int64N(int64(5 * time.Hour)))
		t := created.Add(d)
		responded = &t
	}
	updated := created.Add(time.Duration(r.Int64N(int64(72 * time.Hour))))
	if updated.After(now) {
		updated = now.Add(-time.Duration(r.Int64N(int64(time.Hour))))
	}
	if !open {
		resolved = &updated
		if status == "closed" {
			closed = &updated
		}
	}
	due := resDue
	if responded == nil {
		due = frDue
	}
	if open {
		// The queue's deadlines: spread around now, some breached.
		due = now.Add(time.Duration(r.Int64N(int64(7*24*time.Hour))) - 36*time.Hour)
	}
	host := ""
	if r.IntN(20) == 0 {
		host = fmt.Sprintf("lt-%s-%04d", v.cities[r.IntN(len(v.cities))], r.IntN(10000))
	}
	// One vector for subject (weight A), description (B) and public
	// replies (C), as the ticket service builds it; another for notes.
	search, notes := newText(), newText()
	search.sentence(v, r, 3+r.IntN(6), 'A', "")
	subject := strings.TrimSuffix(search.b.String(), ".")
	search.b.Reset()
	var msgs []postgres.LoadMessage
	// The description, then replies: staff and requester alternate, and
	// about one in five staff messages is an internal note.
	desc := paragraph(search, v, r, 'B', host)
	msgs = append(msgs, msgRow(id, requester, false, desc, created))
	n := poisson(r, extra)
	at := created
	for k := 0; k < n; k++ {
		at = at.Add(time.Duration(r.Int64N(int64(20 * time.Hour))))
		staff := k%2 == 0
		author := requester
		internal := false
		if staff && len(agents) > 0 {
			author = agents[r.IntN(len(agents))]
			internal = r.IntN(5) == 0
		}
		target := search
		w := byte('C')
		if internal {
			target, w = notes, 'D'
		}
		msgs = append(msgs, msgRow(id, author, internal, paragraph(target, v, r, w, ""), at))
	}
	row := postgres.LoadTicket{ID: id, Number: number, Subject: subject, Status: status, Priority: prio,
		Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyMedium, CategoryID: cat, TeamID: team, AssigneeID: assignee,
		RequesterID: requester, Source: helpdesk.SourceImport, FirstResponseDue: frDue, ResolutionDue: resDue, DueAt: due,
		FirstRespondedAt: responded, ResolvedAt: resolved, ClosedAt: closed, ResolutionCount: boolInt(!open),
		CreatedAt: created, UpdatedAt: updated, Search: search.vector(), NoteSearch: notes.vector()}
	return row, msgs
}

// paragraph writes 1-3 sentences into t and returns the text written.
func paragraph(t *text, v *vocab, r *rand.Rand, w byte, host string) string {
	from := t.b.Len()
	for s, n := 0, 1+r.IntN(3); s < n; s++ {
		h := ""
		if s == 0 {
			h = host
		}
		t.sentence(v, r, 6+r.IntN(14), w, h)
	}
	out := strings.TrimSpace(t.b.String()[from:])
	t.b.WriteByte(' ')
	return out
}

func msgRow(ticket, author int64, internal bool, body string, at time.Time) postgres.LoadMessage {
	return postgres.LoadMessage{TicketID: ticket, AuthorID: author, Internal: internal, BodyText: body,
		BodyHTML: "<p>" + body + "</p>", Source: helpdesk.SourceImport, CreatedAt: at}
}

func poisson(r *rand.Rand, mean float64) int {
	// Knuth's method; mean is small (about 2).
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
