package triage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"switchboard/internal/postgres"
)

// maxBatch bounds how many tickets one triage transaction decides: enough
// to absorb a burst, few enough that the agents' profile locks (which every
// other triage of the team waits on) are held briefly.
const maxBatch = 64

// A triage run takes the candidate agents' profile locks until it commits,
// so the triages of one team run one after another however many workers
// there are; one ticket per transaction made every ticket pay a commit
// (a WAL flush) and a lock hand-over in that queue. So concurrent runs on
// a node are grouped: the first caller leads and triages everything that
// is waiting in one transaction, while the next group gathers behind it.
// Each ticket still gets its own decision, made under the same locks and
// on loads that include the batch's earlier assignments (the trigger keeps
// the counters, and they are read again for every ticket), so capacities
// and the one-assignee rule hold across nodes exactly as before.

// Run prioritises, categorises, schedules and assigns one ticket. Any
// number of nodes may run it at once, for the same ticket or for others:
// the ticket's row lock makes a second run a no-op, and the candidate
// agents' profile locks (taken in id order) make load counts and capacity
// checks exact, so every ticket gets one assignee and capacities hold.
// Concurrent calls on one node are triaged together (see maxBatch).
func (r *Runner) Run(ctx context.Context, ticketID int64) error {
	return r.runs.do(ctx, ticketID, r.runBatch)
}

// group gathers concurrent calls so that one of them leads: it runs
// everything waiting (its own item first, up to maxBatch) in one go, then
// hands the lead to the next waiter, while the next group gathers behind
// it. Used for triage runs (Run) and for new tickets (File).
type group[T any] struct {
	mu      sync.Mutex
	pending []*member[T]
	leading bool
}

// member is one caller waiting in a group.
type member[T any] struct {
	item T
	done chan error    // the result, once
	lead chan struct{} // closed when this caller is to lead the next batch
}

// do waits for item's batch, leading it when no one else is, and returns
// what run sent to its member; run must answer every member it is given.
// run may call release to hand the lead on before it is done (a batch
// about to commit lets the next one take its batch and start meanwhile);
// else the lead passes when run returns.
func (g *group[T]) do(ctx context.Context, item T, run func(ctx context.Context, batch []*member[T], release func())) error {
	p := &member[T]{item: item, done: make(chan error, 1), lead: make(chan struct{})}
	g.mu.Lock()
	g.pending = append(g.pending, p)
	leading := !g.leading
	if leading {
		g.leading = true
	}
	g.mu.Unlock()
	if !leading {
		select {
		case err := <-p.done:
			return err
		case <-p.lead:
		case <-ctx.Done():
			g.forget(p)
			return ctx.Err()
		}
	}
	// This caller leads: it runs what is waiting (its own item included),
	// then hands the lead to the next waiter, if any.
	g.mu.Lock()
	batch := g.take(p)
	g.mu.Unlock()
	var once sync.Once
	release := func() {
		once.Do(func() {
			g.mu.Lock()
			if len(g.pending) > 0 {
				close(g.pending[0].lead)
			} else {
				g.leading = false
			}
			g.mu.Unlock()
		})
	}
	run(ctx, batch, release)
	release()
	select {
	case err := <-p.done:
		return err
	default:
		return errors.New("batch: not answered by its own batch") // cannot happen: take takes p and run answers all
	}
}

// take removes up to maxBatch waiting members, own first; g.mu is held.
func (g *group[T]) take(own *member[T]) []*member[T] {
	batch := []*member[T]{own}
	rest := g.pending[:0]
	for _, q := range g.pending {
		switch {
		case q == own:
		case len(batch) < maxBatch:
			batch = append(batch, q)
		default:
			rest = append(rest, q)
		}
	}
	clear(g.pending[len(rest):])
	g.pending = rest
	return batch
}

// forget drops a caller that gave up before its batch was taken; if it had
// just been handed the lead, the lead passes on.
func (g *group[T]) forget(p *member[T]) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if i := slices.Index(g.pending, p); i >= 0 {
		g.pending = slices.Delete(g.pending, i, i+1)
	}
	select {
	case <-p.lead:
		if len(g.pending) > 0 {
			close(g.pending[0].lead)
		} else {
			g.leading = false
		}
	default:
	}
}

// runBatch triages the batch in one transaction and answers every caller.
// When the batch fails as a whole, each ticket is tried alone, so one bad
// ticket costs only its own run.
func (r *Runner) runBatch(ctx context.Context, batch []*member[int64], _ func()) {
	ids := make([]int64, 0, len(batch))
	for _, p := range batch {
		ids = append(ids, p.item)
	}
	err := r.triageTickets(ctx, ids)
	if err == nil || len(batch) == 1 {
		for _, p := range batch {
			p.done <- err
		}
		return
	}
	for _, p := range batch {
		p.done <- r.triageTickets(ctx, []int64{p.item})
	}
}

// triageTickets triages the tickets in one transaction. Their row locks
// are all taken first, in id order, before any agent's profile lock: the
// same order as every other writer (ticket, then profiles), so two batches
// on different nodes cannot deadlock.
func (r *Runner) triageTickets(ctx context.Context, ids []int64) error {
	now := r.now()
	st, err := r.static(ctx, now)
	if err != nil {
		return fmt.Errorf("triage tickets %v: %w", ids, err)
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	err = r.DB.InTx(ctx, func(tx *postgres.Tx) error {
		found, err := tx.LockTicketsForTriage(ctx, ids)
		if err != nil || len(found) == 0 {
			return err
		}
		// The row locks came before reading what triage changes
		// (priority, category, team): a person's edit made after the read
		// would otherwise be overwritten by this run's write.
		ts, err := tx.TriageTickets(ctx, found)
		if err != nil {
			return err
		}
		w := st.world.clone()
		var plans []plan
		var cands []int64
		for _, t := range ts {
			if t.AssigneeID != nil || !t.Status.IsOpen() {
				continue // another run, or a person, got there first
			}
			p := r.plan(st, w, t, nil)
			plans = append(plans, p)
			cands = append(cands, w.candidates(p.home, p.others)...)
		}
		if len(plans) == 0 {
			return nil
		}
		// Every candidate of the batch, locked once in id order: until
		// commit no other triage can change their load.
		slices.Sort(cands)
		locked, err := tx.LockAgentLoads(ctx, slices.Compact(cands))
		if err != nil {
			return err
		}
		w.refresh(locked)
		checked := map[int64]bool{}
		outs := make([]decided, 0, len(plans))
		writes := make([]postgres.TriageWrite, 0, len(plans))
		for _, p := range plans {
			// (The row locks taken above keep every ticket of the batch
			// unassigned until it is written.)
			o, err := r.settle(ctx, tx, w, now, p, checked)
			if err != nil {
				return fmt.Errorf("triage ticket %d: %w", p.t.ID, err)
			}
			outs, writes = append(outs, o), append(writes, o.write)
		}
		// The whole batch in one statement, then what follows from it.
		written, err := tx.ApplyTriages(ctx, writes)
		if err != nil {
			return err
		}
		var pending map[int64]bool
		if r.Jobs != nil {
			ids := make([]int64, 0, len(written))
			for id := range written {
				ids = append(ids, id)
			}
			if pending, err = tx.AutomationPendingAmong(ctx, ids); err != nil {
				return err
			}
		}
		var done []decided
		for _, o := range outs {
			if written[o.t.ID] {
				done = append(done, o)
			}
		}
		return r.followUp(ctx, tx, done, pending, nil, now)
	})
	if err != nil {
		if len(ids) == 1 {
			return fmt.Errorf("triage ticket %d: %w", ids[0], err)
		}
		return fmt.Errorf("triage tickets %v: %w", ids, err)
	}
	return nil
}
