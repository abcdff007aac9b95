package app

import (
	"context"
	"runtime"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
	"switchboard/internal/triage"
	"switchboard/internal/triage/classify"
)

// Intervals of the triage and SLA background jobs.
const (
	slaScanEvery     = time.Minute
	rebalanceEvery   = 30 * time.Second
	triageRetryEvery = time.Minute
	triageSweepEvery = time.Minute
	retrainEvery     = time.Hour
	modelPollEvery   = 10 * time.Second
)

// trainOptions leaves a core to intake and triage while the model trains.
func trainOptions() classify.Options {
	return classify.Options{Workers: max(1, runtime.GOMAXPROCS(0)/2)}
}

// wireTriage builds the triage runner, the SLA service and the classifier,
// plugs them into the ticket workers and registers their periodic jobs. It
// runs before the River client exists; buildTriageJobs completes it.
func (a *App) wireTriage(tw *funcWorker[jobs.TriageArgs], cw *changedWorker) {
	log := a.Env.Log
	a.Classifier = &triage.Classifier{DB: a.DB, Log: log}
	a.Triage = &triage.Runner{DB: a.DB, Classifier: a.Classifier, Log: log}
	a.SLA = &sla.Service{DB: a.DB, Log: log}
	tw.run = func(ctx context.Context, args jobs.TriageArgs) error { return a.Triage.Run(ctx, args.TicketID) }
	// New tickets are triaged on the node that created them, without a job
	// round trip; stopped after the listeners and intake's dispatcher (it
	// is added before them), it hands what waits to River.
	a.TriageDispatch = &triage.Dispatcher{Runner: a.Triage, Log: log.With("part", "triage")}
	a.Tickets.Triage = a.TriageDispatch.Submit
	// New tickets are written already triaged; the dispatcher takes those
	// that could not be (and reopened, laddered and orphaned ones go to
	// River and the sweep as before).
	a.Tickets.File = func(ctx context.Context, n postgres.NewTicket, alone bool,
		after func(context.Context, *postgres.Tx, *helpdesk.Ticket, int64) error) (*helpdesk.Ticket, bool, error) {
		return a.Triage.File(ctx, triage.Filing{Ticket: n, Alone: alone, After: after})
	}
	a.background = append(a.background, a.TriageDispatch)
	cw.handlers = append(cw.handlers, a.SLA.OnChanged)

	river.AddWorker(a.Workers, &funcWorker[jobs.SLAScanArgs]{run: func(ctx context.Context, _ jobs.SLAScanArgs) error {
		_, err := a.SLA.Scan(ctx)
		return err
	}})
	river.AddWorker(a.Workers, &funcWorker[jobs.TriageAlertArgs]{run: func(ctx context.Context, args jobs.TriageAlertArgs) error {
		return a.Triage.SendAlerts(ctx, args.Alerts)
	}})
	river.AddWorker(a.Workers, &funcWorker[jobs.RebalanceArgs]{run: func(ctx context.Context, args jobs.RebalanceArgs) error {
		_, err := a.Triage.Rebalance(ctx, args.AgentID)
		return err
	}})
	river.AddWorker(a.Workers, &funcWorker[jobs.TriageSweepArgs]{run: func(ctx context.Context, _ jobs.TriageSweepArgs) error {
		_, err := a.Triage.SweepUntriaged(ctx)
		return err
	}})
	river.AddWorker(a.Workers, &funcWorker[jobs.TriageRetryArgs]{run: func(ctx context.Context, _ jobs.TriageRetryArgs) error {
		_, err := a.Triage.RetryQueued(ctx)
		return err
	}})
	river.AddWorker(a.Workers, &funcWorker[jobs.RetrainArgs]{limit: postgres.RescueAfter - time.Minute,
		run: func(ctx context.Context, _ jobs.RetrainArgs) error {
			if _, err := triage.RetrainIfNew(ctx, a.DB, trainOptions()); err != nil {
				return err
			}
			return a.Classifier.Refresh(ctx)
		}})
	a.Periodic = append(a.Periodic,
		periodic(slaScanEvery, jobs.SLAScanArgs{}, true),
		periodic(rebalanceEvery, jobs.RebalanceArgs{}, false),
		periodic(triageRetryEvery, jobs.TriageRetryArgs{}, true),
		periodic(triageSweepEvery, jobs.TriageSweepArgs{}, true),
		periodic(retrainEvery, jobs.RetrainArgs{}, false),
	)
	a.background = append(a.background, &modelWatcher{c: a.Classifier})
}

// periodic is a River job inserted every interval, and at start when onStart.
func periodic(every time.Duration, args river.JobArgs, onStart bool) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args, nil },
		&river.PeriodicJobOpts{RunOnStart: onStart})
}

// modelWatcher loads the active categorisation model at start and swaps in
// newer ones trained by any node or by `switchboard triage train`.
type modelWatcher struct {
	c      *triage.Classifier
	cancel context.CancelFunc
	done   chan struct{}
}

// Start loads the model in use; a node without one still starts and
// triages without categorising.
func (m *modelWatcher) Start(ctx context.Context) error {
	if err := m.c.Refresh(ctx); err != nil && m.c.Log != nil {
		m.c.Log.Warn("load categorisation model", "err", err)
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel, m.done = cancel, make(chan struct{})
	go func() {
		defer close(m.done)
		m.c.Watch(wctx, modelPollEvery)
	}()
	return nil
}

// Stop ends the polling.
func (m *modelWatcher) Stop(context.Context) error {
	if m.cancel != nil {
		m.cancel()
		<-m.done
	}
	return nil
}
