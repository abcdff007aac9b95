package postgres_test

import (
	"context"
	"slices"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
)

// TestAuditActorFilterIsLiteral: the actor filter matches the text typed,
// as a case-insensitive substring of the email or name; %, _ and \ are
// characters like any other, not wildcards.
func TestAuditActorFilterIsLiteral(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	if _, err := db.RawPool().Exec(ctx, `
		INSERT INTO users (email, name, role) VALUES
			('ann_lee@example.com', 'Ann Lee', 'admin'),
			('annxlee@example.com', 'Ann X', 'admin'),
			('pct@example.com', '100% Admin', 'admin'),
			('plain@example.com', '100 Admins', 'admin'),
			('back@example.com', 'Dom\Admin', 'admin'),
			('noslash@example.com', 'DomAdmin', 'admin');
		INSERT INTO audit_log (actor_id, object_type, object_id, action)
		SELECT id, 'user', id::text, 'updated' FROM users`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		actor string
		want  []string
	}{
		{"ANN_", []string{"ann_lee@example.com"}},
		{"100%", []string{"pct@example.com"}},
		{"%", []string{"pct@example.com"}},
		{`dom\a`, []string{"back@example.com"}},
		{"domadmin", []string{"noslash@example.com"}},
		{"ann", []string{"ann_lee@example.com", "annxlee@example.com"}},
	} {
		entries, err := db.AuditLog(ctx, helpdesk.AuditFilter{Actor: c.actor})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.ActorEmail)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("actor %q matched %v, want %v", c.actor, got, c.want)
		}
	}
}
