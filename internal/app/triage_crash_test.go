package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
	"switchboard/internal/testwait"
	"switchboard/internal/ticket"
)

// TestTriageAfterCrash: a node died with one ticket's triage job in hand
// (River still shows it running) and another ticket's job lost altogether.
// A node started afterwards must triage both within minutes: River rescues
// the stuck job (RescueAfter, not its default hour) and the untriaged sweep
// enqueues a job for the ticket that has none.
func TestTriageAfterCrash(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.NewDatabase(t)
	db, err := postgres.Open(ctx, conn, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	client, err := db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	svc := &ticket.Service{DB: db, Jobs: client, MaxAttachment: 1 << 20}
	req, err := auth.CreateUser(ctx, db, auth.NewUser{Email: "rita@example.com", Name: "Rita", Role: helpdesk.RoleRequester})
	if err != nil {
		t.Fatal(err)
	}
	file := func(subject string) int64 {
		t.Helper()
		tk, err := svc.Create(ctx, req, ticket.CreateInput{Subject: subject, Description: "It broke.",
			Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyMedium, Source: helpdesk.SourcePortal})
		if err != nil {
			t.Fatal(err)
		}
		return tk.ID
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.RawPool().Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	stuck, lost := file("Printer on fire"), file("VPN down")
	// The dead node took the first job a quarter of an hour ago: past
	// RescueAfter, well short of River's default hour.
	exec(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '15 minutes',
		attempted_by = '{crashed-node}' WHERE kind = 'triage' AND (args->>'ticket_id')::bigint = $1`, stuck)
	// The second ticket's job is gone (lost, or discarded after its
	// attempts), and the ticket is older than the sweep's grace.
	exec(`DELETE FROM river_job WHERE kind = 'triage' AND (args->>'ticket_id')::bigint = $1`, lost)
	exec(`UPDATE tickets SET created_at = now() - interval '10 minutes' WHERE id = $1`, lost)

	startWorkerNode(t, conn)

	// Generous: the rescuer runs every 30 s once this node leads, and the
	// machine may be loaded; a broken rescue or sweep waits an hour or
	// forever, far past this.
	testwait.UntilNil(t, 5*time.Minute, fmt.Sprintf("triage of the stuck job's ticket %d and the lost job's ticket %d", stuck, lost), func() error {
		var untriaged []int64
		rows, err := db.RawPool().Query(ctx, `SELECT id FROM tickets WHERE id = ANY($1) AND triaged_at IS NULL ORDER BY id`,
			[]int64{stuck, lost})
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			untriaged = append(untriaged, id)
		}
		rows.Close()
		if len(untriaged) > 0 {
			return fmt.Errorf("tickets %v still untriaged", untriaged)
		}
		return nil
	})
}
