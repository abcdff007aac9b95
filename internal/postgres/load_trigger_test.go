package postgres_test

import (
	"context"
	"testing"

	"switchboard/internal/pgtest"
)

// An agent's load counter follows their open tickets: a ticket created
// already assigned counts at once, an unassigned one does not, and
// assigning and resolving move the count.
func TestAgentLoadCounter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.RawPool().Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var agent, req int64
	if err := db.RawPool().QueryRow(ctx, `INSERT INTO users (email, name, role) VALUES ('a@example.com', 'A', 'agent') RETURNING id`).Scan(&agent); err != nil {
		t.Fatal(err)
	}
	if err := db.RawPool().QueryRow(ctx, `INSERT INTO users (email, name, role) VALUES ('r@example.com', 'R', 'requester') RETURNING id`).Scan(&req); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO agent_profiles (user_id) VALUES ($1)`, agent)
	load := func(want int, when string) {
		t.Helper()
		var got, recount int
		if err := db.RawPool().QueryRow(ctx, `SELECT open_load, (SELECT coalesce(sum(ticket_load_weight(status, priority)), 0)
			FROM tickets WHERE assignee_id = $1 AND status NOT IN ('resolved', 'closed')) FROM agent_profiles WHERE user_id = $1`, agent).Scan(&got, &recount); err != nil {
			t.Fatal(err)
		}
		if got != recount || (want >= 0 && got != want) {
			t.Errorf("%s: open_load %d, recounted %d, want %d", when, got, recount, want)
		}
	}
	load(0, "no tickets")
	exec(`INSERT INTO tickets (subject, requester_id) VALUES ('unassigned', $1)`, req)
	load(0, "an unassigned ticket")
	exec(`INSERT INTO tickets (subject, requester_id, assignee_id) VALUES ('assigned', $1, $2)`, req, agent)
	load(-1, "a ticket created assigned")
	var one int
	if err := db.RawPool().QueryRow(ctx, `SELECT open_load FROM agent_profiles WHERE user_id = $1`, agent).Scan(&one); err != nil {
		t.Fatal(err)
	}
	if one == 0 {
		t.Fatalf("a ticket created assigned added no load")
	}
	exec(`UPDATE tickets SET assignee_id = $1 WHERE subject = 'unassigned'`, agent)
	load(2*one, "both assigned")
	exec(`UPDATE tickets SET status = 'resolved' WHERE subject = 'assigned'`)
	load(one, "one resolved")
	exec(`DELETE FROM tickets WHERE subject = 'unassigned'`)
	load(0, "the open one deleted")
}
