package triage

import "context"

// TriageTogether triages ids in one transaction, as a batch of concurrent
// runs would be.
func (r *Runner) TriageTogether(ctx context.Context, ids []int64) error {
	return r.triageTickets(ctx, ids)
}
