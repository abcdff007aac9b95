package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
	"switchboard/internal/testwait"
)

// People copied on a mail join its ticket in one statement: existing
// accounts join, accounts are made only where the policy allows, the
// requester and people already following are not added again, and one
// event names exactly those added.
func TestAddMailParticipants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	pool := db.RawPool()
	requester, ticket := requesterTicket(t, pool)
	var known, follower int64
	for _, q := range []struct {
		sql string
		id  *int64
	}{
		{`INSERT INTO users (email, name, role) VALUES ('Known@Example.com', 'Known', 'requester') RETURNING id`, &known},
		{`INSERT INTO users (email, name, role) VALUES ('follower@example.com', 'F', 'requester') RETURNING id`, &follower},
	} {
		if err := pool.QueryRow(ctx, q.sql).Scan(q.id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `INSERT INTO ticket_participants (ticket_id, user_id) VALUES ($1, $2)`, ticket, follower); err != nil {
		t.Fatal(err)
	}
	people := []postgres.MailPerson{
		{Email: "zed@new.example", Name: "Zed", Create: true},
		{Email: "known@example.com", Name: "ignored"},
		{Email: "req@example.com", Name: "Req", Create: true},
		{Email: "follower@example.com", Name: "F", Create: true},
		{Email: "stranger@blocked.example", Name: "No", Create: false},
		{Email: "amy@new.example", Name: "Amy", Create: true},
	}
	ev := postgres.MailParticipantsEvent{ActorID: &requester, Kind: "participant_added", Reason: "copied on mail"}
	var added []string
	if err := db.InTx(ctx, func(tx *postgres.Tx) error {
		var err error
		added, err = tx.AddMailParticipants(ctx, ticket, requester, people, ev)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"zed@new.example", "known@example.com", "amy@new.example"}; !slices.Equal(added, want) {
		t.Errorf("added %v, want %v", added, want)
	}
	var names []string
	rows, err := pool.Query(ctx, `SELECT lower(u.email) || ':' || u.name FROM ticket_participants p JOIN users u ON u.id = p.user_id
		WHERE p.ticket_id = $1 ORDER BY 1`, ticket)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		names = append(names, s)
	}
	if want := []string{"amy@new.example:Amy", "follower@example.com:F", "known@example.com:Known", "zed@new.example:Zed"}; !slices.Equal(names, want) {
		t.Errorf("participants %v, want %v", names, want)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE email = 'stranger@blocked.example'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("account for a sender the policy refuses: %d (%v)", n, err)
	}
	var after, reason string
	var actor int64
	if err := pool.QueryRow(ctx, `SELECT after::text, reason, actor_id FROM ticket_events WHERE ticket_id = $1 AND kind = 'participant_added'`,
		ticket).Scan(&after, &reason, &actor); err != nil {
		t.Fatal(err)
	}
	if want := `{"emails": ["zed@new.example", "known@example.com", "amy@new.example"]}`; after != want || reason != "copied on mail" || actor != requester {
		t.Errorf("event %s %q by %d, want %s by %d", after, reason, actor, want, requester)
	}

	// Again: nobody new, so no second event.
	if err := db.InTx(ctx, func(tx *postgres.Tx) error {
		var err error
		added, err = tx.AddMailParticipants(ctx, ticket, requester, people, ev)
		return err
	}); err != nil || len(added) != 0 {
		t.Fatalf("second call added %v (%v)", added, err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = 'participant_added'`,
		ticket).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d participant events after a call that added nobody, want 1 (%v)", n, err)
	}
}

// An account another transaction makes while ours waits on it (the same
// new person copied on two mails at once) still joins our ticket.
func TestAddMailParticipantsConcurrentAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	pool := db.RawPool()
	requester, ticket := requesterTicket(t, pool)
	other, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Rollback(ctx) }()
	if _, err := other.Exec(ctx, `INSERT INTO users (email, name, role) VALUES ('new@example.com', 'First', 'requester')`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var added []string
	go func() {
		done <- db.InTx(ctx, func(tx *postgres.Tx) error {
			var err error
			added, err = tx.AddMailParticipants(ctx, ticket, requester,
				[]postgres.MailPerson{{Email: "new@example.com", Name: "Second", Create: true}},
				postgres.MailParticipantsEvent{ActorID: &requester, Kind: "participant_added", Reason: "copied on mail"})
			return err
		})
	}()
	// Ours must be waiting on the other's uncommitted account before it
	// commits, or this would test nothing.
	waitForLockWait(t, pool)
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(added, []string{"new@example.com"}) {
		t.Errorf("added %v, want the account made concurrently", added)
	}
	var name string
	if err := pool.QueryRow(ctx, `SELECT u.name FROM ticket_participants p JOIN users u ON u.id = p.user_id WHERE p.ticket_id = $1`,
		ticket).Scan(&name); err != nil || name != "First" {
		t.Errorf("participant %q (%v), want the one account, First", name, err)
	}
}

// requesterTicket makes the requester req@example.com and a ticket of hers.
func requesterTicket(t *testing.T, pool *pgxpool.Pool) (requester, ticket int64) {
	t.Helper()
	ctx := context.Background()
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, role) VALUES ('req@example.com', 'Req', 'requester') RETURNING id`).
		Scan(&requester); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO tickets (subject, requester_id) VALUES ('Printer', $1) RETURNING id`,
		requester).Scan(&ticket); err != nil {
		t.Fatal(err)
	}
	return requester, ticket
}

// waitForLockWait waits until a session of this test's database waits on a lock.
func waitForLockWait(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	testwait.Until(t, testwait.Long, "a statement waiting on a lock", func() bool {
		var n int
		err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		return err == nil && n > 0
	})
}

// Adding copied people (most mail copies someone) never announces an auth
// change: that NOTIFY makes every node drop all its cached sessions and API
// tokens. Notifications arrive in commit order, so a marker sent after the
// call must be the first one heard.
func TestAddMailParticipantsLeavesAuthCachesAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	pool := db.RawPool()
	requester, ticket := requesterTicket(t, pool)
	if _, err := pool.Exec(ctx, `INSERT INTO users (email, name, role) VALUES ('known@example.com', 'Known', 'requester')`); err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `LISTEN sb_auth`); err != nil { // auth.AuthChannel
		t.Fatal(err)
	}
	var added []string
	if err := db.InTx(ctx, func(tx *postgres.Tx) error {
		added, err = tx.AddMailParticipants(ctx, ticket, requester, []postgres.MailPerson{
			{Email: "known@example.com", Name: "Known"}, {Email: "new@example.com", Name: "New", Create: true}},
			postgres.MailParticipantsEvent{ActorID: &requester, Kind: "participant_added", Reason: "copied on mail"})
		return err
	}); err != nil || len(added) != 2 {
		t.Fatalf("added %v (%v), want both", added, err)
	}
	if _, err := pool.Exec(ctx, `SELECT pg_notify('sb_auth', 'marker')`); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, testwait.Long)
	defer cancel()
	n, err := conn.Conn().WaitForNotification(wctx)
	if err != nil {
		t.Fatal(err)
	}
	if n.Payload != "marker" {
		t.Errorf("adding copied people announced an auth change (payload %q)", n.Payload)
	}
}
