package jobs

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Local runs work for rows that are already committed (a new ticket to
// triage, a stored mail to process) on the node that committed them,
// instead of through a River job each: a job costs an insert in the
// committing transaction, a fetch, a completion and its index entries.
// Nothing is lost by it: the committed row is the durable record. What the
// node does not run (its queue is full, it is not started or is stopping)
// goes to River through Enqueue, Run hands on what fails, and a sweep of the
// rows themselves covers a node killed in between.
type Local struct {
	// Run does the work for one id, under Timeout; it hands the id to
	// River itself when it has to be run again.
	Run func(ctx context.Context, id int64)
	// Enqueue hands ids to River, to run at at (zero: now).
	Enqueue func(ctx context.Context, ids []int64, at time.Time)
	Workers int           // concurrent runs; default 16
	Queue   int           // ids waiting before River takes the overflow; default 4096
	Timeout time.Duration // per run, as River's job timeout; default one minute

	busy   atomic.Int64 // submitted and not yet run or handed to River
	mu     sync.Mutex
	queue  chan int64
	closed bool
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// Start runs the workers.
func (l *Local) Start(ctx context.Context) error {
	if l.Workers <= 0 {
		l.Workers = 16
	}
	if l.Queue <= 0 {
		l.Queue = 4096
	}
	if l.Timeout <= 0 {
		l.Timeout = time.Minute
	}
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.mu.Lock()
	l.queue, l.cancel = make(chan int64, l.Queue), cancel
	l.mu.Unlock()
	for range l.Workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for id := range l.queue {
				l.run(base, id)
			}
		}()
	}
	return nil
}

func (l *Local) run(base context.Context, id int64) {
	defer l.busy.Add(-1)
	ctx, cancel := context.WithTimeout(base, l.Timeout)
	defer cancel()
	l.Run(ctx, id)
}

// Submit hands a committed id to this node's workers; what they cannot
// take now (a full queue, a node not started or stopping) goes to River.
func (l *Local) Submit(ctx context.Context, id int64) {
	l.busy.Add(1)
	l.mu.Lock()
	if l.queue != nil && !l.closed {
		select {
		case l.queue <- id:
			l.mu.Unlock()
			return
		default:
		}
	}
	l.mu.Unlock()
	l.Enqueue(ctx, []int64{id}, time.Time{})
	l.busy.Add(-1)
}

// Idle reports whether every id submitted so far has been run or handed to
// River: with no River job left either, the work has caught up.
func (l *Local) Idle() bool { return l.busy.Load() == 0 }

// Stop takes no more ids, hands what is still waiting to River, and lets
// the runs in progress finish (until ctx ends; a run cut off rolls back and
// its row is found by the sweep).
func (l *Local) Stop(ctx context.Context) error {
	l.mu.Lock()
	if l.queue == nil || l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.queue)
	l.mu.Unlock()
	var left []int64
	for id := range l.queue { // the workers take some too; each id goes to one of us
		left = append(left, id)
	}
	if len(left) > 0 {
		l.Enqueue(ctx, left, time.Time{})
		l.busy.Add(-int64(len(left)))
	}
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		l.cancel()
		<-done
	}
	l.cancel()
	return nil
}
