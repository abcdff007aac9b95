package ticket_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// failQuery makes one sqlc query fail as if the database went away: its
// context is cancelled before the query is sent.
type failQuery string

func (f failQuery) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(d.SQL, "-- name: "+string(f)+" ") {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return ctx
	}
	return ctx
}

func (failQuery) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// withFailing returns a ticket service on b's database whose query named
// query always fails.
func withFailing(t *testing.T, b *bundle, query string) *ticket.Service {
	t.Helper()
	cfg := b.db.RawPool().Config()
	cfg.ConnConfig.Tracer = failQuery(query)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &ticket.Service{DB: postgres.NewDB(pool)}
}

// TestUpdateLookupErrors: an unknown category, team or assignee is a field
// error the user can fix; a lookup that fails in the database is an error,
// not "no such name".
func TestUpdateLookupErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if _, err := b.db.RawPool().Exec(ctx, `INSERT INTO teams (slug, name) VALUES ('desk', 'Desk');
		INSERT INTO categories (name, team_id) SELECT 'Printers', id FROM teams WHERE slug = 'desk'`); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.CreateUser(ctx, b.db, auth.NewUser{Email: "bob@example.com", Name: "Bob", Role: helpdesk.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	tk, err := b.svc.Create(ctx, b.requester, ticket.CreateInput{Subject: "Toner", Description: "empty"})
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		field, query   string
		known, unknown ticket.Changes
	}{
		{"category", "GetCategoryByName", ticket.Changes{Category: str("Printers")}, ticket.Changes{Category: str("Plotters")}},
		{"team", "GetTeamBySlug", ticket.Changes{Team: str("desk")}, ticket.Changes{Team: str("nope")}},
		{"assignee_email", "GetUserByEmail", ticket.Changes{Assignee: str("bob@example.com")}, ticket.Changes{Assignee: str("nobody@example.com")}},
	} {
		t.Run(c.field, func(t *testing.T) {
			_, err := b.svc.Update(ctx, b.agent, tk.Number, c.unknown)
			if f := helpdesk.FieldErrors(err); len(f) != 1 || f[0].Field != c.field {
				t.Errorf("unknown name: err = %v, want a field error on %s", err, c.field)
			}
			_, err = withFailing(t, b, c.query).Update(ctx, b.agent, tk.Number, c.known)
			if !errors.Is(err, context.Canceled) || len(helpdesk.FieldErrors(err)) != 0 {
				t.Errorf("failed lookup: err = %v (%s), want the database error, not a field error",
					err, helpdesk.ErrorCode(err))
			}
		})
	}
	if n := count(t, b.db, "SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind <> 'created'", tk.ID); n != 0 {
		t.Errorf("events written by failed updates: %d", n)
	}
}
