package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"switchboard/internal/jobs"
)

// JobClient is River on this database's pool. Services insert jobs with it
// inside their own transactions (InsertTx with a Tx), so a change and its
// follow-up job commit together.
type JobClient struct {
	*river.Client[pgx.Tx]
}

// InsertTx enqueues a job in tx: it runs only if tx commits.
func (c *JobClient) InsertTx(ctx context.Context, tx *Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return c.Client.InsertTx(ctx, tx.tx, args, opts)
}

// RescueAfter is when River hands a job held by a dead node to another.
const RescueAfter = 10 * time.Minute

// JobConfig says which workers this node runs. An insert-only client (for CLI
// commands and tests) has no workers.
type JobConfig struct {
	Workers    *river.Workers
	Periodic   []*river.PeriodicJob
	MaxWorkers int
	Logger     *slog.Logger
	InsertOnly bool
}

// NewJobClient builds the River client on the pool.
func (db *DB) NewJobClient(cfg JobConfig) (*JobClient, error) {
	rc := &river.Config{Logger: cfg.Logger,
		// A job still "running" this long was held by a node that died:
		// River hands it out again. Its default of an hour left tickets of a
		// crashed node untriaged that long; every job here is limited to a
		// minute but the background retrain, limited to RescueAfter-1min.
		RescueStuckJobsAfter: RescueAfter}
	if !cfg.InsertOnly {
		if cfg.MaxWorkers == 0 {
			cfg.MaxWorkers = 20
		}
		// Triage jobs take a few milliseconds; River's default 100 ms fetch
		// cooldown would cap a node at MaxWorkers jobs per 100 ms.
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers, FetchCooldown: 20 * time.Millisecond},
			// Mail intake and sending run several short jobs per mail; their
			// own queue and a short fetch cooldown keep a burst of mail from
			// waiting behind triage and from being capped by fetch rounds.
			jobs.QueueMail: {MaxWorkers: cfg.MaxWorkers, FetchCooldown: 10 * time.Millisecond},
			// Outbound chat messages wait on chat APIs (rate limits,
			// outages); a few workers of their own keep that off the others.
			jobs.QueueChat: {MaxWorkers: 4}}
		rc.Workers = cfg.Workers
		rc.PeriodicJobs = cfg.Periodic
	}
	c, err := river.NewClient(riverpgxv5.New(db.pool), rc)
	if err != nil {
		return nil, err
	}
	return &JobClient{Client: c}, nil
}

// InsertManyFastTx enqueues many jobs in tx with COPY: they run only if tx
// commits.
func (c *JobClient) InsertManyFastTx(ctx context.Context, tx *Tx, params []river.InsertManyParams) (int, error) {
	return c.Client.InsertManyFastTx(ctx, tx.tx, params)
}
