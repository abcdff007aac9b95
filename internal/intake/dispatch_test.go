package intake_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"switchboard/internal/intake"
	"switchboard/internal/postgres"
	"switchboard/internal/testwait"
)

// storeQueued stores n mails from dora as the SMTP listener does (queued,
// not yet processed) and returns their ids.
func storeQueued(t *testing.T, e *mailEnv, n int, name string) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		raw := msg("dora@example.com", "it@"+domain, fmt.Sprintf("%s %d", name, i), fmt.Sprintf("%s-%d@example.com", name, i), "text")
		id, dup, err := e.db.InsertInbound(context.Background(), postgres.InboundInsert{Raw: []byte(strings.ReplaceAll(raw, "\n", "\r\n")),
			Via: "smtp", Rcpt: []string{"it@" + domain}, EnvelopeFrom: "dora@example.com"})
		if err != nil || dup {
			t.Fatalf("store mail %d: dup %v, %v", i, dup, err)
		}
		ids[i] = id
	}
	return ids
}

// newDispatcher is a dispatcher over e's mail processor that enqueues
// with jc, with its workers and queue depth (0: the default).
func newDispatcher(e *mailEnv, jc *postgres.JobClient, workers, queue int) *intake.Dispatcher {
	return &intake.Dispatcher{P: e.app.Mail.Processor, Jobs: jc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Workers: workers, Queue: queue}
}

// TestDispatcherHandsWaitingMailToRiverAtStop: mail still waiting in a
// stopping node's local queue becomes River jobs at once (not after the
// sweeper's ten minutes), and every mail ends as a ticket.
func TestDispatcherHandsWaitingMailToRiverAtStop(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	const n = 200
	ids := storeQueued(t, e, n, "queued")
	// One worker: nearly all of them are still waiting when the node stops.
	d := newDispatcher(e, e.app.Jobs, 1, 0)
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		d.Submit(ctx, id)
	}
	if err := d.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// Right after Stop: each mail is processed or has a job.
	left := e.count(`SELECT count(*) FROM inbound_mail m WHERE m.id = ANY($1) AND m.status = 'queued'
		AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'mail_process' AND (j.args->>'inbound_id')::bigint = m.id)`, ids)
	if left != 0 {
		t.Fatalf("%d mails left queued without a job after the dispatcher stopped", left)
	}
	if jobs := e.count(`SELECT count(*) FROM river_job WHERE kind = 'mail_process'`); jobs == 0 {
		t.Fatal("no mail was waiting at the stop: the test proves nothing")
	}
	e.idle()
	if got := e.count(`SELECT count(*) FROM inbound_mail WHERE id = ANY($1) AND status = 'ticket'`, ids); got != n {
		t.Errorf("tickets = %d, want %d", got, n)
	}
}

// TestDispatcherOverflowBatchesJobs: mail a full local queue turns away
// becomes River jobs in a few batch inserts (jobs of one insert share its
// transaction's created_at), not one transaction per mail, and every mail
// still ends as a ticket.
func TestDispatcherOverflowBatchesJobs(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	const n = 300
	ids := storeQueued(t, e, n, "burst")
	// One worker, room for one: nearly every mail overflows.
	d := newDispatcher(e, e.app.Jobs, 1, 1)
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		d.Submit(ctx, id)
	}
	e.idle()
	if err := d.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	jobs := e.count(`SELECT count(*) FROM river_job WHERE kind = 'mail_process'`)
	inserts := e.count(`SELECT count(DISTINCT created_at) FROM river_job WHERE kind = 'mail_process'`)
	if jobs < n/2 {
		t.Fatalf("only %d of %d mails overflowed: the test proves nothing", jobs, n)
	}
	if inserts > jobs/4 {
		t.Errorf("%d overflow jobs took %d inserts, want batches", jobs, inserts)
	}
	if got := e.count(`SELECT count(*) FROM inbound_mail WHERE id = ANY($1) AND status = 'ticket'`, ids); got != n {
		t.Errorf("tickets = %d, want %d", got, n)
	}
}

// TestDispatcherStopHonoursContext: Stop returns when its context ends even
// while the overflow insert is held up (here: waiting for the only
// connection of its job client's pool), and that insert still completes
// after Stop, so the mail gets its jobs. Before, Stop waited for the insert
// whatever its context, until the insert gave up after ten seconds and
// left the mail to the sweeper.
func TestDispatcherStopHonoursContext(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	ids := storeQueued(t, e, 20, "held")
	jdb, err := postgres.Open(ctx, e.db.RawPool().Config().ConnString(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer jdb.Close()
	jc, err := jdb.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	held, err := jdb.RawPool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Not started: every mail overflows to the insert, which waits for held.
	d := newDispatcher(e, jc, 1, 1)
	for _, id := range ids {
		d.Submit(ctx, id)
	}
	stopCtx, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Stop(stopCtx); !errors.Is(err, context.Canceled) {
		t.Errorf("Stop with its context ended = %v, want context.Canceled", err)
	}
	if n := e.count(`SELECT count(*) FROM river_job WHERE kind = 'mail_process'`); n != 0 {
		t.Fatalf("%d jobs inserted while the job client had no connection: the test proves nothing", n)
	}
	held.Release()
	testwait.Until(t, testwait.Long, "a job for every overflow mail", func() bool {
		return e.count(`SELECT count(DISTINCT (args->>'inbound_id')::bigint) FROM river_job
			WHERE kind = 'mail_process' AND (args->>'inbound_id')::bigint = ANY($1)`, ids) == len(ids)
	})
}
