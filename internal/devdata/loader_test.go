package devdata_test

import (
	"context"
	"testing"

	"switchboard/internal/devdata"
	"switchboard/internal/pgtest"
)

// The loader's own search vectors must hold the same lexemes PostgreSQL
// makes from the same text, or search benchmarks would measure fiction.
func TestLoadBuildsRealSearchVectors(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	res, err := devdata.Load(ctx, db, devdata.LoadOptions{Tickets: 300, Messages: 900, Corpus: devdata.DefaultCorpus(), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tickets != 300 || res.Messages < 300 {
		t.Fatalf("loaded %+v", res)
	}
	var bad, open, hosts int
	if err := db.RawPool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE strip(t.search) <> strip(
    to_tsvector('english', t.subject) || to_tsvector('english', coalesce((SELECT string_agg(m.body_text, ' ') FROM messages m WHERE m.ticket_id = t.id AND NOT m.internal), '')))
    OR strip(t.note_search) <> strip(to_tsvector('english', coalesce((SELECT string_agg(m.body_text, ' ') FROM messages m WHERE m.ticket_id = t.id AND m.internal), '')))),
  count(*) FILTER (WHERE status NOT IN ('resolved', 'closed')),
  count(*) FILTER (WHERE search @@ websearch_to_tsquery('english', substring((SELECT string_agg(m.body_text, ' ') FROM messages m WHERE m.ticket_id = t.id) from 'lt-[a-z]+-[0-9]{4}')))
FROM tickets t`).Scan(&bad, &open, &hosts); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d tickets' search vectors differ from PostgreSQL's", bad)
	}
	if hosts == 0 {
		t.Error("no ticket is found by its hostname")
	}
	// Each message carries its own vector too: the queue's search takes its
	// snippet from the first message whose vector matches.
	var noVector int
	if err := db.RawPool().QueryRow(ctx, `SELECT count(*) FROM messages
WHERE search IS DISTINCT FROM to_tsvector('english', body_text)`).Scan(&noVector); err != nil {
		t.Fatal(err)
	}
	if noVector != 0 {
		t.Errorf("%d loaded messages without their search vector", noVector)
	}
	t.Logf("%d open of 300, %d found by hostname", open, hosts)
}
