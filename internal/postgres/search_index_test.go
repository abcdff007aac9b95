package postgres_test

import (
	"context"
	"testing"

	"switchboard/internal/pgtest"
)

// Every full-text index on tickets keeps a small pending list: searches
// scan the whole list, and the write that passes the limit merges it alone
// (see migration 00321). A new GIN index on tickets must say so too.
func TestTicketSearchIndexesKeepPendingListSmall(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rows, err := db.RawPool().Query(context.Background(), `SELECT c.relname, coalesce(array_to_string(c.reloptions, ','), '')
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
WHERE i.indrelid = 'tickets'::regclass AND a.amname = 'gin' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, opts string
		if err := rows.Scan(&name, &opts); err != nil {
			t.Fatal(err)
		}
		n++
		if opts != "gin_pending_list_limit=256" {
			t.Errorf("%s: options %q, want gin_pending_list_limit=256", name, opts)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("%d GIN indexes on tickets, want 4 (search, note_search and their open-ticket halves)", n)
	}
}
