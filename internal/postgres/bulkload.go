package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"switchboard/internal/helpdesk"
)

// The bulk loader writes generated tickets (switchboard load, benchmarks)
// with COPY on one connection, bypassing the ticket service: a million
// tickets take minutes, not hours. Nothing else may use it; live data goes
// through the stores.

// LoadTicket is one generated ticket row. Search and NoteSearch are
// tsvector literals the generator built, as the ticket service would.
type LoadTicket struct {
	ID, Number                             int64
	Subject                                string
	Status                                 helpdesk.Status
	Priority                               helpdesk.Priority
	Impact                                 helpdesk.Impact
	Urgency                                helpdesk.Urgency
	CategoryID, TeamID                     int64
	AssigneeID                             *int64
	RequesterID                            int64
	Source                                 helpdesk.Source
	FirstResponseDue, ResolutionDue, DueAt time.Time
	FirstRespondedAt, ResolvedAt, ClosedAt *time.Time
	ResolutionCount                        int
	CreatedAt, UpdatedAt                   time.Time
	Search, NoteSearch                     string
}

// LoadMessage is one generated message row.
type LoadMessage struct {
	TicketID, AuthorID int64
	Internal           bool
	BodyText, BodyHTML string
	Source             helpdesk.Source
	CreatedAt          time.Time
}

var loadTicketCols = []string{"id", "number", "subject", "status", "priority", "impact", "urgency", "category_id", "team_id",
	"assignee_id", "requester_id", "source", "first_response_due", "resolution_due", "due_at", "first_responded_at",
	"resolved_at", "closed_at", "resolution_count", "created_at", "updated_at", "search", "note_search"}

var loadMessageCols = []string{"ticket_id", "author_id", "internal", "body_text", "body_html", "source", "created_at"}

// BulkLoader holds the connection a load run copies on. Close it when done.
type BulkLoader struct {
	conn    *pgxpool.Conn
	restore func(context.Context) error // rebuilds dropped indexes; nil when none were dropped or they are back
	replica bool                        // session_replication_role was set to replica
}

// NextTicketIDs returns the first free ticket id and number, so generated
// rows can carry their own (COPY bypasses the sequences; Finish moves them).
func (db *DB) NextTicketIDs(ctx context.Context) (id, number int64, err error) {
	err = db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1, greatest(coalesce(max(number), 999) + 1, 1000) FROM tickets`).
		Scan(&id, &number)
	if err != nil {
		return 0, 0, fmt.Errorf("read next ticket id: %w", mapError(err))
	}
	return id, number, nil
}

// NewBulkLoader takes a connection for a load run. With dropIndexes (into
// empty tables) the secondary indexes of tickets and messages are dropped
// and rebuilt once by Finish, several times faster than maintaining them
// row by row. Foreign-key triggers are skipped where the role may (a
// superuser): the generator keeps references right itself, and that halves
// the time of the message COPY.
func (db *DB) NewBulkLoader(ctx context.Context, dropIndexes bool) (*BulkLoader, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulk load: %w", mapError(err))
	}
	b := &BulkLoader{conn: conn}
	if dropIndexes {
		if b.restore, err = dropLoadIndexes(ctx, conn.Conn()); err != nil {
			conn.Release()
			return nil, fmt.Errorf("bulk load: drop indexes: %w", err)
		}
	}
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err == nil {
		b.replica = true
	}
	return b, nil
}

// CopyTickets writes ticket rows.
func (b *BulkLoader) CopyTickets(ctx context.Context, ts []LoadTicket) error {
	_, err := b.conn.CopyFrom(ctx, pgx.Identifier{"tickets"}, loadTicketCols, pgx.CopyFromSlice(len(ts), func(i int) ([]any, error) {
		t := &ts[i]
		return []any{t.ID, t.Number, t.Subject, string(t.Status), string(t.Priority), string(t.Impact), string(t.Urgency),
			t.CategoryID, t.TeamID, t.AssigneeID, t.RequesterID, string(t.Source), t.FirstResponseDue, t.ResolutionDue, t.DueAt,
			t.FirstRespondedAt, t.ResolvedAt, t.ClosedAt, int32(t.ResolutionCount), t.CreatedAt, t.UpdatedAt, //nolint:gosec // a small count
			t.Search, t.NoteSearch}, nil
	}))
	if err != nil {
		return fmt.Errorf("copy tickets: %w", err)
	}
	return nil
}

// CopyMessages writes message rows.
func (b *BulkLoader) CopyMessages(ctx context.Context, ms []LoadMessage) error {
	_, err := b.conn.CopyFrom(ctx, pgx.Identifier{"messages"}, loadMessageCols, pgx.CopyFromSlice(len(ms), func(i int) ([]any, error) {
		m := &ms[i]
		return []any{m.TicketID, m.AuthorID, m.Internal, m.BodyText, m.BodyHTML, string(m.Source), m.CreatedAt}, nil
	}))
	if err != nil {
		return fmt.Errorf("copy messages: %w", err)
	}
	return nil
}

// Finish rebuilds dropped indexes, moves the id sequences past the rows
// written, and vacuums: fresh statistics and a visibility map, as a live
// database has after autovacuum; without them index-only scans read the
// heap.
func (b *BulkLoader) Finish(ctx context.Context) error {
	if b.restore != nil {
		if err := b.restore(ctx); err != nil {
			return err
		}
		b.restore = nil
	}
	for _, sql := range []string{
		`SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))`,
		`SELECT setval('ticket_number_seq', (SELECT max(number) FROM tickets))`,
		`SELECT setval('messages_id_seq', (SELECT max(id) FROM messages))`,
		`VACUUM (ANALYZE) tickets`, `VACUUM (ANALYZE) messages`,
	} {
		if _, err := b.conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("finish bulk load: %w", mapError(err))
		}
	}
	return nil
}

// Close gives the connection back. After a failure it first rebuilds the
// dropped indexes, so the schema is left whole.
func (b *BulkLoader) Close(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	if b.restore != nil {
		_ = b.restore(ctx)
	}
	if b.replica {
		_, _ = b.conn.Exec(ctx, "SET session_replication_role = DEFAULT")
	}
	b.conn.Release()
}

// dropLoadIndexes drops the secondary indexes of tickets and messages and
// returns a function that builds them again, in parallel where PostgreSQL
// can.
func dropLoadIndexes(ctx context.Context, c *pgx.Conn) (func(context.Context) error, error) {
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

// Lexemes returns the english lexemes of each word ("" for stop words,
// space-separated when PostgreSQL splits a word), in one round trip.
func (db *DB) Lexemes(ctx context.Context, words []string) (map[string]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT w, coalesce((SELECT string_agg(lexeme, ' ') FROM unnest(to_tsvector('english', w))), '')
FROM unnest($1::text[]) AS w`, words)
	if err != nil {
		return nil, fmt.Errorf("read lexemes: %w", mapError(err))
	}
	defer rows.Close()
	lex := map[string]string{}
	for rows.Next() {
		var w, l string
		if err := rows.Scan(&w, &l); err != nil {
			return nil, fmt.Errorf("read lexemes: %w", err)
		}
		lex[w] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read lexemes: %w", mapError(err))
	}
	return lex, nil
}
