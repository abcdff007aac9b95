package triage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// New tickets are born triaged: File decides a ticket's category, priority,
// team, deadlines and owner before it is written, so the row is stored once.
// Triaging after the insert wrote it twice: triage's UPDATE changes indexed
// columns, so it is never HOT; it added a second row version with an entry
// in each of the ~25 indexes of tickets (4 GIN), a dead tuple that vacuum
// cleans from all of them, and a second transaction and commit.
//
// Concurrent File calls on a node are grouped as triage runs are (batch.go):
// the leader's one transaction reads the requesters and the clock, takes
// the ticket ids and locks every candidate's profile once in id order (the
// same locks, taken the same way, as a triage batch: capacities stay exact
// across nodes, and as new tickets cannot be locked by anyone else a born
// batch never waits holding a ticket) in one round trip, decides each
// ticket on loads that count the batch's earlier assignments, writes the
// tickets in a second round trip, then what each caller puts in the same
// transaction, and commits. As it commits it hands the lead on, so the
// next batch's first round trip overlaps the commit (it then waits for the
// profile locks this one still holds).

// Filing is a new ticket for File.
type Filing struct {
	// Ticket is the ticket as filed; File fills its Triage and
	// FiledPriority.
	Ticket postgres.NewTicket
	// After, when set, runs in the transaction that writes the ticket,
	// right after it (attachments, the caller's AfterInsert), with the
	// ticket as stored and its first message's id; an error fails the
	// ticket (and its batch, whose other tickets are then filed alone).
	// It may run more than once (each attempt in its own transaction, all
	// but the last rolled back).
	After func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket, messageID int64) error
	// Alone files the ticket in a transaction of its own, at once, beside
	// any batch: for a slow write (large attachments), which would otherwise
	// delay every request of its batch.
	Alone bool
}

// filing is one File call waiting in its group.
type filing struct {
	ctx     context.Context // the caller's values, never cancelled: a taken ticket is filed
	f       Filing
	t       *helpdesk.Ticket // the result
	triaged bool
}

// File writes a new ticket already triaged and returns it as stored (names
// included). When triage cannot decide (the roster cannot be read, or the
// triaged write fails), the ticket is written untriaged instead and triaged
// is false: the caller hands it to the Dispatcher as before. An error is
// the ticket's own (a bad category, the caller's After); nothing is written
// then.
func (r *Runner) File(ctx context.Context, f Filing) (t *helpdesk.Ticket, triaged bool, err error) {
	p := &filing{ctx: context.WithoutCancel(ctx), f: f}
	if f.Alone {
		m := &member[*filing]{item: p, done: make(chan error, 1)}
		r.fileBatch(p.ctx, []*member[*filing]{m}, func() {})
		if err := <-m.done; err != nil {
			return nil, false, err
		}
		return p.t, p.triaged, nil
	}
	if err := r.files.do(p.ctx, p, r.fileBatch); err != nil {
		return nil, false, err
	}
	return p.t, p.triaged, nil
}

// fileBatch files the batch in one transaction and answers every caller.
// When the batch fails as a whole, each ticket is filed alone, and a ticket
// that fails alone is filed untriaged, so one bad ticket costs only its own
// request, and a triage failure never costs a ticket.
func (r *Runner) fileBatch(ctx context.Context, batch []*member[*filing], release func()) {
	fs := make([]*filing, len(batch))
	for i, m := range batch {
		fs[i] = m.item
	}
	err := r.fileTogether(ctx, fs, release)
	var ce commitError
	if err == nil || errors.As(err, &ce) {
		// A failed commit may still have written the batch (the answer was
		// lost, not the data): filing its tickets again could write them
		// twice, so every caller gets the error, as a lone Create would.
		for _, m := range batch {
			m.done <- err
		}
		return
	}
	// The next batch need not wait for these retries.
	release()
	for _, m := range batch {
		if len(batch) > 1 {
			if err = r.fileTogether(ctx, []*filing{m.item}, release); err == nil {
				m.done <- nil
				continue
			}
		}
		// Filed untriaged, triage was what failed; else the error is the
		// ticket's own (its caller's After, a bad category) and the
		// caller's to report.
		uerr := r.fileUntriaged(ctx, []*filing{m.item})
		if uerr == nil && r.Log != nil {
			r.Log.Warn("new ticket not triaged at creation; filed untriaged", "err", err)
		}
		m.done <- uerr
	}
}

// fileTogether files the tickets triaged in one transaction; when the
// roster cannot be read, untriaged.
func (r *Runner) fileTogether(ctx context.Context, fs []*filing, release func()) error {
	now := r.now()
	st, err := r.static(ctx, now)
	if err != nil {
		if r.Log != nil {
			r.Log.Warn("triage roster unavailable; filing new tickets untriaged", "err", err)
		}
		return r.fileUntriaged(ctx, fs)
	}
	// Who may take each ticket depends on its category and team only, not
	// on the requester or the clock read below: the candidates are known
	// before the transaction, so their locks go in its first round trip.
	// So is the category, which the plan in the transaction reuses.
	w := st.world.clone()
	requesters := make([]int64, 0, len(fs))
	var cands []int64
	catz := make([]*Categorisation, len(fs))
	for i, p := range fs {
		n := &p.f.Ticket
		n.FiledPriority = st.rules.Matrix.Lookup(n.Impact, n.Urgency)
		requesters = append(requesters, n.RequesterID)
		pre := r.plan(st, w, draft(n, now, postgres.Filer{}), nil)
		catz[i] = pre.catz
		cands = append(cands, w.candidates(pre.home, pre.others)...)
	}
	slices.Sort(requesters)
	slices.Sort(cands)
	cands = slices.Compact(cands)
	committing := false
	var at bornTimes
	err = r.DB.InTx(ctx, func(tx *postgres.Tx) error {
		start, err := tx.StartFiling(ctx, slices.Compact(requesters), len(fs), cands)
		if err != nil {
			return err
		}
		at.locked = time.Now()
		w.refresh(start.Loads)
		checked := map[int64]bool{}
		outs := make([]decided, len(fs))
		var assignees []int64
		for i, f := range fs {
			n := &f.f.Ticket
			p := r.plan(st, w, draft(n, start.Now, start.Filers[n.RequesterID]), catz[i])
			if outs[i], err = r.settle(ctx, tx, w, now, p, checked); err != nil {
				return fmt.Errorf("triage new ticket %q: %w", n.Subject, err)
			}
			res := outs[i].write.TriageResult
			outs[i].alarmAtBirth(&res, start.LeadTeams)
			n.Triage = &res
			if a := outs[i].assignee; a != nil {
				assignees = append(assignees, *a) // in the order assigned: the round-robin stamps
			}
		}
		at.decided = time.Now()
		ns := make([]postgres.NewTicket, len(fs))
		for i, p := range fs {
			ns[i] = p.f.Ticket
		}
		born, err := tx.InsertTriagedTickets(ctx, start.IDs, ns, assignees)
		if err != nil {
			return err
		}
		at.written = time.Now()
		for i, p := range fs {
			t := born.Tickets[i]
			p.t, p.triaged = t, true
			outs[i].t.ID, outs[i].t.Number = t.ID, t.Number
			if p.f.After != nil {
				if err := p.f.After(p.ctx, tx, t, born.Messages[i]); err != nil {
					return err
				}
			}
		}
		quiet := r.quietBorn(start.Now, start.Filers, fs, born)
		if err := r.followUp(ctx, tx, outs, born.Pending, quiet, now); err != nil {
			return err
		}
		// Committing: the next batch may take its tickets and start; it
		// waits for these profile locks only once it has read its own.
		at.committing = time.Now()
		release()
		committing = true
		return nil
	})
	if err == nil {
		at.count(len(fs))
	}
	if err != nil && committing {
		return commitError{err}
	}
	return err
}

// quietBorn returns the batch's tickets whose waiting events nothing acts
// on: only the created event waits, no active webhook hears ticket.created, the filing added
// nothing after the row, and no created rule may act on the ticket as
// written (MayActOnCreated). Their events are dropped from the inbox
// rather than drained by a job that would do nothing. The rules and
// webhooks were read after the insert, so a rule enabled while the batch
// waited for its locks is seen.
func (r *Runner) quietBorn(now time.Time, filers map[int64]postgres.Filer, fs []*filing, born *postgres.Born) map[int64]bool {
	quiet := map[int64]bool{}
	if r.MayActOnCreated == nil || born.CreatedHooks {
		return quiet
	}
	for _, p := range fs {
		n := &p.f.Ticket
		if !born.Pending[p.t.ID] || n.Extras {
			continue
		}
		if !r.MayActOnCreated(born.CreatedRules, p.t, n.Body, filers[n.RequesterID].VIP, now) {
			quiet[p.t.ID] = true
		}
	}
	return quiet
}

// commitError is a batch's failed commit, which is not retried.
type commitError struct{ error }

func (e commitError) Unwrap() error { return e.error }

// draft is a ticket about to be filed as triage reads a stored one.
func draft(n *postgres.NewTicket, created time.Time, req postgres.Filer) *helpdesk.TriageTicket {
	return &helpdesk.TriageTicket{Subject: n.Subject, Body: n.Body, Status: helpdesk.StatusNew,
		Priority: n.FiledPriority, Impact: n.Impact, Urgency: n.Urgency, CategoryID: n.CategoryID,
		TeamID: n.TeamID, RequesterID: n.RequesterID, CreatedAt: created,
		RequesterVIP: req.VIP, RequesterLocale: req.Locale}
}

// fileUntriaged writes the tickets as filed, for the Dispatcher to triage
// after commit (the path every new ticket took before File).
func (r *Runner) fileUntriaged(ctx context.Context, fs []*filing) error {
	return r.DB.InTx(ctx, func(tx *postgres.Tx) error {
		for _, p := range fs {
			// InsertTicket writes the ticket as filed: a Triage set by a
			// failed attempt is not read.
			t, msg, err := tx.InsertTicket(ctx, p.f.Ticket)
			if err != nil {
				return err
			}
			p.t, p.triaged = t, false
			if p.f.After != nil {
				if err := p.f.After(p.ctx, tx, t, msg); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
