package postgres_test

import (
	"reflect"
	"testing"
	"time"

	"switchboard/internal/postgres"
)

// The queue and ticket lists read their rows' binary values directly; the
// result must be exactly what pgx's Scan gives (NULLs, times, extra
// columns), on every kind of page.
func TestTicketScannerRawMatchesScan(t *testing.T) {
	s := seed(t)
	// NULLs and times in every nullable column somewhere.
	if _, err := s.db.RawPool().Exec(s.ctx, `UPDATE tickets SET first_response_due = now() + interval '1 hour',
		resolved_at = '2001-02-03 04:05:06.789012+00', triage_wait = 'no agent on shift', assignee_id = $1
		WHERE subject IN ('Ticket 3', 'Ticket 4')`, s.agent.ID); err != nil {
		t.Fatal(err)
	}
	queries := []postgres.QueueQuery{
		{Viewer: s.admin, View: postgres.ViewOpen, Limit: 200},
		{Viewer: s.admin, View: postgres.ViewOpen, Sort: postgres.QueueByPriority, Limit: 7},
		{Viewer: s.agent, View: postgres.ViewOpen, Sort: postgres.QueueByUpdated, Limit: 200},
		{Viewer: s.admin, View: postgres.ViewOpen, Query: "vpn", Limit: 200},
		{Viewer: s.admin, View: postgres.ViewOpen, Query: "vpn", Sort: postgres.QueueByRelevance, Limit: 1},
	}
	for _, q := range queries {
		before := postgres.RawRows.Load()
		fast, err := s.db.Queue(s.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if postgres.RawRows.Load() == before {
			t.Fatalf("%+v: the fast path read no rows", q)
		}
		postgres.RawScanOff.Store(true)
		slow, err := s.db.Queue(s.ctx, q)
		postgres.RawScanOff.Store(false)
		if err != nil {
			t.Fatal(err)
		}
		if len(fast.Rows) == 0 || !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%+v: fast path\n%+v\npgx Scan\n%+v", q, fast, slow)
		}
	}
	// The rows' times are in the local zone, as pgx gives them.
	p, _ := s.db.Queue(s.ctx, queries[0])
	if loc := p.Rows[0].UpdatedAt.Location(); loc != time.Local {
		t.Errorf("updated_at in %v, want time.Local", loc)
	}
}
