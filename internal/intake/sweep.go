package intake

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// Sweeper enqueues processing jobs for stored mail that is still queued
// with no job waiting: mail a killed node accepted but had not processed
// (see Dispatcher), or whose job died with it. Processing is idempotent (see Processor.Process), so a second job for
// a mail another node is still working on does no harm.
type Sweeper struct {
	DB    *postgres.DB
	Jobs  *postgres.JobClient
	Log   *slog.Logger
	Every time.Duration // default 1 min
	Stale time.Duration // a queued mail older than this gets a new job; default 10 min

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start sweeps everything received before this node started (its jobs
// belonged to a previous life of the process, or to another node), then
// keeps sweeping stale mail.
func (s *Sweeper) Start(ctx context.Context) error {
	if s.Every == 0 {
		s.Every = time.Minute
	}
	if s.Stale == 0 {
		s.Stale = 10 * time.Minute
	}
	if err := s.sweep(ctx, time.Now()); err != nil {
		return err
	}
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(s.Every)
		defer t.Stop()
		for {
			select {
			case <-base.Done():
				return
			case <-t.C:
				if err := s.sweep(base, time.Now().Add(-s.Stale)); err != nil && base.Err() == nil {
					s.Log.Warn("mail sweep", "err", err)
				}
			}
		}
	}()
	return nil
}

// Stop ends the sweeping loop.
func (s *Sweeper) Stop(context.Context) error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	return nil
}

func (s *Sweeper) sweep(ctx context.Context, before time.Time) error {
	ids, err := s.DB.MailOrphans(ctx, before)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: jobs.ProcessArgs{InboundID: id}}
	}
	if _, err := s.Jobs.InsertMany(ctx, params); err != nil {
		return err
	}
	s.Log.Info("re-enqueued stored mail", "count", len(ids))
	return nil
}
