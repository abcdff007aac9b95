package admin_test

import (
	"context"
	"slices"
	"testing"

	"switchboard/internal/admin"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

// TestMain shares one PostgreSQL among the package's tests.
func TestMain(m *testing.M) { pgtest.Main(m) }

// TestPeopleSearchIsLiteral: the people search matches the typed text as a
// case-insensitive substring of name or email; _ and % are not wildcards.
func TestPeopleSearchIsLiteral(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	var adminID int64
	if err := db.RawPool().QueryRow(ctx, `
		WITH x AS (INSERT INTO users (email, name, role) VALUES
			('boss@example.com', 'Boss', 'admin'),
			('ann_lee@example.com', 'Ann Lee', 'agent'),
			('annxlee@example.com', 'Ann X', 'agent'),
			('pct@example.com', '100% Sure', 'requester'),
			('plain@example.com', '1000 Things', 'requester') RETURNING id, email)
		SELECT id FROM x WHERE email = 'boss@example.com'`).Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	jobs, err := db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := admin.New(db, jobs, []byte("test-secret"), admin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	actor := &helpdesk.User{ID: adminID, Role: helpdesk.RoleAdmin, Active: true}
	for q, want := range map[string][]string{
		"ANN_": {"ann_lee@example.com"},
		"100%": {"pct@example.com"},
		"ann":  {"ann_lee@example.com", "annxlee@example.com"},
		"":     {"ann_lee@example.com", "annxlee@example.com", "boss@example.com", "pct@example.com", "plain@example.com"},
	} {
		people, err := s.People(ctx, actor, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range people {
			got = append(got, p.Email)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("People(%q) = %v, want %v", q, got, want)
		}
	}
}
