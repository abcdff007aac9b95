package sla_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type fixture struct {
	t   *testing.T
	ctx context.Context
	db  *postgres.DB
	svc *sla.Service
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.New(t)
	return &fixture{t: t, ctx: context.Background(), db: db, svc: &sla.Service{DB: db}}
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.RawPool().Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) scalar(dst any, sql string, args ...any) {
	f.t.Helper()
	if err := f.db.RawPool().QueryRow(f.ctx, sql, args...).Scan(dst); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// ticket inserts an open ticket of a 24x7 team created at created.
func (f *fixture) ticket(priority helpdesk.Priority, created time.Time) int64 {
	f.t.Helper()
	var team, req, id int64
	f.scalar(&team, `INSERT INTO teams (slug, name) VALUES ('desk-' || floor(random()*1e9)::text, 'Desk') RETURNING id`)
	f.scalar(&req, `INSERT INTO users (email, name, role) VALUES ('r' || floor(random()*1e9)::text || '@example.com', 'R', 'requester') RETURNING id`)
	f.exec(`INSERT INTO team_members (team_id, user_id, is_lead) VALUES ($1, $2, true)`, team, req) // a lead to notify
	f.scalar(&id, `INSERT INTO tickets (subject, status, priority, team_id, requester_id, created_at)
		VALUES ('s', 'open', $1, $2, $3, $4) RETURNING id`, priority, team, req, created)
	if err := f.svc.Recompute(f.ctx, id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) count(id int64, kind string) int {
	f.t.Helper()
	var n int
	f.scalar(&n, `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = $2`, id, kind)
	return n
}

// Warning at 75% and breach at 100% fire exactly once per target, however
// often (and on however many nodes) the scan runs.
func TestAlarmsFireOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	now := time.Now()
	// P1: first response within 60 minutes; 50 minutes have run.
	id := f.ticket(helpdesk.P1, now.Add(-50*time.Minute))
	f.svc.Now = func() time.Time { return now }
	for range 3 {
		if _, err := f.svc.Scan(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if w, b := f.count(id, helpdesk.EventSLAWarning), f.count(id, helpdesk.EventSLABreached); w != 1 || b != 0 {
		t.Fatalf("at 83%%: %d warnings, %d breaches; want 1, 0", w, b)
	}
	var after []byte
	f.scalar(&after, `SELECT after FROM ticket_events WHERE ticket_id = $1 AND kind = 'sla_warning'`, id)
	if !contains(after, `"target": "first_response"`) || !contains(after, `"notify": ["r`) {
		t.Errorf("warning event = %s", after)
	}
	f.svc.Now = func() time.Time { return now.Add(20 * time.Minute) }
	// Two scanners at once, as two nodes would.
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, err := f.svc.Scan(f.ctx); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if w, b := f.count(id, helpdesk.EventSLAWarning), f.count(id, helpdesk.EventSLABreached); w != 1 || b != 1 {
		t.Fatalf("at 117%%: %d warnings, %d breaches; want 1, 1", w, b)
	}
	// The resolution target (240 min) warns only at 180 minutes.
	f.svc.Now = func() time.Time { return now.Add(140 * time.Minute) }
	if _, err := f.svc.Scan(f.ctx); err != nil {
		t.Fatal(err)
	}
	if w := f.count(id, helpdesk.EventSLAWarning); w != 2 {
		t.Errorf("resolution warning at 79%%: %d warnings in all, want 2", w)
	}
}

// Pending stops the clock and resuming continues it: the due time moves by
// exactly the paused time, and a paused ticket leaves the at-risk order.
func TestPauseResumeContinuesClock(t *testing.T) {
	t.Parallel()
	f := setup(t)
	created := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	id := f.ticket(helpdesk.P3, created) // first response within 480 minutes
	var due time.Time
	f.scalar(&due, `SELECT first_response_due FROM tickets WHERE id = $1`, id)
	if want := created.Add(8 * time.Hour); !due.Equal(want) {
		t.Fatalf("due %s, want %s", due, want)
	}

	f.exec(`UPDATE tickets SET status = 'pending' WHERE id = $1`, id)
	f.exec(`INSERT INTO sla_pauses (ticket_id, paused_at) VALUES ($1, $2)`, id, created.Add(10*time.Minute))
	if err := f.svc.OnChanged(f.ctx, changed(id)); err != nil {
		t.Fatal(err)
	}
	var dueAt *time.Time
	f.scalar(&dueAt, `SELECT due_at FROM tickets WHERE id = $1`, id)
	if dueAt != nil {
		t.Errorf("paused ticket still sorts by due_at %s", dueAt)
	}

	f.exec(`UPDATE tickets SET status = 'open' WHERE id = $1`, id)
	f.exec(`UPDATE sla_pauses SET resumed_at = $2 WHERE ticket_id = $1`, id, created.Add(25*time.Minute))
	if err := f.svc.OnChanged(f.ctx, changed(id)); err != nil {
		t.Fatal(err)
	}
	f.scalar(&due, `SELECT first_response_due FROM tickets WHERE id = $1`, id)
	f.scalar(&dueAt, `SELECT due_at FROM tickets WHERE id = $1`, id)
	want := created.Add(8*time.Hour + 15*time.Minute)
	if !due.Equal(want) || dueAt == nil || !dueAt.Equal(want) {
		t.Errorf("after resume: due %s, due_at %v; want both %s", due, dueAt, want)
	}
	if n := f.count(id, sla.EventSLAUpdated); n != 3 {
		t.Errorf("%d sla_updated events, want 3 (first computation, pause, resume)", n)
	}
}

func changed(id int64) jobs.ChangedArgs {
	return jobs.ChangedArgs{TicketID: id, Event: helpdesk.EventStatusChanged}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
