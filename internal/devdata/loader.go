package devdata

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
	var firstID, firstNum int64
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1, greatest(coalesce(max(number), 999) + 1, 1000) FROM tickets`).Scan(&firstID, &firstNum); err != nil {
		return res, err
	}
	extra := float64(opts.Messages-opts.Tickets) / float64(max(opts.Tickets, 1)) // replies per ticket, on average
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Release()
	// Into empty tables, building the indexes once at the end is several
	// times faster than maintaining them row by row.
	restore := func(context.Context) error { return nil }
	if firstID == 1 {
		if restore, err = dropIndexes(ctx, conn.Conn()); err != nil {
			return res, err
		}
		defer func() {
			if restore != nil {
				_ = restore(context.WithoutCancel(ctx)) // after a failure: leave the schema whole
			}
		}()
	}
	// Foreign keys are ours to keep right here; skipping their per-row
	// triggers (superusers only) halves the time of the message COPY.
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err == nil {
		defer conn.Exec(context.WithoutCancel(ctx), "SET session_replication_role = DEFAULT") //nolint:errcheck
	}
	// A generator goroutine prepares the next batch while this one copies:
	// one core writes text, the other runs PostgreSQL. Each batch has its
	// own random stream, so the data set is the same for the same seed.
	type chunk struct{ tickets, msgs [][]any }
	const batch = 20_000
	now := time.Now().UTC()
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk, 1)
	go func() {
		defer close(chunks)
		for done, k := 0, uint64(0); done < opts.Tickets; k++ {
			r := rand.New(rand.NewPCG(opts.Seed, k))
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
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"tickets"}, ticketCols, pgx.CopyFromRows(c.tickets)); err != nil {
			return res, fmt.Errorf("copy tickets: %w", err)
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"messages"}, messageCols, pgx.CopyFromRows(c.msgs)); err != nil {
			return res, fmt.Errorf("copy messages: %w", err)
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
	if err := restore(ctx); err != nil {
		return res, err
	}
	restore = nil
	for _, sql := range []string{
		`SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))`,
		`SELECT setval('ticket_number_seq', (SELECT max(number) FROM tickets))`,
		`SELECT setval('messages_id_seq', (SELECT max(id) FROM messages))`,
		// Fresh statistics and a visibility map, as a live database has
		// after autovacuum; without them index-only scans read the heap.
		`VACUUM (ANALYZE) tickets`, `VACUUM (ANALYZE) messages`,
	} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			return res, err
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

var ticketCols = []string{"id", "number", "subject", "status", "priority", "impact", "urgency", "category_id", "team_id",
	"assignee_id", "requester_id", "source", "first_response_due", "resolution_due", "due_at", "first_responded_at",
	"resolved_at", "closed_at", "resolution_count", "created_at", "updated_at", "search", "note_search"}

var messageCols = []string{"ticket_id", "author_id", "internal", "body_text", "body_html", "source", "created_at"}

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
	p := &people{teamAgents: map[int64][]int64{}, catTeam: map[int64]int64{}}
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		teams := []struct{ slug, name, tz string }{{"load-service-desk", "Service desk", "Europe/Berlin"},
			{"load-network", "Network", "America/Chicago"}, {"load-workplace", "Workplace", "Asia/Manila"},
			{"load-identity", "Identity", "Europe/Lisbon"}, {"load-apps", "Business apps", "Asia/Kolkata"},
			{"load-security", "Security", "Europe/Dublin"}}
		for i, t := range teams {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO teams (slug, name, time_zone, restricted) VALUES ($1, $2, $3, $4)
ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`, t.slug, t.name, t.tz, t.slug == "load-security").Scan(&id); err != nil {
				return err
			}
			p.teams = append(p.teams, id)
			for a := 0; a < 10+i%3; a++ {
				email := fmt.Sprintf("agent%d.%s@load.example", a, t.slug[5:])
				role := "agent"
				if a == 0 {
					role = "lead"
				}
				var uid int64
				if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, role, time_zone) VALUES ($1, $2, $3, $4)
ON CONFLICT (lower(email)) DO UPDATE SET name = EXCLUDED.name RETURNING id`, email,
					fmt.Sprintf("%s Agent %d", t.name, a), role, t.tz).Scan(&uid); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id, is_lead) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;`, id, uid, a == 0); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO agent_profiles (user_id, capacity) VALUES ($1, 12) ON CONFLICT DO NOTHING`, uid); err != nil {
					return err
				}
				p.teamAgents[id] = append(p.teamAgents[id], uid)
			}
		}
		cats := []string{"Hardware", "HR Support", "Access", "Miscellaneous", "Storage", "Purchase", "Internal Project", "Administrative rights"}
		for i, c := range cats {
			team := p.teams[i%len(p.teams)]
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO categories (name, team_id) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id, team_id`, c, team).Scan(&id, &team); err != nil {
				return err
			}
			p.categories = append(p.categories, id)
			p.catTeam[id] = team
		}
		if _, err := tx.Exec(ctx, `INSERT INTO users (email, name, role)
SELECT 'employee' || g || '@load.example', 'Employee ' || g, 'requester' FROM generate_series(1, 20000) g
ON CONFLICT (lower(email)) DO NOTHING`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id FROM users WHERE email LIKE 'employee%@load.example' ORDER BY id`)
		if err != nil {
			return err
		}
		p.requesters, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	return p, err
}

// genTicket makes one ticket row and its messages.
func genTicket(r *rand.Rand, v *vocab, p *people, id, number int64, extra float64, now time.Time) ([]any, [][]any) {
	cat := p.categories[r.IntN(len(p.categories))]
	team := p.catTeam[cat]
	agents := p.teamAgents[team]
	requester := p.requesters[r.IntN(len(p.requesters))]
	// Status mix of a helpdesk three years in: most work is done.
	var status string
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
	prio := []string{"P1", "P2", "P3", "P3", "P3", "P4", "P4"}[r.IntN(7)]
	frDue := created.Add(4 * time.Hour)
	resDue := created.Add(48 * time.Hour)
	var assignee any
	if !(open && r.IntN(4) == 0) && status != "new" {
		assignee = agents[r.IntN(len(agents))]
	}
	var responded, resolved, closed any
	if status != "new" {
		d := time.Duration(r.Int64N(int64(5 * time.Hour)))
		responded = created.Add(d)
	}
	updated := created.Add(time.Duration(r.Int64N(int64(72 * time.Hour))))
	if updated.After(now) {
		updated = now.Add(-time.Duration(r.Int64N(int64(time.Hour))))
	}
	if !open {
		resolved = updated
		if status == "closed" {
			closed = updated
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
	var msgs [][]any
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
	row := []any{id, number, subject, status, prio, "person", "medium", cat, team, assignee, requester, "import",
		frDue, resDue, due, responded, resolved, closed, boolInt(!open), created, updated, search.vector(), notes.vector()}
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

func msgRow(ticket, author int64, internal bool, body string, at time.Time) []any {
	return []any{ticket, author, internal, body, "<p>" + body + "</p>", "import", at}
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

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// dropIndexes drops the secondary indexes of tickets and messages and
// returns a function that builds them again, in parallel where PostgreSQL
// can.
func dropIndexes(ctx context.Context, c *pgx.Conn) (func(context.Context) error, error) {
	rows, err := c.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
JOIN pg_class ic ON ic.relname = i.indexname JOIN pg_index x ON x.indexrelid = ic.oid
WHERE i.schemaname = current_schema() AND i.tablename IN ('tickets', 'messages') AND NOT x.indisprimary AND NOT x.indisunique`)
	if err != nil {
		return nil, err
	}
	type idx struct{ name, def string }
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (idx, error) {
		var i idx
		return i, r.Scan(&i.name, &i.def)
	})
	if err != nil {
		return nil, err
	}
	for _, i := range list {
		if _, err := c.Exec(ctx, "DROP INDEX "+pgx.Identifier{i.name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context) error {
		_, _ = c.Exec(ctx, "SET maintenance_work_mem = '512MB'")
		_, _ = c.Exec(ctx, "SET max_parallel_maintenance_workers = 2")
		for _, i := range list {
			if _, err := c.Exec(ctx, i.def); err != nil {
				return fmt.Errorf("rebuild %s: %w", i.name, err)
			}
		}
		return nil
	}, nil
}
